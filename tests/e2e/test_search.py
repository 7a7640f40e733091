"""The search tool never holds the server, end to end: a pattern that backtracks
catastrophically in Python's `re` (here `(a+)+$` over lines of 40 `a`s and a `!`, which `re`
would take years over) must not stall another session's stream nor a cancel, and the search
answers."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from tests.e2e.harness import RawServer, process_alive

EVIL_LINE = "a" * 40 + "!"
STREAM = "".join(f"[{i:05d}]" for i in range(600))


async def test_a_catastrophic_pattern_holds_neither_another_session_nor_a_cancel(
    sim: Any, sim_env: dict[str, str], workspace: Path, tmp_path: Path
) -> None:
    (workspace / "evil.txt").write_text(f"{EVIL_LINE}\n" * 200 + "aaaa\n")
    sim.load(
        [
            # Session B: streams, paused until A's search is under way, then at a steady pace.
            {
                "blocks": [{"type": "text", "text": STREAM}],
                "chunk": 7,
                "pace": 400,
                "hold": {"name": "b-mid", "after_deltas": 5},
            },
            # Session A: the search, then a reply held until the test cancels it.
            {"blocks": [{"type": "tool_use", "name": "search", "input": {"pattern": "(a+)+$"}}]},
            {"blocks": [{"type": "text", "text": "never"}], "hold": {"name": "a-after"}},
        ]
    )
    server = await RawServer.start(workspace, sim_env, tmp_path / "server-stderr.log")
    try:
        await server.initialize(workspace)
        a, b = await server.new_session(), await server.new_session()
        streaming = server.prompt(b, "stream")
        await asyncio.to_thread(sim.wait_held, "b-mid", 10)
        searching = server.prompt(a, "search")
        await server.wait_for(
            lambda: any(u.get("status") == "in_progress" for u in server.updates(a)),
            what="A's search to start",
        )
        sim.release("b-mid")
        started = time.monotonic()
        # B's ~1.5 s stream goes on while A searches.
        answer = await asyncio.wait_for(streaming, 20)
        assert answer["result"]["stopReason"] == "end_turn"
        assert server.text(b) == STREAM
        streamed_in = time.monotonic() - started

        # A's search answered (a linear-time engine) with the one matching line ...
        final = await server.wait_for(
            lambda: next(
                (u for u in server.updates(a) if u.get("status") in ("completed", "failed")),
                None,
            ),
            10,
            "A's search result",
        )
        assert final["status"] == "completed", final
        assert final["content"][0]["content"]["text"] == "evil.txt:201: aaaa"
        # ... and a cancel is honoured at once.
        await asyncio.to_thread(sim.wait_held, "a-after", 10)
        cancelled_at = time.monotonic()
        server.cancel(a)
        reply = await asyncio.wait_for(searching, 10)
        assert reply["result"]["stopReason"] == "cancelled"
        cancel_latency = time.monotonic() - cancelled_at
        assert cancel_latency < 2.0, cancel_latency
        assert streamed_in < 15, streamed_in
        # For docs/reliability.md (pytest -s shows it).
        print(f"\nB streamed in {streamed_in:.2f} s; cancel answered in {cancel_latency:.3f} s")
    finally:
        await server.close()
        # No search process is left behind.
        for pid in _children_named(server.pid, "rg"):
            assert not process_alive(pid)


def _children_named(ppid: int, name: str) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text()
        except OSError:
            continue
        comm = fields[fields.index("(") + 1 : fields.rindex(")")]
        parent = int(fields.rpartition(")")[2].split()[1])
        if comm == name and parent == ppid:
            found.append(int(stat.parent.name))
    return found

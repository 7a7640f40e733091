"""Load, on loopback: many sessions in one server, each streaming thousands of deltas and
running a tool call, while one more session is cancelled mid-stream.

The suite runs a small size; `make load` (AGENTLS_LOAD=full) runs 32 sessions x 5,000
deltas and prints the figures (time, deltas/s end to end, cancel latency, server memory).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import RawServer, vm_kb

FULL = os.environ.get("AGENTLS_LOAD") == "full"
SESSIONS = 32 if FULL else 8
DELTAS = 5_000 if FULL else 1_000  # text deltas per session, over its two model requests
TOKEN = 13  # characters per token, one token per delta: "[turn:index]", "[007:0000042]"
CANCEL_PACE = 200  # deltas/s of the stream that is cancelled under load


def tokens(turn: int, count: int) -> str:
    return "".join(f"[{turn:03d}:{i:07d}]" for i in range(count))


TOKEN_RE = re.compile(r"\[(\d{3}):(\d{7})\]")


def runs(text: str) -> list[tuple[int, int]]:
    """The text as (turn, length) runs, checking that each run counts 0, 1, 2... in order;
    a lost, doubled or reordered delta breaks the count."""
    assert len(text) % TOKEN == 0, f"a partial token: {len(text)} characters"
    found: list[tuple[int, int]] = []
    for position, match in enumerate(TOKEN_RE.finditer(text)):
        assert match.start() == position * TOKEN, f"garbage at {position * TOKEN}"
        turn, index = int(match[1]), int(match[2])
        if found and found[-1][0] == turn:
            assert index == found[-1][1], f"turn {turn}: delta {index} where {found[-1][1]} was due"
            found[-1] = (turn, index + 1)
        else:
            assert index == 0, f"turn {turn} starts at delta {index}"
            found.append((turn, 1))
    return found


def script(sessions: int, deltas: int) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """Per session, a reply with text and a tool call, then a reply with text; returns the
    turns and how many deltas each turn's text has. The simulator hands turns out in request
    order, so the tool replies go first: every session's first request gets one."""
    first, second = deltas // 2, deltas - deltas // 2
    lengths: dict[int, int] = {}
    tool_turns, text_turns = [], []
    for n in range(sessions):
        lengths[n] = first
        tool_turns.append(
            {
                "blocks": [
                    {"type": "text", "text": tokens(n, first)},
                    {
                        "type": "tool_use",
                        "name": "str_replace_based_edit_tool",
                        "input": {"command": "view", "path": "src/app.py"},
                    },
                ],
                "chunk": TOKEN,
            }
        )
        lengths[sessions + n] = second
        text_turns.append(
            {"blocks": [{"type": "text", "text": tokens(sessions + n, second)}], "chunk": TOKEN}
        )
    return tool_turns + text_turns, lengths


@pytest.mark.timeout(900 if FULL else 180)
async def test_many_sessions_stream_in_full_and_a_cancel_under_load_is_fast(
    sim: Any, sim_env: dict[str, str], workspace: Path, tmp_path: Path
) -> None:
    turns, lengths = script(SESSIONS, DELTAS)
    cancel_turn = 999
    # Paced, and far longer than the load lasts: it is still streaming when cancelled.
    cancel_text = tokens(cancel_turn, 600 * CANCEL_PACE)
    sim.load(
        [{"blocks": [{"type": "text", "text": cancel_text}], "chunk": TOKEN, "pace": CANCEL_PACE}]
    )
    sim.append(turns)
    server = await RawServer.start(workspace, sim_env, tmp_path / "server-stderr.log")
    try:
        await server.initialize(workspace)
        victim = await server.new_session()
        sessions = [await server.new_session() for _ in range(SESSIONS)]
        cancelled = server.prompt(victim, "talk until stopped")
        await server.wait_for(lambda: server.text_chars.get(victim), 30, "the victim streaming")

        started = time.monotonic()
        prompts = [server.prompt(session, "go") for session in sessions]
        expected_chars = DELTAS * SESSIONS * TOKEN

        def received() -> int:
            return sum(server.text_chars.get(s, 0) for s in sessions)

        await server.wait_for(
            lambda: received() >= expected_chars // 2, 600, "half of the load's text"
        )
        cancel_sent = time.monotonic()
        server.cancel(victim)
        answer = await asyncio.wait_for(cancelled, 30)
        cancel_latency = time.monotonic() - cancel_sent
        answers = await asyncio.wait_for(asyncio.gather(*prompts), 600)
        elapsed = time.monotonic() - started
        peak_kb = vm_kb(server.pid, "VmHWM")

        assert answer["result"]["stopReason"] == "cancelled"
        assert cancel_text.startswith(server.text(victim))
        assert [a.get("result", a).get("stopReason") for a in answers] == ["end_turn"] * SESSIONS
        # Every delta of every turn, once, in order; each turn's text in one session only.
        seen: dict[int, int] = {}
        for session in sessions:
            for turn, count in runs(server.text(session)):
                assert turn not in seen, f"turn {turn} streamed twice"
                seen[turn] = count
        assert seen == lengths
        tool_calls = [u for u in server.updates() if u.get("sessionUpdate") == "tool_call"]
        assert len(tool_calls) == SESSIONS
        finals = {
            u["toolCallId"]: u["status"]
            for u in server.updates()
            if u.get("sessionUpdate") == "tool_call_update" and u.get("status")
        }
        assert set(finals.values()) == {"completed"} and len(finals) == SESSIONS

        deltas = SESSIONS * DELTAS
        chunks = sum(server.chunks[s] for s in sessions)
        print(
            f"\nload: {SESSIONS} sessions x {DELTAS} deltas = {deltas} deltas "
            f"({expected_chars / 1e6:.1f} MB of text) in {elapsed:.2f} s: "
            f"{deltas / elapsed:,.0f} deltas/s end to end, {chunks} chunks; "
            f"cancel under load answered in {cancel_latency * 1000:.0f} ms; "
            f"server peak RSS {peak_kb / 1024:.0f} MiB"
        )
        # Generous bounds: a shared, busy machine. At full size this fails today: each turn
        # handles a whole network read of events (hundreds) before the event loop runs
        # again, so a cancel waits seconds; yielding every few dozen events fixes it.
        assert cancel_latency < (1.0 if FULL else 3.0), f"cancel took {cancel_latency:.2f}s"
        assert peak_kb < 1_000_000
    finally:
        assert await server.close() == 0, server.stderr()[-3000:]

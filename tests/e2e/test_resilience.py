"""Resilience, end to end: many sessions at once, an editor that stops reading, an editor that
dies. A real `agentls serve`, the real SDK, the simulator."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from tests.e2e.harness import Agent, RawServer, process_alive, vm_kb

LONG_TEXT = "One session held mid-answer must not hold up another. " * 20
# The floods here are far larger than a context window: compaction (tested in
# test_compaction.py) would add requests these scenarios do not script.
ACCEPT_ALL = {"permissionMode": "acceptAll", "autoCompact": 0}


def text_turn(text: str, **extra: Any) -> dict[str, Any]:
    return {"blocks": [{"type": "text", "text": text}], **extra}


def tokens(count: int, tag: str = "") -> str:
    """Text whose every 9-character token says where it belongs, so a lost, doubled or
    reordered piece shows in a failure message."""
    return "".join(f"[{tag}{i:0{7 - len(tag)}d}]" for i in range(count))


def read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


class Sleeper:
    """A `bash` tool call that runs until killed: a background `sleep` and a foreground one,
    each writing its pid to a file, so the test can see the command run and then die."""

    def __init__(self, tmp_path: Path, name: str = "cmd") -> None:
        self.shell_file = tmp_path / f"{name}-shell.pid"
        self.background_file = tmp_path / f"{name}-background.pid"
        self.command = (
            f"sleep 300 & echo $! > {self.background_file}; echo $$ > {self.shell_file}; sleep 300"
        )

    def block(self) -> dict[str, Any]:
        return {"type": "tool_use", "name": "bash", "input": {"command": self.command}}

    def pids(self) -> list[int] | None:
        pids = [read_pid(self.shell_file), read_pid(self.background_file)]
        return [pid for pid in pids if pid is not None] if None not in pids else None

    def running(self) -> list[int] | None:
        pids = self.pids()
        return pids if pids and all(process_alive(pid) for pid in pids) else None

    def gone(self) -> bool:
        pids = self.pids()
        assert pids is not None, "the command never started"
        return not any(process_alive(pid) for pid in pids)


# ---- 1. concurrency ------------------------------------------------------------------------


async def test_a_held_session_does_not_hold_up_another_sessions_turn(
    agent: Agent, sim: Any
) -> None:
    sim.load(
        [
            text_turn(LONG_TEXT, hold={"name": "a-mid", "after_deltas": 3}),
            {
                "blocks": [
                    {"type": "text", "text": "Looking around."},
                    {
                        "type": "tool_use",
                        "name": "str_replace_based_edit_tool",
                        "input": {"command": "view", "path": "README.md"},
                    },
                    {"type": "tool_use", "name": "search", "input": {"pattern": "def greet"}},
                ]
            },
            text_turn("B is done."),
        ]
    )
    client = agent.client
    first, second = await client.new_session(), await client.new_session()
    held = asyncio.ensure_future(client.prompt(first, "talk at length"))
    await asyncio.to_thread(sim.wait_held, "a-mid", 10)
    await agent.wait_for(lambda: agent.text(first), what="the held session's first text")

    # A whole turn with two tool calls in the other session, while the first stays parked.
    result = await asyncio.wait_for(client.prompt(second, "look around"), 30)
    assert result["stopReason"] == "end_turn"
    assert not held.done()
    assert agent.text(second) == "Looking around.B is done."
    calls = agent.of_kind("tool_call", second)
    assert len(calls) == 2
    for call in calls:
        statuses = [u.get("status") for u in agent.tool_updates(call["toolCallId"])]
        assert statuses[-1] == "completed", statuses
    assert not agent.of_kind("tool_call", first)  # nothing of B's leaked into A

    # The held session is busy: a second prompt or an undo is refused, not queued.
    with pytest.raises(JsonRpcException) as busy:
        await client.prompt(first, "again")
    assert busy.value.code == -32002
    with pytest.raises(JsonRpcException) as busy_undo:
        await client.request("agentls/undoTurn", {"sessionId": first})
    assert busy_undo.value.code == -32002 and "already running" in busy_undo.value.message

    sim.release("a-mid")
    assert (await asyncio.wait_for(held, 30))["stopReason"] == "end_turn"
    assert agent.text(first) == LONG_TEXT


# ---- 2. an editor that stops reading -------------------------------------------------------

# Far more than the server's 1 MiB write buffer plus the pipe and this client's read buffer,
# so the server is certainly congested once it has streamed it all.
FLOOD_TEXT = tokens(230_000, "A")  # about 2 MB
FLOOD_CHUNK = 64
FLOOD_DELTAS = -(-len(FLOOD_TEXT) // FLOOD_CHUNK)
TRICKLE_TEXT = tokens(8_000, "B")
TRICKLE_HOLD = 3_000


async def flood_until_congested(
    server: RawServer, sim: Any, session: str, sleeper: Sleeper
) -> asyncio.Future[dict[str, Any]]:
    """With stdout unread, stream FLOOD_TEXT in `session`, then a command that runs until
    killed. Once the command runs, the server has taken in all of the text and its stdout is
    full: it is congested, and stays so while the client does not read."""
    server.pause_reading()
    prompt = server.prompt(session, "flood")
    await server.wait_for(sleeper.running, timeout=90, what="the command after the flood")
    return prompt


async def start_server(
    workspace: Path, sim_env: dict[str, str], tmp_path: Path, options: dict[str, Any]
) -> RawServer:
    server = await RawServer.start(workspace, sim_env, tmp_path / "server-stderr.log")
    await server.initialize(workspace, options)
    return server


async def test_an_editor_that_stops_reading_loses_nothing_and_can_still_cancel(
    sim: Any, sim_env: dict[str, str], workspace: Path, tmp_path: Path
) -> None:
    sleeper = Sleeper(tmp_path)
    sim.load(
        [
            {"blocks": [{"type": "text", "text": FLOOD_TEXT}, sleeper.block()], "chunk": 64},
            # A fast paced stream: unread, every delta would be its own chunk.
            text_turn(
                TRICKLE_TEXT,
                chunk=9,
                pace=2000,
                hold={"name": "trickle-mid", "after_deltas": TRICKLE_HOLD},
            ),
            text_turn("Next."),
        ]
    )
    server = await start_server(workspace, sim_env, tmp_path, ACCEPT_ALL)
    try:
        flood, trickle = await server.new_session(), await server.new_session()
        rss_start = vm_kb(server.pid)
        flooding = await flood_until_congested(server, sim, flood, sleeper)
        trickling = server.prompt(trickle, "trickle")
        await asyncio.to_thread(sim.wait_held, "trickle-mid", 30)

        # Still not reading: both cancels must get through, and the command must die.
        server.cancel(trickle)
        server.cancel(flood)
        await server.wait_for(sleeper.gone, timeout=10, what="the cancelled command to die")
        another = server.request_nowait("session/new", {"mcpServers": []})
        rss_congested = vm_kb(server.pid)

        server.resume_reading()
        answers = await asyncio.wait_for(asyncio.gather(flooding, trickling, another), 60)
        assert [a["result"].get("stopReason") for a in answers[:2]] == ["cancelled"] * 2
        assert answers[2]["result"]["sessionId"].startswith("sess_")

        # Every character, in order.
        await server.wait_for(
            lambda: server.text_chars.get(flood, 0) >= len(FLOOD_TEXT), 30, "the flood text"
        )
        assert server.text(flood) == FLOOD_TEXT
        # ... coalesced: while stdout was full, deltas joined instead of queueing apiece.
        assert server.chunks[flood] < FLOOD_DELTAS / 10, (server.chunks[flood], FLOOD_DELTAS)

        # The trickle streamed wholly while congested: what the server took in before the
        # cancel is what it kept in the conversation, and all of it reached the client.
        await server.wait_for(lambda: server.text_chars.get(trickle, 0), 30, "trickle text")
        trickled = server.text(trickle)
        assert trickled and TRICKLE_TEXT.startswith(trickled)
        assert server.chunks[trickle] <= 3, server.chunks[trickle]
        assert (await server.result("session/prompt", prompt_params(trickle, "go on")))[
            "stopReason"
        ] == "end_turn"
        kept = sim.requests[-1]["body"]["messages"][1]["content"]
        assert "".join(block.get("text", "") for block in kept) == trickled

        # Held text costs its own size, not a message apiece: generous bounds.
        peak = vm_kb(server.pid, "VmHWM")
        assert rss_congested - rss_start < 200_000, (rss_start, rss_congested)
        assert peak < 500_000, peak
    finally:
        assert await server.close() == 0, server.stderr()[-3000:]


def prompt_params(session: str, text: str) -> dict[str, Any]:
    return {"sessionId": session, "prompt": [{"type": "text", "text": text}]}


async def test_a_prompt_answers_after_its_held_updates(
    sim: Any, sim_env: dict[str, str], workspace: Path, tmp_path: Path
) -> None:
    sleeper = Sleeper(tmp_path)
    sim.load(
        [
            {"blocks": [{"type": "text", "text": FLOOD_TEXT}, sleeper.block()], "chunk": 64},
            text_turn("witness"),
        ]
    )
    server = await start_server(workspace, sim_env, tmp_path, ACCEPT_ALL)
    try:
        session = await server.new_session()
        msg_id = server.next_id()
        server.pause_reading()
        flooding = server.prompt(session, "flood", msg_id)
        await server.wait_for(sleeper.running, timeout=90, what="the command after the flood")
        server.cancel(session)
        # The session takes a new prompt (the simulator sees its request) only once the
        # cancelled one has answered; a prompt sent too early is refused as busy.
        for _attempt in range(20):
            server.prompt(session, "witness")
            if await asyncio.to_thread(sim_saw_requests, sim, 2, 1.0):
                break
        else:
            raise AssertionError("the session never took a prompt after the cancel")
        server.resume_reading()
        answer = await asyncio.wait_for(flooding, 60)
        assert answer["result"]["stopReason"] == "cancelled"
        await server.wait_for(
            lambda: server.text_chars.get(session, 0) >= len(FLOOD_TEXT), 30, "the flood text"
        )
        position = {id(m): i for i, m in enumerate(server.messages)}
        last_update = max(
            position[id(m)]
            for m in server.messages
            if m.get("method") == "session/update"
            and m["params"]["sessionId"] == session
            and m["params"]["update"]["sessionUpdate"] == "agent_message_chunk"
        )
        assert position[id(answer)] > last_update
    finally:
        await server.close()


def sim_saw_requests(sim: Any, count: int, timeout: float) -> bool:
    try:
        sim.wait_requests(count, timeout)
    except TimeoutError:
        return False
    return True


# ---- 3. an editor that dies ----------------------------------------------------------------


@pytest.mark.parametrize("death", ["stdin-eof", "parent-death"])
async def test_when_the_editor_dies_turns_stop_commands_die_and_the_server_exits(
    sim: Any, sim_env: dict[str, str], workspace: Path, tmp_path: Path, death: str
) -> None:
    # A stand-in for the editor process, named in initialize's processId.
    editor = await asyncio.create_subprocess_exec("sleep", "300")
    sleeper = Sleeper(tmp_path)
    sim.load(
        [
            {"blocks": [sleeper.block()]},
            text_turn(LONG_TEXT, hold={"name": "streaming", "after_deltas": 2}),
        ]
    )
    server = await RawServer.start(workspace, sim_env, tmp_path / "server-stderr.log")
    try:
        await server.initialize(workspace, ACCEPT_ALL, process_id=editor.pid)
        running, streaming = await server.new_session(), await server.new_session()
        server.prompt(running, "run it")
        await server.wait_for(sleeper.running, timeout=30, what="the command to run")
        server.prompt(streaming, "talk")
        await asyncio.to_thread(sim.wait_held, "streaming", 10)

        started = time.monotonic()
        if death == "stdin-eof":
            assert server.process.stdin is not None
            server.process.stdin.close()
        else:
            editor.kill()
            await editor.wait()  # reaped: its pid no longer exists (stdin stays open)
        code = await asyncio.wait_for(server.process.wait(), 10)
        elapsed = time.monotonic() - started
        assert elapsed < 3.0, f"the server took {elapsed:.2f}s to exit"
        assert code == 0, server.stderr()[-3000:]
        # The command and what it left in the background died with the server's turns.
        await server.wait_for(sleeper.gone, timeout=3, what="the command to die")
    finally:
        if editor.returncode is None:
            editor.kill()
            await editor.wait()
        await server.close()
        for pid in sleeper.pids() or []:
            if process_alive(pid):
                os.kill(pid, 9)

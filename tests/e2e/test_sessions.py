"""Sessions survive restarts and crashes: session/list and session/load on a new server."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from tests.conftest import start_agent
from tests.e2e.harness import Agent, process_alive

VIEW = {
    "type": "tool_use",
    "name": "str_replace_based_edit_tool",
    "input": {"command": "view", "path": "README.md"},
}


async def restart(agent: Agent, env: dict[str, str], tmp_path: Path, **options: Any) -> Agent:
    await agent.client.close()
    return await start_agent(
        agent.root, env, options or None, stderr_path=tmp_path / "second-server.log"
    )


async def test_a_session_is_listed_and_loaded_after_a_restart(
    agent: Agent, sim: Any, sim_env: dict[str, str], tmp_path: Path
) -> None:
    sim.load(
        [
            {"blocks": [{"type": "text", "text": "Let me look."}, VIEW]},
            {"blocks": [{"type": "text", "text": "It is a sample project."}]},
        ]
    )
    session = await agent.client.new_session()
    await agent.client.prompt(session, "What is this project?\nSecond line.")
    second = await restart(agent, sim_env, tmp_path)
    try:
        listing = await second.client.request("session/list", {"cwd": str(second.root)})
        assert [s["sessionId"] for s in listing["sessions"]] == [session]
        assert listing["sessions"][0]["title"] == "What is this project?"
        loaded = await second.client.request(
            "session/load", {"sessionId": session, "mcpServers": []}
        )
        assert loaded["modes"]["currentModeId"] == "default"
        assert {option["id"] for option in loaded["configOptions"]} == {
            "model",
            "mode",
            "thought_level",
        }
        await second.wait_for(
            lambda: second.of_kind("available_commands_update"), what="the commands"
        )
        kinds = [u["update"]["sessionUpdate"] for u in second.updates]
        assert kinds == [
            "user_message_chunk",
            "agent_message_chunk",
            "tool_call",
            "agent_message_chunk",
            "available_commands_update",
        ]
        tool_call = second.of_kind("tool_call")[0]
        assert tool_call["status"] == "completed" and tool_call["title"] == "Read README.md"
        assert "A sample project." in tool_call["content"][0]["content"]["text"]
        sim.load([{"blocks": [{"type": "text", "text": "Yes."}]}])
        assert (await second.client.prompt(session, "Sure?"))["stopReason"] == "end_turn"
        history = sim.requests[-1]["body"]["messages"]
        assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant", "user"]
    finally:
        await second.client.close()


async def test_kill_9_mid_turn_loads_up_to_the_last_complete_message(
    workspace: Path, sim: Any, sim_env: dict[str, str], tmp_path: Path
) -> None:
    options = {"permissionMode": "acceptAll"}
    agent = await start_agent(workspace, sim_env, options, stderr_path=tmp_path / "first.log")
    pids = workspace / "pids"
    command = {
        "type": "tool_use",
        "name": "bash",
        "input": {"command": f"echo $$ > {pids}; sleep 300"},
    }
    sim.load([{"blocks": [{"type": "text", "text": "Running it."}, command]}])
    session = await agent.client.new_session()
    prompt = asyncio.ensure_future(agent.client.prompt(session, "run the long thing"))
    await agent.wait_for(lambda: pids.exists() and pids.read_text().strip(), what="the command")
    assert agent.client.process is not None
    agent.client.process.send_signal(signal.SIGKILL)
    failure: BaseException | None = None
    try:
        await asyncio.wait_for(prompt, 10)
    except Exception as exc:  # the server is gone: any failure of the request will do
        failure = exc
    assert failure is not None
    await agent.client.stop()  # type: ignore[no-untyped-call]
    # A kill -9 gives the server no chance to stop its command; the command's guard does.
    shell = int(pids.read_text())
    # SIGTERM, then SIGKILL after the guard's 2 s grace; a loaded machine may take longer.
    await agent.wait_for(
        lambda: not process_alive(shell), timeout=30, what="the command to be stopped"
    )
    second = await start_agent(workspace, sim_env, stderr_path=tmp_path / "second.log")
    try:
        await second.client.request("session/load", {"sessionId": session, "mcpServers": []})
        failed = second.of_kind("tool_call")[0]
        assert failed["status"] == "failed"
        assert "Interrupted" in failed["content"][0]["content"]["text"]
        sim.load([{"blocks": [{"type": "text", "text": "Recovered."}]}])
        assert (await second.client.prompt(session, "what happened?"))["stopReason"] == "end_turn"
        assert sim.requests[-1]["status"] == 200
    finally:
        await second.client.close()


async def test_a_half_written_last_line_is_ignored(
    agent: Agent, sim: Any, state_dir: Path, sim_env: dict[str, str], tmp_path: Path
) -> None:
    sim.load([{"blocks": [{"type": "text", "text": "One."}]}])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "first")
    (log,) = await asyncio.to_thread(lambda: list(state_dir.glob(f"sessions/*/{session}.jsonl")))
    with log.open("a") as handle:
        handle.write('{"type": "assistant", "content": [{"type": "te')  # a crash mid-write
    records = [json.loads(line) for line in log.read_text().splitlines()[:-1]]
    assert [r["type"] for r in records] == ["session", "prompt", "user", "assistant"]
    second = await start_agent(agent.root, sim_env, stderr_path=tmp_path / "second.log")
    try:
        await second.client.request("session/load", {"sessionId": session, "mcpServers": []})
        assert second.text() == "One."
    finally:
        await second.client.close()


async def test_loading_an_unknown_session_is_a_clear_error(agent: Agent) -> None:
    with pytest.raises(JsonRpcException) as failure:
        await agent.client.request("session/load", {"sessionId": "sess_nope", "mcpServers": []})
    assert failure.value.code == -32002 and "session/new" in failure.value.message
    with pytest.raises(JsonRpcException) as traversal:
        await agent.client.request(
            "session/load", {"sessionId": "../../etc/passwd", "mcpServers": []}
        )
    # Not an id session/new could have made: the client's mistake, not a missing session.
    assert traversal.value.code == -32602

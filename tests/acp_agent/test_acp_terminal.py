"""Commands in the client's terminal (ACP `terminal/*`) when it advertises one: the tool
call embeds the terminal while the command runs, the model gets the output and exit code,
and no terminal outlives its call (time limit, cancel), driven by the official client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.acp_agent.harness import AcpSession, acp_agent
from tests.e2e.harness import process_alive
from tests.e2e.test_core import text_turn

ACCEPT_ALL = {"permissionMode": "acceptAll"}


def bash_turn(command: str) -> dict[str, Any]:
    return {"blocks": [{"type": "tool_use", "name": "bash", "input": {"command": command}}]}


@pytest.fixture
async def acp(
    workspace: Path, sim_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[AcpSession]:
    async with acp_agent(
        workspace, sim_env, terminal=True, options=ACCEPT_ALL, stderr_path=tmp_path / "acp.log"
    ) as session:
        yield session


def tool_result(sim: Any) -> dict[str, Any]:
    block: dict[str, Any] = sim.requests[-1]["body"]["messages"][-1]["content"][0]
    assert block["type"] == "tool_result"
    return block


def result_text(block: dict[str, Any]) -> str:
    content = block["content"]
    return content if isinstance(content, str) else "".join(c["text"] for c in content)


async def test_a_command_runs_in_the_clients_terminal(
    acp: AcpSession, sim: Any, workspace: Path
) -> None:
    sim.load([bash_turn("echo from the terminal; pwd; exit 3"), text_turn("Done.")])
    session = (await acp.new_session())["sessionId"]
    assert (await acp.prompt(session, "run it"))["stopReason"] == "end_turn"

    terminals = acp.client.terminals
    assert terminals.calls[0] == (
        "create",
        {
            "command": "bash",
            "args": ["-c", "echo from the terminal; pwd; exit 3"],
            "cwd": str(workspace),
            "limit": 24_000,
        },
    )
    assert terminals.methods()[1:] == ["wait_for_exit", "output", "release"]
    assert terminals.live == {}
    # The model gets the terminal's output and the exit code.
    result = tool_result(sim)
    assert result_text(result) == f"from the terminal\n{workspace}\n\n[exit code: 3]"
    assert result.get("is_error") is True
    # The panel shows the terminal while it runs and after, with the exit code beside it.
    (call,) = acp.client.of_kind("tool_call", session)
    updates = acp.client.tool_updates(call["toolCallId"])
    embedded = {"type": "terminal", "terminalId": "term-1"}
    running = [u for u in updates if u.get("content") == [embedded]]
    assert running and "status" not in running[0]
    final = updates[-1]
    assert final["status"] == "failed"
    assert final["content"] == [
        embedded,
        {"type": "content", "content": {"type": "text", "text": "[exit code: 3]"}},
    ]


async def test_a_command_past_its_time_limit_is_killed_and_released(
    workspace: Path, sim_env: dict[str, str], sim: Any, tmp_path: Path
) -> None:
    options = {**ACCEPT_ALL, "commandTimeout": 1}
    sim.load([bash_turn("echo started; sleep 300"), text_turn("Too slow.")])
    async with acp_agent(workspace, sim_env, terminal=True, options=options) as acp:
        session = (await acp.new_session())["sessionId"]
        assert (await acp.prompt(session, "run it"))["stopReason"] == "end_turn"
        terminals = acp.client.terminals
        assert terminals.methods()[1:] == ["wait_for_exit", "kill", "output", "release"]
        assert not process_alive(terminals.pids["term-1"])
        text = result_text(tool_result(sim))
        assert text.startswith("started\n") and "killed after the 1 s timeout" in text


async def test_cancel_kills_and_releases_the_terminal(acp: AcpSession, sim: Any) -> None:
    sim.load([bash_turn("sleep 300")])
    session = (await acp.new_session())["sessionId"]
    prompt = asyncio.ensure_future(acp.prompt(session, "run it"))
    terminals = acp.client.terminals
    await acp.client.wait_for(lambda: "wait_for_exit" in terminals.methods(), what="the command")
    await acp.cancel(session)
    assert (await asyncio.wait_for(prompt, 10))["stopReason"] == "cancelled"
    await acp.client.wait_for(lambda: terminals.live == {}, what="the release")
    assert terminals.methods()[-1] == "release"
    assert not process_alive(terminals.pids["term-1"])


async def test_without_the_capability_commands_run_in_the_agent(
    workspace: Path, sim_env: dict[str, str], sim: Any
) -> None:
    sim.load([bash_turn("echo own process"), text_turn("Done.")])
    async with acp_agent(workspace, sim_env, options=ACCEPT_ALL) as acp:
        session = (await acp.new_session())["sessionId"]
        await acp.prompt(session, "run it")
        assert acp.client.terminals.calls == []
        assert result_text(tool_result(sim)) == "own process\n\n[exit code: 0]"

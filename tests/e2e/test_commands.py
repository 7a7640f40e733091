"""Nothing a command starts outlives it, end to end: children that leave the command's process
group (`setsid`, a double fork) are ended when the command's shell exits, when the turn is
cancelled, when the server exits and when the server is killed with SIGKILL; and a child that
holds the output pipe does not hold the call."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import Agent, RawServer, process_alive

ACCEPT_ALL = {"permissionMode": "acceptAll"}

# SIGTERM, the guard's 2 s grace, then SIGKILL; a loaded machine (CI runs everything on two
# cores) can take several seconds more to schedule it all.
DEATH_DEADLINE = 15


def read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


class Escapees:
    """A command whose children escape its process group: one through `setsid`, one through a
    double fork into a new session (a daemon). Each writes its own pid to a file."""

    NAMES = ("shell", "escaped", "daemon")

    def __init__(self, directory: Path, *, then: str) -> None:
        self.files = {name: directory / f"{name}.pid" for name in self.NAMES}
        escaped, daemon = self.files["escaped"], self.files["daemon"]
        self.command = (
            f"echo $$ > {self.files['shell']}; "
            f"setsid sh -c 'echo $$ > {escaped}; exec sleep 300' & "
            f"( setsid sh -c 'echo $$ > {daemon}; exec sleep 300' & ); "
            f"while [ ! -s {escaped} ] || [ ! -s {daemon} ]; do sleep 0.01; done; {then}"
        )

    def block(self) -> dict[str, Any]:
        return {"type": "tool_use", "name": "bash", "input": {"command": self.command}}

    def pids(self) -> dict[str, int] | None:
        pids = {name: read_pid(path) for name, path in self.files.items()}
        if any(pid is None for pid in pids.values()):
            return None
        return {name: pid for name, pid in pids.items() if pid is not None}

    def started(self) -> bool:
        pids = self.pids()
        return pids is not None and process_alive(pids["escaped"]) and process_alive(pids["daemon"])

    def survivors(self) -> list[str]:
        pids = self.pids()
        assert pids is not None, "the command never started its children"
        return [name for name, pid in pids.items() if process_alive(pid)]

    def kill_leftovers(self) -> None:
        for pid in (self.pids() or {}).values():
            if process_alive(pid):
                os.kill(pid, signal.SIGKILL)


def tool_turn(block: dict[str, Any]) -> dict[str, Any]:
    return {"blocks": [block]}


def done_turn(expect: str | None = None) -> dict[str, Any]:
    turn: dict[str, Any] = {"blocks": [{"type": "text", "text": "Done."}]}
    if expect is not None:
        turn["expect"] = {"last_user_contains": expect}
    return turn


def last_tool_text(agent: Agent, session: str) -> str:
    call = agent.of_kind("tool_call", session)[-1]
    final = agent.tool_updates(call["toolCallId"])[-1]
    return str(final["content"][0]["content"]["text"])


@pytest.mark.options({**ACCEPT_ALL, "commandTimeout": 20})
async def test_a_command_is_over_when_its_shell_exits_and_its_escaped_children_die(
    agent: Agent, sim: Any, tmp_path: Path
) -> None:
    escapees = Escapees(tmp_path, then="echo started")
    sim.load([tool_turn(escapees.block()), done_turn(expect="started")])
    session = await agent.client.new_session()
    started = time.monotonic()
    try:
        result = await asyncio.wait_for(agent.client.prompt(session, "go"), 60)
        elapsed = time.monotonic() - started
        assert result["stopReason"] == "end_turn"
        text = last_tool_text(agent, session)
        assert "started" in text and "[exit code: 0]" in text and "killed" not in text, text
        # Not held by the children that still had the output pipe open.
        assert elapsed < 8, f"the call took {elapsed:.1f} s"
        await agent.wait_for(
            lambda: not escapees.survivors(), DEATH_DEADLINE, "the escaped children to die"
        )
        print(f"\nthe prompt with the command answered in {elapsed:.2f} s")  # for the docs
    finally:
        escapees.kill_leftovers()


@pytest.mark.options(ACCEPT_ALL)
async def test_cancel_ends_the_escaped_children_too(agent: Agent, sim: Any, tmp_path: Path) -> None:
    escapees = Escapees(tmp_path, then="sleep 300")
    sim.load([tool_turn(escapees.block()), done_turn()])
    session = await agent.client.new_session()
    try:
        prompt = asyncio.ensure_future(agent.client.prompt(session, "go"))
        await agent.wait_for(escapees.started, 20, "the command's children to start")
        agent.client.cancel(session)
        assert (await asyncio.wait_for(prompt, 10))["stopReason"] == "cancelled"
        await agent.wait_for(
            lambda: not escapees.survivors(), DEATH_DEADLINE, "every process to die"
        )
    finally:
        escapees.kill_leftovers()


@pytest.mark.parametrize("how", ["stdin-eof", "sigterm", "sigkill"])
async def test_no_command_process_outlives_the_server(
    sim: Any, sim_env: dict[str, str], workspace: Path, tmp_path: Path, how: str
) -> None:
    escapees = Escapees(tmp_path, then="sleep 300")
    sim.load([tool_turn(escapees.block()), done_turn()])
    server = await RawServer.start(workspace, sim_env, tmp_path / "server-stderr.log")
    try:
        await server.initialize(workspace, ACCEPT_ALL)
        session = await server.new_session()
        server.prompt(session, "go")
        await server.wait_for(escapees.started, 20, "the command's children to start")
        if how == "stdin-eof":
            assert server.process.stdin is not None
            server.process.stdin.close()
        elif how == "sigterm":
            server.process.terminate()
        else:
            server.process.kill()  # no chance to clean up: the command must still die
        await asyncio.wait_for(server.process.wait(), 10)
        exited = time.monotonic()
        await server.wait_for(
            lambda: not escapees.survivors(), DEATH_DEADLINE, "every process to die"
        )
        print(f"\n{how}: all gone {time.monotonic() - exited:.2f} s after the server")
    finally:
        escapees.kill_leftovers()
        await server.close()

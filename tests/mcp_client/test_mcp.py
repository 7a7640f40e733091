"""MCP servers end to end: real servers written with the SDK (stdio and streamable HTTP) and
broken ones, started by the real `agentls serve` for a session; the simulator scripts the
model calling `mcp__…` tools and receives their results in the next request."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import start_agent
from tests.e2e.harness import Agent, process_alive
from tests.e2e.test_permissions import sequence

SERVERS = Path(__file__).parent / "servers"
ACCEPT_ALL = {"permissionMode": "acceptAll"}


def stdio(name: str, script: str, *args: str) -> dict[str, Any]:
    return {
        "name": name,
        "command": sys.executable,
        "args": [str(SERVERS / script), *args],
        "env": [],
    }


def calls(*blocks: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"blocks": [{"type": "tool_use", "name": name, "input": args} for name, args in blocks]}


def done(text: str = "Done.") -> dict[str, Any]:
    return {"blocks": [{"type": "text", "text": text}]}


async def new_session(agent: Agent, servers: list[dict[str, Any]]) -> str:
    result = await agent.client.request("session/new", {"mcpServers": servers})
    return str(result["sessionId"])


async def servers_of(agent: Agent, session: str) -> dict[str, dict[str, Any]]:
    listed = await agent.client.request("agentls/mcpServers", {"sessionId": session})
    return {server["name"]: server for server in listed["servers"]}


async def connected(agent: Agent, session: str, *names: str) -> dict[str, dict[str, Any]]:
    """Waits until none of `names` is starting any more (as `mcp_servers_update` says), then
    answers with what `agentls/mcpServers` reports."""

    def settled() -> bool:
        updates = agent.of_kind("mcp_servers_update", session)
        servers = {s["name"]: s for s in updates[-1]["servers"]} if updates else {}
        return all(n in servers and servers[n]["status"] != "starting" for n in names)

    await agent.wait_for(settled, timeout=30, what=f"MCP servers {names} to start")
    return await servers_of(agent, session)


def results(sim: Any, request: int = -1) -> dict[str, dict[str, Any]]:
    """The tool results the model got in `request`, by tool call id."""
    blocks = sim.requests[request]["body"]["messages"][-1]["content"]
    return {b["tool_use_id"]: b for b in blocks if b.get("type") == "tool_result"}


def text_of(result: dict[str, Any]) -> str:
    content = result["content"]
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content if b.get("type") == "text")


def by_title(agent: Agent, session: str) -> dict[str, str]:
    """Each MCP tool call's title, by its id."""
    return {
        u["toolCallId"]: u["title"]
        for u in agent.of_kind("tool_call_update", session)
        if u.get("title") and "(" in u["title"]
    }


@pytest.mark.options(ACCEPT_ALL)
async def test_a_servers_tools_reach_the_model_and_their_results_come_back(
    agent: Agent, sim: Any, tmp_path: Path
) -> None:
    session = await new_session(agent, [stdio("tools", "tools.py", "--markers", str(tmp_path))])
    servers = await connected(agent, session, "tools")
    assert servers["tools"]["status"] == "connected" and servers["tools"]["source"] == "client"
    assert {"name": "shout", "title": "Shout"} in servers["tools"]["tools"]
    sim.load(
        [
            calls(
                ("mcp__tools__shout", {"text": "quiet"}),
                ("mcp__tools__picture", {}),
                ("mcp__tools__broken", {}),
                ("mcp__tools__measure", {"text": "abc"}),
            ),
            done(),
        ]
    )
    assert (await agent.client.prompt(session, "use the tools"))["stopReason"] == "end_turn"
    offered = {t["name"]: t for t in sim.requests[0]["body"]["tools"]}
    assert offered["mcp__tools__shout"]["input_schema"]["properties"]["text"]["type"] == "string"
    assert "(MCP server `tools`)" in offered["mcp__tools__shout"]["description"]
    assert sim.requests[-1]["status"] == 200  # the results are valid for the API
    got = list(results(sim).values())
    assert text_of(got[0]) == "QUIET" and not got[0].get("is_error")
    image = [b for b in got[1]["content"] if b["type"] == "image"]
    assert image and image[0]["source"]["media_type"] == "image/png"
    assert got[2].get("is_error") is True and "broken on purpose" in text_of(got[2])
    assert json.loads(text_of(got[3])) == {"length": 3}
    # The panel shows each call with the tool's title (or name) and its server.
    titles = sorted(set(by_title(agent, session).values()))
    assert titles == ["Shout (tools)", "broken (tools)", "measure (tools)", "picture (tools)"]
    assert agent.of_kind("mcp_servers_update", session)[-1]["servers"][0]["status"] == "connected"


async def test_default_mode_asks_per_tool_and_read_only_tools_run_like_reads(
    agent: Agent, sim: Any, tmp_path: Path
) -> None:
    asked: list[dict[str, Any]] = []
    agent.client.permission_handler = sequence(["allow_always"], asked)
    session = await new_session(agent, [stdio("tools", "tools.py", "--markers", str(tmp_path))])
    await connected(agent, session, "tools")
    sim.load(
        [
            calls(("mcp__tools__shout", {"text": "a"}), ("mcp__tools__peek", {})),
            calls(("mcp__tools__shout", {"text": "b"})),
            done(),
        ]
    )
    await agent.client.prompt(session, "go")
    # One question, for shout; "always" covered the second call; peek never asked.
    assert len(asked) == 1
    question = asked[0]
    assert question["toolCall"]["title"] == "Shout (tools)"
    assert question["toolCall"]["kind"] == "other"
    names = {o["optionId"]: o["name"] for o in question["options"]}
    assert names["allow_always"] == "Always allow calls of `mcp__tools__shout`"
    assert text_of(next(iter(results(sim).values()))) == "B"


@pytest.mark.options({"permissionMode": "readOnly"})
async def test_read_only_mode_allows_only_read_only_tools(
    agent: Agent, sim: Any, tmp_path: Path
) -> None:
    session = await new_session(agent, [stdio("tools", "tools.py", "--markers", str(tmp_path))])
    await connected(agent, session, "tools")
    sim.load([calls(("mcp__tools__shout", {"text": "a"}), ("mcp__tools__peek", {})), done()])
    await agent.client.prompt(session, "go")
    shout, peek = results(sim).values()
    assert shout.get("is_error") and "read-only" in text_of(shout)
    assert text_of(peek) == "nothing changed"


@pytest.mark.options({**ACCEPT_ALL, "mcpTimeout": 3})
async def test_failing_servers_fail_alone_and_say_why(
    agent: Agent, sim: Any, tmp_path: Path
) -> None:
    servers = [
        stdio("crash", "broken.py", "crash"),
        stdio("hang", "broken.py", "hang"),
        stdio("garbage", "broken.py", "garbage"),
        stdio("tools", "tools.py", "--markers", str(tmp_path)),
        {"name": "missing", "command": "/nonexistent/mcp-server", "args": [], "env": []},
    ]
    session = await new_session(agent, servers)
    status = await connected(agent, session, "crash", "hang", "garbage", "tools", "missing")
    assert status["tools"]["status"] == "connected"
    for name in ("crash", "hang", "garbage", "missing"):
        assert status[name]["status"] == "failed" and status[name]["error"], status[name]
    assert status["hang"]["error"] == "did not answer in time"
    notices = [n["message"] for n in agent.of_kind("notice", session)]
    assert sum("MCP server" in n and "failed" in n for n in notices) == 4, notices
    # The session goes on: the working server's tools work, the failed ones are not offered.
    sim.load([calls(("mcp__tools__shout", {"text": "still"})), done()])
    assert (await agent.client.prompt(session, "go"))["stopReason"] == "end_turn"
    assert text_of(next(iter(results(sim).values()))) == "STILL"
    offered = {t["name"] for t in sim.requests[0]["body"]["tools"]}
    assert not any(name.startswith(("mcp__crash", "mcp__hang")) for name in offered)


@pytest.mark.options({**ACCEPT_ALL, "mcpTimeout": 2})
async def test_a_call_past_the_timeout_fails_and_cancel_reaches_the_server(
    agent: Agent, sim: Any, tmp_path: Path
) -> None:
    session = await new_session(agent, [stdio("tools", "tools.py", "--markers", str(tmp_path))])
    await connected(agent, session, "tools")
    sim.load([calls(("mcp__tools__slow", {"seconds": 30})), done("Too slow.")])
    await agent.client.prompt(session, "go")
    result = next(iter(results(sim).values()))
    assert result.get("is_error") and "did not answer within 2 s" in text_of(result)
    # Cancelled by the time limit: MCP's cancellation reached the tool.
    await agent.wait_for((tmp_path / "slow-cancelled").exists, what="the cancellation")


@pytest.mark.options(ACCEPT_ALL)
async def test_cancelling_the_turn_cancels_the_call(agent: Agent, sim: Any, tmp_path: Path) -> None:
    session = await new_session(agent, [stdio("tools", "tools.py", "--markers", str(tmp_path))])
    await connected(agent, session, "tools")
    sim.load([calls(("mcp__tools__slow", {"seconds": 30}))])
    prompt = asyncio.ensure_future(agent.client.prompt(session, "go"))
    await agent.wait_for(
        lambda: any(u.get("status") == "in_progress" for u in agent.of_kind("tool_call_update")),
        what="the call to start",
    )
    agent.client.cancel(session)
    assert (await asyncio.wait_for(prompt, 10))["stopReason"] == "cancelled"
    await agent.wait_for((tmp_path / "slow-cancelled").exists, what="the cancellation")


@pytest.mark.options(ACCEPT_ALL)
async def test_a_tool_list_change_is_followed(agent: Agent, sim: Any, tmp_path: Path) -> None:
    session = await new_session(agent, [stdio("tools", "tools.py", "--markers", str(tmp_path))])
    await connected(agent, session, "tools")
    sim.load([calls(("mcp__tools__grow", {})), done()])
    await agent.client.prompt(session, "grow")

    def extra_listed() -> bool:
        updates = agent.of_kind("mcp_servers_update", session)
        tools = updates[-1]["servers"][0]["tools"] if updates else []
        return any(tool["name"] == "extra" for tool in tools)

    await agent.wait_for(extra_listed, what="the new tool")
    sim.load([calls(("mcp__tools__extra", {})), done()])
    await agent.client.prompt(session, "use it")
    assert text_of(next(iter(results(sim).values()))) == "extra here"


@pytest.mark.options(ACCEPT_ALL)
async def test_a_project_server_asks_once_and_is_then_trusted_in_the_workspace(
    workspace: Path, sim: Any, sim_env: dict[str, str], tmp_path: Path
) -> None:
    entry = {
        "command": sys.executable,
        "args": [str(SERVERS / "tools.py"), "--markers", str(tmp_path)],
    }
    (workspace / ".mcp.json").write_text(json.dumps({"mcpServers": {"proj": entry}}))
    for run in ("first", "second"):
        agent = await start_agent(
            workspace, sim_env, ACCEPT_ALL, stderr_path=tmp_path / f"{run}.log"
        )
        asked: list[dict[str, Any]] = []
        agent.client.permission_handler = sequence(["allow_always"], asked)
        try:
            session = await new_session(agent, [])
            status = await connected(agent, session, "proj")
            assert status["proj"]["source"] == "project" and status["proj"]["status"] == "connected"
            sim.load([calls(("mcp__proj__shout", {"text": run})), done()])
            await agent.client.prompt(session, "go")
            assert text_of(next(iter(results(sim).values()))) == run.upper()
            if run == "first":  # asked even in acceptAll: the project's file chose this server
                assert len(asked) == 1 and "from .mcp.json" in asked[0]["toolCall"]["title"]
                assert asked[0]["options"][0]["name"] == "Trust `proj` in this workspace"
            else:
                assert asked == []
        finally:
            await agent.client.close()


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            str(SERVERS / "tools.py"),
            "--http",
            str(port),
            "--markers",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            with socket.socket() as attempt:
                if attempt.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert process.poll() is None, "the HTTP MCP server exited"
            import time

            time.sleep(0.05)  # a port to appear: nothing to wait on but the socket
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        # uvicorn waits for open streams on SIGTERM; the agent may still hold one.
        process.kill()
        process.wait(10)


@pytest.mark.options(ACCEPT_ALL)
async def test_a_streamable_http_server(agent: Agent, sim: Any, http_server: str) -> None:
    server = {"type": "http", "name": "web", "url": http_server, "headers": []}
    session = await new_session(agent, [server])
    status = await connected(agent, session, "web")
    assert status["web"]["status"] == "connected" and status["web"]["transport"] == "http"
    sim.load([calls(("mcp__web__shout", {"text": "over http"})), done()])
    await agent.client.prompt(session, "go")
    assert text_of(next(iter(results(sim).values()))) == "OVER HTTP"


async def test_servers_stop_with_the_session_and_with_the_server(
    workspace: Path, sim: Any, sim_env: dict[str, str], tmp_path: Path
) -> None:
    for how in ("close", "kill"):
        markers = tmp_path / how
        markers.mkdir()
        agent = await start_agent(workspace, sim_env, stderr_path=tmp_path / f"{how}.log")
        session = await new_session(agent, [stdio("tools", "tools.py", "--markers", str(markers))])
        await connected(agent, session, "tools")
        pid = int((markers / "tools.pid").read_text())
        assert process_alive(pid)
        if how == "close":
            await agent.client.request("session/close", {"sessionId": session})
        else:
            assert agent.client.process is not None
            agent.client.process.send_signal(signal.SIGKILL)
        await agent.wait_for(
            lambda: not process_alive(pid),  # noqa: B023 (awaited in this iteration)
            timeout=20,
            what="the MCP server to stop",
        )
        if how == "close":
            await agent.client.close()
        else:
            await agent.client.stop()  # type: ignore[no-untyped-call]
    assert os.environ  # the loop above ran both ways

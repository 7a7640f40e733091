"""`agentls acp` end to end, driven by ACP's official Python client library: the real agent
process, the real SDK over real HTTP, the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from agentls.config import DEFAULT_MODEL
from tests.acp_agent.harness import AcpSession, acp_agent
from tests.e2e.test_core import text_turn, view_turn


@pytest.fixture
async def acp(
    workspace: Path, sim_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[AcpSession]:
    async with acp_agent(workspace, sim_env, stderr_path=tmp_path / "acp-stderr.log") as session:
        yield session


def edit_turn(path: str, old: str, new: str) -> dict[str, Any]:
    return {
        "blocks": [
            {
                "type": "tool_use",
                "name": "str_replace_based_edit_tool",
                "input": {"command": "str_replace", "path": path, "old_str": old, "new_str": new},
            }
        ]
    }


async def test_initialize_advertises_what_is_implemented(acp: AcpSession) -> None:
    capabilities = acp.init["agentCapabilities"]
    assert acp.init["protocolVersion"] == 1
    assert capabilities["loadSession"] is True
    assert capabilities["promptCapabilities"] == {
        "image": True,
        "audio": False,
        "embeddedContext": True,
    }
    assert set(capabilities["sessionCapabilities"]) == {"list", "resume", "close"}
    assert [method["id"] for method in acp.init["authMethods"]] == ["anthropic-api-key"]
    assert acp.init["agentInfo"]["name"] == "agentls"


async def test_a_prompt_streams_and_ends(acp: AcpSession, sim: Any) -> None:
    sim.load([text_turn("Hello from the model. " * 5, chunk=4)])
    created = await acp.new_session()
    session = created["sessionId"]
    assert created["modes"]["currentModeId"] == "default"
    result = await acp.prompt(session, "Say hello")
    assert result["stopReason"] == "end_turn"
    assert acp.client.text(session) == "Hello from the model. " * 5
    assert acp.client.of_kind("session_info_update", session)[0]["title"] == "Say hello"
    usage = acp.client.of_kind("usage_update", session)
    assert usage and usage[-1]["size"] > 0
    commands = acp.client.of_kind("available_commands_update", session)
    assert {"undo", "model", "mode"} <= {c["name"] for c in commands[0]["availableCommands"]}


async def test_reads_see_the_editors_unsaved_buffer(
    acp: AcpSession, sim: Any, workspace: Path
) -> None:
    app = workspace / "src/app.py"
    acp.client.buffers[app] = "def greet(name):\n    return 'unsaved text'\n"
    sim.load([view_turn("src/app.py"), text_turn("Done.")])
    session = (await acp.new_session())["sessionId"]
    await acp.prompt(session, "Read app.py")
    tool_result = sim.requests[1]["body"]["messages"][-1]["content"][0]
    assert "unsaved text" in str(tool_result["content"])
    assert app in acp.client.reads


async def test_edits_go_through_the_client_and_never_touch_the_disk(
    acp: AcpSession, sim: Any, workspace: Path
) -> None:
    app = workspace / "src/app.py"
    on_disk = app.read_text()
    sim.load([edit_turn("src/app.py", "Hello", "Goodbye"), text_turn("Changed it.")])
    session = (await acp.new_session())["sessionId"]
    result = await acp.prompt(session, "Say goodbye instead")
    assert result["stopReason"] == "end_turn"
    assert acp.client.writes == [(app, on_disk.replace("Hello", "Goodbye"))]
    assert app.read_text() == on_disk  # the editor holds the edit, unsaved, for review
    final = [u for u in acp.client.of_kind("tool_call_update", session) if u.get("status")][-1]
    assert final["status"] == "completed"
    diff = next(c for c in final["content"] if c["type"] == "diff")
    assert diff["path"] == str(app) and "Goodbye" in diff["newText"]


async def test_an_edit_applies_to_the_buffer_as_the_user_left_it(
    acp: AcpSession, sim: Any, workspace: Path
) -> None:
    app = workspace / "src/app.py"
    sim.load(
        [
            view_turn("src/app.py", hold={"name": "after-view", "after_deltas": 0}),
            edit_turn("src/app.py", "Hello", "Goodbye"),
            text_turn("Tried."),
        ]
    )
    session = (await acp.new_session())["sessionId"]
    prompt = asyncio.ensure_future(acp.prompt(session, "Change it"))
    await asyncio.to_thread(sim.wait_held, "after-view", 10)
    sim.release("after-view")
    # The user types in the buffer between the agent's read and its write.
    await acp.client.wait_for(lambda: app in acp.client.reads, what="the read")
    acp.client.buffers[app] = "def greet(name):\n    return f'Hello there, {name}!'\n"
    await prompt
    # Computed against the buffer (fetched again for the edit), not the disk or the earlier
    # read: the user's "there" survives.
    assert acp.client.buffers[app] == "def greet(name):\n    return f'Goodbye there, {name}!'\n"


async def test_set_mode_and_config_option_take_effect(acp: AcpSession, sim: Any) -> None:
    session = (await acp.new_session())["sessionId"]
    await acp.conn.set_session_mode(session_id=session, mode_id="readOnly")
    await acp.client.wait_for(
        lambda: acp.client.of_kind("current_mode_update", session), what="the mode update"
    )
    assert acp.client.of_kind("current_mode_update", session)[-1]["currentModeId"] == "readOnly"
    response = await acp.conn.set_config_option(
        session_id=session, config_id="model", value="claude-opus-4-5"
    )
    options = {o.root.id if hasattr(o, "root") else o.id: o for o in response.config_options}
    assert "model" in options
    sim.load([text_turn("ok")])
    await acp.prompt(session, "hi")
    assert sim.requests[-1]["body"]["model"] == "claude-opus-4-5"


async def test_a_slash_command_runs_without_the_model(acp: AcpSession, sim: Any) -> None:
    session = (await acp.new_session())["sessionId"]
    result = await acp.prompt(session, "/mode ask")
    assert result["stopReason"] == "end_turn"
    assert sim.requests == []
    assert "Mode set to `ask`" in acp.client.text(session)
    assert acp.client.of_kind("current_mode_update", session)[-1]["currentModeId"] == "ask"


async def test_cancel_ends_the_prompt_with_cancelled(acp: AcpSession, sim: Any) -> None:
    sim.load([text_turn("Long answer. " * 50, chunk=2, hold={"name": "mid", "after_deltas": 2})])
    session = (await acp.new_session())["sessionId"]
    prompt = asyncio.ensure_future(acp.prompt(session, "Say a lot"))
    await asyncio.to_thread(sim.wait_held, "mid", 10)
    await acp.cancel(session)
    result = await asyncio.wait_for(prompt, 5)
    assert result["stopReason"] == "cancelled"
    sim.release("mid")


async def test_bad_input_gets_an_error_and_the_agent_keeps_serving(
    acp: AcpSession, sim: Any
) -> None:
    from acp import RequestError

    with pytest.raises(RequestError) as unknown:
        await acp.prompt("sess_nope", "hello")
    assert unknown.value.code == -32002
    assert (unknown.value.data or {}).get("type") == "unknown_session"
    sim.load([text_turn("still here")])
    session = (await acp.new_session())["sessionId"]
    assert (await acp.prompt(session, "hi"))["stopReason"] == "end_turn"


async def test_sessions_are_listed_loaded_and_resumed_after_a_restart(
    workspace: Path, sim_env: dict[str, str], sim: Any, tmp_path: Path
) -> None:
    sim.load([text_turn("First answer.")])
    async with acp_agent(workspace, sim_env) as first:
        session = (await first.new_session())["sessionId"]
        await first.prompt(session, "First question")
    async with acp_agent(workspace, sim_env) as second:
        listing = await second.conn.list_sessions(cwd=str(workspace))
        assert [s.session_id for s in listing.sessions] == [session]
        await second.conn.load_session(cwd=str(workspace), session_id=session, mcp_servers=[])
        assert second.client.text(session, "user_message_chunk") == "First question"
        assert second.client.text(session) == "First answer."
        sim.load([text_turn("Second answer.")])
        assert (await second.prompt(session, "And then?"))["stopReason"] == "end_turn"
        messages = sim.requests[-1]["body"]["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    async with acp_agent(workspace, sim_env) as third:
        await third.conn.resume_session(cwd=str(workspace), session_id=session)
        assert third.client.of_kind("agent_message_chunk") == []  # resume does not replay
        sim.load([text_turn("Third answer.")])
        await third.prompt(session, "Once more")
        assert len(sim.requests[-1]["body"]["messages"]) == 5


async def test_a_command_asks_first_and_runs_once_allowed(acp: AcpSession, sim: Any) -> None:
    async def allow(params: dict[str, Any]) -> dict[str, Any]:
        return {"outcome": {"outcome": "selected", "optionId": "allow_once"}}

    acp.client.permission_handler = allow
    sim.load(
        [
            {"blocks": [{"type": "tool_use", "name": "bash", "input": {"command": "echo hi"}}]},
            text_turn("Ran it."),
        ]
    )
    session = (await acp.new_session())["sessionId"]
    assert (await acp.prompt(session, "run it"))["stopReason"] == "end_turn"
    [asked] = acp.client.permission_requests
    assert asked["toolCall"]["kind"] == "execute"
    assert {o["kind"] for o in asked["options"]} == {
        "allow_once",
        "allow_always",
        "reject_once",
        "reject_always",
    }
    result = sim.requests[1]["body"]["messages"][-1]["content"][0]
    assert "hi" in str(result["content"]) and not result.get("is_error")


async def test_a_retry_is_told_through_the_extension_and_in_the_text(
    workspace: Path, sim_env: dict[str, str], sim: Any
) -> None:
    answer = "The whole answer."
    fault = {"kind": "sse_error", "after_deltas": 2, "error_type": "overloaded_error"}
    sim.load(
        [
            {"blocks": [{"type": "text", "text": answer}], "chunk": 3, "fault": fault},
            {"blocks": [{"type": "text", "text": answer}]},
        ]
    )
    async with acp_agent(workspace, sim_env, options={"retryInitialDelay": 0.05}) as acp:
        session = (await acp.new_session())["sessionId"]
        assert (await acp.prompt(session, "question"))["stopReason"] == "end_turn"
        [retry] = [u["update"] for u in acp.client.extension_updates]
        assert retry["sessionUpdate"] == "retry" and retry["superseded"]["agent_message_chunk"] == 6
        text = acp.client.text(session)
        assert "retrying (attempt 2 of 5)" in text and text.endswith(answer)


async def test_the_plan_tool_shows_a_plan(acp: AcpSession, sim: Any) -> None:
    entries = [
        {"content": "Read the code", "status": "completed"},
        {"content": "Fix the bug", "status": "in_progress", "priority": "high"},
    ]
    sim.load(
        [
            {
                "blocks": [
                    {"type": "tool_use", "name": "update_plan", "input": {"entries": entries}}
                ]
            },
            text_turn("Working on it."),
        ]
    )
    session = (await acp.new_session())["sessionId"]
    await acp.prompt(session, "fix it")
    [plan] = acp.client.of_kind("plan", session)
    assert plan["entries"] == [
        {"content": "Read the code", "status": "completed", "priority": "medium"},
        {"content": "Fix the bug", "status": "in_progress", "priority": "high"},
    ]
    tool_call = acp.client.of_kind("tool_call", session)[0]
    assert tool_call["kind"] == "think"


async def test_the_model_choices_come_from_the_apis_list(acp: AcpSession, sim: Any) -> None:
    created = await acp.new_session()
    session = created["sessionId"]

    def models() -> list[str] | None:
        for update in reversed(acp.client.of_kind("config_option_update", session)):
            option = next(o for o in update["configOptions"] if o["id"] == "model")
            return [choice["value"] for choice in option["options"]]
        return None

    await acp.client.wait_for(models, what="the API's model list")
    listed = models()
    assert listed is not None and "claude-opus-4-5-20251101" in listed
    # The configured model stays choosable though the list names it by its dated id.
    assert listed[0] == DEFAULT_MODEL

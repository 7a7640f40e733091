"""The core, end to end: a real `agentls serve`, the real SDK over real HTTP, the simulator."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from tests.conftest import start_agent
from tests.e2e.harness import Agent

LONG_TEXT = "Streaming works one small piece at a time. " * 20


def text_turn(text: str, **extra: Any) -> dict[str, Any]:
    return {"blocks": [{"type": "text", "text": text}], **extra}


def view_turn(path: str, **extra: Any) -> dict[str, Any]:
    return {
        "blocks": [
            {"type": "text", "text": f"Reading {path}."},
            {
                "type": "tool_use",
                "name": "str_replace_based_edit_tool",
                "input": {"command": "view", "path": path},
            },
        ],
        **extra,
    }


def accepted(sim: Any) -> list[int]:
    return [request["status"] for request in sim.requests]


async def test_initialize_answers_with_server_info(agent: Agent) -> None:
    # The fixture initialized already; a second look at what it answered.
    result = await agent.client.request("session/new", {"mcpServers": []})
    assert result["sessionId"].startswith("sess_")


async def test_first_chunk_arrives_while_the_model_is_still_held(agent: Agent, sim: Any) -> None:
    sim.load([text_turn(LONG_TEXT, chunk=5, hold={"name": "mid", "after_deltas": 3})])
    session = await agent.client.new_session()
    prompt = asyncio.ensure_future(agent.client.prompt(session, "Say something long"))
    await asyncio.to_thread(sim.wait_held, "mid", 10)
    # The model is held mid-answer: what it said so far must already be in the editor.
    await agent.wait_for(lambda: agent.text(session), timeout=5, what="the first chunk")
    assert not prompt.done()
    assert LONG_TEXT.startswith(agent.text(session))
    sim.release("mid")
    result = await prompt
    assert result["stopReason"] == "end_turn"
    assert agent.text(session) == LONG_TEXT
    assert result["usage"]["outputTokens"] > 0 and result["usage"]["inputTokens"] > 0


async def test_tool_loop_reads_a_file_and_reports_the_call(agent: Agent, sim: Any) -> None:
    sim.load(
        [
            view_turn("src/app.py"),
            text_turn("It greets the world.", expect={"last_user_contains": "def greet(name):"}),
        ]
    )
    session = await agent.client.new_session()
    result = await agent.client.prompt(session, "What does app.py do?")
    assert result["stopReason"] == "end_turn"
    assert accepted(sim) == [200, 200]
    calls = agent.of_kind("tool_call", session)
    assert len(calls) == 1 and calls[0]["status"] == "pending"
    updates = agent.tool_updates(calls[0]["toolCallId"])
    assert updates[1]["kind"] == "read" and updates[1]["title"] == "Read src/app.py"
    statuses = [u.get("status") for u in updates[1:] if u.get("status")]
    assert statuses == ["in_progress", "completed"]
    assert any(u.get("rawInput") == {"command": "view", "path": "src/app.py"} for u in updates)
    final = updates[-1]
    assert "def greet(name):" in final["content"][0]["content"]["text"]
    assert final["locations"][0]["path"].endswith("src/app.py")
    assert agent.text(session) == "Reading src/app.py.It greets the world."
    usage = agent.of_kind("usage_update", session)
    assert len(usage) == 2 and usage[-1]["cost"]["currency"] == "USD"


async def test_unsaved_buffer_is_read_instead_of_disk(agent: Agent, sim: Any) -> None:
    agent.client.open_document(
        agent.root / "src/util.py", "def add(a, b):\n    return a - b  # unsaved\n"
    )
    sim.load(
        [view_turn("src/util.py"), text_turn("ok", expect={"last_user_contains": "# unsaved"})]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "look"))["stopReason"] == "end_turn"


async def test_resource_block_reaches_the_model(agent: Agent, sim: Any) -> None:
    sim.load([text_turn("That is a greeting.")])
    session = await agent.client.new_session()
    uri = (agent.root / "src/app.py").as_uri()
    await agent.client.prompt(
        session,
        [
            {"type": "text", "text": "Explain the selection"},
            {"type": "resource", "resource": {"uri": uri, "text": "return f'Hello, {name}!'"}},
        ],
    )
    sent = "\n".join(block["text"] for block in sim.requests[-1]["body"]["messages"][-1]["content"])
    assert "return f'Hello, {name}!'" in sent and uri in sent


@pytest.mark.options({"maxTokens": 100})
async def test_max_tokens_never_runs_the_cut_off_tool_call(agent: Agent, sim: Any) -> None:
    sim.load(
        [
            {
                "blocks": [
                    {"type": "text", "text": "I will read it."},
                    {
                        "type": "tool_use",
                        "name": "str_replace_based_edit_tool",
                        "input": {"command": "view", "path": "src/app.py"},
                    },
                ],
                "stop_reason": "max_tokens",
            },
            text_turn("Fine."),
        ]
    )
    session = await agent.client.new_session()
    result = await agent.client.prompt(session, "Read app.py")
    assert result["stopReason"] == "max_tokens"
    call = agent.of_kind("tool_call", session)[0]
    assert all(u.get("status") != "in_progress" for u in agent.tool_updates(call["toolCallId"]))
    # The next prompt is accepted by the API: no dangling tool_use was stored.
    assert (await agent.client.prompt(session, "go on"))["stopReason"] == "end_turn"
    assert accepted(sim) == [200, 200]


async def test_refusal_and_pause_turn(agent: Agent, sim: Any) -> None:
    sim.load(
        [
            text_turn("Part one. ", stop_reason="pause_turn"),
            text_turn("Part two."),
            text_turn("I can't help with that.", stop_reason="refusal"),
            text_turn("Sure."),
        ]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "long job"))["stopReason"] == "end_turn"
    assert agent.text(session) == "Part one. Part two."
    # pause_turn continues with the assistant's message as the last one, no new user turn.
    assert sim.requests[1]["body"]["messages"][-1]["role"] == "assistant"
    assert (await agent.client.prompt(session, "bad"))["stopReason"] == "refusal"
    assert (await agent.client.prompt(session, "ok"))["stopReason"] == "end_turn"
    assert accepted(sim) == [200, 200, 200, 200]


@pytest.mark.options({"maxTurnRequests": 2})
async def test_iteration_limit_stops_with_max_turn_requests(agent: Agent, sim: Any) -> None:
    sim.load(
        [
            view_turn("README.md"),
            view_turn("src/app.py"),
            view_turn("src/util.py"),
            text_turn("Done."),
        ]
    )
    session = await agent.client.new_session()
    result = await agent.client.prompt(session, "read everything")
    assert result["stopReason"] == "max_turn_requests"
    assert len(sim.requests) == 2
    # The last tool results were stored; the next prompt joins them and is accepted.
    assert (await agent.client.prompt(session, "summarise"))["stopReason"] == "end_turn"
    assert accepted(sim) == [200, 200, 200, 200]


@pytest.mark.parametrize("how", ["session/cancel", "$/cancelRequest"])
async def test_cancel_mid_stream_then_next_turn_is_accepted(
    agent: Agent, sim: Any, how: str
) -> None:
    sim.load(
        [text_turn(LONG_TEXT, hold={"name": "h", "after_deltas": 4}), text_turn("Next answer.")]
    )
    session = await agent.client.new_session()
    msg_id = agent.client.next_id()
    prompt = asyncio.ensure_future(agent.client.prompt(session, "talk", msg_id=msg_id))
    await asyncio.to_thread(sim.wait_held, "h", 10)
    await agent.wait_for(lambda: agent.text(session), what="some text before cancelling")
    started = time.monotonic()
    if how == "session/cancel":
        agent.client.cancel(session)
    else:
        agent.client.cancel_prompt_request(msg_id)
    result = await asyncio.wait_for(prompt, 5)
    assert result["stopReason"] == "cancelled"
    assert time.monotonic() - started < 3
    sim.release("h")
    assert (await agent.client.prompt(session, "again"))["stopReason"] == "end_turn"
    assert accepted(sim) == [200, 200]
    # The partial answer stayed in the conversation; the API accepted it.
    history = sim.requests[1]["body"]["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "user"]


async def test_cancel_after_a_tool_call_keeps_the_conversation_valid(
    agent: Agent, sim: Any
) -> None:
    sim.load(
        [
            {
                "blocks": [
                    {
                        "type": "tool_use",
                        "name": "str_replace_based_edit_tool",
                        "input": {"command": "view", "path": "README.md"},
                    },
                    {"type": "text", "text": LONG_TEXT},
                ],
                "hold": {"name": "after-tool", "after_deltas": 30},
            },
            text_turn("Fresh start."),
        ]
    )
    session = await agent.client.new_session()
    prompt = asyncio.ensure_future(agent.client.prompt(session, "read then talk"))
    await asyncio.to_thread(sim.wait_held, "after-tool", 10)
    # The server has read past the tool call once the text after it shows.
    await agent.wait_for(lambda: agent.text(session), what="the text after the tool call")
    agent.client.cancel(session)
    assert (await asyncio.wait_for(prompt, 5))["stopReason"] == "cancelled"
    sim.release("after-tool")
    assert (await agent.client.prompt(session, "again"))["stopReason"] == "end_turn"
    assert accepted(sim) == [200, 200]
    first_user_after = sim.requests[1]["body"]["messages"][2]["content"][0]
    assert first_user_after["type"] == "tool_result"


@pytest.mark.options({"thinking": {"type": "enabled", "budget_tokens": 2048}, "maxTokens": 8000})
async def test_thinking_round_trip(agent: Agent, sim: Any) -> None:
    sim.load(
        [
            {
                "blocks": [
                    {"type": "thinking", "thinking": "The user wants app.py; I should read it."},
                    {"type": "redacted_thinking", "data": "opaque-encrypted-reasoning"},
                    {
                        "type": "tool_use",
                        "name": "str_replace_based_edit_tool",
                        "input": {"command": "view", "path": "src/app.py"},
                    },
                ]
            },
            {
                "blocks": [
                    {"type": "thinking", "thinking": "Now answer."},
                    {"type": "text", "text": "Done."},
                ]
            },
        ]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "read app.py"))["stopReason"] == "end_turn"
    assert accepted(sim) == [200, 200]  # signature and redacted data went back unchanged
    sent_back = sim.requests[1]["body"]["messages"][1]["content"]
    assert [block["type"] for block in sent_back] == ["thinking", "redacted_thinking", "tool_use"]
    assert "I should read it." in agent.text(session, kind="agent_thought_chunk")
    assert sim.requests[0]["body"]["thinking"] == {"type": "enabled", "budget_tokens": 2048}


async def test_bad_requests_get_errors_and_the_server_keeps_serving(agent: Agent, sim: Any) -> None:
    client = agent.client
    with pytest.raises(JsonRpcException) as unknown:
        await client.request("session/nonsense", {})
    assert unknown.value.code == -32601
    bad_params: list[Any] = [None, [], {"prompt": []}, {"sessionId": 5, "prompt": "hi"}]
    for params in bad_params:
        with pytest.raises(JsonRpcException) as bad:
            await client.request("session/prompt", params)
        assert bad.value.code == -32602, params
    with pytest.raises(JsonRpcException) as missing:
        await client.prompt("sess_missing", "hi")
    assert missing.value.code == -32002 and "session/new" in missing.value.message
    with pytest.raises(JsonRpcException) as bad_cwd:
        await client.request("session/new", {"cwd": "relative/dir", "mcpServers": []})
    assert bad_cwd.value.code == -32602 and "absolute" in bad_cwd.value.message
    sim.load([text_turn("Still here.")])
    session = await client.new_session()
    assert (await client.prompt(session, "hello"))["stopReason"] == "end_turn"


async def test_api_error_is_reported_and_the_next_prompt_works(agent: Agent, sim: Any) -> None:
    sim.load([{"blocks": [], "fault": {"kind": "http", "status": 401}}, text_turn("Recovered.")])
    session = await agent.client.new_session()
    with pytest.raises(JsonRpcException) as failure:
        await agent.client.prompt(session, "hello")
    assert failure.value.code == -32000 and "ANTHROPIC_API_KEY" in failure.value.message
    assert (await agent.client.prompt(session, "hello again"))["stopReason"] == "end_turn"
    assert sim.requests[-1]["body"]["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "hello again", "cache_control": {"type": "ephemeral"}}
            ],
        }
    ]


async def test_missing_api_key_says_how_to_set_it(workspace: Path, tmp_path: Path) -> None:
    agent = await start_agent(workspace, {}, stderr_path=tmp_path / "stderr.log")
    try:
        session = await agent.client.new_session()
        with pytest.raises(JsonRpcException) as failure:
            await agent.client.prompt(session, "hello")
        assert failure.value.code == -32000
        assert failure.value.data == {"type": "no_api_key"}
        assert "ANTHROPIC_API_KEY" in failure.value.message
        assert await agent.client.new_session()  # still serving
    finally:
        assert await agent.client.close() == 0
    # An ordinary error is one line in the editor's log, not a traceback.
    log = agent.stderr()
    assert "Traceback" not in log, log
    [line] = [line for line in log.splitlines() if "No Anthropic API key" in line]
    assert "-32000" in line


async def test_work_done_progress_begins_reports_and_ends(agent: Agent, sim: Any) -> None:
    sim.load([view_turn("README.md"), text_turn("ok")])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "read", work_done_token="tok-1")
    kinds = [
        p.value["kind"] if isinstance(p.value, dict) else p.value.kind
        for p in agent.client.progress_events
    ]
    assert kinds[0] == "begin" and kinds[-1] == "end" and "report" in kinds
    assert all(p.token == "tok-1" for p in agent.client.progress_events)


async def test_busy_session_refuses_a_second_prompt(agent: Agent, sim: Any) -> None:
    sim.load([text_turn(LONG_TEXT, hold={"name": "busy", "after_deltas": 1}), text_turn("two")])
    session = await agent.client.new_session()
    first = asyncio.ensure_future(agent.client.prompt(session, "one"))
    await asyncio.to_thread(sim.wait_held, "busy", 10)
    with pytest.raises(JsonRpcException) as busy:
        await agent.client.prompt(session, "two")
    assert busy.value.code == -32002 and "already running" in busy.value.message
    sim.release("busy")
    assert (await first)["stopReason"] == "end_turn"

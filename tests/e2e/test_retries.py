"""Mid-stream retries: faults from the simulator, the real SDK, a real server."""

from __future__ import annotations

from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from tests.e2e.fake_editor import FakeEditor
from tests.e2e.harness import Agent

FAST = {"retryInitialDelay": 0.05}
ANSWER = "The answer, streamed in full on the second attempt."


def transcript(agent: Agent, session: str, kind: str = "agent_message_chunk") -> str:
    """What a panel shows once it applies each `retry` update's superseded counts."""
    text = ""
    for update in (u["update"] for u in agent.updates if u["sessionId"] == session):
        if update["sessionUpdate"] == kind:
            text += update["content"]["text"]
        elif update["sessionUpdate"] == "retry":
            dropped = update["superseded"][kind]
            text = text[: len(text) - dropped] if dropped else text
    return text


def answer(**extra: Any) -> dict[str, Any]:
    return {"blocks": [{"type": "text", "text": ANSWER}], **extra}


@pytest.mark.options(FAST)
@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "sse_error", "after_deltas": 5, "error_type": "overloaded_error"},
        {"kind": "sse_error", "after_deltas": 5, "error_type": "api_error"},
        {"kind": "drop", "after_deltas": 5},
    ],
    ids=["overloaded", "api_error", "dropped"],
)
async def test_mid_stream_fault_is_retried_without_duplicating_text(
    agent: Agent, sim: Any, fault: dict[str, Any]
) -> None:
    sim.load([answer(chunk=3, fault=fault), answer(), {"blocks": [{"type": "text", "text": "ok"}]}])
    session = await agent.client.new_session()
    result = await agent.client.prompt(session, "question")
    assert result["stopReason"] == "end_turn"
    retries = agent.of_kind("retry", session)
    assert len(retries) == 1 and retries[0]["attempt"] == 2 and retries[0]["maxAttempts"] == 5
    assert retries[0]["superseded"]["agent_message_chunk"] == 15  # 5 deltas of 3 characters
    assert transcript(agent, session) == ANSWER
    # The stored conversation holds the answer once: the next request shows it.
    await agent.client.prompt(session, "thanks")
    history = sim.requests[-1]["body"]["messages"]
    assert history[1] == {"role": "assistant", "content": [{"type": "text", "text": ANSWER}]}


@pytest.mark.options(FAST)
async def test_overloaded_http_error_honours_retry_after(agent: Agent, sim: Any) -> None:
    sim.load([{"blocks": [], "fault": {"kind": "http", "status": 529, "retry_after": 1}}, answer()])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "q"))["stopReason"] == "end_turn"
    retry = agent.of_kind("retry", session)[0]
    assert retry["delayMs"] == 1000 and "overloaded" in retry["reason"]


@pytest.mark.options({**FAST, "readTimeout": 1})
async def test_stalled_stream_times_out_and_is_retried(agent: Agent, sim: Any) -> None:
    sim.load([answer(hold={"name": "never", "after_deltas": 2}), answer()])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "q"))["stopReason"] == "end_turn"
    assert "timeout" in agent.of_kind("retry", session)[0]["reason"]
    assert transcript(agent, session) == ANSWER


@pytest.mark.options({**FAST, "maxRetries": 1})
async def test_retries_run_out_with_a_clear_error(agent: Agent, sim: Any) -> None:
    overloaded = {"blocks": [], "fault": {"kind": "http", "status": 529}}
    sim.load([overloaded, overloaded, answer()])
    session = await agent.client.new_session()
    with pytest.raises(JsonRpcException) as failure:
        await agent.client.prompt(session, "q")
    assert failure.value.code == -32000 and "failed 2 times" in failure.value.message
    assert (await agent.client.prompt(session, "again"))["stopReason"] == "end_turn"


@pytest.mark.options(FAST)
@pytest.mark.parametrize("status", [400, 401])
async def test_non_retryable_errors_end_the_turn_at_once(
    agent: Agent, sim: Any, status: int
) -> None:
    sim.load([{"blocks": [], "fault": {"kind": "http", "status": status}}, answer()])
    session = await agent.client.new_session()
    with pytest.raises(JsonRpcException) as failure:
        await agent.client.prompt(session, "q")
    assert f"({status} " in failure.value.message
    assert len(sim.requests) == 1 and agent.of_kind("retry", session) == []


@pytest.mark.options(FAST)
async def test_malformed_stream_ends_the_turn_with_a_clear_error(agent: Agent, sim: Any) -> None:
    sim.load([answer(fault={"kind": "malformed", "after_deltas": 3}), answer()])
    session = await agent.client.new_session()
    with pytest.raises(JsonRpcException) as failure:
        await agent.client.prompt(session, "q")
    assert failure.value.code == -32000 and "malformed" in failure.value.message
    assert (await agent.client.prompt(session, "again"))["stopReason"] == "end_turn"


@pytest.mark.options(FAST)
async def test_an_edit_in_an_interrupted_reply_never_runs(agent: Agent, sim: Any) -> None:
    editor = FakeEditor(agent.client)
    edit = {
        "type": "tool_use",
        "name": "str_replace_based_edit_tool",
        "input": {
            "command": "str_replace",
            "path": "src/util.py",
            "old_str": "a + b",
            "new_str": "0",
        },
    }
    read = {
        "type": "tool_use",
        "name": "str_replace_based_edit_tool",
        "input": {"command": "view", "path": "README.md"},
    }
    sim.load(
        [
            {
                "blocks": [read, edit, {"type": "text", "text": "and more text " * 10}],
                "fault": {
                    "kind": "sse_error",
                    "after_deltas": 40,
                    "error_type": "overloaded_error",
                },
            },
            answer(),
        ]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "q"))["stopReason"] == "end_turn"
    assert editor.applied == []
    retry = agent.of_kind("retry", session)[0]
    assert len(retry["toolCallIds"]) == 2
    for tool_call_id in retry["toolCallIds"]:
        assert agent.tool_updates(tool_call_id)[-1]["status"] == "failed"

"""How replies end: every stop reason maps to an ACP stop reason with a notice saying what
happened; faults of the API end cleanly (a retry, or -32000 saying what the API sent); every
tool call gets a final status."""

from __future__ import annotations

from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from tests.e2e.harness import Agent
from tests.e2e.streams import replay, sent_messages

FAST = {"retryInitialDelay": 0.05}


def notices(agent: Agent, session: str) -> list[tuple[str, str]]:
    return [(n["level"], n["message"]) for n in agent.of_kind("notice", session)]


def transcript(agent: Agent, session: str) -> str:
    """The answer as a panel shows it once it applies each `retry`'s superseded count."""
    text = ""
    for update in (u["update"] for u in agent.updates if u["sessionId"] == session):
        if update["sessionUpdate"] == "agent_message_chunk":
            text += update["content"]["text"]
        elif update["sessionUpdate"] == "retry":
            dropped = update["superseded"]["agent_message_chunk"]
            text = text[: len(text) - dropped] if dropped else text
    return text


@pytest.mark.parametrize(
    ("name", "stop_reason", "notice"),
    [
        ("stop_sequence.sse", "end_turn", ("info", "stop sequence '\\n###'")),
        ("refusal.sse", "refusal", ("warning", "declined")),
        ("unknown_stop_reason.sse", "end_turn", ("warning", "'budget_exhausted'")),
    ],
    ids=["stop_sequence", "refusal", "unknown"],
)
async def test_each_stop_reason_maps_to_acp_with_a_notice(
    agent: Agent, sim: Any, name: str, stop_reason: str, notice: tuple[str, str]
) -> None:
    sim.load([replay(name), "ok"])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "Go"))["stopReason"] == stop_reason
    [(level, message)] = notices(agent, session)
    assert level == notice[0] and notice[1] in message
    assert (await agent.client.prompt(session, "again"))["stopReason"] == "end_turn"


async def test_max_tokens_inside_an_open_tool_call_ends_it_and_runs_nothing(
    agent: Agent, sim: Any
) -> None:
    sim.load([replay("max_tokens_open_tool.sse"), "ok"])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "Write notes"))["stopReason"] == "max_tokens"
    final = agent.tool_updates("toolu_01OpenAtMaxTokens0000000AB")[-1]
    assert final["sessionUpdate"] == "tool_call_update" and final["status"] == "failed"
    assert not (agent.root / "notes.md").exists()
    [(level, message)] = notices(agent, session)
    assert level == "warning" and "maxTokens" in message
    await agent.client.prompt(session, "never mind")
    assert sent_messages(sim, 1)[1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Creating the file."}],
    }


@pytest.mark.options(FAST)
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("error_event_overloaded.sse", "overloaded_error: Overloaded"),
        ("no_message_stop.sse", "closed before the reply was complete"),
    ],
    ids=["error event with details", "clean close without message_stop"],
)
async def test_a_stream_cut_short_is_retried(
    agent: Agent, sim: Any, name: str, reason: str
) -> None:
    sim.load([replay(name), "The whole answer."])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "q"))["stopReason"] == "end_turn"
    [retry] = agent.of_kind("retry", session)
    assert reason in retry["reason"]
    assert retry["superseded"]["agent_message_chunk"] == 11  # "Partial ans" / "Half an ans"
    assert transcript(agent, session) == "The whole answer."


@pytest.mark.options(FAST)
async def test_a_tool_call_cut_off_by_a_clean_close_ends_with_a_final_status(
    agent: Agent, sim: Any
) -> None:
    call = {
        "type": "tool_use",
        "id": "toolu_01CutByEof",
        "name": "str_replace_based_edit_tool",
        "input": {"command": "create", "path": "n.md", "file_text": "x" * 200},
    }
    sim.load([{"blocks": [call], "chunk": 20, "fault": {"kind": "eof", "after_deltas": 3}}, "ok"])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "q"))["stopReason"] == "end_turn"
    assert agent.tool_updates("toolu_01CutByEof")[-1]["status"] == "failed"
    assert [r["toolCallIds"] for r in agent.of_kind("retry", session)] == [["toolu_01CutByEof"]]


@pytest.mark.options(FAST)
@pytest.mark.parametrize(
    ("script", "says", "kind"),
    [
        ([replay("delta_without_delta.sse")], "without a typed `delta`", "malformed_stream"),
        (
            [{"blocks": [{"type": "text", "text": "hi"}], "fault": {"kind": "json_body"}}],
            "application/json instead of an event stream",
            "not_an_event_stream",
        ),
    ],
    ids=["delta without its delta", "JSON body to a streaming request"],
)
async def test_what_the_api_should_not_send_ends_the_turn_with_model_error(
    agent: Agent, sim: Any, script: list[Any], says: str, kind: str
) -> None:
    sim.load([*script, "fine again"])
    session = await agent.client.new_session()
    with pytest.raises(JsonRpcException) as failure:
        await agent.client.prompt(session, "q")
    assert failure.value.code == -32000 and says in failure.value.message
    assert failure.value.data is not None and failure.value.data["type"] == kind
    assert agent.of_kind("retry", session) == []
    assert (await agent.client.prompt(session, "again"))["stopReason"] == "end_turn"

"""Sessions longer than the context window: compaction before a request that would pass
`autoCompact`, with a non-streaming summary request; journaled, so a restarted server
resumes from it; `/compact` and `agentls/compact` on demand; a full window mid-answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from agentls.agent.compaction import SUMMARY_INSTRUCTION
from tests.conftest import start_agent
from tests.e2e.harness import Agent
from tests.e2e.streams import replay, sent_messages

WINDOW = 10_000
# Each big file is about 3,600 tokens: the second one's result takes the next request past
# 70% of the window, mid-turn.
SMALL = {"contextWindow": WINDOW, "autoCompact": 0.7, "retryInitialDelay": 0.05}
SUMMARY = "Summary: the user had big1.txt read; it holds filler lines. big2.txt is next."


def view(path: str) -> dict[str, Any]:
    return {
        "blocks": [
            {"type": "text", "text": f"Reading {path}."},
            {
                "type": "tool_use",
                "name": "str_replace_based_edit_tool",
                "input": {"command": "view", "path": path},
            },
        ]
    }


def big_files(root: Path) -> None:
    for name in ("big1.txt", "big2.txt"):
        (root / name).write_text("".join(f"{name} filler line {i:04d}\n" for i in range(400)))


def tokens(body: Any) -> int:
    return len(json.dumps(body, ensure_ascii=False)) // 4


def compactions(agent: Agent, session: str) -> list[dict[str, Any]]:
    return agent.of_kind("compaction", session)


def stored(message: dict[str, Any]) -> dict[str, Any]:
    """A sent message as stored: the loop adds a cache breakpoint to the last one only."""
    content = [{k: v for k, v in b.items() if k != "cache_control"} for b in message["content"]]
    return {**message, "content": content}


@pytest.mark.options(SMALL)
async def test_a_long_session_compacts_continues_and_resumes_after_a_restart(
    agent: Agent, sim: Any, sim_env: dict[str, str], tmp_path: Path
) -> None:
    big_files(agent.root)
    sim.load(
        [
            view("big1.txt"),
            "big1.txt is filler.",
            view("big2.txt"),
            SUMMARY,  # the summary request, before the request that would pass 70%
            "big2.txt is filler too.",
            "Both files are filler; nothing to fix.",
        ]
    )
    session = await agent.client.new_session()
    await agent.client.prompt(session, "Read big1.txt")
    assert compactions(agent, session) == []
    assert (await agent.client.prompt(session, "Read big2.txt"))["stopReason"] == "end_turn"
    assert agent.text(session).endswith("big2.txt is filler too.")

    started, completed = compactions(agent, session)
    assert (started["status"], completed["status"]) == ("started", "completed")
    assert completed["reason"] == "auto"
    assert completed["tokensBefore"] > 0.7 * WINDOW > completed["tokensAfter"]
    assert completed["message"].startswith("Compacted ") and " → " in completed["message"]

    summary_request = sim.requests[3]["body"]
    assert summary_request.get("stream") is not True  # the whole reply is needed first
    assert summary_request["tool_choice"] == {"type": "none"}
    assert summary_request["messages"][-1]["content"][-1]["text"] == SUMMARY_INSTRUCTION
    assert "characters left out" in json.dumps(summary_request["messages"])

    # The turn goes on from the summary and the call it was making, kept as it was.
    after = sim.requests[4]
    assert after["status"] == 200 and tokens(after["body"]) < WINDOW
    first, call, result = after["body"]["messages"]
    assert first["role"] == "user" and SUMMARY in first["content"][0]["text"]
    assert call["content"][1]["input"] == {"command": "view", "path": "big2.txt"}
    assert result["content"][0]["tool_use_id"] == call["content"][1]["id"]

    await agent.client.prompt(session, "What did you find?")
    before_restart = sim.requests[5]["body"]["messages"]

    # A restarted server resumes from the compacted conversation (it was journaled).
    await agent.client.close()
    second = await start_agent(
        agent.root, sim_env, SMALL, stderr_path=tmp_path / "second-server.log"
    )
    try:
        await second.client.request("session/load", {"sessionId": session, "mcpServers": []})
        # The redrawn history shows the summary as a note, not as the user's own words.
        assert [n["message"] for n in second.of_kind("notice", session)] == [
            "The earlier part of this conversation was compacted into a summary."
        ]
        assert not any(
            "conversation-summary" in u["content"]["text"]
            for u in second.of_kind("user_message_chunk", session)
        )
        sim.append(["Still filler."])
        assert (await second.client.prompt(session, "And now?"))["stopReason"] == "end_turn"
        resumed = sim.requests[-1]
        assert resumed["status"] == 200 and tokens(resumed["body"]) < WINDOW
        assert compactions(second, session) == []
        assert resumed["body"]["messages"][:-2] == [
            *before_restart[:-1],
            stored(before_restart[-1]),
        ]
    finally:
        assert await second.client.close() == 0


async def test_compact_on_demand(agent: Agent, sim: Any) -> None:
    sim.load(["First answer.", "Second answer.", SUMMARY, "Third answer."])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "one")
    await agent.client.prompt(session, "two")
    reply = await agent.client.request("agentls/compact", {"sessionId": session})
    assert reply["compacted"] is True and reply["summarizedMessages"] == 3
    assert reply["keptMessages"] == 1
    assert compactions(agent, session)[-1]["reason"] == "manual"
    await agent.client.prompt(session, "three")
    messages = sent_messages(sim, 3)
    assert SUMMARY in messages[0]["content"][0]["text"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]

    # The slash command does the same, and says so in the answer.
    sim.append([SUMMARY])
    assert (await agent.client.prompt(session, "/compact"))["stopReason"] == "end_turn"
    assert "Compacted" in agent.text(session)


async def test_nothing_to_compact_is_said_not_failed(agent: Agent, sim: Any) -> None:
    session = await agent.client.new_session()
    assert await agent.client.request("agentls/compact", {"sessionId": session}) == {
        "compacted": False
    }
    assert sim.requests == []


@pytest.mark.options({"retryInitialDelay": 0.05})
async def test_a_full_window_mid_answer_compacts_and_the_answer_goes_on(
    agent: Agent, sim: Any
) -> None:
    sim.load(["Earlier answer.", replay("context_window_exceeded.sse"), SUMMARY, " and the rest."])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "earlier question")
    result = await agent.client.prompt(session, "long question")
    assert result["stopReason"] == "end_turn"
    assert compactions(agent, session)[-1]["reason"] == "context_window_exceeded"
    assert agent.of_kind("notice", session) == []
    continued = sent_messages(sim, 3)
    assert SUMMARY in continued[0]["content"][0]["text"]
    assert continued[-2]["content"][-1]["text"] == (
        "The first half of the answer, then the window ran out"
    )
    assert "compacted" in continued[-1]["content"][-1]["text"]


@pytest.mark.options({"retryInitialDelay": 0.05})
async def test_prompt_too_long_compacts_and_retries_once_then_fails_clearly(
    agent: Agent, sim: Any
) -> None:
    too_long = {
        "fault": {
            "kind": "http",
            "status": 400,
            "message": "prompt is too long: 208759 tokens > 200000 maximum",
        }
    }
    sim.load(["Earlier answer.", too_long, SUMMARY, "Answer after compaction."])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "earlier question")
    assert (await agent.client.prompt(session, "q"))["stopReason"] == "end_turn"
    assert compactions(agent, session)[-1]["reason"] == "prompt_too_long"

    sim.append([too_long, SUMMARY, too_long])
    with pytest.raises(JsonRpcException) as failure:
        await agent.client.prompt(session, "again")
    assert failure.value.code == -32000
    assert "does not fit the model's context window even after compacting" in (
        failure.value.message
    )
    assert failure.value.data is not None
    assert failure.value.data["type"] == "context_window_exceeded"


@pytest.mark.options({"contextEditing": True, "contextWindow": 1_000_000})
async def test_context_editing_and_the_window_option_reach_the_api(agent: Agent, sim: Any) -> None:
    sim.load(["ok"])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "q")
    request = sim.requests[0]
    assert request["status"] == 200
    assert request["body"]["context_management"] == {
        "edits": [{"type": "clear_tool_uses_20250919"}]
    }
    assert "context-management-2025-06-27" in request["headers"]["anthropic-beta"]
    assert agent.of_kind("usage_update", session)[-1]["size"] == 1_000_000

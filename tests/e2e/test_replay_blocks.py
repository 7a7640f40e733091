"""Real stream shapes, replayed to the real server: text, thinking, tool inputs, usage and
the next request, which must carry every block back exactly as the API sent it (the
simulator refuses a changed one, as the API does)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.harness import Agent
from tests.e2e.streams import FIXTURES, replay, same_bytes, sent_messages, without_cache_control

SONNET = "claude-sonnet-4-5-20250929"


def fixture_blocks(name: str) -> list[dict[str, Any]]:
    """The blocks of a fixture as the API meant them: each content_block_start object with
    its deltas applied (read here independently of the server's accumulator)."""
    blocks: dict[int, dict[str, Any]] = {}
    inputs: dict[int, str] = {}
    for chunk in (FIXTURES / name).read_text().split("\n\n"):
        data = next((line[6:] for line in chunk.splitlines() if line.startswith("data: ")), None)
        event = json.loads(data) if data else {}
        index: int = event.get("index", -1)
        if event.get("type") == "content_block_start":
            blocks[index] = event["content_block"]
        elif event.get("type") == "content_block_delta":
            delta, block = event["delta"], blocks[index]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] += delta["signature"]
            elif delta["type"] == "input_json_delta":
                inputs[index] = inputs.get(index, "") + delta["partial_json"]
            elif delta["type"] == "citations_delta":
                block["citations"] = [*(block.get("citations") or []), delta["citation"]]
            elif delta["type"] == "compaction_delta":
                block["content"] = (block["content"] or "") + delta["content"]
                block["encrypted_content"] = (
                    delta["encrypted_content"] or block["encrypted_content"]
                )
            else:
                for key, value in delta.items():
                    if key != "type":
                        block[key] = block.get(key, "") + value
    for index, text in inputs.items():
        blocks[index]["input"] = json.loads(text) if text else {}
    return [blocks[index] for index in sorted(blocks)]


def usage_meta(agent: Agent, session: str) -> dict[str, Any]:
    meta: dict[str, Any] = agent.of_kind("usage_update", session)[-1]["_meta"]["agentls"]
    return meta


@pytest.mark.options({"model": "claude-sonnet-4-5"})  # the model that streamed the fixture
async def test_text_with_pings_and_padding_streams_exactly_and_usage_is_complete(
    agent: Agent, sim: Any
) -> None:
    sim.load([replay("text_pings_usage.sse"), "You're welcome."])
    session = await agent.client.new_session()
    result = await agent.client.prompt(session, "What does greet do?")
    assert result["stopReason"] == "end_turn"
    assert agent.text(session) == (
        "The function `greet` builds a greeting with an f-string.\n\nIt takes one argument, "
        "`name`.Nothing else calls it."
    )
    assert result["usage"] == {
        "inputTokens": 2041,
        "outputTokens": 37,
        "cachedReadTokens": 0,
        "cachedWriteTokens": 1870,
        "totalTokens": 2041 + 37 + 1870,
    }
    update = agent.of_kind("usage_update", session)[-1]
    assert update["used"] == 2041 + 1870 + 37 and update["size"] == 200_000
    assert update["_meta"]["agentls"] == {
        "inputTokens": 2041,
        "outputTokens": 37,
        "cachedReadTokens": 0,
        "cachedWriteTokens": 1870,
        "cachedWrite5mTokens": 1870,
        "cachedWrite1hTokens": 0,
        "serviceTier": "standard",
        "model": SONNET,
    }
    # Sonnet 4.5: $3 input, $3.75 five-minute cache writes, $15 output per million tokens.
    expected_cost = (2041 * 3 + 1870 * 3.75 + 37 * 15) / 1e6
    assert update["cost"] == {"amount": round(expected_cost, 6), "currency": "USD"}

    await agent.client.prompt(session, "Thanks")
    answer = without_cache_control(sent_messages(sim, 1)[1])
    assert same_bytes(
        answer, {"role": "assistant", "content": fixture_blocks("text_pings_usage.sse")}
    )


async def test_thinking_and_redacted_thinking_go_back_byte_for_byte(agent: Agent, sim: Any) -> None:
    sim.load([replay("thinking_signature.sse"), "ok"])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "Why does it stop?"))["stopReason"] == "end_turn"
    assert agent.text(session, kind="agent_thought_chunk") == (
        "The user asks about the loop.\nI should check the tests first."
    )
    assert agent.text(session) == "The loop stops after twenty requests."
    assert usage_meta(agent, session)["cachedReadTokens"] == 3905
    await agent.client.prompt(session, "Thanks")
    assert sim.requests[1]["status"] == 200  # the signature and the redacted data validated
    blocks = fixture_blocks("thinking_signature.sse")
    assert len(blocks[0]["signature"]) > 400
    assert same_bytes(sent_messages(sim, 1)[1]["content"], blocks)


async def test_a_tool_call_keeps_its_unknown_fields_and_is_answered(agent: Agent, sim: Any) -> None:
    sim.load([replay("tool_use.sse"), "It is a sample project."])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "Read the README"))["stopReason"] == "end_turn"
    tool_id = "toolu_01NRLabsLyVHZPKxbKvkfSMn"
    updates = agent.tool_updates(tool_id)
    assert updates[0]["sessionUpdate"] == "tool_call" and updates[0]["status"] == "pending"
    assert {"command": "view", "path": "README.md"} in [u.get("rawInput") for u in updates]
    assert updates[-1]["status"] == "completed"
    messages = sent_messages(sim, 1)
    assert same_bytes(messages[1]["content"], fixture_blocks("tool_use.sse"))
    assert messages[1]["content"][1]["caller"] == {"type": "direct"}
    result = messages[2]["content"][0]
    assert result["tool_use_id"] == tool_id and "A sample project." in result["content"]
    assert "is_error" not in result


async def test_a_call_with_a_lone_empty_delta_has_an_empty_input(agent: Agent, sim: Any) -> None:
    sim.load([replay("tool_use_empty_input.sse"), "done"])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "Plan it"))["stopReason"] == "end_turn"
    messages = sent_messages(sim, 1)
    call = messages[1]["content"][0]
    assert call["input"] == {} and same_bytes(
        messages[1]["content"], fixture_blocks("tool_use_empty_input.sse")
    )
    assert messages[2]["content"][0]["tool_use_id"] == call["id"]
    assert agent.tool_updates(call["id"])[-1]["status"] in ("completed", "failed")


@pytest.mark.parametrize(
    ("name", "tool_id", "problem"),
    [
        ("tool_use_invalid_json.sse", "toolu_01InvalidJsonInput00000AB", "not valid JSON"),
        ("tool_input_nested_deep.sse", "toolu_01DeepNestedInput00000AB", "nested too deeply"),
    ],
    ids=["invalid JSON (fine-grained streaming)", "nested 1,000 deep"],
)
async def test_a_tool_input_that_cannot_be_read_is_answered_with_an_error_result(
    agent: Agent, sim: Any, name: str, tool_id: str, problem: str
) -> None:
    sim.load([replay(name), "I will send it again."])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "Search"))["stopReason"] == "end_turn"
    final = agent.tool_updates(tool_id)[-1]
    assert final["status"] == "failed" and problem in final["content"][0]["content"]["text"]
    messages = sent_messages(sim, 1)
    assert messages[1]["content"][0]["input"] == {}
    result = messages[2]["content"][0]
    assert result["tool_use_id"] == tool_id and result["is_error"] is True
    assert problem in result["content"] and "complete JSON object" in result["content"]


@pytest.mark.options({"webSearch": True})
async def test_web_search_shows_its_call_keeps_results_and_citations_and_counts_input(
    agent: Agent, sim: Any
) -> None:
    sim.load([replay("web_search.sse"), "Glad to help."])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "What changed in pygls 2?"))[
        "stopReason"
    ] == "end_turn"
    assert {"type": "web_search_20250305", "name": "web_search"} in sim.requests[0]["body"]["tools"]
    assert agent.text(session) == (
        "I'll search for that.According to the guide, `LanguageServer.lsp` is now `protocol`."
    )
    call = agent.tool_updates("srvtoolu_014hJH82Qum7Td6UV8gDXThB")
    assert call[0]["kind"] == "search"
    assert call[1]["title"] == "Web search: pygls 2.0 migration"
    assert call[1]["rawInput"] == {"query": "pygls 2.0 migration"}
    assert call[-1]["status"] == "completed"
    shown = call[-1]["content"][0]["content"]["text"]
    assert "https://pygls.readthedocs.io/en/latest/pygls/howto/migrate-to-v2.html" in shown
    meta = usage_meta(agent, session)
    # message_delta's cumulative figures, not message_start's 2,050.
    assert meta["inputTokens"] == 31772 and meta["outputTokens"] == 510
    assert meta["serverToolUse"] == {"webSearchRequests": 1, "webFetchRequests": 0}
    cost = agent.of_kind("usage_update", session)[-1]["cost"]["amount"]
    assert cost == round((31772 * 3 + 510 * 15) / 1e6 + 0.01, 6)

    await agent.client.prompt(session, "Thanks")
    assert same_bytes(sent_messages(sim, 1)[1]["content"], fixture_blocks("web_search.sse"))


@pytest.mark.options({"webFetch": True})
async def test_pause_turn_continues_with_the_blocks_as_sent(agent: Agent, sim: Any) -> None:
    sim.load([replay("web_fetch_pause_turn.sse"), "v2.0 brought the new API.", "ok"])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "Read the changelog"))["stopReason"] == "end_turn"
    assert "web-fetch-2025-09-10" in sim.requests[0]["headers"]["anthropic-beta"]
    fetch = agent.tool_updates("srvtoolu_01FetchPauseTurn00000000AB")
    assert (
        fetch[0]["kind"] == "fetch" and fetch[1]["title"] == "Fetch https://example.com/changelog"
    )
    assert fetch[-1]["status"] == "completed"
    blocks = fixture_blocks("web_fetch_pause_turn.sse")
    continued = sent_messages(sim, 1)
    assert len(continued) == 2 and continued[-1]["role"] == "assistant"
    # The continuation sends the paused reply back; only the final text loses its trailing
    # space, which the API refuses at the end of a final assistant message.
    assert same_bytes(continued[-1]["content"][:2], blocks[:2])
    assert continued[-1]["content"][2]["text"] == blocks[2]["text"].rstrip()
    # The continuation joins the paused reply: one assistant message, every block intact.
    await agent.client.prompt(session, "Thanks")
    stored = sent_messages(sim, 2)[1]
    assert same_bytes(
        stored["content"], [*blocks, {"type": "text", "text": "v2.0 brought the new API."}]
    )


@pytest.mark.parametrize(
    "name",
    ["code_execution_container.sse", "compaction_block.sse", "unknown_block_and_event.sse"],
    ids=["code execution and container upload", "server-side compaction", "future block type"],
)
async def test_blocks_the_loop_does_not_use_are_kept_opaque(
    agent: Agent, sim: Any, name: str
) -> None:
    sim.load([replay(name), "ok"])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "Go"))["stopReason"] == "end_turn"
    await agent.client.prompt(session, "Thanks")
    assert sim.requests[1]["status"] == 200
    assert same_bytes(sent_messages(sim, 1)[1]["content"], fixture_blocks(name))


async def test_code_execution_is_shown_as_a_command(agent: Agent, sim: Any) -> None:
    sim.load([replay("code_execution_container.sse")])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "Sum it")
    call = agent.tool_updates("srvtoolu_01CodeExec000000000000AB")
    assert call[0]["kind"] == "execute" and call[-1]["status"] == "completed"
    assert call[-1]["content"][0]["content"]["text"] == "exit code 0\n45"

"""The wire format, checked by the real anthropic SDK parsing it."""

from __future__ import annotations

from typing import Any

import aiohttp
from anthropic import AsyncAnthropic

from agentls.sim import NO_TURN_LEFT_TEXT, Simulator, thinking_signature

from .conftest import USER

RICH_TURN: dict[str, Any] = {
    "blocks": [
        {"type": "thinking", "thinking": "Let me think about\nthe pattern."},
        {"type": "text", "text": "I will search for it — ünïcødé too."},
        {"type": "redacted_thinking", "data": "opaque-blob"},
        {
            "type": "tool_use",
            "id": "toolu_fixed",
            "name": "search",
            "input": {"pattern": 'fo"o\\n', "paths": ["a b", "ç"], "n": 3},
        },
    ],
    "chunk": 3,
}
EXPECTED_CONTENT: list[dict[str, Any]] = [
    {
        "type": "thinking",
        "thinking": "Let me think about\nthe pattern.",
        "signature": thinking_signature("Let me think about\nthe pattern."),
    },
    {"type": "text", "text": "I will search for it — ünïcødé too."},
    {"type": "redacted_thinking", "data": "opaque-blob"},
    {
        "type": "tool_use",
        "id": "toolu_fixed",
        "name": "search",
        "input": {"pattern": 'fo"o\\n', "paths": ["a b", "ç"], "n": 3},
    },
]


def _content(blocks: list[Any]) -> list[dict[str, Any]]:
    return [
        b.model_dump(
            exclude_none=True,
            include={"type", "text", "thinking", "signature", "data", "id", "name", "input"},
        )
        for b in blocks
    ]


async def test_raw_event_stream(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load([RICH_TURN])
    stream = await client.messages.create(
        model="claude-test", max_tokens=100, messages=USER, stream=True
    )
    events = [event async for event in stream]
    types = [e.type for e in events]
    assert types[0] == "message_start"
    assert types[-2:] == ["message_delta", "message_stop"]
    start = events[0]
    assert start.type == "message_start"
    assert start.message.model == "claude-test"
    assert start.message.id.startswith("msg_")
    assert start.message.content == []
    assert start.message.stop_reason is None
    assert types.count("content_block_start") == 4
    assert types.count("content_block_stop") == 4
    deltas = [e.delta for e in events if e.type == "content_block_delta"]
    kinds = {d.type for d in deltas}
    assert kinds == {"text_delta", "thinking_delta", "signature_delta", "input_json_delta"}
    # chunk=3: every text delta is at most three characters long.
    assert all(len(d.text) <= 3 for d in deltas if d.type == "text_delta")
    partial = "".join(d.partial_json for d in deltas if d.type == "input_json_delta")
    assert partial.startswith("{") and partial.endswith("}")
    message_delta = events[-2]
    assert message_delta.type == "message_delta"
    assert message_delta.delta.stop_reason == "tool_use"
    assert message_delta.usage.output_tokens > 1


async def test_stream_helper_final_message(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load([RICH_TURN])
    async with client.messages.stream(model="m", max_tokens=100, messages=USER) as stream:
        text = "".join([t async for t in stream.text_stream])
        final = await stream.get_final_message()
    assert text == "I will search for it — ünïcødé too."
    assert _content(final.content) == EXPECTED_CONTENT
    assert final.stop_reason == "tool_use"
    assert final.usage.input_tokens > 0


async def test_non_streaming_message(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load([RICH_TURN])
    message = await client.messages.create(model="m", max_tokens=100, messages=USER)
    assert _content(message.content) == EXPECTED_CONTENT
    assert message.stop_reason == "tool_use"
    assert message.usage.output_tokens > 1


async def test_response_headers(sim: Simulator) -> None:
    sim.load(["plain"])
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    body = {"model": "m", "max_tokens": 10, "messages": USER, "stream": True}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sim.base_url}/v1/messages", json=body, headers=headers) as resp,
    ):
        assert resp.status == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        assert resp.headers["cache-control"] == "no-cache"
        assert resp.headers["request-id"].startswith("req_")
        raw = (await resp.read()).decode()
    assert raw.startswith("event: message_start\ndata: {")
    assert "event: ping\n" in raw
    assert raw.endswith('event: message_stop\ndata: {"type":"message_stop"}\n\n')


async def test_stop_reason_defaults_and_overrides(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load(
        [
            {"blocks": [{"type": "text", "text": "done"}]},
            {"blocks": [{"type": "tool_use", "name": "t", "input": {}}]},
            {"blocks": [{"type": "text", "text": "no"}], "stop_reason": "refusal"},
        ]
    )
    reasons = []
    for _ in range(3):
        async with client.messages.stream(model="m", max_tokens=10, messages=USER) as stream:
            reasons.append((await stream.get_final_message()).stop_reason)
    assert reasons == ["end_turn", "tool_use", "refusal"]


async def test_max_tokens_truncates_last_tool_call(sim: Simulator, client: AsyncAnthropic) -> None:
    tool_input = {"path": "src/app.py", "content": "x" * 40}
    sim.load(
        [
            {
                "blocks": [{"type": "tool_use", "name": "write", "input": tool_input}],
                "stop_reason": "max_tokens",
            }
        ]
    )
    stream = await client.messages.create(model="m", max_tokens=10, messages=USER, stream=True)
    events = [e async for e in stream]
    partial = "".join(
        e.delta.partial_json
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "input_json_delta"
    )
    assert 0 < len(partial) < len(str(tool_input))
    assert not partial.endswith("}")
    assert [e.type for e in events].count("content_block_stop") == 1
    assert events[-2].type == "message_delta"
    assert events[-2].delta.stop_reason == "max_tokens"


async def test_exhausted_script_answers_and_is_recorded(
    sim: Simulator, client: AsyncAnthropic
) -> None:
    message = await client.messages.create(model="m", max_tokens=10, messages=USER)
    assert message.content[0].type == "text"
    assert message.content[0].text == NO_TURN_LEFT_TEXT
    assert message.stop_reason == "end_turn"
    [entry] = sim.requests
    assert entry["exhausted"] is True
    assert entry["status"] == 200


async def test_request_log(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load(["one", "two"])
    await client.messages.create(model="m", max_tokens=10, messages=USER)
    log = sim.wait_requests(1, timeout=5)
    assert log[0]["body"]["messages"] == USER
    assert log[0]["status"] == 200
    assert log[0]["error"] is None
    assert log[0]["exhausted"] is False
    assert log[0]["headers"]["authorization"] == "<redacted>"
    assert sim.remaining == 1


async def test_usage_override_and_cache_accounting(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load(
        [
            {"blocks": [{"type": "text", "text": "a"}], "usage": {"input_tokens": 7}},
            "b",
            "c",
        ]
    )
    first = await client.messages.create(model="m", max_tokens=10, messages=USER)
    assert first.usage.input_tokens == 7
    system: Any = [
        {"type": "text", "text": "You are a test. " * 50, "cache_control": {"type": "ephemeral"}}
    ]
    second = await client.messages.create(model="m", max_tokens=10, system=system, messages=USER)
    assert (second.usage.cache_creation_input_tokens or 0) > 0
    assert second.usage.cache_read_input_tokens == 0
    async with client.messages.stream(
        model="m", max_tokens=10, system=system, messages=USER
    ) as stream:
        third = await stream.get_final_message()
    assert third.usage.cache_creation_input_tokens == 0
    assert third.usage.cache_read_input_tokens == second.usage.cache_creation_input_tokens


async def test_unknown_route_is_a_json_404(sim: Simulator) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{sim.base_url}/v1/nope") as resp:
        assert resp.status == 404
        body = await resp.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "not_found_error"

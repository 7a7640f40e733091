"""Scripted faults reach the SDK the way real API failures do."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic import AsyncAnthropic

from agentls.sim import Simulator

from .conftest import USER

LONG_TEXT = {"type": "text", "text": "abcdefghijklmnopqrstuvwxyz" * 2}


async def test_rate_limit_with_retry_after(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load([{"fault": {"kind": "http", "status": 429, "retry_after": 1}}, "after"])
    with pytest.raises(anthropic.RateLimitError) as info:
        await client.messages.create(model="m", max_tokens=10, messages=USER)
    err = info.value
    assert err.status_code == 429
    assert err.type == "rate_limit_error"
    assert err.response.headers["retry-after"] == "1"
    assert err.request_id is not None and err.request_id.startswith("req_")
    # The failed turn is consumed, so a retry gets the next one.
    message = await client.messages.create(model="m", max_tokens=10, messages=USER)
    assert message.content[0].type == "text"
    assert message.content[0].text == "after"


async def test_overloaded(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load([{"fault": {"kind": "http", "status": 529}}])
    with pytest.raises(anthropic.OverloadedError) as info:
        async with client.messages.stream(model="m", max_tokens=10, messages=USER) as stream:
            await stream.get_final_message()
    assert info.value.status_code == 529
    assert info.value.type == "overloaded_error"
    assert "retry-after" not in info.value.response.headers
    assert sim.requests[-1]["status"] == 529


@pytest.mark.parametrize(
    ("status", "exc_type", "error_type"),
    [
        (500, anthropic.InternalServerError, "api_error"),
        (401, anthropic.AuthenticationError, "authentication_error"),
        (400, anthropic.BadRequestError, "invalid_request_error"),
    ],
)
async def test_other_http_faults(
    sim: Simulator,
    client: AsyncAnthropic,
    status: int,
    exc_type: type[anthropic.APIStatusError],
    error_type: str,
) -> None:
    sim.load([{"fault": {"kind": "http", "status": status, "message": "scripted"}}])
    with pytest.raises(exc_type) as info:
        await client.messages.create(model="m", max_tokens=10, messages=USER)
    assert info.value.body == {
        "type": "error",
        "error": {"type": error_type, "message": "scripted", "details": None},
        "request_id": info.value.request_id,
    }


async def test_retries_follow_retry_after(sim: Simulator) -> None:
    sim.load([{"fault": {"kind": "http", "status": 529, "retry_after": 0.01}}, "recovered"])
    async with AsyncAnthropic(base_url=sim.base_url, api_key="k", max_retries=2) as client:
        message = await client.messages.create(model="m", max_tokens=10, messages=USER)
    assert message.content[0].type == "text"
    assert message.content[0].text == "recovered"
    assert [r["status"] for r in sim.requests] == [529, 200]


async def test_sse_error_mid_stream(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load(
        [{"blocks": [LONG_TEXT], "fault": {"kind": "sse_error", "after_deltas": 3}}],
    )
    seen: list[Any] = []
    with pytest.raises(anthropic.APIStatusError) as info:
        stream = await client.messages.create(model="m", max_tokens=10, messages=USER, stream=True)
        async for event in stream:
            seen.append(event)
    assert [e.type for e in seen].count("content_block_delta") == 3
    assert seen[0].type == "message_start"
    assert isinstance(info.value.body, dict)
    assert info.value.body["error"]["type"] == "overloaded_error"


async def test_sse_api_error_via_helper(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load(
        [
            {
                "blocks": [LONG_TEXT],
                "chunk": 4,
                "fault": {"kind": "sse_error", "after_deltas": 1, "error_type": "api_error"},
            }
        ]
    )
    texts: list[str] = []
    with pytest.raises(anthropic.APIStatusError) as info:
        async with client.messages.stream(model="m", max_tokens=10, messages=USER) as stream:
            async for text in stream.text_stream:
                texts.append(text)
    assert texts == ["abcd"]
    assert isinstance(info.value.body, dict)
    assert info.value.body["error"] == {
        "type": "api_error",
        "message": "Internal server error",
        "details": None,
    }


async def test_drop_closes_mid_stream(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load([{"blocks": [LONG_TEXT], "fault": {"kind": "drop", "after_deltas": 2}}, "next"])
    seen: list[str] = []
    # The SDK lets the transport error through unwrapped while iterating.
    with pytest.raises((httpx2.HTTPError, anthropic.APIConnectionError)):
        stream = await client.messages.create(model="m", max_tokens=10, messages=USER, stream=True)
        async for event in stream:
            seen.append(event.type)
    assert seen.count("content_block_delta") == 2
    assert "message_stop" not in seen
    # The server keeps serving after dropping a connection.
    message = await client.messages.create(model="m", max_tokens=10, messages=USER)
    assert message.content[0].type == "text"


async def test_drop_non_streaming(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load([{"blocks": [LONG_TEXT], "fault": {"kind": "drop"}}])
    with pytest.raises(anthropic.APIConnectionError):
        await client.messages.create(model="m", max_tokens=10, messages=USER)


async def test_malformed_event(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load([{"blocks": [LONG_TEXT], "fault": {"kind": "malformed", "after_deltas": 2}}])
    seen: list[str] = []
    with pytest.raises(json.JSONDecodeError):
        stream = await client.messages.create(model="m", max_tokens=10, messages=USER, stream=True)
        async for event in stream:
            seen.append(event.type)
    assert seen.count("content_block_delta") == 2


async def test_stream_fault_without_stream_is_an_http_error(
    sim: Simulator, client: AsyncAnthropic
) -> None:
    sim.load([{"blocks": [LONG_TEXT], "fault": {"kind": "sse_error", "after_deltas": 2}}])
    with pytest.raises(anthropic.OverloadedError):
        await client.messages.create(model="m", max_tokens=10, messages=USER)

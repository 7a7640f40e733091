"""What agentls needs from the anthropic SDK (agent/model.py is the only module that reads
its streams). An SDK upgrade that changes any of it fails here, against the simulator over
real HTTP, before it can fail a user."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anthropic
import httpx2
import pytest

from agentls.agent import retry
from agentls.agent.errors import ModelRequestError
from agentls.agent.model import ModelClient, StreamEndedEarlyError
from agentls.sim import Simulator

PARAMS: dict[str, Any] = {
    "model": "claude-haiku-4-5",
    "max_tokens": 100,
    "messages": [{"role": "user", "content": "hi"}],
}


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as simulator:
        yield simulator


@pytest.fixture
async def model(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ModelClient]:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", sim.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    client = ModelClient()
    yield client
    await client.close()


def test_the_public_pieces_exist_with_their_shapes() -> None:
    raw_events = inspect.getattr_static(anthropic.AsyncStream, "raw_events")
    assert isinstance(raw_events, staticmethod)
    assert list(inspect.signature(anthropic.AsyncStream.raw_events).parameters) == ["response"]
    parameters = inspect.signature(anthropic.APIStatusError.__init__).parameters
    assert {"message", "response", "body"} <= set(parameters)
    create = inspect.signature(anthropic.AsyncAnthropic(api_key="k").messages.create).parameters
    assert {"stream", "timeout", "extra_body", "extra_headers"} <= set(create)


async def test_a_stream_is_raw_events_as_plain_dicts(sim: Simulator, model: ModelClient) -> None:
    sim.load([{"blocks": [{"type": "text", "text": "Hello there"}]}])
    stream = await model.stream(PARAMS, read_timeout=10)
    assert isinstance(stream._stream, anthropic.AsyncStream)
    assert isinstance(stream._stream.response, httpx2.Response)
    async with stream:
        events = [event async for event in stream]
    assert all(type(event) is dict for event in events)
    kinds = [event["type"] for event in events]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert "ping" not in kinds
    text = "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta")
    assert text == "Hello there"


async def test_an_error_event_is_the_sdks_status_error_and_is_retried(
    sim: Simulator, model: ModelClient
) -> None:
    fault = {"kind": "sse_error", "after_deltas": 1, "error_type": "overloaded_error"}
    sim.load([{"blocks": [{"type": "text", "text": "Hello there"}], "fault": fault}])
    stream = await model.stream(PARAMS, read_timeout=10)
    with pytest.raises(anthropic.APIStatusError) as info:
        async with stream:
            async for _event in stream:
                pass
    assert isinstance(info.value.body, dict)
    assert info.value.body["error"]["type"] == "overloaded_error"
    assert info.value.type == "overloaded_error"
    assert retry.classify(info.value) is not None


async def test_a_stream_without_message_stop_is_retried(sim: Simulator, model: ModelClient) -> None:
    sim.load([{"blocks": [{"type": "text", "text": "Hello"}], "fault": {"kind": "eof"}}])
    stream = await model.stream(PARAMS, read_timeout=10)
    with pytest.raises(StreamEndedEarlyError) as info:
        async with stream:
            async for _event in stream:
                pass
    assert retry.classify(info.value) is not None


async def test_a_body_that_is_not_an_event_stream_is_an_error(
    sim: Simulator, model: ModelClient
) -> None:
    sim.load([{"blocks": [{"type": "text", "text": "Hello"}], "fault": {"kind": "json_body"}}])
    stream = await model.stream(PARAMS, read_timeout=10)
    with pytest.raises(ModelRequestError) as info:
        async with stream:
            async for _event in stream:
                pass
    assert info.value.data["type"] == "not_an_event_stream"


async def test_a_whole_reply_and_beta_fields(sim: Simulator, model: ModelClient) -> None:
    sim.load(["A summary."])
    params = {**PARAMS, "context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]}}
    reply = await model.create(params, timeout=10, betas=["context-management-2025-06-27"])
    assert reply["content"] == [{"type": "text", "text": "A summary."}]
    assert reply["model"] == "claude-haiku-4-5-20251001"
    request = sim.requests[-1]
    assert request["body"]["context_management"] == params["context_management"]
    assert request["headers"]["anthropic-beta"] == "context-management-2025-06-27"
    assert "stream" not in request["body"]

"""Holds, release and pacing: streaming is incremental and never blocks the server."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest
from anthropic import AsyncAnthropic

from agentls.sim import Simulator

from .conftest import USER

HELD_TURN: dict[str, Any] = {
    "blocks": [{"type": "text", "text": "Hello, held world!"}],
    "chunk": 5,
    "hold": {"name": "h1", "after_deltas": 1},
}


@pytest.mark.parametrize("pace", [None, 200])
async def test_first_delta_arrives_while_held(
    sim: Simulator, client: AsyncAnthropic, pace: float | None
) -> None:
    sim.load([{**HELD_TURN, "pace": pace}])
    texts: list[str] = []
    first = asyncio.Event()

    async def consume() -> str:
        async with client.messages.stream(model="m", max_tokens=10, messages=USER) as stream:
            async for text in stream.text_stream:
                texts.append(text)
                first.set()
            return (await stream.get_final_message()).content[0].text  # type: ignore[union-attr]

    task = asyncio.create_task(consume())
    await asyncio.to_thread(sim.wait_held, "h1", 10)
    await asyncio.wait_for(first.wait(), 10)
    assert texts == ["Hello"]
    assert sim.is_held("h1")
    assert not task.done()
    assert sim.release("h1") == 1
    assert await asyncio.wait_for(task, 10) == "Hello, held world!"
    assert not sim.is_held("h1")


async def test_hold_does_not_block_other_requests(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load([{**HELD_TURN, "hold": {"name": "h1", "after_deltas": 0}}, "meanwhile"])
    stream_task = asyncio.create_task(
        client.messages.create(model="m", max_tokens=10, messages=USER, stream=True)
    )
    await asyncio.to_thread(sim.wait_held, "h1", 10)
    other = await client.messages.create(model="m", max_tokens=10, messages=USER)
    assert other.content[0].type == "text"
    assert other.content[0].text == "meanwhile"
    sim.release("h1")
    stream = await asyncio.wait_for(stream_task, 10)
    events = [e async for e in stream]
    assert events[-1].type == "message_stop"


async def test_release_before_reaching_lets_stream_pass(
    sim: Simulator, client: AsyncAnthropic
) -> None:
    sim.load([HELD_TURN])
    assert sim.release("h1") == 0
    message = await asyncio.wait_for(
        client.messages.create(model="m", max_tokens=10, messages=USER, stream=False), 10
    )
    assert message.content[0].type == "text"


async def test_hold_non_streaming(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load([HELD_TURN])
    task = asyncio.create_task(client.messages.create(model="m", max_tokens=10, messages=USER))
    await asyncio.to_thread(sim.wait_held, "h1", 10)
    assert not task.done()
    sim.release("h1")
    message = await asyncio.wait_for(task, 10)
    assert message.content[0].type == "text"


def test_wait_held_timeout_message(sim: Simulator) -> None:
    with pytest.raises(
        TimeoutError, match=re.escape("no stream reached hold point 'nope' within 0.05s")
    ):
        sim.wait_held("nope", timeout=0.05)


def test_wait_requests_timeout_message(sim: Simulator) -> None:
    with pytest.raises(TimeoutError, match="expected 1 request"):
        sim.wait_requests(1, timeout=0.05)


async def test_stop_releases_held_streams() -> None:
    simulator = Simulator([HELD_TURN]).start()
    async with AsyncAnthropic(base_url=simulator.base_url, api_key="k", max_retries=0) as c:
        task = asyncio.create_task(c.messages.create(model="m", max_tokens=10, messages=USER))
        await asyncio.to_thread(simulator.wait_held, "h1", 10)
        started = time.monotonic()
        await asyncio.to_thread(simulator.stop)
        assert time.monotonic() - started < 5
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 10)


async def test_pace_spreads_deltas(sim: Simulator, client: AsyncAnthropic) -> None:
    # 10 deltas at 50 per second: about 0.18 s from first to last.
    sim.load([{"blocks": [{"type": "text", "text": "x" * 10}], "chunk": 1, "pace": 50}])
    arrivals: list[float] = []
    stream = await client.messages.create(model="m", max_tokens=10, messages=USER, stream=True)
    async for event in stream:
        if event.type == "content_block_delta":
            arrivals.append(time.monotonic())
    assert len(arrivals) == 10
    spread = arrivals[-1] - arrivals[0]
    assert 0.12 < spread < 5
    # Spread out, not delivered in one burst at the end.
    assert arrivals[4] - arrivals[0] > 0.04


async def test_unpaced_is_fast(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load([{"blocks": [{"type": "text", "text": "x" * 400}], "chunk": 1}])
    started = time.monotonic()
    stream = await client.messages.create(model="m", max_tokens=10, messages=USER, stream=True)
    count = sum([1 async for e in stream if e.type == "content_block_delta"])
    assert count == 400
    assert time.monotonic() - started < 5

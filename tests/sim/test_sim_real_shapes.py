"""The simulator sends what the real API sends (docs field notes; the SDKs' recorded
fixtures): checked on the raw bytes, and through the SDK."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import aiohttp
import anthropic
import pytest
from anthropic import AsyncAnthropic

from agentls.sim import Simulator

from .conftest import USER

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "streams"
HEADERS = {"x-api-key": "k", "anthropic-version": "2023-06-01"}


async def raw_stream(sim: Simulator, **body: Any) -> str:
    request = {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": USER, "stream": True}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{sim.base_url}/v1/messages", json={**request, **body}, headers=HEADERS
        ) as resp,
    ):
        assert resp.headers["content-type"].startswith("text/event-stream")
        return (await resp.read()).decode()


def events(raw: str) -> list[tuple[str, str]]:
    out = []
    for chunk in raw.split("\n\n"):
        if chunk.strip():
            name, data = chunk.split("\n", 1)
            out.append((name.removeprefix("event: "), data.removeprefix("data: ")))
    return out


async def test_deltas_are_padded_pings_look_like_the_apis_and_sit_after_a_block_start(
    sim: Simulator,
) -> None:
    sim.load([{"blocks": [{"type": "text", "text": "Hello there, how are you doing today?"}]}])
    stream = events(await raw_stream(sim))
    names = [name for name, _ in stream]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert ("ping", '{"type": "ping"}') in stream
    deltas = [data for name, data in stream if name == "content_block_delta"]
    assert any(data.endswith(" }") for data in deltas)
    assert all(json.loads(data)["type"] == "content_block_delta" for data in deltas)
    # Irregular chunk sizes, as a tokenizer cuts text.
    sizes = {len(json.loads(data)["delta"]["text"]) for data in deltas}
    assert len(sizes) > 3


@pytest.mark.parametrize(("pings", "expected"), [([], 0), ([0, 2, 2], 3)])
async def test_pings_go_where_the_script_says(
    sim: Simulator, pings: list[int], expected: int
) -> None:
    sim.load([{"blocks": [{"type": "text", "text": "Hello"}], "pings": pings}])
    names = [name for name, _ in events(await raw_stream(sim))]
    assert names.count("ping") == expected
    if expected:
        assert names[1] == "ping" and names[4:6] == ["ping", "ping"]


async def test_usage_model_and_stop_details_have_the_apis_shape(sim: Simulator) -> None:
    system = [
        {"type": "text", "text": "s" * 400, "cache_control": {"type": "ephemeral", "ttl": "1h"}}
    ]
    sim.load(["Hi"])
    stream = dict(events(await raw_stream(sim, system=system)))
    message = json.loads(stream["message_start"])["message"]
    assert message["model"] == "claude-sonnet-4-5-20250929"
    usage = message["usage"]
    assert set(usage) == {
        "input_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "cache_creation",
        "output_tokens",
        "service_tier",
    }
    assert (
        usage["cache_creation"]["ephemeral_1h_input_tokens"]
        == usage["cache_creation_input_tokens"]
        > 0
    )
    delta = json.loads(stream["message_delta"])
    assert delta["delta"] == {
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "stop_details": None,
    }
    assert set(delta["usage"]) == {
        "input_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "output_tokens",
    }


async def test_tool_input_starts_with_an_empty_delta_and_signatures_are_long(
    sim: Simulator,
) -> None:
    sim.load(
        [
            {
                "blocks": [
                    {"type": "thinking", "thinking": "hmm"},
                    {"type": "tool_use", "name": "t", "input": {}},
                    {"type": "tool_use", "name": "t", "input": {"a": 1}},
                ]
            }
        ]
    )
    stream = [json.loads(d) for n, d in events(await raw_stream(sim)) if n == "content_block_delta"]
    by_block: dict[int, list[dict[str, Any]]] = {}
    for event in stream:
        by_block.setdefault(event["index"], []).append(event["delta"])
    assert len(by_block[0][-1]["signature"]) > 300
    assert by_block[1] == [{"type": "input_json_delta", "partial_json": ""}]
    assert by_block[2][0] == {"type": "input_json_delta", "partial_json": ""}
    assert json.loads("".join(d["partial_json"] for d in by_block[2])) == {"a": 1}


async def test_error_events_carry_details(sim: Simulator) -> None:
    sim.load([{"blocks": [{"type": "text", "text": "Hello"}], "fault": {"kind": "sse_error"}}])
    stream = dict(events(await raw_stream(sim)))
    assert json.loads(stream["error"])["error"] == {
        "type": "overloaded_error",
        "message": "Overloaded",
        "details": None,
    }


async def test_stop_sequence_and_a_full_context_window_can_be_scripted(
    sim: Simulator, client: AsyncAnthropic
) -> None:
    sim.load(
        [
            {"blocks": [{"type": "text", "text": "one"}], "stop_sequence": "###"},
            {
                "blocks": [{"type": "text", "text": "two"}],
                "stop_reason": "model_context_window_exceeded",
            },
        ]
    )
    first = await client.messages.create(model="m", max_tokens=10, messages=USER)
    assert (first.stop_reason, first.stop_sequence) == ("stop_sequence", "###")
    async with client.messages.stream(model="m", max_tokens=10, messages=USER) as stream:
        second = await stream.get_final_message()
    assert second.stop_reason == "model_context_window_exceeded"


WEB_SEARCH_TURN: dict[str, Any] = {
    "blocks": [
        {"type": "server_tool_use", "name": "web_search", "input": {"query": "pygls"}},
        {
            "type": "web_search_tool_result",
            "content": [{"title": "pygls", "url": "https://pygls.readthedocs.io"}],
        },
        {
            "type": "text",
            "text": "It is a library.",
            "citations": [
                {"type": "web_search_result_location", "url": "https://pygls.readthedocs.io"}
            ],
        },
    ]
}
TOOLS: Any = [{"type": "web_search_20250305", "name": "web_search"}]


async def test_server_tools_stream_their_blocks_and_count_their_use(
    sim: Simulator, client: AsyncAnthropic
) -> None:
    sim.load([WEB_SEARCH_TURN, "ok"])
    async with client.messages.stream(
        model="m",
        max_tokens=100,
        messages=USER,
        tools=TOOLS,
    ) as stream:
        message = await stream.get_final_message()
    call, result, cited = message.content
    assert call.type == "server_tool_use" and call.input == {"query": "pygls"}
    assert result.type == "web_search_tool_result" and result.tool_use_id == call.id
    assert cited.type == "text" and cited.citations
    assert message.usage.server_tool_use is not None
    assert message.usage.server_tool_use.web_search_requests == 1
    start = sim.requests[-1]  # the request; message_start's input is revised upwards
    assert start["status"] == 200
    assert message.usage.input_tokens > 0

    # Sent back unchanged, the blocks are accepted; changed, refused as the API does.
    blocks = [block.model_dump(exclude_none=True) for block in message.content]
    history: list[Any] = [
        *USER,
        {"role": "assistant", "content": blocks},
        {"role": "user", "content": "thanks"},
    ]
    await client.messages.create(model="m", max_tokens=10, messages=history, tools=TOOLS)
    blocks[1]["content"][0]["encrypted_content"] = "tampered"
    with pytest.raises(anthropic.BadRequestError) as info:
        await client.messages.create(model="m", max_tokens=10, messages=history, tools=TOOLS)
    assert "not one the API sent, or it was changed" in str(info.value)


async def test_a_block_type_the_simulator_never_sent_is_refused(client: AsyncAnthropic) -> None:
    history: list[Any] = [
        *USER,
        {"role": "assistant", "content": [{"type": "diagram", "source": "x"}]},
        {"role": "user", "content": "?"},
    ]
    with pytest.raises(anthropic.BadRequestError) as info:
        await client.messages.create(model="m", max_tokens=10, messages=history)
    assert "Input tag 'diagram'" in str(info.value)


async def test_a_json_body_and_a_clean_early_end_can_be_scripted(sim: Simulator) -> None:
    sim.load(
        [
            {"blocks": [{"type": "text", "text": "Hello"}], "fault": {"kind": "json_body"}},
            {
                "blocks": [{"type": "text", "text": "Hello there"}],
                "fault": {"kind": "eof", "after_deltas": 1},
            },
        ]
    )
    request = {"model": "m", "max_tokens": 10, "messages": USER, "stream": True}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sim.base_url}/v1/messages", json=request, headers=HEADERS) as resp,
    ):
        assert resp.headers["content-type"].startswith("application/json")
        assert (await resp.json())["content"] == [{"type": "text", "text": "Hello"}]
    names = [name for name, _ in events(await raw_stream(sim))]
    assert names[-1] == "content_block_delta" and "message_stop" not in names


async def test_replay_serves_a_capture_verbatim_and_trusts_its_blocks(
    sim: Simulator, client: AsyncAnthropic
) -> None:
    capture = (FIXTURES / "thinking_signature.sse").read_text()
    sim.load([{"replay": capture}, "ok"])
    assert await raw_stream(sim) == capture
    # Its thinking signature and redacted data validate when sent back, as the API's would.
    sim.load([{"replay": capture}, "ok"])
    async with client.messages.stream(model="m", max_tokens=100, messages=USER) as stream:
        message = await stream.get_final_message()
    blocks = [block.model_dump(exclude_none=True) for block in message.content]
    history: list[Any] = [
        *USER,
        {"role": "assistant", "content": blocks},
        {"role": "user", "content": "?"},
    ]
    reply = await client.messages.create(model="m", max_tokens=10, messages=history)
    assert reply.content[0].type == "text"


async def test_agentls_sim_replay_serves_a_capture_file() -> None:
    capture = FIXTURES / "web_search.sse"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agentls",
        "sim",
        "--replay",
        str(capture),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        base_url = line.strip().removeprefix("agentls-sim listening on ")
        body = {"model": "m", "max_tokens": 10, "messages": USER, "stream": True}
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{base_url}/v1/messages", json=body, headers=HEADERS) as resp,
        ):
            assert (await resp.read()) == capture.read_bytes()
    finally:
        proc.terminate()
        await proc.wait()

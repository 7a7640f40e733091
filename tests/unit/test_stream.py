"""The accumulator: blocks kept as the API sent them, O(delta) appends, one parse per
block, cumulative usage, and salvage after a cut."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from agentls.agent.stream import MessageAccumulator, StreamProtocolError


def tool_start(tool_id: str = "toolu_1", name: str = "create", **extra: Any) -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": name, **extra, "input": {}}


def feed_tool_input(acc: MessageAccumulator, index: int, text: str, chunk: int) -> None:
    acc.block_start(index, tool_start())
    for start in range(0, len(text), chunk):
        acc.delta(index, {"type": "input_json_delta", "partial_json": text[start : start + chunk]})


def test_blocks_are_joined_and_parsed_once_at_stop() -> None:
    acc = MessageAccumulator()
    acc.block_start(0, {"type": "thinking", "thinking": "", "signature": ""})
    acc.delta(0, {"type": "thinking_delta", "thinking": "hmm, "})
    acc.delta(0, {"type": "thinking_delta", "thinking": "yes"})
    acc.delta(0, {"type": "signature_delta", "signature": "sig=="})
    acc.block_stop(0)
    acc.block_start(1, {"type": "text", "text": ""})
    for part in ("Hel", "lo"):
        acc.delta(1, {"type": "text_delta", "text": part})
    acc.block_stop(1)
    feed_tool_input(acc, 2, json.dumps({"path": "a.py", "n": [1, 2]}), 3)
    acc.block_stop(2)
    acc.message_delta({"stop_reason": "tool_use", "stop_sequence": None}, {"output_tokens": 12})
    assert [done.block for done in acc.completed] == [
        {"type": "thinking", "thinking": "hmm, yes", "signature": "sig=="},
        {"type": "text", "text": "Hello"},
        {
            "type": "tool_use",
            "id": "toolu_1",
            "name": "create",
            "input": {"path": "a.py", "n": [1, 2]},
        },
    ]
    assert acc.stop_reason == "tool_use"
    assert acc.usage.output_tokens == 12


def test_fields_the_loop_does_not_know_are_kept_in_order() -> None:
    acc = MessageAccumulator()
    acc.block_start(0, tool_start(caller={"type": "direct"}))
    acc.delta(0, {"type": "input_json_delta", "partial_json": '{"a": 1}'})
    done = acc.block_stop(0)
    assert done is not None
    assert json.dumps(done.block) == (
        '{"type": "tool_use", "id": "toolu_1", "name": "create", "caller": {"type": "direct"}, '
        '"input": {"a": 1}}'
    )


def test_citations_compaction_and_unknown_blocks_are_kept() -> None:
    acc = MessageAccumulator()
    acc.block_start(0, {"type": "text", "text": "", "citations": []})
    acc.delta(
        0,
        {"type": "citations_delta", "citation": {"type": "web_search_result_location", "url": "u"}},
    )
    acc.delta(0, {"type": "text_delta", "text": "cited"})
    acc.block_stop(0)
    acc.block_start(1, {"type": "compaction", "content": None, "encrypted_content": None})
    acc.delta(1, {"type": "compaction_delta", "content": "Summary ", "encrypted_content": "old"})
    acc.delta(1, {"type": "compaction_delta", "content": "done", "encrypted_content": "final"})
    acc.block_stop(1)
    acc.block_start(2, {"type": "hologram", "frames": ["a"], "note": "x"})
    acc.delta(2, {"type": "hologram_delta", "frames": ["b"], "note": "y"})
    acc.block_stop(2)
    assert [done.block for done in acc.completed] == [
        {
            "type": "text",
            "text": "cited",
            "citations": [{"type": "web_search_result_location", "url": "u"}],
        },
        {"type": "compaction", "content": "Summary done", "encrypted_content": "final"},
        {"type": "hologram", "frames": ["a", "b"], "note": "xy"},
    ]


def test_empty_text_block_is_dropped_and_a_lone_empty_delta_is_an_empty_input() -> None:
    acc = MessageAccumulator()
    acc.block_start(0, {"type": "text", "text": ""})
    acc.block_stop(0)
    acc.block_start(1, tool_start("t", "x"))
    acc.delta(1, {"type": "input_json_delta", "partial_json": ""})
    acc.block_stop(1)
    assert [done.block for done in acc.completed] == [
        {"type": "tool_use", "id": "t", "name": "x", "input": {}}
    ]
    assert acc.completed[0].input_error is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"path": "a.py", "file_te', "not valid JSON"),
        ("[1, 2]", "JSON list, not an object"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_bad_tool_input_is_flagged_not_raised(text: str, problem: str) -> None:
    acc = MessageAccumulator()
    feed_tool_input(acc, 0, text, 4096)
    done = acc.block_stop(0)
    assert done is not None and done.input_error is not None and problem in done.input_error
    assert done.block["input"] == {}


@pytest.mark.parametrize(
    "event",
    [
        (0, None),  # a delta without its delta field
        (0, {"text": "no type"}),
        (0, {"type": "text_delta"}),  # without its text
        (7, {"type": "text_delta", "text": "x"}),  # a block that never started
        ([0], {"type": "text_delta", "text": "x"}),  # an index that is not one
    ],
)
def test_a_delta_that_breaks_the_rules_is_a_protocol_error(event: tuple[Any, Any]) -> None:
    acc = MessageAccumulator()
    acc.block_start(0, {"type": "text", "text": ""})
    with pytest.raises(StreamProtocolError):
        acc.delta(*event)


def test_usage_in_message_delta_is_cumulative_and_supersedes_message_start() -> None:
    acc = MessageAccumulator()
    acc.message_start(
        {
            "id": "msg_1",
            "model": "claude-sonnet-4-5-20250929",
            "usage": {
                "input_tokens": 2050,
                "cache_creation_input_tokens": 100,
                "cache_read_input_tokens": 7,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": 60,
                    "ephemeral_1h_input_tokens": 40,
                },
                "output_tokens": 1,
                "service_tier": "standard",
            },
        }
    )
    acc.message_delta(
        {"stop_reason": "end_turn", "stop_sequence": None, "stop_details": None},
        {
            "input_tokens": 31772,
            "cache_creation_input_tokens": 100,
            "cache_read_input_tokens": 7,
            "output_tokens": 510,
            "server_tool_use": {"web_search_requests": 2, "web_fetch_requests": 0},
        },
    )
    usage = acc.usage
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens) == (31772, 510, 7)
    assert (usage.cache_write_tokens, usage.cache_write_5m_tokens, usage.cache_write_1h_tokens) == (
        100,
        60,
        40,
    )
    assert usage.server_tool_use == {"web_search_requests": 2, "web_fetch_requests": 0}
    assert usage.service_tier == "standard"
    # Sonnet 4.5: $3 in, $15 out, 5m writes $3.75, 1h writes $6, reads $0.30 per MTok, and
    # $10 per 1,000 searches.
    expected = (31772 * 3 + 510 * 15 + 60 * 3.75 + 40 * 6 + 7 * 0.3) / 1e6 + 2 * 0.01
    assert usage.cost(acc.model) == pytest.approx(expected)


def test_server_tool_calls_without_their_result_are_dropped_after_a_cut() -> None:
    acc = MessageAccumulator()
    acc.block_start(
        0, {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}
    )
    acc.delta(0, {"type": "input_json_delta", "partial_json": '{"query": "q"}'})
    acc.block_stop(0)
    assert acc.salvage() == []
    assert acc.blocks("pause_turn") == [
        {
            "type": "server_tool_use",
            "id": "srvtoolu_1",
            "name": "web_search",
            "input": {"query": "q"},
        }
    ]
    result = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []}
    acc.block_start(1, result)
    acc.block_stop(1)
    assert len(acc.salvage()) == 2


def test_salvage_keeps_complete_blocks_and_cut_text_only() -> None:
    acc = MessageAccumulator()
    acc.block_start(0, {"type": "text", "text": ""})
    acc.delta(0, {"type": "text_delta", "text": "done part"})
    acc.block_stop(0)
    acc.block_start(1, {"type": "thinking", "thinking": "", "signature": ""})
    acc.delta(1, {"type": "thinking_delta", "thinking": "unsigned"})
    acc.block_start(2, {"type": "text", "text": ""})
    acc.delta(2, {"type": "text_delta", "text": "cut sh"})
    feed_tool_input(acc, 3, '{"pa', 2)
    assert acc.salvage() == [
        {"type": "text", "text": "done part"},
        {"type": "text", "text": "cut sh"},
    ]


def test_per_delta_cost_is_flat() -> None:
    """Feeding 10x the input costs about 10x the time, not 100x (generous bound)."""

    def cost(size: int) -> float:
        text = json.dumps({"file_text": "x" * size})
        acc = MessageAccumulator()
        started = time.perf_counter()
        feed_tool_input(acc, 0, text, 8)
        acc.block_stop(0)
        return time.perf_counter() - started

    cost(20_000)  # warm up
    small, large = cost(100_000), cost(1_000_000)
    assert large < small * 30, (small, large)

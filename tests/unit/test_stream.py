"""The accumulator: O(delta) appends, one parse per block, and salvage after a cut."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace as NS  # noqa: N814

from agentls.agent.stream import MessageAccumulator


def feed_tool_input(acc: MessageAccumulator, index: int, text: str, chunk: int) -> None:
    acc.block_start(index, NS(type="tool_use", id="toolu_1", name="create"))
    for start in range(0, len(text), chunk):
        acc.delta(index, NS(type="input_json_delta", partial_json=text[start : start + chunk]))


def test_blocks_are_joined_and_parsed_once_at_stop() -> None:
    acc = MessageAccumulator()
    acc.block_start(0, NS(type="thinking", thinking=""))
    acc.delta(0, NS(type="thinking_delta", thinking="hmm, "))
    acc.delta(0, NS(type="thinking_delta", thinking="yes"))
    acc.delta(0, NS(type="signature_delta", signature="sig=="))
    acc.block_stop(0)
    acc.block_start(1, NS(type="text", text=""))
    for part in ("Hel", "lo"):
        acc.delta(1, NS(type="text_delta", text=part))
    acc.block_stop(1)
    feed_tool_input(acc, 2, json.dumps({"path": "a.py", "n": [1, 2]}), 3)
    acc.block_stop(2)
    acc.message_delta("tool_use", NS(output_tokens=12))
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


def test_empty_text_block_is_dropped_and_empty_tool_input_is_an_object() -> None:
    acc = MessageAccumulator()
    acc.block_start(0, NS(type="text", text=""))
    acc.block_stop(0)
    acc.block_start(1, NS(type="tool_use", id="t", name="x"))
    acc.block_stop(1)
    assert [done.block for done in acc.completed] == [
        {"type": "tool_use", "id": "t", "name": "x", "input": {}}
    ]


def test_truncated_tool_input_is_flagged_not_raised() -> None:
    acc = MessageAccumulator()
    feed_tool_input(acc, 0, '{"path": "a.py", "file_te', 4)
    done = acc.block_stop(0)
    assert done is not None and done.input_error is not None


def test_salvage_keeps_complete_blocks_and_cut_text_only() -> None:
    acc = MessageAccumulator()
    acc.block_start(0, NS(type="text", text=""))
    acc.delta(0, NS(type="text_delta", text="done part"))
    acc.block_stop(0)
    acc.block_start(1, NS(type="thinking", thinking=""))
    acc.delta(1, NS(type="thinking_delta", thinking="unsigned"))
    acc.block_start(2, NS(type="text", text=""))
    acc.delta(2, NS(type="text_delta", text="cut sh"))
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

"""agent/stored_records.py: whatever damage a journal has, the records kept replay without
error into a conversation the API accepts (checked with the simulator's own rules), and an
undamaged journal is kept exactly as written."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from agentls.agent.conversation import Conversation, tool_result
from agentls.agent.stored_records import LOST_RESULT_TEXT, usable_records
from agentls.sim.history import check_tool_pairing

Record = dict[str, Any]


def journal(turns: list[list[int]], rollbacks: set[int]) -> list[Record]:
    """Records as the loop writes them: per prompt, replies with that many tool calls each
    (answered), and a rollback for the prompts listed (a prompt that produced nothing)."""
    records: list[Record] = []
    conversation = Conversation(record=records.append)
    ids = itertools.count()
    for number, replies in enumerate(turns):
        start = conversation.checkpoint()
        conversation.append_user([{"type": "text", "text": f"prompt {number}"}])
        if number in rollbacks:
            conversation.rollback(start)
            continue
        for calls in replies:
            tool_ids = [f"toolu_{next(ids)}" for _ in range(calls)]
            uses = [{"type": "tool_use", "id": i, "name": "bash", "input": {}} for i in tool_ids]
            conversation.append_assistant([{"type": "text", "text": "reply"}, *uses])
            conversation.append_user([tool_result(i, "output", is_error=False) for i in tool_ids])
    return records


def replayed(records: list[Record]) -> list[dict[str, Any]]:
    conversation = Conversation()
    for record in records:
        conversation.replay(record)
    conversation.repair("Interrupted")  # as session/load does for the tail
    return conversation.messages


def assert_valid_for_the_api(messages: list[dict[str, Any]]) -> None:
    if not messages:
        return
    assert messages[0]["role"] == "user"
    assert all(message["content"] for message in messages)
    check_tool_pairing([m["role"] for m in messages], [m["content"] for m in messages])


JUNK: list[Any] = [
    None,
    "a string",
    [1, 2],
    {"type": "user", "content": None},
    {"type": "user", "content": "not a list"},
    {"type": "assistant", "content": [{"type": "tool_use", "id": 5}]},
    {"type": "assistant", "content": [{"type": "text"}]},
    {"type": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_nope"}]},
    {"type": "rollback", "length": 99, "lastContentLength": None},
    {"type": "rollback", "length": 1, "lastContentLength": 0},
    {"type": "rollback", "length": "1"},
]

turns_strategy = st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=3), max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    turns=turns_strategy,
    rollbacks=st.sets(st.integers(0, 5)),
    damage=st.lists(
        st.tuples(st.integers(0, 60), st.one_of(st.none(), st.sampled_from(JUNK))), max_size=4
    ),
)
def test_whatever_is_damaged_what_is_kept_replays_valid(
    turns: list[list[int]], rollbacks: set[int], damage: list[tuple[int, Any]]
) -> None:
    records: list[Any] = journal(turns, rollbacks)
    for position, junk in damage:
        if not records:
            break
        index = position % len(records)
        if junk is None:
            del records[index]  # a record lost
        else:
            records[index] = junk
    kept, problems = usable_records(enumerate(records, 1))
    messages = replayed(kept)
    assert_valid_for_the_api(messages)
    if not damage:
        assert kept == records and problems == []


def test_an_undamaged_journal_is_kept_as_written() -> None:
    records = journal([[2, 0], [1], [0]], rollbacks={1})
    assert usable_records(enumerate(records, 1)) == (records, [])


def test_a_lost_reply_drops_its_results_and_a_lost_result_is_marked() -> None:
    records: list[Any] = journal([[1, 0], [1, 0]], rollbacks=set())
    # 0 user, 1 assistant+tool, 2 results, 3 assistant, 4 user, 5 assistant+tool, 6 results, 7
    records[1] = {"type": "assistant", "content": "spoiled"}
    records[6] = "spoiled"
    kept, problems = usable_records(enumerate(records, 1))
    assert problems == [
        "line 2: `content` is not a non-empty list; skipped",
        "line 3: only tool results that answer no tool call before them; skipped",
        "line 7: not a JSON object but str; skipped",
        "line 8: 1 tool call(s) before it had no readable result; marked as lost",
    ]
    messages = replayed(kept)
    assert_valid_for_the_api(messages)
    assert [m["role"] for m in messages] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    lost = messages[4]["content"][0]
    assert lost["type"] == "tool_result" and lost["content"] == LOST_RESULT_TEXT
    assert lost["is_error"] is True

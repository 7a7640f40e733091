"""Compaction's pure parts: where the kept part may start, what the summary request sends,
and a journaled compaction replayed to the same conversation."""

from __future__ import annotations

import copy
from typing import Any

from agentls.agent.compaction import SUMMARY_INSTRUCTION, keep_from, summary_messages
from agentls.agent.conversation import (
    Checkpoint,
    Conversation,
    Message,
    append_assistant,
    append_user,
    can_keep_from,
    checkpoint,
    compacted,
    moved_by_compaction,
    rollback,
)

CALL = {"type": "tool_use", "id": "t1", "name": "view", "input": {}}
RESULT = {"type": "tool_result", "tool_use_id": "t1", "content": "x" * 20_000}
THINKING = {"type": "thinking", "thinking": "hmm", "signature": "sig"}


def user(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def assistant(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": list(blocks)}


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


MESSAGES = [
    user(text("read it")),
    assistant(THINKING, CALL),
    user(RESULT),
    assistant(text("it is long")),
    user(text("and now?")),
]


def test_the_kept_part_never_starts_at_tool_results() -> None:
    assert [i for i in range(len(MESSAGES)) if can_keep_from(MESSAGES, i)] == [1, 3, 4]
    assert keep_from(MESSAGES, budget=10) == 4  # nothing fits: keep the least possible
    assert keep_from(MESSAGES, budget=100_000) == 1


def test_the_summary_request_drops_thinking_cuts_long_output_and_asks_last() -> None:
    sent = summary_messages(MESSAGES[:3])
    assert sent[1] == assistant(CALL)
    result = sent[2]["content"][0]
    assert "characters left out" in result["content"] and len(result["content"]) < 5000
    assert sent[2]["content"][-1] == text(SUMMARY_INSTRUCTION)
    assert MESSAGES[2]["content"][0]["content"] == "x" * 20_000  # the stored one is untouched


def test_a_journaled_compaction_replays_to_the_same_conversation() -> None:
    records: list[dict[str, Any]] = []
    live = Conversation(messages=[dict(m, content=list(m["content"])) for m in MESSAGES])
    for message in live.messages:
        records.append({"type": message["role"], "content": message["content"]})
    live.record = records.append
    live.compact(3, "SUMMARY", {"tokensBefore": 10, "tokensAfter": 2})
    assert live.messages == [
        user(text("SUMMARY")),
        assistant(text("it is long")),
        user(text("and now?")),
    ]
    assert records[-1]["type"] == "compaction" and records[-1]["keepFrom"] == 3

    reloaded = Conversation()
    for record in records:
        reloaded.replay(record)
    assert reloaded.messages == live.messages


def test_a_compaction_that_does_not_fit_the_journal_is_skipped_not_applied_wrongly() -> None:
    reloaded = Conversation()
    reloaded.replay({"type": "user", "content": [text("only one message")]})
    reloaded.replay({"type": "compaction", "keepFrom": 3, "length": 5, "summary": "S"})
    assert reloaded.messages == [user(text("only one message"))]


def test_a_continued_reply_joins_the_last_assistant_message() -> None:
    conversation = Conversation()
    conversation.append_user([text("q")])
    conversation.append_assistant([text("paused ")])
    conversation.append_assistant([text("continued")])
    assert conversation.messages == [user(text("q")), assistant(text("paused "), text("continued"))]
    request = conversation.for_request()
    assert request[-1]["content"] == [
        text("paused "),
        {**text("continued"), "cache_control": {"type": "ephemeral"}},
    ]


def test_the_cache_breakpoint_skips_blocks_kept_as_sent() -> None:
    conversation = Conversation()
    conversation.append_user([text("q")])
    server_result = {"type": "web_search_tool_result", "tool_use_id": "s", "content": []}
    conversation.append_assistant([text("found"), server_result])
    last = conversation.for_request()[-1]["content"]
    assert "cache_control" not in last[1] and last[0]["cache_control"] == {"type": "ephemeral"}


def test_a_damaged_journal_check_follows_a_compaction() -> None:
    from agentls.agent.stored_records import usable_records

    records: list[dict[str, Any]] = [
        {"type": "user", "content": [text("one")]},
        {"type": "assistant", "content": [text("first")]},
        {"type": "user", "content": [text("two")]},
        {"type": "assistant", "content": [text("second")]},
        {"type": "compaction", "keepFrom": 3, "length": 4, "summary": "S"},
        # A prompt that produced nothing, rolled back in the compacted conversation.
        {"type": "user", "content": [text("three")]},
        {"type": "rollback", "length": 2, "lastContentLength": None},
        {"type": "user", "content": [text("four")]},
    ]
    kept, problems = usable_records(enumerate(records, 1))
    assert problems == []
    conversation = Conversation()
    for record in kept:
        conversation.replay(record)
    assert conversation.messages == [
        user(text("S")),
        assistant(text("second")),
        user(text("four")),
    ]
    _, problems = usable_records(
        enumerate(
            [*records[:4], {"type": "compaction", "keepFrom": 2, "length": 9, "summary": "S"}], 1
        )
    )
    assert problems == [
        "line 5: a compaction that does not fit the conversation before it; skipped"
    ]


# ---- checkpoints across a compaction --------------------------------------------------------


def _session_with_checkpoints() -> tuple[list[Message], list[Checkpoint]]:
    """Prompts of every shape a session makes: plain, after a tool round, joining the tool
    results a cancelled turn left; with the checkpoint taken before each."""
    messages: list[Message] = []
    points: list[Checkpoint] = []

    def prompt(text: str) -> None:
        points.append(checkpoint(messages))
        append_user(messages, [{"type": "text", "text": text}])

    prompt("one")
    append_assistant(messages, [{"type": "text", "text": "ok"}])
    prompt("two")
    append_assistant(messages, [{"type": "tool_use", "id": "t1", "name": "x", "input": {}}])
    append_user(messages, [{"type": "tool_result", "tool_use_id": "t1", "content": "r"}])
    append_assistant(messages, [{"type": "text", "text": "done"}])
    prompt("three")
    append_assistant(messages, [{"type": "tool_use", "id": "t2", "name": "x", "input": {}}])
    append_user(messages, [{"type": "tool_result", "tool_use_id": "t2", "content": "cut"}])
    prompt("four, after a cancel")  # joins the tool results
    append_assistant(messages, [{"type": "text", "text": "four done"}])
    prompt("five, cancelled before any reply")
    prompt("six")  # joins five's message
    append_assistant(messages, [{"type": "text", "text": "six done"}])
    return messages, points


def test_a_checkpoint_moved_by_a_compaction_rolls_back_to_the_same_conversation() -> None:
    """Rolling the compacted conversation back to a moved checkpoint gives what compacting
    the conversation rolled back to the original checkpoint gives: rewind after compaction
    lands exactly where it did before, with the summary in front."""
    messages, points = _session_with_checkpoints()
    reachable = 0
    for start in range(len(messages)):
        if not can_keep_from(messages, start):
            continue
        after = compacted(copy.deepcopy(messages), start, "SUMMARY")
        kept_user = messages[start]["role"] == "user"
        for point in points:
            moved = moved_by_compaction(point, start, kept_user)
            before = copy.deepcopy(messages)
            rollback(before, point)
            if moved is None:
                assert len(before) <= start  # it lay in the summarised part
                continue
            reachable += 1
            rewound = copy.deepcopy(after)
            rollback(rewound, moved)
            assert rewound == compacted(before, start, "SUMMARY")
    assert reachable >= 6  # the loop above checked real cases

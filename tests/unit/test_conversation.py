from __future__ import annotations

from typing import Any

from agentls.agent import conversation


def test_user_content_joins_a_trailing_user_message_after_its_tool_results() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": "q"}]},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t", "name": "x", "input": {}}],
        },
        {"role": "user", "content": [conversation.tool_result("t", "", is_error=True)]},
    ]
    conversation.append_user(messages, [{"type": "text", "text": "next"}])
    assert messages[-1]["content"] == [
        {"type": "tool_result", "tool_use_id": "t", "content": "(no output)", "is_error": True},
        {"type": "text", "text": "next"},
    ]


def test_rollback_restores_a_merged_message() -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"type": "text", "text": "a"}]}]
    point = conversation.checkpoint(messages)
    conversation.append_user(messages, [{"type": "text", "text": "b"}])
    conversation.rollback(messages, point)
    assert messages == [{"role": "user", "content": [{"type": "text", "text": "a"}]}]


def test_cache_breakpoint_marks_a_copy_and_skips_thinking() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": "a"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "b"},
                {"type": "thinking", "thinking": "c", "signature": "s"},
            ],
        },
    ]
    sent = conversation.for_request(messages)
    assert sent[-1]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in sent[-1]["content"][1]
    assert "cache_control" not in messages[-1]["content"][0]

"""A stored conversation as the `session/update` notifications that draw it, for
`session/load`: a panel redraws a session it never saw stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agentls.protocol import payloads

if TYPE_CHECKING:
    from agentls.agent.conversation import Checkpoint

SUMMARY_START = "<conversation-summary>"  # how a compaction summary begins
Describe = Callable[[str, dict[str, Any]], tuple[str, str]]  # tool name, input -> title, kind


def history_updates(
    messages: list[dict[str, Any]],
    describe: Describe,
    prompts: dict[int, Checkpoint] | None = None,
) -> list[dict[str, Any]]:
    """`prompts`: where each prompt (by index) starts; its first `user_message_chunk`
    carries `_meta.agentls.promptIndex`."""
    starts = {
        (p.length - 1, p.last_content_length)
        if p.last_content_length is not None
        else (p.length, 0): i
        for i, p in (prompts or {}).items()
    }
    results = {
        block["tool_use_id"]: block
        for message in messages
        if message["role"] == "user"
        for block in message["content"]
        if block.get("type") == "tool_result"
    }
    updates: list[dict[str, Any]] = []
    index: int | None = None  # a prompt's index, until its first text is shown
    for position, message in enumerate(messages):
        for offset, block in enumerate(message["content"]):
            index = starts.get((position, offset), index)
            shown = _block_updates(message["role"], block, results, describe)
            if index is not None and shown and shown[0]["sessionUpdate"] == "user_message_chunk":
                shown[0]["_meta"] = {"agentls": {"promptIndex": index}}
                index = None
            updates.extend(shown)
    return updates


def _block_updates(
    role: str, block: dict[str, Any], results: dict[str, dict[str, Any]], describe: Describe
) -> list[dict[str, Any]]:
    kind = block.get("type")
    if kind == "text" and role == "user" and block["text"].startswith(SUMMARY_START):
        # A compacted conversation starts with the summary: shown as what it is.
        message = "The earlier part of this conversation was compacted into a summary."
        return [payloads.notice("info", message)]
    if kind == "text":
        chunk = "user_message_chunk" if role == "user" else "agent_message_chunk"
        return [payloads.chunk(chunk, block["text"])]
    if kind == "thinking":
        return [payloads.chunk("agent_thought_chunk", block["thinking"])]
    if kind == "tool_use":
        result = results.get(block["id"])
        failed = result is None or result.get("is_error")
        status: payloads.ToolStatus = "failed" if failed else "completed"
        title, tool_kind = describe(block["name"], block["input"])
        content = None if result is None else [payloads.content(_text(result))]
        return [
            payloads.tool_call(
                block["id"], title, tool_kind, status, block["input"], content=content
            )
        ]
    return []


def _text(result: dict[str, Any]) -> str:
    content = result.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""

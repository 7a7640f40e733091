"""The stored conversation and the rules that keep it acceptable to the Messages API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]
Block = dict[str, Any]

# Blocks a cache breakpoint may go on. Thinking blocks, server tool blocks and any type
# this loop does not know go back byte for byte, so they never carry one.
_CACHEABLE = frozenset({"text", "image", "document", "search_result", "tool_use", "tool_result"})


@dataclass
class Checkpoint:
    """Where the conversation stood before a prompt, to undo a prompt that produced nothing."""

    length: int
    last_content_length: int | None


def checkpoint(messages: list[Message]) -> Checkpoint:
    if messages and messages[-1]["role"] == "user":
        return Checkpoint(len(messages), len(messages[-1]["content"]))
    return Checkpoint(len(messages), None)


def rollback(messages: list[Message], point: Checkpoint) -> None:
    del messages[point.length :]
    if point.last_content_length is not None:
        del messages[-1]["content"][point.last_content_length :]


def append_user(messages: list[Message], blocks: list[Block]) -> None:
    """Add user content; after a cancelled or limited turn the conversation may already end
    with a user message (tool results), and the new content joins it after them."""
    if not blocks:
        return
    if messages and messages[-1]["role"] == "user":
        messages[-1]["content"].extend(blocks)
    else:
        messages.append({"role": "user", "content": list(blocks)})


def append_assistant(messages: list[Message], blocks: list[Block]) -> None:
    """Add a reply; one that continues the last message (after pause_turn, or a reply cut
    off and continued) joins it, as the API joins them."""
    if not blocks:
        return
    if messages and messages[-1]["role"] == "assistant":
        messages[-1]["content"].extend(blocks)
    else:
        messages.append({"role": "assistant", "content": list(blocks)})


def compacted(messages: list[Message], keep_from: int, summary: str) -> list[Message]:
    """The conversation after a compaction: the summary of messages[:keep_from] as the
    first user message, then messages[keep_from:] as they were. `keep_from` is either an
    assistant message or a user message without tool results, so every tool_use keeps its
    tool_result and the roles still alternate."""
    block = {"type": "text", "text": summary}
    kept = messages[keep_from:]
    if kept and kept[0]["role"] == "user":
        return [{"role": "user", "content": [block, *kept[0]["content"]]}, *kept[1:]]
    return [{"role": "user", "content": [block]}, *kept]


def moved_by_compaction(point: Checkpoint, keep_from: int, kept_user: bool) -> Checkpoint | None:
    """Where `point` stands after `compacted(messages, keep_from, …)` (`kept_user`: whether
    messages[keep_from] is a user message, which the summary then joins); None when it lies
    inside the summarised part, which no rollback can reach any more."""
    if point.length < keep_from or (
        point.length == keep_from and point.last_content_length is not None
    ):
        return None
    if point.length == keep_from:
        # Just before messages[keep_from]: the conversation is then the summary alone.
        return Checkpoint(1, 1) if kept_user else Checkpoint(1, None)
    length = point.length - keep_from + (0 if kept_user else 1)
    last = point.last_content_length
    if kept_user and last is not None and point.length - 1 == keep_from:
        last += 1  # that message now starts with the summary
    return Checkpoint(length, last)


def can_keep_from(messages: list[Message], index: int) -> bool:
    """Whether a compaction may keep messages[index:] verbatim (see `compacted`)."""
    if index <= 0 or index >= len(messages):
        return False
    message = messages[index]
    if message["role"] == "assistant":
        return True
    return not any(block.get("type") == "tool_result" for block in message["content"])


def tool_result(
    tool_use_id: str, text: str, *, is_error: bool, extra: list[Block] | None = None
) -> Block:
    # An empty result reads to the model as a failure to run, so say it was empty.
    content: str | list[Block] = text or "(no output)"
    if extra:
        content = [{"type": "text", "text": content}, *extra]
    block: Block = {"type": "tool_result", "tool_use_id": tool_use_id, "content": content}
    if is_error:
        block["is_error"] = True
    return block


def for_request(messages: list[Message]) -> list[Message]:
    """The messages to send: a cache breakpoint on the latest turn and, when continuing
    after pause_turn, no trailing white space on the final assistant text (the API refuses
    it). The stored messages are not touched: only the last message is copied.
    """
    if not messages:
        return messages
    last = messages[-1]
    content = last["content"]
    if last["role"] == "assistant" and content and content[-1].get("type") == "text":
        stripped = content[-1]["text"].rstrip()
        content = [*content[:-1], {**content[-1], "text": stripped}] if stripped else content[:-1]
    for position in range(len(content) - 1, -1, -1):
        if content[position].get("type") in _CACHEABLE:
            marked = dict(content[position], cache_control={"type": "ephemeral"})
            new_content = [*content[:position], marked, *content[position + 1 :]]
            return [*messages[:-1], {"role": last["role"], "content": new_content}]
    return [*messages[:-1], {"role": last["role"], "content": content}]


Record = dict[str, Any]


@dataclass
class Conversation:
    """A session's messages; every change is also handed to `record` (the session's
    journal on disk), in a form `replay` turns back into the same messages."""

    messages: list[Message] = field(default_factory=list)
    record: Callable[[Record], None] | None = None

    def checkpoint(self) -> Checkpoint:
        return checkpoint(self.messages)

    def rollback(self, point: Checkpoint) -> None:
        rollback(self.messages, point)
        self._record(
            {
                "type": "rollback",
                "length": point.length,
                "lastContentLength": point.last_content_length,
            }
        )

    def append_user(self, blocks: list[Block]) -> None:
        if blocks:
            append_user(self.messages, blocks)
            self._record({"type": "user", "content": blocks})

    def append_assistant(self, blocks: list[Block]) -> None:
        if blocks:
            append_assistant(self.messages, blocks)
            self._record({"type": "assistant", "content": blocks})

    def for_request(self) -> list[Message]:
        return for_request(self.messages)

    def compact(self, keep_from: int, summary: str, figures: dict[str, Any]) -> None:
        """Replace messages[:keep_from] with `summary`; journaled, so a reload resumes from
        the compacted conversation."""
        length = len(self.messages)
        kept_user = self.messages[keep_from]["role"] == "user"
        self.messages[:] = compacted(self.messages, keep_from, summary)
        self._record(
            {
                "type": "compaction",
                "keepFrom": keep_from,
                "keptUser": kept_user,
                "length": length,
                "summary": summary,
                **figures,
            }
        )

    def replay(self, record: Record) -> None:
        kind = record.get("type")
        if kind == "user":
            append_user(self.messages, list(record["content"]))
        elif kind == "assistant":
            append_assistant(self.messages, list(record["content"]))
        elif kind == "rollback":
            rollback(self.messages, Checkpoint(record["length"], record["lastContentLength"]))
        elif kind == "compaction":
            keep_from = record["keepFrom"]
            if record.get("length") == len(self.messages) and can_keep_from(
                self.messages, keep_from
            ):
                self.messages[:] = compacted(self.messages, keep_from, record["summary"])

    def repair(self, reason: str) -> None:
        """After a crash mid-turn: answer any tool call left without a result."""
        if not self.messages or self.messages[-1]["role"] != "assistant":
            return
        unanswered = [b["id"] for b in self.messages[-1]["content"] if b.get("type") == "tool_use"]
        self.append_user([tool_result(tool_id, reason, is_error=True) for tool_id in unanswered])

    def _record(self, record: Record) -> None:
        if self.record is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.record(record)
            return
        # Saved as soon as the current step yields: in order (call_soon is FIFO), but after
        # the model request that follows has gone out, so the disk is not on the path to
        # the first chunk.
        loop.call_soon(self.record, record)

"""Accumulates one streamed Messages-API response from its raw events.

The SDK's `MessageStream` re-parses the whole partial tool-input JSON on every delta and
grows text with `+=`; here every delta is appended to a list of parts (O(delta)) and each
block is joined, and its JSON parsed, once at `content_block_stop`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class StreamProtocolError(Exception):
    """The event stream broke the Messages API's rules (e.g. a delta for an unknown block)."""


@dataclass
class BlockInProgress:
    type: str
    parts: list[str] = field(default_factory=list)
    signature: str = ""
    tool_id: str = ""
    tool_name: str = ""
    data: str = ""  # redacted_thinking


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    def add(self, other: Usage) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_read_tokens += other.cache_read_tokens
        self.cache_write_tokens += other.cache_write_tokens

    @property
    def total(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + self.cache_write_tokens
        )

    def to_acp(self) -> dict[str, int]:
        return {
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
            "cachedReadTokens": self.cache_read_tokens,
            "cachedWriteTokens": self.cache_write_tokens,
            "totalTokens": self.total,
        }


@dataclass
class CompletedBlock:
    index: int
    block: dict[str, Any]  # in Messages-API request form, ready to send back
    input_error: str | None = None  # tool_use whose input JSON did not parse


class MessageAccumulator:
    """Feed raw stream events in order; read the completed blocks and the stop reason."""

    def __init__(self) -> None:
        self.message_id = ""
        self.stop_reason: str | None = None
        self.usage = Usage()
        self._open: dict[int, BlockInProgress] = {}
        self.completed: list[CompletedBlock] = []
        self.stopped = False

    # Each handler returns nothing; the loop reads events itself for what to stream.
    def message_start(self, message: Any) -> None:
        self.message_id = message.id
        usage = message.usage
        self.usage.input_tokens = usage.input_tokens or 0
        self.usage.output_tokens = usage.output_tokens or 0
        self.usage.cache_read_tokens = getattr(usage, "cache_read_input_tokens", None) or 0
        self.usage.cache_write_tokens = getattr(usage, "cache_creation_input_tokens", None) or 0

    def block_start(self, index: int, block: Any) -> BlockInProgress:
        kind = block.type
        progress = BlockInProgress(type=kind)
        if kind == "tool_use":
            progress.tool_id = block.id
            progress.tool_name = block.name
        elif kind == "redacted_thinking":
            progress.data = block.data
        elif kind == "text" and block.text:
            progress.parts.append(block.text)
        elif kind == "thinking" and block.thinking:
            progress.parts.append(block.thinking)
        self._open[index] = progress
        return progress

    def delta(self, index: int, delta: Any) -> BlockInProgress:
        progress = self._open.get(index)
        if progress is None:
            raise StreamProtocolError(f"delta for block {index}, which was never started")
        kind = delta.type
        if kind == "text_delta":
            progress.parts.append(delta.text)
        elif kind == "thinking_delta":
            progress.parts.append(delta.thinking)
        elif kind == "input_json_delta":
            progress.parts.append(delta.partial_json)
        elif kind == "signature_delta":
            progress.signature += delta.signature
        return progress

    def block_stop(self, index: int) -> CompletedBlock | None:
        progress = self._open.pop(index, None)
        if progress is None:
            raise StreamProtocolError(f"stop for block {index}, which was never started")
        done = _complete(index, progress)
        if done is not None:
            self.completed.append(done)
        return done

    def message_delta(self, stop_reason: str | None, usage: Any) -> None:
        self.stop_reason = stop_reason
        if usage is not None and usage.output_tokens is not None:
            self.usage.output_tokens = usage.output_tokens

    def salvage(self) -> list[dict[str, Any]]:
        """The blocks worth keeping when the stream ends early (cancel, error, limit).

        Complete blocks stay; a text block cut short keeps its text; a thinking block
        without its signature and a tool call whose input is incomplete are dropped, since
        the API would refuse them.
        """
        kept = [done.block for done in self.completed if done.input_error is None]
        for index in sorted(self._open):
            progress = self._open[index]
            text = "".join(progress.parts)
            if progress.type == "text" and text.strip():
                kept.append({"type": "text", "text": text})
        return kept


def _complete(index: int, progress: BlockInProgress) -> CompletedBlock | None:
    text = "".join(progress.parts)
    if progress.type == "text":
        # The API refuses text blocks with no visible text, so such a block is dropped.
        return CompletedBlock(index, {"type": "text", "text": text}) if text.strip() else None
    if progress.type == "thinking":
        thinking = {"type": "thinking", "thinking": text, "signature": progress.signature}
        return CompletedBlock(index, thinking)
    if progress.type == "redacted_thinking":
        return CompletedBlock(index, {"type": "redacted_thinking", "data": progress.data})
    if progress.type == "tool_use":
        tool_input, error = _parse_tool_input(text)
        block: dict[str, Any] = {
            "type": "tool_use",
            "id": progress.tool_id,
            "name": progress.tool_name,
            "input": tool_input,
        }
        return CompletedBlock(index, block, input_error=error)
    # Block types this loop never asks for (server tools) are not kept.
    return None


def _parse_tool_input(text: str) -> tuple[dict[str, Any], str | None]:
    if not text.strip():
        return {}, None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return {}, f"the tool input is not complete JSON ({exc.msg} at {exc.pos})"
    if not isinstance(value, dict):
        return {}, "the tool input is not a JSON object"
    return value, None

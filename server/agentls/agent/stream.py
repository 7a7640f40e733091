"""Accumulates one streamed Messages-API response from its raw events (plain dicts).

Every content block is kept as the API sent it: the `content_block_start` object, with the
deltas applied to it, goes back in the next request. Blocks this loop has no use for
(server tool calls and results, compaction, container uploads, types that do not exist yet)
are kept the same way, opaque. Each delta is appended to a list of parts (O(delta)); a
block's text is joined, and its tool input parsed, once, at `content_block_stop`. (The SDK's
`MessageStream` re-parses the whole partial tool-input JSON on every delta.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from agentls.agent.usage import Usage

Block = dict[str, Any]

# Blocks whose `input` streams as `input_json_delta`: calls of our tools, and of the API's
# own (server tools, MCP connector).
INPUT_BLOCKS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
# Calls the API runs itself: a result block answering each (by `tool_use_id`) follows in the
# same reply.
SERVER_CALLS = frozenset({"server_tool_use", "mcp_tool_use"})


class StreamProtocolError(Exception):
    """The event stream broke the Messages API's rules (e.g. a delta for an unknown block)."""


@dataclass
class BlockInProgress:
    block: Block  # the content_block_start object, completed in place at the stop
    parts: list[str] = field(default_factory=list)

    @property
    def type(self) -> str:
        return str(self.block.get("type"))


@dataclass
class CompletedBlock:
    index: int
    block: Block  # in Messages-API request form, as the API sent it
    input_error: str | None = None  # a tool call whose input JSON did not parse


class MessageAccumulator:
    """Feed raw stream events in order; read the completed blocks and the stop reason."""

    def __init__(self) -> None:
        self.message_id = ""
        self.model = ""
        self.stop_reason: str | None = None
        self.stop_sequence: str | None = None
        self.stop_details: Any = None
        self.usage = Usage()
        self._open: dict[int, BlockInProgress] = {}
        self.completed: list[CompletedBlock] = []

    def message_start(self, message: dict[str, Any]) -> None:
        self.message_id = str(message.get("id", ""))
        self.model = str(message.get("model", ""))
        usage = message.get("usage")
        if isinstance(usage, dict):
            self.usage = Usage.from_api(usage)

    def block_start(self, index: Any, block: Any) -> BlockInProgress:
        _check_index(index)
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise StreamProtocolError(
                f"content_block_start {index} has no content block with a type: {block!r}"
            )
        progress = BlockInProgress(block)
        kind = block["type"]
        if kind == "text" and block.get("text"):
            progress.parts.append(block["text"])
        elif kind == "thinking" and block.get("thinking"):
            progress.parts.append(block["thinking"])
        self._open[index] = progress
        return progress

    def delta(self, index: Any, delta: Any) -> BlockInProgress:
        progress = self._open.get(index) if type(index) is int else None
        if progress is None:
            raise StreamProtocolError(f"delta for block {index}, which was never started")
        if not isinstance(delta, dict) or not isinstance(delta.get("type"), str):
            raise StreamProtocolError(
                f"content_block_delta for block {index} without a typed `delta`: {delta!r}"
            )
        kind = delta["type"]
        block = progress.block
        try:
            if kind == "text_delta":
                progress.parts.append(delta["text"])
            elif kind == "thinking_delta":
                progress.parts.append(delta["thinking"])
            elif kind == "input_json_delta":
                progress.parts.append(delta["partial_json"])
            elif kind == "signature_delta":
                block["signature"] = (block.get("signature") or "") + delta["signature"]
            elif kind == "citations_delta":
                citations = block.get("citations")
                block["citations"] = [*(citations or []), delta["citation"]]
            elif kind == "compaction_delta":
                _compaction_delta(block, delta)
            else:
                _merge_unknown(block, delta)
        except KeyError as exc:
            raise StreamProtocolError(f"a {kind} for block {index} without its {exc}") from None
        if kind in ("text_delta", "thinking_delta", "input_json_delta") and not isinstance(
            progress.parts[-1], str
        ):
            raise StreamProtocolError(f"a {kind} for block {index} whose value is not a string")
        return progress

    def block_stop(self, index: Any) -> CompletedBlock | None:
        progress = self._open.pop(index, None) if type(index) is int else None
        if progress is None:
            raise StreamProtocolError(f"stop for block {index}, which was never started")
        done = _complete(index, progress)
        if done is not None:
            self.completed.append(done)
        return done

    def message_delta(self, delta: Any, usage: Any) -> None:
        if isinstance(delta, dict):
            self.stop_reason = delta.get("stop_reason")
            self.stop_sequence = delta.get("stop_sequence")
            self.stop_details = delta.get("stop_details")
        if isinstance(usage, dict):
            # Cumulative: every figure it carries supersedes message_start's.
            self.usage.revise(usage)

    def open_blocks(self) -> list[BlockInProgress]:
        return [self._open[index] for index in sorted(self._open)]

    def blocks(self, stop_reason: str) -> list[Block]:
        """The reply's blocks for the conversation, once the stream ended normally.

        A tool call cut off by max_tokens has incomplete input: it is neither run nor kept.
        After pause_turn everything goes back as sent (the API continues from it). A text
        block the stream never closed keeps its text, as the user saw it.
        """
        if stop_reason == "pause_turn":
            return [done.block for done in self.completed]
        kept = [
            done
            for done in self.completed
            if not (stop_reason == "max_tokens" and done.input_error is not None)
        ]
        return _paired(kept) + self._open_text()

    def salvage(self) -> list[Block]:
        """The blocks worth keeping when the stream ends early (cancel, error, limit).

        Complete blocks stay; a text block cut short keeps its text; a thinking block
        without its signature, a tool call whose input is incomplete, and a server tool call
        without its result are dropped, since the API would refuse them.
        """
        return _paired([done for done in self.completed if done.input_error is None]) + (
            self._open_text()
        )

    def _open_text(self) -> list[Block]:
        kept = []
        for progress in self.open_blocks():
            text = "".join(progress.parts)
            if progress.type == "text" and text.strip():
                kept.append({"type": "text", "text": text})
        return kept


def _check_index(index: Any) -> None:
    if not isinstance(index, int) or isinstance(index, bool):
        raise StreamProtocolError(f"a content block event with index {index!r}")


def _paired(completed: list[CompletedBlock]) -> list[Block]:
    answered = {done.block.get("tool_use_id") for done in completed}
    return [
        done.block
        for done in completed
        if done.block.get("type") not in SERVER_CALLS or done.block.get("id") in answered
    ]


def _compaction_delta(block: Block, delta: dict[str, Any]) -> None:
    # The summary streams in pieces; the opaque payload is whole in each delta that has it.
    content = delta.get("content")
    if content is not None:
        block["content"] = (block.get("content") or "") + content
    if "encrypted_content" in delta and delta["encrypted_content"] is not None:
        block["encrypted_content"] = delta["encrypted_content"]


def _merge_unknown(block: Block, delta: dict[str, Any]) -> None:
    """A delta type this loop does not know: strings grow, lists extend, the rest replaces,
    so the block stays as complete as the API made it."""
    for key, value in delta.items():
        if key == "type":
            continue
        current = block.get(key)
        if isinstance(current, str) and isinstance(value, str):
            block[key] = current + value
        elif isinstance(current, list) and isinstance(value, list):
            block[key] = [*current, *value]
        else:
            block[key] = value


def _complete(index: int, progress: BlockInProgress) -> CompletedBlock | None:
    block = progress.block
    kind = progress.type
    if kind == "text":
        text = "".join(progress.parts)
        block["text"] = text
        # The API refuses text blocks with no visible text, so such a block is dropped.
        return CompletedBlock(index, block) if text.strip() or block.get("citations") else None
    if kind == "thinking":
        block["thinking"] = "".join(progress.parts)
        block.setdefault("signature", "")
        return CompletedBlock(index, block)
    if kind in INPUT_BLOCKS:
        error = None
        if progress.parts:
            block["input"], error = parse_tool_input("".join(progress.parts))
        elif not isinstance(block.get("input"), dict):
            block["input"] = {}
        return CompletedBlock(index, block, input_error=error)
    return CompletedBlock(index, block)


def parse_tool_input(text: str) -> tuple[dict[str, Any], str | None]:
    """The input object, or {} and what was wrong with it (to tell the model)."""
    if not text.strip():
        return {}, None  # a lone "" delta: a call without input
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return {}, f"the tool input is not valid JSON ({exc.msg} at character {exc.pos})"
    except RecursionError:
        return {}, "the tool input is nested too deeply to read"
    if not isinstance(value, dict):
        return {}, f"the tool input is a JSON {type(value).__name__}, not an object"
    return value, None

"""Rendering a scripted turn into the Messages API wire format.

`render_turn` produces both shapes of one reply: the complete Message JSON (non-streaming)
and the ordered list of server-sent events (streaming). Streaming-time behaviour (pace,
holds, faults) is applied by the server while it writes these events.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .script import (
    RedactedThinkingBlock,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
    Turn,
)
from .signing import Provenance, thinking_signature
from .tokens import InputUsage, estimate_tokens

_ID_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def new_id(prefix: str) -> str:
    """An id shaped like the API's (e.g. msg_01..., toolu_01..., req_01...)."""
    return f"{prefix}_01" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(22))


def encode_event(name: str, data: Mapping[str, Any]) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {name}\ndata: {payload}\n\n".encode()


# Deliberately cut off in the middle of a JSON object, as a broken proxy might.
MALFORMED_EVENT = b'event: content_block_delta\ndata: {"type":"content_block_delta","index":\n\n'


def error_body(error_type: str, message: str, request_id: str) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": request_id,
    }


@dataclass(frozen=True)
class SseEvent:
    name: str
    data: Mapping[str, Any]
    # Deltas are what `pace` spaces out and what `after_deltas` counts.
    is_delta: bool = False

    def encode(self) -> bytes:
        return encode_event(self.name, self.data)


@dataclass(frozen=True)
class RenderedTurn:
    message: dict[str, Any]
    events: list[SseEvent]


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _delta(index: int, delta: dict[str, Any]) -> SseEvent:
    return SseEvent(
        "content_block_delta",
        {"type": "content_block_delta", "index": index, "delta": delta},
        is_delta=True,
    )


def render_turn(
    turn: Turn, *, model: str, usage: InputUsage, provenance: Provenance
) -> RenderedTurn:
    stop_reason = turn.effective_stop_reason
    # A max_tokens stop in the middle of a tool call leaves its input JSON unfinished.
    truncate_last_tool = (
        stop_reason == "max_tokens"
        and bool(turn.blocks)
        and isinstance(turn.blocks[-1], ToolUseBlock)
    )
    message_id = new_id("msg")
    body: list[SseEvent] = []
    content: list[dict[str, Any]] = []
    generated_chars = 0

    for index, block in enumerate(turn.blocks):
        start: dict[str, Any]
        deltas: list[dict[str, Any]] = []
        if isinstance(block, TextBlock):
            start = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": c} for c in _chunks(block.text, turn.chunk)]
            content.append({"type": "text", "text": block.text})
            generated_chars += len(block.text)
        elif isinstance(block, ThinkingBlock):
            signature = thinking_signature(block.thinking)
            start = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [
                {"type": "thinking_delta", "thinking": c}
                for c in _chunks(block.thinking, turn.chunk)
            ]
            deltas.append({"type": "signature_delta", "signature": signature})
            content.append({"type": "thinking", "thinking": block.thinking, "signature": signature})
            generated_chars += len(block.thinking)
        elif isinstance(block, RedactedThinkingBlock):
            provenance.note_redacted(block.data)
            start = {"type": "redacted_thinking", "data": block.data}
            content.append(dict(start))
            generated_chars += len(block.data)
        else:
            tool_id = block.id or new_id("toolu")
            start = {"type": "tool_use", "id": tool_id, "name": block.name, "input": {}}
            json_text = json.dumps(block.input, ensure_ascii=False)
            final_input: Mapping[str, Any] = block.input
            if truncate_last_tool and index == len(turn.blocks) - 1:
                json_text = json_text[: len(json_text) // 2]
                final_input = {}
            deltas = [
                {"type": "input_json_delta", "partial_json": c}
                for c in _chunks(json_text, turn.chunk)
            ]
            content.append(
                {"type": "tool_use", "id": tool_id, "name": block.name, "input": dict(final_input)}
            )
            generated_chars += len(json_text)

        body.append(
            SseEvent(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": start},
            )
        )
        body.extend(_delta(index, d) for d in deltas)
        body.append(SseEvent("content_block_stop", {"type": "content_block_stop", "index": index}))

    output_tokens = estimate_tokens(generated_chars)
    if turn.usage is not None and turn.usage.output_tokens is not None:
        output_tokens = turn.usage.output_tokens
    cache_usage = {
        "cache_creation_input_tokens": usage.cache_creation_input_tokens,
        "cache_read_input_tokens": usage.cache_read_input_tokens,
    }
    envelope: dict[str, Any] = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": usage.input_tokens, "output_tokens": 1, **cache_usage},
    }
    events = [
        SseEvent("message_start", {"type": "message_start", "message": envelope}),
        SseEvent("ping", {"type": "ping"}),
        *body,
        SseEvent(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
        ),
        SseEvent("message_stop", {"type": "message_stop"}),
    ]
    message = {
        **envelope,
        "content": content,
        "stop_reason": stop_reason,
        "usage": {
            "input_tokens": usage.input_tokens,
            "output_tokens": output_tokens,
            **cache_usage,
        },
    }
    return RenderedTurn(message=message, events=events)

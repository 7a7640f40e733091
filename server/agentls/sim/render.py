"""Rendering a scripted turn into the Messages API wire format.

`render_turn` produces both shapes of one reply: the complete Message JSON (non-streaming)
and the ordered list of server-sent events (streaming), in the real API's shapes: the dated
model id, usage with the cache-write TTL split and the service tier, cumulative usage in
`message_delta` (with server tool use), tool input starting with an empty delta, irregular
chunk sizes, pings among the events. Streaming-time behaviour (pace, holds, faults) is
applied by the server while it writes these events.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from .script import (
    Block,
    OpaqueBlock,
    RedactedThinkingBlock,
    ServerToolResultBlock,
    ServerToolUseBlock,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
    Turn,
)
from .signing import Provenance, thinking_signature
from .sse import RenderedTurn, SseEvent, new_id
from .tokens import InputUsage, estimate_tokens

# Aliases and the dated ids the API answers with.
DATED_MODELS = {
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
    "claude-opus-4-5": "claude-opus-4-5-20251101",
    "claude-haiku-4-5": "claude-haiku-4-5-20251001",
    "claude-opus-4-1": "claude-opus-4-1-20250805",
    "claude-opus-4-0": "claude-opus-4-20250514",
    "claude-sonnet-4-0": "claude-sonnet-4-20250514",
    "claude-3-7-sonnet-latest": "claude-3-7-sonnet-20250219",
    "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022",
}
# Text arrives in pieces of irregular size, as a tokenizer cuts it.
_IRREGULAR = (3, 7, 1, 12, 5, 9, 2, 15, 4, 6, 11, 2, 8, 1, 5)
_SERVER_REQUESTS = {"web_search": "web_search_requests", "web_fetch": "web_fetch_requests"}


def dated_model(model: str) -> str:
    return DATED_MODELS.get(model, model)


def chunks(text: str, size: int | None) -> list[str]:
    if size is not None:
        return [text[i : i + size] for i in range(0, len(text), size)]
    out, position, turn = [], 0, 0
    while position < len(text):
        step = _IRREGULAR[turn % len(_IRREGULAR)]
        out.append(text[position : position + step])
        position += step
        turn += 1
    return out


class _Rendering:
    def __init__(self, turn: Turn, provenance: Provenance) -> None:
        self.turn = turn
        self.provenance = provenance
        self.body: list[SseEvent] = []
        self.content: list[dict[str, Any]] = []
        self.generated_chars = 0
        self.server_result_chars = 0
        self.server_requests: dict[str, int] = {}
        self.last_server_id: str | None = None
        self.deltas = 0

    def block(self, index: int, block: Block, truncate: bool) -> None:
        start, deltas, final = self._parts(block, truncate)
        self.body.append(
            SseEvent(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": start},
            )
        )
        for delta in deltas:
            # Padding varies from delta to delta, as the API's does.
            padding = (self.deltas * 7 + len(json.dumps(delta))) % 23
            self.deltas += 1
            self.body.append(
                SseEvent(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                    is_delta=True,
                    padding=padding,
                )
            )
        self.body.append(
            SseEvent("content_block_stop", {"type": "content_block_stop", "index": index})
        )
        self.content.append(final)

    def _parts(
        self, block: Block, truncate: bool
    ) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
        size = self.turn.chunk
        if isinstance(block, TextBlock):
            deltas: list[dict[str, Any]] = [
                {"type": "citations_delta", "citation": dict(c)} for c in block.citations
            ]
            deltas += [{"type": "text_delta", "text": c} for c in chunks(block.text, size)]
            final: dict[str, Any] = {"type": "text", "text": block.text}
            if block.citations:
                final["citations"] = [dict(c) for c in block.citations]
            self.generated_chars += len(block.text)
            return {"type": "text", "text": ""}, deltas, final
        if isinstance(block, ThinkingBlock):
            signature = thinking_signature(block.thinking)
            deltas = [
                {"type": "thinking_delta", "thinking": c} for c in chunks(block.thinking, size)
            ]
            deltas.append({"type": "signature_delta", "signature": signature})
            self.generated_chars += len(block.thinking)
            final = {"type": "thinking", "thinking": block.thinking, "signature": signature}
            return {"type": "thinking", "thinking": "", "signature": ""}, deltas, final
        if isinstance(block, RedactedThinkingBlock):
            self.provenance.note_redacted(block.data)
            self.generated_chars += len(block.data)
            start = {"type": "redacted_thinking", "data": block.data}
            return start, [], dict(start)
        if isinstance(block, ToolUseBlock | ServerToolUseBlock):
            return self._call(block, truncate)
        if isinstance(block, ServerToolResultBlock):
            final = {
                "type": block.type,
                "tool_use_id": block.tool_use_id or self.last_server_id or new_id("srvtoolu"),
                "content": _result_content(block),
            }
            self.provenance.note_block(final)
            self.server_result_chars += len(json.dumps(final))
            return json.loads(json.dumps(final)), [], final
        assert isinstance(block, OpaqueBlock)
        final = json.loads(json.dumps(block.block))
        self.provenance.note_block(final)
        return json.loads(json.dumps(final)), [], final

    def _call(
        self, block: ToolUseBlock | ServerToolUseBlock, truncate: bool
    ) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
        server = isinstance(block, ServerToolUseBlock)
        kind = "server_tool_use" if server else "tool_use"
        tool_id = block.id or new_id("srvtoolu" if server else "toolu")
        json_text = json.dumps(block.input, ensure_ascii=False) if block.input else ""
        final_input: Mapping[str, Any] = block.input
        if truncate:
            json_text = json_text[: len(json_text) // 2]
            final_input = {}
        # The input starts with an empty delta; a call without input is that alone.
        deltas = [{"type": "input_json_delta", "partial_json": ""}]
        deltas += [
            {"type": "input_json_delta", "partial_json": c}
            for c in chunks(json_text, self.turn.chunk)
        ]
        final = {"type": kind, "id": tool_id, "name": block.name, "input": dict(final_input)}
        if server:
            self.last_server_id = tool_id
            self.provenance.note_block(final)
            counter = _SERVER_REQUESTS.get(block.name)
            if counter is not None:
                self.server_requests[counter] = self.server_requests.get(counter, 0) + 1
        self.generated_chars += len(json_text)
        return {"type": kind, "id": tool_id, "name": block.name, "input": {}}, deltas, final


def _result_content(block: ServerToolResultBlock) -> Any:
    """The script's content, with what the API always sends filled in (a web search
    result's opaque `encrypted_content` and `page_age`)."""
    content = json.loads(json.dumps(block.content))
    if block.type == "web_search_tool_result" and isinstance(content, list):
        for item in content:
            if isinstance(item, dict):
                item.setdefault("type", "web_search_result")
                url = str(item.get("url", ""))
                item.setdefault(
                    "encrypted_content",
                    "Eu" + hashlib.sha256(url.encode()).hexdigest() * 4,
                )
                item.setdefault("page_age", None)
    return content


def render_turn(
    turn: Turn, *, model: str, usage: InputUsage, provenance: Provenance
) -> RenderedTurn:
    stop_reason = turn.effective_stop_reason
    # A max_tokens stop in the middle of a tool call leaves its input JSON unfinished.
    truncate_last = (
        stop_reason == "max_tokens"
        and bool(turn.blocks)
        and isinstance(turn.blocks[-1], ToolUseBlock)
    )
    rendering = _Rendering(turn, provenance)
    for index, block in enumerate(turn.blocks):
        rendering.block(index, block, truncate_last and index == len(turn.blocks) - 1)

    output_tokens = estimate_tokens(rendering.generated_chars)
    override = turn.usage
    if override is not None and override.output_tokens is not None:
        output_tokens = override.output_tokens
    start_usage = usage.to_api()
    final_usage: dict[str, Any] = {
        "input_tokens": usage.input_tokens
        + (estimate_tokens(rendering.server_result_chars) if rendering.server_result_chars else 0),
        "cache_creation_input_tokens": usage.cache_creation_input_tokens,
        "cache_read_input_tokens": usage.cache_read_input_tokens,
        "output_tokens": output_tokens,
    }
    final = override.final if override is not None else None
    if final is not None:
        for key in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
            value = getattr(final, key)
            if value is not None:
                final_usage[key] = value
        if final.output_tokens is not None:
            final_usage["output_tokens"] = final.output_tokens
    if rendering.server_requests:
        final_usage["server_tool_use"] = {
            "web_search_requests": rendering.server_requests.get("web_search_requests", 0),
            "web_fetch_requests": rendering.server_requests.get("web_fetch_requests", 0),
        }
    envelope: dict[str, Any] = {
        "id": new_id("msg"),
        "type": "message",
        "role": "assistant",
        "model": dated_model(model),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "stop_details": None,
        "usage": start_usage,
    }
    delta = {"stop_reason": stop_reason, "stop_sequence": turn.stop_sequence, "stop_details": None}
    body = _with_pings(rendering.body, turn.pings)
    events = [
        SseEvent("message_start", {"type": "message_start", "message": envelope}),
        *body,
        SseEvent("message_delta", {"type": "message_delta", "delta": delta, "usage": final_usage}),
        SseEvent("message_stop", {"type": "message_stop"}),
    ]
    message = {
        **envelope,
        "content": rendering.content,
        "stop_reason": stop_reason,
        "stop_sequence": turn.stop_sequence,
        "usage": {**start_usage, **final_usage},
    }
    return RenderedTurn(message=message, events=events)


def _with_pings(body: list[SseEvent], pings: tuple[int, ...] | None) -> list[SseEvent]:
    if pings is None:
        pings = (1,) if body else (0,)
    ping = SseEvent("ping", {"type": "ping"})
    out: list[SseEvent] = []
    for position in range(len(body) + 1):
        out.extend(ping for _ in range(pings.count(position)))
        if position < len(body):
            out.append(body[position])
    return out

"""Captured event streams served verbatim (`agentls sim --replay FILE`, or a script turn
`{"replay": "<SSE text>"}`), so a problem seen with the real API can be reproduced from
its capture.

The blocks such a stream carries are what the next request must send back unchanged:
they are read from it (events as the API sends them) and noted as the simulator's own, so
its thinking signatures and opaque blocks validate like rendered ones.
"""

from __future__ import annotations

import json
from typing import Any

from .signing import Provenance

# Blocks the simulator validates by their fields; every other type by provenance.
_CHECKED = {"text", "thinking", "redacted_thinking", "tool_use"}


def events(stream: bytes) -> list[tuple[str | None, Any]]:
    """(event name, decoded data or None) for each event of an SSE body."""
    out: list[tuple[str | None, Any]] = []
    text = stream.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    for chunk in text.split("\n\n"):
        name: str | None = None
        data: list[str] = []
        for line in chunk.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if name is None and not data:
            continue
        try:
            decoded = json.loads("\n".join(data)) if data else None
        except (ValueError, RecursionError):
            decoded = None
        out.append((name, decoded))
    return out


def note_provenance(stream: bytes, provenance: Provenance) -> None:
    blocks: dict[Any, dict[str, Any]] = {}
    parts: dict[Any, list[str]] = {}
    for _name, data in events(stream):
        if not isinstance(data, dict):
            continue
        index = data.get("index")
        kind = data.get("type")
        if kind == "content_block_start" and isinstance(data.get("content_block"), dict):
            blocks[index] = json.loads(json.dumps(data["content_block"]))
            parts[index] = []
        elif kind == "content_block_delta" and index in blocks:
            _apply(blocks[index], parts[index], data.get("delta"))
        elif kind == "content_block_stop" and index in blocks:
            _note(blocks.pop(index), parts.pop(index), provenance)


def message(stream: bytes) -> dict[str, Any]:
    """The whole reply of a replayed stream, for a request that did not ask to stream."""
    result: dict[str, Any] = {}
    content: dict[Any, dict[str, Any]] = {}
    parts: dict[Any, list[str]] = {}
    for _name, data in events(stream):
        if not isinstance(data, dict):
            continue
        kind, index = data.get("type"), data.get("index")
        if kind == "message_start" and isinstance(data.get("message"), dict):
            result = dict(data["message"])
        elif kind == "content_block_start" and isinstance(data.get("content_block"), dict):
            content[index] = dict(data["content_block"])
            parts[index] = []
        elif kind == "content_block_delta" and index in content:
            _apply(content[index], parts[index], data.get("delta"))
        elif kind == "content_block_stop" and index in content:
            _finish(content[index], parts[index])
        elif kind == "message_delta":
            result.update(data.get("delta") or {})
            result["usage"] = {**result.get("usage", {}), **(data.get("usage") or {})}
    result["content"] = [content[i] for i in sorted(k for k in content if isinstance(k, int))]
    return result


def _apply(block: dict[str, Any], parts: list[str], delta: Any) -> None:
    if not isinstance(delta, dict):
        return
    kind = delta.get("type")
    if kind in ("text_delta", "thinking_delta", "input_json_delta"):
        value = delta.get(
            {"text_delta": "text", "thinking_delta": "thinking"}.get(kind, "partial_json")
        )
        parts.append(value if isinstance(value, str) else "")
    elif kind == "signature_delta":
        block["signature"] = (block.get("signature") or "") + str(delta.get("signature", ""))
    elif kind == "citations_delta":
        block["citations"] = [*(block.get("citations") or []), delta.get("citation")]
    elif kind == "compaction_delta":
        if delta.get("content") is not None:
            block["content"] = (block.get("content") or "") + delta["content"]
        if delta.get("encrypted_content") is not None:
            block["encrypted_content"] = delta["encrypted_content"]
    else:
        # A delta type of the future: strings grow, lists extend, the rest replaces.
        for key, value in delta.items():
            current = block.get(key)
            if key == "type":
                continue
            if isinstance(current, str) and isinstance(value, str):
                block[key] = current + value
            elif isinstance(current, list) and isinstance(value, list):
                block[key] = [*current, *value]
            else:
                block[key] = value


def _finish(block: dict[str, Any], parts: list[str]) -> None:
    joined = "".join(parts)
    kind = block.get("type")
    if kind == "text":
        block["text"] = joined
    elif kind == "thinking":
        block["thinking"] = joined
    elif "input" in block and parts:
        try:
            block["input"] = json.loads(joined) if joined.strip() else {}
        except (ValueError, RecursionError):
            block["input"] = {}


def _note(block: dict[str, Any], parts: list[str], provenance: Provenance) -> None:
    _finish(block, parts)
    kind = block.get("type")
    if kind == "thinking":
        provenance.note_thinking(str(block.get("thinking", "")), str(block.get("signature", "")))
    elif kind == "redacted_thinking":
        provenance.note_redacted(str(block.get("data", "")))
    elif kind not in _CHECKED:
        provenance.note_block(block)

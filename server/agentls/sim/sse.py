"""The Messages API's event-stream wire format: events, ids, error bodies.

Written as the API writes it: compact JSON, `content_block_delta` data padded with spaces
before its closing brace (the API pads deltas so their size does not tell their content),
pings as `{"type": "ping"}`, error bodies with `details`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_ID_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
PING = b'event: ping\ndata: {"type": "ping"}\n\n'


def new_id(prefix: str) -> str:
    """An id shaped like the API's (e.g. msg_01..., toolu_01..., req_01...)."""
    return f"{prefix}_01" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(22))


def encode_event(name: str, data: Mapping[str, Any], padding: int = 0) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if padding:
        payload = payload[:-1] + " " * padding + "}"
    return f"event: {name}\ndata: {payload}\n\n".encode()


# Deliberately cut off in the middle of a JSON object, as a broken proxy might.
MALFORMED_EVENT = b'event: content_block_delta\ndata: {"type":"content_block_delta","index":\n\n'


def error_body(error_type: str, message: str, request_id: str) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": error_type, "message": message, "details": None},
        "request_id": request_id,
    }


@dataclass(frozen=True)
class SseEvent:
    name: str
    data: Mapping[str, Any]
    # Deltas are what `pace` spaces out and what `after_deltas` counts.
    is_delta: bool = False
    padding: int = 0

    def encode(self) -> bytes:
        if self.name == "ping":
            return PING
        return encode_event(self.name, self.data, self.padding)


@dataclass(frozen=True)
class RenderedTurn:
    message: dict[str, Any]
    events: list[SseEvent]

"""Provenance of opaque blocks the client must send back unchanged.

The real API rejects thinking blocks whose `signature` does not match their text, and
redacted_thinking blocks, server tool results (their `encrypted_content`) and other opaque
blocks that were tampered with. An agent loop that rebuilds, trims or re-serialises history
can break them, so the simulator checks them the same way: every such block it sent must
come back exactly as sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Mapping
from typing import Any

# One key per process: signatures from any Simulator in this process verify in any other,
# but a signature cannot be forged by a test without going through `thinking_signature`.
_PROCESS_KEY = secrets.token_bytes(32)
# Real signatures are hundreds of characters of base64; so are these.
_SIGNATURE_BYTES = 320


def thinking_signature(thinking: str) -> str:
    """The signature the simulator attaches to a thinking block with exactly this text."""
    digest = hmac.new(_PROCESS_KEY, thinking.encode("utf-8"), hashlib.sha256).digest()
    filler = hashlib.shake_256(digest).digest(_SIGNATURE_BYTES - len(digest))
    return base64.b64encode(b"agentls-sim/" + digest + filler).decode("ascii")


def canonical(block: Mapping[str, Any]) -> str:
    """A block's identity: its JSON without the cache breakpoint a client may add, and
    without null fields (a client library may add or drop them; the API does not mind)."""
    return json.dumps(
        _without_nulls({key: value for key, value in block.items() if key != "cache_control"}),
        sort_keys=True,
        ensure_ascii=False,
    )


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


class Provenance:
    """Remembers the opaque blocks a simulator has emitted (or replayed)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._redacted: set[str] = set()
        self._thinking: set[tuple[str, str]] = set()  # from replayed streams
        self._blocks: set[str] = set()

    def note_redacted(self, data: str) -> None:
        with self._lock:
            self._redacted.add(data)

    def redacted_ok(self, data: str) -> bool:
        with self._lock:
            return data in self._redacted

    def note_thinking(self, thinking: str, signature: str) -> None:
        with self._lock:
            self._thinking.add((thinking, signature))

    def thinking_ok(self, thinking: str, signature: object) -> bool:
        if not isinstance(signature, str):
            return False
        with self._lock:
            if (thinking, signature) in self._thinking:
                return True
        return hmac.compare_digest(signature, thinking_signature(thinking))

    def note_block(self, block: Mapping[str, Any]) -> None:
        with self._lock:
            self._blocks.add(canonical(block))

    def block_ok(self, block: Mapping[str, Any]) -> bool:
        with self._lock:
            return canonical(block) in self._blocks

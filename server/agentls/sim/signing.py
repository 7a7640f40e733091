"""Provenance of opaque blocks the client must send back unchanged.

The real API rejects thinking blocks whose `signature` does not match their text, and
redacted_thinking blocks whose `data` was tampered with. An agent loop that rebuilds,
trims or re-serialises history can break both, so the simulator checks them the same way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading

# One key per process: signatures from any Simulator in this process verify in any other,
# but a signature cannot be forged by a test without going through `thinking_signature`.
_PROCESS_KEY = secrets.token_bytes(32)


def thinking_signature(thinking: str) -> str:
    """The signature the simulator attaches to a thinking block with exactly this text."""
    digest = hmac.new(_PROCESS_KEY, thinking.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(b"agentls-sim/" + digest).decode("ascii")


class Provenance:
    """Remembers the redacted_thinking payloads a simulator has emitted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._redacted: set[str] = set()

    def note_redacted(self, data: str) -> None:
        with self._lock:
            self._redacted.add(data)

    def redacted_ok(self, data: str) -> bool:
        with self._lock:
            return data in self._redacted

    @staticmethod
    def thinking_ok(thinking: str, signature: object) -> bool:
        return isinstance(signature, str) and hmac.compare_digest(
            signature, thinking_signature(thinking)
        )

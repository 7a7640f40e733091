"""`session/update` notifications for one session, with streamed text coalesced.

Text is never held on a timer: a delta is queued and a flush is scheduled for the next
event-loop turn, so deltas that the SDK parsed from one network read leave as one chunk
and a slow stream sends every delta as soon as it arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

Send = Callable[[dict[str, Any]], None]

MESSAGE_CHUNK = "agent_message_chunk"
THOUGHT_CHUNK = "agent_thought_chunk"


class SessionUpdates:
    def __init__(self, session_id: str, send: Send) -> None:
        self.session_id = session_id
        self._send = send
        self._pending_kind: str | None = None
        self._pending: list[str] = []
        self._flush_scheduled = False
        self.chunks_sent = 0

    def text(self, kind: str, delta: str) -> None:
        if not delta:
            return
        if self._pending_kind != kind:
            self.flush()
            self._pending_kind = kind
        self._pending.append(delta)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def message(self, delta: str) -> None:
        self.text(MESSAGE_CHUNK, delta)

    def thought(self, delta: str) -> None:
        self.text(THOUGHT_CHUNK, delta)

    def flush(self) -> None:
        self._flush_scheduled = False
        if not self._pending or self._pending_kind is None:
            return
        text = "".join(self._pending)
        self._pending.clear()
        self.chunks_sent += 1
        self._emit({"sessionUpdate": self._pending_kind, "content": {"type": "text", "text": text}})

    def send(self, update: dict[str, Any]) -> None:
        """Any other update; queued text goes first so the order on the wire is the order
        in which the model produced things."""
        self.flush()
        self._emit(update)

    def tool_call(self, tool_call_id: str, title: str, kind: str) -> None:
        self.send(
            {
                "sessionUpdate": "tool_call",
                "toolCallId": tool_call_id,
                "title": title,
                "kind": kind,
                "status": "pending",
                "rawInput": {},
            }
        )

    def tool_call_update(self, tool_call_id: str, **fields: Any) -> None:
        update: dict[str, Any] = {"sessionUpdate": "tool_call_update", "toolCallId": tool_call_id}
        update.update({key: value for key, value in fields.items() if value is not None})
        self.send(update)

    def _emit(self, update: dict[str, Any]) -> None:
        self._send({"sessionId": self.session_id, "update": update})

"""`session/update` notifications for one session, with streamed text coalesced.

Text is never held on a timer: a delta is queued and a flush is scheduled for the next
event-loop turn, so deltas that the SDK parsed from one network read leave as one chunk
and a slow stream sends every delta as soon as it arrives.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from agentls.protocol import payloads

Send = Callable[[dict[str, Any]], None]

MESSAGE_CHUNK = "agent_message_chunk"
THOUGHT_CHUNK = "agent_thought_chunk"


class SessionUpdates:
    """Updates for one session, in order.

    While the editor is not reading (`congested`), nothing is written: updates wait in
    `_held`, where consecutive text of one kind shares one list of parts, so a stalled
    editor costs memory for the text itself and not per delta.
    """

    def __init__(
        self, session_id: str, send: Send, congested: Callable[[], bool] = lambda: False
    ) -> None:
        self.session_id = session_id
        self._send = send
        self._congested = congested
        self._pending_kind: str | None = None
        self._pending: list[str] = []
        self._flush_scheduled = False
        self._held: deque[tuple[str, list[str]] | dict[str, Any]] = deque()
        self._drained = asyncio.Event()
        self._drained.set()
        self.streamed = {MESSAGE_CHUNK: 0, THOUGHT_CHUNK: 0}  # characters, for retries

    def text(self, kind: str, delta: str) -> None:
        if not delta:
            return
        self.streamed[kind] += len(delta)
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
        if self._held or self._congested():
            last = self._held[-1] if self._held else None
            if isinstance(last, tuple) and last[0] == self._pending_kind:
                last[1].extend(self._pending)
            else:
                self._held.append((self._pending_kind, list(self._pending)))
            self._drained.clear()
            self._pending.clear()
            return
        text = "".join(self._pending)
        self._pending.clear()
        self._send_text(self._pending_kind, text)

    def resume(self) -> None:
        """The editor reads again: send what was held, in order, while it keeps up."""
        while self._held and not self._congested():
            item = self._held.popleft()
            if isinstance(item, tuple):
                self._send_text(item[0], "".join(item[1]))
            else:
                self._send(item)
        if not self._held:
            self._drained.set()

    async def drained(self) -> None:
        """Return once every update so far has been written: a prompt's answer must not
        overtake the text it answers for."""
        self.flush()
        await self._drained.wait()

    def _send_text(self, kind: str, text: str) -> None:
        self._send(payloads.notification(self.session_id, payloads.chunk(kind, text)))

    def send(self, update: dict[str, Any]) -> None:
        """Any other update; queued text goes first so the order on the wire is the order
        in which the model produced things."""
        self.flush()
        self._emit(update)

    def _emit(self, update: dict[str, Any]) -> None:
        params = payloads.notification(self.session_id, update)
        if self._held or self._congested():
            self._held.append(params)
            self._drained.clear()
        else:
            self._send(params)

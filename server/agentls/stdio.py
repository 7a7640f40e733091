"""stdio for either transport: non-blocking writes out, and a stdout nothing else can write to.

Writing to stdout synchronously would let an editor that stops reading freeze the whole
server (no cancel could be read). Here stdout is an asyncio pipe: a write never blocks, the
backlog is measured, and session updates hold their text (coalesced) while the editor
catches up.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from typing import BinaryIO

HIGH_WATER = 1 << 20  # bytes queued for the editor before session text is held back
LOW_WATER = 256 << 10


class _FlowProtocol(asyncio.Protocol):
    def __init__(self, on_resume: Callable[[], None]) -> None:
        self.paused = False
        self._on_resume = on_resume
        self.lost = asyncio.get_running_loop().create_future()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._on_resume()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(exc)


class PipeWriter:
    """The writer pygls's protocol sends through."""

    def __init__(self) -> None:
        self._transport: asyncio.WriteTransport | None = None
        self._flow: _FlowProtocol | None = None
        self._fallback: BinaryIO | None = None
        self.resume_callbacks: list[Callable[[], None]] = []

    async def open(self, stdout: BinaryIO) -> None:
        loop = asyncio.get_running_loop()
        try:
            transport, flow = await loop.connect_write_pipe(
                lambda: _FlowProtocol(self._resumed), stdout
            )
        except ValueError:
            # Not a pipe (a file, a terminal): plain blocking writes will do.
            self._fallback = stdout
            return
        transport.set_write_buffer_limits(high=HIGH_WATER, low=LOW_WATER)
        self._transport, self._flow = transport, flow

    def _resumed(self) -> None:
        for callback in list(self.resume_callbacks):
            callback()

    @property
    def congested(self) -> bool:
        return self._flow is not None and self._flow.paused

    def write(self, data: bytes) -> None:
        if self._transport is not None:
            if not self._transport.is_closing():
                self._transport.write(data)
        elif self._fallback is not None:
            self._fallback.write(data)
            self._fallback.flush()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    async def drain(self, timeout: float) -> None:
        """Give queued output a chance to reach the editor before exiting."""
        if self._transport is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        # A short, bounded poll at exit; flow control has no "buffer empty" event.
        while self._transport.get_write_buffer_size() and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def stdin_stdout() -> tuple[BinaryIO, BinaryIO]:
    # Nothing else may write to the real stdout: it carries only JSON-RPC.
    stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    sys.stdout = sys.stderr
    return sys.stdin.buffer, stdout

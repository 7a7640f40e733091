"""stdio for the server: framed JSON-RPC in, non-blocking writes out.

pygls writes to stdout synchronously, so an editor that stops reading would freeze the
whole server (no cancel could be read). Here stdout is an asyncio pipe: a write never
blocks, the backlog is measured, and session updates hold their text (coalesced) while
the editor catches up. Reading answers malformed input with JSON-RPC errors instead of
dropping it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

from pygls.protocol import JsonRPCProtocol

log = logging.getLogger(__name__)

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


async def read_messages(
    protocol: JsonRPCProtocol, stdin: BinaryIO, executor: ThreadPoolExecutor
) -> None:
    """Read framed messages until stdin closes, answering what cannot be handled."""
    loop = asyncio.get_running_loop()
    while True:
        length = None
        while True:
            header = await loop.run_in_executor(executor, stdin.readline)
            if not header:
                return
            if header in (b"\r\n", b"\n"):
                break
            name, _, value = header.decode("ascii", "replace").partition(":")
            if name.strip().lower() == "content-length":
                with contextlib.suppress(ValueError):
                    length = int(value.strip())
        if length is None or length < 0:
            _reply_error(protocol, None, -32700, "Parse error: missing Content-Length header")
            continue
        body = await loop.run_in_executor(executor, stdin.read, length)
        if len(body) < length:
            return
        _dispatch(protocol, body)


def _dispatch(protocol: JsonRPCProtocol, body: bytes) -> None:
    try:
        raw = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        _reply_error(protocol, None, -32700, f"Parse error: the message is not JSON ({exc})")
        return
    msg_id = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(msg_id, bool) or not isinstance(msg_id, str | int | None):
        msg_id = None
    problem = _invalid_request(raw)
    if problem is not None:
        if isinstance(raw, dict) and "method" not in raw and ("result" in raw or "error" in raw):
            return  # a malformed response: nobody to answer
        _reply_error(protocol, msg_id, -32600, f"Invalid request: {problem}")
        return
    try:
        message = json.loads(body, object_hook=protocol.structure_message)
    except Exception as exc:
        code = getattr(exc, "code", -32602)
        if "method" in raw and "id" in raw:
            _reply_error(protocol, msg_id, code, f"Invalid params for {raw['method']}: {exc}")
        else:
            log.warning("Ignoring a malformed %s notification: %s", raw.get("method"), exc)
        return
    try:
        protocol.handle_message(message)
    except Exception:
        log.exception("Failed to handle a message")
        if "method" in raw and "id" in raw:
            _reply_error(protocol, msg_id, -32603, "Internal error; see the server log")


def _invalid_request(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return f"a message must be a JSON object, got {type(raw).__name__}"
    if raw.get("jsonrpc") != "2.0":
        return '"jsonrpc" must be "2.0"'
    if "method" in raw:
        if not isinstance(raw["method"], str):
            return '"method" must be a string'
        if "id" in raw and (isinstance(raw["id"], bool) or not isinstance(raw["id"], str | int)):
            return '"id" must be a string or an integer'
        if "params" in raw and not isinstance(raw["params"], dict | list | None):
            return '"params" must be an object or an array'
        return None
    if "id" in raw and ("result" in raw or "error" in raw):
        error = raw.get("error")
        if error is not None and not (
            isinstance(error, dict) and isinstance(error.get("code"), int)
        ):
            return '"error" must be an object with an integer "code"'
        return None
    return 'a message needs a "method" (request, notification) or a "result"/"error" (response)'


def _reply_error(protocol: JsonRPCProtocol, msg_id: Any, code: int, message: str) -> None:
    protocol._send_data(
        {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}
    )


def stdin_stdout() -> tuple[BinaryIO, BinaryIO]:
    # Nothing else may write to the real stdout: it carries only JSON-RPC.
    stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    sys.stdout = sys.stderr
    return sys.stdin.buffer, stdout

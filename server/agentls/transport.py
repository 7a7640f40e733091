"""stdio for the server: framed JSON-RPC in, non-blocking writes out.

pygls writes to stdout synchronously, so an editor that stops reading would freeze the
whole server (no cancel could be read). Here stdout is an asyncio pipe: a write never
blocks, the backlog is measured, and session updates hold their text (coalesced) while
the editor catches up. Reading (framing.py) answers malformed input with JSON-RPC errors
instead of dropping it, and a bad frame costs that frame only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

from pygls.protocol import JsonRPCProtocol

from agentls.framing import MAX_MESSAGE, BadHeader, Body, FrameReader, Oversized

log = logging.getLogger(__name__)

HIGH_WATER = 1 << 20  # bytes queued for the editor before session text is held back
LOW_WATER = 256 << 10
_BEFORE_INITIALIZE = ("initialize", "exit")


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
    protocol: JsonRPCProtocol,
    stdin: BinaryIO,
    executor: ThreadPoolExecutor,
    ready: Callable[[], bool] = lambda: True,
) -> None:
    """Read framed messages until stdin closes, answering what cannot be handled. Until
    `ready()` (the server is initialized), requests other than `initialize` get -32002."""
    loop = asyncio.get_running_loop()
    reader = FrameReader(stdin.fileno())
    mismatches = 0
    while True:
        # A whole frame per trip to the reader thread: under load each trip back waits for
        # a full event-loop iteration, and a cancel should wait for one, not one per line.
        frame = await loop.run_in_executor(executor, reader.read)
        if frame is None:
            return
        if isinstance(frame, Oversized):
            _reply_error(
                protocol,
                None,
                -32600,
                f"Invalid request: a message of {frame.length} bytes is over the limit of "
                f"{MAX_MESSAGE} bytes; it was skipped",
            )
            if not await loop.run_in_executor(executor, reader.skip, frame.length):
                return
            continue
        if isinstance(frame, BadHeader):
            _reply_error(protocol, None, -32700, frame.message)
            continue
        if frame.mismatch is not None:
            mismatches += 1
            if mismatches == 1:
                log.warning(
                    "A message's Content-Length did not match its body (%s); it was read by its "
                    "JSON instead. The client probably counts characters, not UTF-8 bytes.",
                    frame.mismatch,
                )
        try:
            _dispatch(protocol, frame, ready)
        except Exception:  # one bad message must never end the connection
            log.exception("Failed to dispatch a message")


def _dispatch(protocol: JsonRPCProtocol, frame: Body, ready: Callable[[], bool]) -> None:
    try:
        raw = frame.value if frame.parsed else json.loads(frame.data)
    except (ValueError, RecursionError) as exc:
        # ValueError covers bad JSON and bad UTF-8; RecursionError, JSON nested too deeply.
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
    if "method" in raw and raw["method"] not in _BEFORE_INITIALIZE and not ready():
        # LSP: requests before `initialize` get ServerNotInitialized; notifications (but
        # `exit`) are dropped.
        if "id" in raw:
            _reply_error(
                protocol,
                msg_id,
                -32002,
                f"Server not initialized: send `initialize` before {raw['method']}",
            )
        return
    if "method" in raw and "params" not in raw and protocol.get_message_type(raw["method"]) is None:
        # JSON-RPC lets params be left out; pygls's generic message types need the key, and
        # would answer even an unknown method with an internal error instead of -32601.
        raw = {**raw, "params": None}
    try:
        # The message only: pygls's own reader passes this as a json object_hook, which
        # also turns any object nested in the params that has a "jsonrpc" key into a message.
        message = protocol.structure_message(raw)
    except Exception as exc:
        # The envelope is valid (checked above), so what does not fit is the params.
        cause = exc.__cause__ or exc
        if "method" in raw and "id" in raw:
            _reply_error(protocol, msg_id, -32602, f"Invalid params for {raw['method']}: {cause}")
        else:
            log.warning("Ignoring a malformed %s notification: %s", raw.get("method"), exc)
        return
    is_request = "method" in raw and "id" in raw
    if is_request and not hasattr(message, "id"):
        # pygls would take it as the notification of that name and never answer it.
        _reply_error(
            protocol,
            msg_id,
            -32600,
            f'Invalid request: {raw["method"]} is a notification; send it without an "id"',
        )
        return
    if is_request and protocol._shutdown and raw["method"] != "exit":
        # LSP: requests after shutdown fail with InvalidRequest (pygls would drop them).
        _reply_error(protocol, msg_id, -32600, "Invalid request: the server is shutting down")
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

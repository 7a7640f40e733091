"""LSP framing on stdin: `Content-Length` frames in, JSON-RPC errors for malformed input
instead of dropping it, each message handed to pygls's protocol."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO

from pygls.protocol import JsonRPCProtocol

from agentls.jsonrpc import invalid_request
from agentls.lsp import pygls_adapter

log = logging.getLogger(__name__)

# A body is read in pieces of this size, so memory follows the bytes that really arrive,
# never a Content-Length that merely claims a size.
READ_PIECE = 1 << 20
MAX_MESSAGE = 64 << 20  # bytes; a larger message is skipped with an error
MAX_HEADER_LINE = 8 << 10


async def read_messages(
    protocol: JsonRPCProtocol, stdin: BinaryIO, executor: ThreadPoolExecutor
) -> None:
    """Read framed messages until stdin closes, answering what cannot be handled."""
    loop = asyncio.get_running_loop()
    while True:
        # A whole frame per trip to the reader thread: under load each trip back waits for
        # a full event-loop iteration, and a cancel should wait for one, not one per line.
        frame = await loop.run_in_executor(executor, _read_frame, stdin)
        if frame is None:
            return
        if isinstance(frame, _Oversized):
            _reply_error(
                protocol,
                None,
                -32600,
                f"Invalid request: a message of {frame.length} bytes is over the limit of "
                f"{MAX_MESSAGE} bytes; it was skipped",
            )
            if not await loop.run_in_executor(executor, _skip, stdin, frame.length):
                return
            continue
        if isinstance(frame, _NoLength):
            _reply_error(protocol, None, -32700, "Parse error: missing Content-Length header")
            continue
        try:
            _dispatch(protocol, frame)
        except Exception:  # one bad message must never end the connection
            log.exception("Failed to dispatch a message")


@dataclass(frozen=True)
class _NoLength:
    pass


@dataclass(frozen=True)
class _Oversized:
    length: int


def _read_frame(stdin: BinaryIO) -> bytes | _NoLength | _Oversized | None:
    """One message's body (None at EOF), read on the reader thread."""
    length = None
    while True:
        # Bounded: a "line" of junk without a newline must not grow without limit.
        header = stdin.readline(MAX_HEADER_LINE)
        if not header:
            return None
        if header in (b"\r\n", b"\n"):
            break
        name, _, value = header.decode("ascii", "replace").partition(":")
        if name.strip().lower() == "content-length":
            with contextlib.suppress(ValueError):
                length = int(value.strip())
    if length is None or length < 0:
        return _NoLength()
    if length > MAX_MESSAGE:
        return _Oversized(length)
    # In pieces: `read(length)` would allocate all of a claimed length at once, and a huge
    # Content-Length would end the server (MemoryError).
    body = bytearray()
    while len(body) < length:
        piece = stdin.read(min(READ_PIECE, length - len(body)))
        if not piece:
            return None
        body += piece
    return bytes(body)


def _skip(stdin: BinaryIO, length: int) -> bool:
    """Read and drop `length` bytes, so the next message is framed right; False at EOF."""
    while length > 0:
        piece = stdin.read(min(READ_PIECE, length))
        if not piece:
            return False
        length -= len(piece)
    return True


def _dispatch(protocol: JsonRPCProtocol, body: bytes) -> None:
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError) as exc:
        # ValueError covers bad JSON and bad UTF-8; RecursionError, JSON nested too deeply.
        _reply_error(protocol, None, -32700, f"Parse error: the message is not JSON ({exc})")
        return
    msg_id = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(msg_id, bool) or not isinstance(msg_id, str | int | None):
        msg_id = None
    problem = invalid_request(raw)
    if problem is not None:
        if isinstance(raw, dict) and "method" not in raw and ("result" in raw or "error" in raw):
            return  # a malformed response: nobody to answer
        _reply_error(protocol, msg_id, -32600, f"Invalid request: {problem}")
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
    if is_request and pygls_adapter.is_shut_down(protocol) and raw["method"] != "exit":
        # LSP: requests after shutdown fail with InvalidRequest (pygls would drop them).
        _reply_error(protocol, msg_id, -32600, "Invalid request: the server is shutting down")
        return
    try:
        protocol.handle_message(message)
    except Exception:
        log.exception("Failed to handle a message")
        if "method" in raw and "id" in raw:
            _reply_error(protocol, msg_id, -32603, "Internal error; see the server log")


def _reply_error(protocol: JsonRPCProtocol, msg_id: Any, code: int, message: str) -> None:
    pygls_adapter.send_raw(
        protocol, {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}
    )

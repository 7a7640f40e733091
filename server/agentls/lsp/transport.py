"""LSP framing on stdin: `Content-Length` frames in (framing.py: a bad frame costs that frame
only), JSON-RPC errors for malformed input instead of dropping it, each message handed to
pygls's protocol."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

from pygls.protocol import JsonRPCProtocol

from agentls.jsonrpc import invalid_request
from agentls.lsp import pygls_adapter
from agentls.lsp.framing import MAX_MESSAGE, BadHeader, Body, FrameReader, Oversized

log = logging.getLogger(__name__)

_BEFORE_INITIALIZE = ("initialize", "exit")


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
    problem = invalid_request(raw)
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

"""ACP's stdio transport: newline-delimited JSON-RPC 2.0, requests both ways.

One message per line, UTF-8, no headers (ACP's transport spec). Each incoming request runs
as its own task, so a `session/cancel` is read and acted on while a prompt runs; an
incoming notification is handled at once, in order. Malformed input gets a JSON-RPC error
and the connection goes on; a line over MAX_MESSAGE bytes is skipped whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import itertools
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from agentls.jsonrpc import invalid_request
from agentls.protocol import errors
from agentls.protocol.errors import RpcError
from agentls.stdio import PipeWriter

log = logging.getLogger(__name__)

MAX_MESSAGE = 64 << 20  # bytes in one line
READ_CHUNK = 1 << 16

Handler = Callable[[Any], Any]  # params -> result, or an awaitable of it
CANCEL_REQUEST = "$/cancel_request"


class AcpConnection:
    def __init__(self, writer: PipeWriter) -> None:
        self.writer = writer
        self.requests: dict[str, Handler] = {}
        self.notifications: dict[str, Handler] = {}
        self._ids = itertools.count(1)
        self._waiting: dict[int | str, asyncio.Future[Any]] = {}
        self._running: dict[int | str, asyncio.Task[None]] = {}
        self._background: set[asyncio.Future[Any]] = set()
        self.closed = asyncio.Event()

    # --- outgoing -----------------------------------------------------------------------

    def send(self, message: dict[str, Any]) -> None:
        # ensure_ascii=False: the text goes out as written, and JSON escapes any newline.
        data = json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n"
        self.writer.write(data.encode("utf-8"))

    def notify(self, method: str, params: Mapping[str, Any]) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        """The client's result; RpcError if it answered with an error. Cancelling the
        awaiting task withdraws the request (`$/cancel_request`)."""
        if self.closed.is_set():
            raise RpcError(errors.INTERNAL_ERROR, "The client has disconnected")
        msg_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[msg_id] = future
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        try:
            return await future
        except asyncio.CancelledError:
            if not self.closed.is_set():
                self.notify(CANCEL_REQUEST, {"requestId": msg_id})
            raise
        finally:
            self._waiting.pop(msg_id, None)

    # --- incoming -----------------------------------------------------------------------

    async def serve(self, reader: asyncio.StreamReader) -> None:
        """Handle messages until the client closes stdin."""
        buffer = bytearray()
        skipping = False
        try:
            while True:
                chunk = await reader.read(READ_CHUNK)
                if not chunk:
                    break
                start = 0
                while (end := chunk.find(b"\n", start)) != -1:
                    if skipping:
                        skipping = False
                    else:
                        buffer += chunk[start:end]
                        self._line(bytes(buffer))
                    buffer.clear()
                    start = end + 1
                if not skipping:
                    buffer += chunk[start:]
                    if len(buffer) > MAX_MESSAGE:
                        buffer.clear()
                        skipping = True
                        self._error(
                            None,
                            errors.INVALID_REQUEST,
                            f"Invalid request: a message over {MAX_MESSAGE} bytes was skipped",
                        )
        finally:
            self.closed.set()
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(RpcError(errors.INTERNAL_ERROR, "The client disconnected"))

    def _line(self, line: bytes) -> None:
        if not line.strip():
            return
        try:
            raw = json.loads(line)
        except (ValueError, RecursionError) as exc:
            self._error(None, errors.PARSE_ERROR, f"Parse error: the line is not JSON ({exc})")
            return
        problem = invalid_request(raw)
        msg_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(msg_id, bool) or not isinstance(msg_id, str | int | None):
            msg_id = None
        if problem is not None:
            if isinstance(raw, dict) and "method" not in raw:
                return  # a malformed response: nobody to answer
            self._error(msg_id, errors.INVALID_REQUEST, f"Invalid request: {problem}")
            return
        if "method" not in raw:
            self._response(raw)
        elif "id" in raw:
            msg_id = raw["id"]
            task = asyncio.create_task(self._answer(msg_id, raw["method"], raw.get("params")))
            self._running[msg_id] = task
            task.add_done_callback(functools.partial(self._finished, msg_id))
        else:
            self._notification(raw["method"], raw.get("params"))

    def _finished(self, msg_id: int | str, _task: asyncio.Task[None]) -> None:
        self._running.pop(msg_id, None)

    def _response(self, raw: dict[str, Any]) -> None:
        future = self._waiting.get(raw["id"])
        if future is None or future.done():
            return  # an answer to a request we withdrew
        error = raw.get("error")
        if error is not None:
            future.set_exception(
                RpcError(error["code"], str(error.get("message", "")), error.get("data"))
            )
        else:
            future.set_result(raw.get("result"))

    def _notification(self, method: str, params: Any) -> None:
        if method == CANCEL_REQUEST:
            request_id = params.get("requestId") if isinstance(params, dict) else None
            task = self._running.get(request_id) if isinstance(request_id, str | int) else None
            if task is not None:
                task.cancel()
            return
        handler = self.notifications.get(method)
        if handler is None:
            log.debug("Ignoring the unknown notification %s", method)
            return
        try:
            result = handler(params)
            if inspect.isawaitable(result):
                future = asyncio.ensure_future(result)
                self._background.add(future)
                future.add_done_callback(self._background.discard)
        except RpcError as exc:
            log.warning("Ignoring a bad %s notification: %s", method, exc.message)
        except Exception:
            log.exception("Failed to handle the %s notification", method)

    async def _answer(self, msg_id: int | str, method: str, params: Any) -> None:
        handler = self.requests.get(method)
        if handler is None:
            self._error(msg_id, errors.METHOD_NOT_FOUND, f"Method not found: {method}")
            return
        try:
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
        except RpcError as exc:
            self.send({"jsonrpc": "2.0", "id": msg_id, "error": exc.to_json()})
            return
        except asyncio.CancelledError:
            # The client withdrew it ($/cancel_request): ACP's answer for that.
            with contextlib.suppress(Exception):
                self._error(msg_id, -32800, "Request cancelled")
            raise
        except Exception:
            log.exception("Failed to answer %s", method)
            self._error(msg_id, errors.INTERNAL_ERROR, "Internal error; see the server log")
            return
        self.send({"jsonrpc": "2.0", "id": msg_id, "result": result})

    def _error(self, msg_id: int | str | None, code: int, message: str) -> None:
        self.send({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})

"""The Messages-API client, and the one module that touches the anthropic SDK's streams.

The SDK is imported lazily: importing it costs more than start-up may. Only public SDK API
is used here (`AsyncStream.raw_events`, `APIStatusError`, `messages.create`); the contract
test (tests/unit/test_sdk_contract.py) fails on an SDK upgrade that changes any of it.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from agentls.agent.errors import ModelRequestError

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

Event = dict[str, Any]

_NOT_A_STREAM_PREVIEW = 300  # characters of a body that is not an event stream, in the error


class MissingApiKeyError(Exception):
    def __init__(self) -> None:
        super().__init__(
            "No Anthropic API key: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) in the "
            "environment the editor starts `agentls serve` with, then restart the server. "
            "ANTHROPIC_BASE_URL points it at another Messages-API endpoint."
        )


class StreamEndedEarlyError(Exception):
    """The event stream ended (the connection closed cleanly) before `message_stop`: the
    reply is incomplete, as after a dropped connection, and is retried like one."""

    def __init__(self, events: int) -> None:
        super().__init__(f"the API closed the stream after {events} events, before message_stop")


class ModelClient:
    def __init__(self) -> None:
        self._client: AsyncAnthropic | None = None
        self._lock = threading.Lock()
        self._building: asyncio.Future[AsyncAnthropic] | None = None

    @staticmethod
    def check_credentials() -> None:
        if not (os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_AUTH_TOKEN")):
            raise MissingApiKeyError

    def client(self) -> AsyncAnthropic:
        # One client for the server's life, so its HTTP connections are reused across turns.
        with self._lock:
            if self._client is None:
                import anthropic

                # The loop does every retry itself, mid-stream ones included, and tells the
                # editor about each; SDK retries would be silent.
                self._client = anthropic.AsyncAnthropic(max_retries=0)
            return self._client

    async def ready(self) -> AsyncAnthropic:
        """The client. The first call imports the SDK and builds the client on a thread
        (about a second on a slow machine), so the event loop keeps serving meanwhile."""
        if self._client is not None:
            return self._client
        if self._building is None:
            self._building = asyncio.ensure_future(asyncio.to_thread(self.client))
            self._building.add_done_callback(self._built)
        # Shielded: a caller cancelled meanwhile leaves the client to the next one.
        return await asyncio.shield(self._building)

    def _built(self, future: asyncio.Future[AsyncAnthropic]) -> None:
        if future.cancelled() or future.exception() is not None:
            self._building = None  # the next call tries again

    async def stream(
        self, params: dict[str, Any], read_timeout: float, betas: list[str] | None = None
    ) -> StreamEvents:
        client = await self.ready()
        import httpx2  # loaded with the SDK, by now

        # A stream that goes quiet this long (the API pings every few seconds) is dead.
        timeout = httpx2.Timeout(connect=15.0, read=read_timeout, write=30.0, pool=15.0)
        stream = await client.messages.create(
            **_with_betas(params, betas), stream=True, timeout=timeout
        )
        return StreamEvents(stream)

    async def create(
        self, params: dict[str, Any], timeout: float, betas: list[str] | None = None
    ) -> dict[str, Any]:
        """One non-streaming request: for code that needs the whole reply before it can go on
        (a compaction summary). The reply as the API's JSON."""
        client = await self.ready()
        response = await client.messages.with_raw_response.create(
            **_with_betas(params, betas), timeout=timeout
        )
        body: dict[str, Any] = json.loads(await response.http_response.aread())
        return body

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


def _with_betas(params: dict[str, Any], betas: list[str] | None) -> dict[str, Any]:
    """Request fields the SDK's typed `messages.create` does not know yet (beta features such
    as `context_management`) go in `extra_body`; beta names in the `anthropic-beta` header."""
    known = {key: value for key, value in params.items() if key not in _EXTRA_FIELDS}
    extra = {key: value for key, value in params.items() if key in _EXTRA_FIELDS}
    if extra:
        known["extra_body"] = extra
    if betas:
        known["extra_headers"] = {"anthropic-beta": ",".join(betas)}
    return known


_EXTRA_FIELDS = frozenset({"context_management"})


class StreamEvents:
    """The events of a raw `messages.create(stream=True)` stream, each a plain dict.

    The SDK builds a pydantic model per event, about a third of its CPU per delta; the loop
    only reads fields, so the parsed JSON serves as it is, and every block the API sends can
    be kept exactly as sent. Error events are raised as the SDK raises them (so retries
    classify them the same); a body that is not an event stream, and a stream that ends
    before `message_stop`, are errors too, never a quiet empty answer.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    async def __aenter__(self) -> StreamEvents:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stream.close()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        import anthropic

        response = self._stream.response
        await _check_is_event_stream(response)
        loads = json.loads
        count = 0
        stopped = False
        try:
            async for sse in anthropic.AsyncStream.raw_events(response):
                event = sse.event
                if event == "ping" or event is None:
                    continue
                if event == "error":
                    raise _error_event(sse.data, response)
                data = sse.data
                if not data:
                    continue
                try:
                    decoded = loads(data)
                except RecursionError:
                    raise ModelRequestError(
                        f"The Messages API sent a `{event}` event nested too deeply to read "
                        f"({len(data)} bytes, starting {data[:120]!r}); the turn was stopped.",
                        {"type": "malformed_stream"},
                    ) from None
                if not isinstance(decoded, dict):
                    raise ModelRequestError(
                        f"The Messages API sent a `{event}` event that is not a JSON object: "
                        f"{data[:200]!r}; the turn was stopped.",
                        {"type": "malformed_stream"},
                    )
                count += 1
                if event == "message_stop":
                    stopped = True
                yield decoded
            if not stopped:
                raise StreamEndedEarlyError(count)
        finally:
            await response.aclose()


async def _check_is_event_stream(response: Any) -> None:
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("text/event-stream"):
        return
    body = (await response.aread()).decode("utf-8", errors="replace")
    preview = body[:_NOT_A_STREAM_PREVIEW] + ("…" if len(body) > _NOT_A_STREAM_PREVIEW else "")
    media_type = content_type.split(";")[0].strip() or "no content type"
    raise ModelRequestError(
        f"The Messages API answered a streaming request with {media_type} "
        f"instead of an event stream: {preview!r}. A proxy between agentls and the API may be "
        "buffering or rewriting responses; check ANTHROPIC_BASE_URL.",
        {"type": "not_an_event_stream", "contentType": content_type},
    )


def _error_event(data: str, response: Any) -> Exception:
    import anthropic

    body: Any = data
    try:
        body = json.loads(data)
        message = f"{body}"
    except (ValueError, RecursionError):
        message = data or f"Error code: {response.status_code}"
    return anthropic.APIStatusError(message, response=response, body=body)

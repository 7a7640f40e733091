"""The Messages-API client, created lazily: importing the SDK costs more than start-up may."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

CONTEXT_WINDOW = 200_000

# USD per million tokens: input, output, cache write (5 min), cache read.
_PRICES: dict[str, tuple[float, float, float, float]] = {
    "claude-opus-4": (15.0, 75.0, 18.75, 1.5),
    "claude-opus-4-5": (5.0, 25.0, 6.25, 0.5),
    "claude-sonnet-4": (3.0, 15.0, 3.75, 0.3),
    "claude-haiku-4": (1.0, 5.0, 1.25, 0.1),
    "claude-3-5-haiku": (0.8, 4.0, 1.0, 0.08),
}


class MissingApiKeyError(Exception):
    def __init__(self) -> None:
        super().__init__(
            "No Anthropic API key: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) in the "
            "environment the editor starts `agentls serve` with, then restart the server. "
            "ANTHROPIC_BASE_URL points it at another Messages-API endpoint."
        )


def price_per_token(model: str) -> tuple[float, float, float, float] | None:
    """The longest matching price prefix, per token; None for a model we have no price for."""
    best = max((prefix for prefix in _PRICES if model.startswith(prefix)), key=len, default=None)
    if best is None:
        return None
    return tuple(price / 1_000_000 for price in _PRICES[best])  # type: ignore[return-value]


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

    async def stream(self, params: dict[str, Any], read_timeout: float) -> Any:
        client = await self.ready()
        import httpx2  # loaded with the SDK, by now

        # A stream that goes quiet this long (the API pings every few seconds) is dead.
        timeout = httpx2.Timeout(connect=15.0, read=read_timeout, write=30.0, pool=15.0)
        stream = await client.messages.create(**params, stream=True, timeout=timeout)
        return StreamEvents(stream)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


class Fields:
    """One decoded event (or a part of one): its JSON object's keys as attributes.

    The SDK builds a pydantic model per event (`construct_type`), about a third of its CPU
    per delta; the loop only reads fields, so the parsed dict serves as they are. A field
    the event does not carry reads as None, as an optional field of the SDK's model does.
    """

    __slots__ = ("__dict__",)

    def __init__(self, fields: dict[str, Any]) -> None:
        self.__dict__ = fields

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return None

    def __repr__(self) -> str:
        return f"Fields({self.__dict__!r})"


class StreamEvents:
    """The events of a raw `messages.create(stream=True)` stream, decoded as `Fields`.

    The SDK's own SSE decoding, error events (raised as the SDK raises them, so retries
    classify them the same) and closing are kept: only the per-event pydantic model is not
    built. Follows `anthropic._streaming.AsyncStream.__stream__` (SDK pinned in
    constraints.txt).
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

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._events()

    async def _events(self) -> AsyncIterator[Any]:
        stream = self._stream
        response = stream.response
        observer = stream._observer
        if observer is not None:
            observer.begin()
        loads = json.loads
        try:
            async for sse in stream._iter_events():
                event = sse.event
                if event == "ping" or event is None:
                    continue
                if event == "error":
                    body: Any = sse.data
                    try:
                        body = sse.json()
                        message = f"{body}"
                    except Exception:
                        message = sse.data or f"Error code: {response.status_code}"
                    raise stream._client._make_status_error(message, body=body, response=response)
                data = sse.data
                if not data:
                    continue
                yield loads(data, object_hook=Fields)
            if observer is not None:
                observer.end("read")
        except Exception as exc:
            if observer is not None:
                observer.end("failed", exc)
            raise
        finally:
            await response.aclose()

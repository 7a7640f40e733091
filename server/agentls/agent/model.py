"""The Messages-API client, created lazily: importing the SDK costs more than start-up may."""

from __future__ import annotations

import os
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

    @staticmethod
    def check_credentials() -> None:
        if not (os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_AUTH_TOKEN")):
            raise MissingApiKeyError

    def client(self) -> AsyncAnthropic:
        # One client for the server's life, so its HTTP connections are reused across turns.
        if self._client is None:
            import anthropic

            # The loop does every retry itself, mid-stream ones included, and tells the
            # editor about each; SDK retries would be silent.
            self._client = anthropic.AsyncAnthropic(max_retries=0)
        return self._client

    async def stream(self, params: dict[str, Any], read_timeout: float) -> Any:
        import httpx2

        # A stream that goes quiet this long (the API pings every few seconds) is dead.
        timeout = httpx2.Timeout(connect=15.0, read=read_timeout, write=30.0, pool=15.0)
        return await self.client().messages.create(**params, stream=True, timeout=timeout)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

"""Which model-request failures are worth retrying, and how long to wait.

The SDK retries only before a stream starts; a failure mid-stream (an SSE `error` event,
a dropped connection, a read timeout) just raises. Every failure comes here, before or
during the stream, so the editor hears about each retry the same way.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

RETRY_STATUSES = {408, 409, 429, 500, 502, 503, 504, 529}
RETRY_ERROR_TYPES = {"overloaded_error", "api_error", "rate_limit_error", "timeout_error"}
MAX_DELAY = 30.0


@dataclass
class Retryable:
    reason: str
    retry_after: float | None = None


def classify(exc: BaseException) -> Retryable | None:
    """A Retryable for failures another attempt may fix; None for everything else."""
    import anthropic
    import httpx2

    from agentls.agent.model import StreamEndedEarlyError

    if isinstance(exc, StreamEndedEarlyError):
        return Retryable(f"the connection closed before the reply was complete ({exc})")
    if isinstance(exc, anthropic.APIStatusError):
        kind = _error_type(exc.body)
        if exc.status_code in RETRY_STATUSES or kind in RETRY_ERROR_TYPES:
            message = _error_message(exc.body) or str(exc)
            label = kind or f"HTTP {exc.status_code}"
            return Retryable(f"{label}: {message}", _retry_after(exc.response.headers))
        return None
    if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException):
        return Retryable("the API stopped sending (read timeout)")
    if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
        return Retryable(f"the connection to the API failed ({type(exc).__name__})")
    return None


def backoff(attempt: int, initial: float, retry_after: float | None) -> float:
    """Seconds before attempt `attempt + 1`: the server's retry-after when it gave one,
    else exponential with full jitter so many clients do not retry in step."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), MAX_DELAY)
    ceiling = min(initial * 2 ** (attempt - 1), MAX_DELAY)
    return random.uniform(ceiling / 2, ceiling)


def is_malformed_stream(exc: BaseException) -> bool:
    return isinstance(exc, json.JSONDecodeError | UnicodeDecodeError | RecursionError)


class RetriesExhaustedError(Exception):
    def __init__(self, attempts: int, reason: str) -> None:
        super().__init__(reason)
        self.attempts = attempts
        self.reason = reason


async def retrying(
    attempt: Callable[[], Awaitable[T]],
    *,
    attempts: int,
    initial_delay: float,
    on_retry: Callable[[int, float, str], None],
) -> T:
    """`attempt()` until it succeeds, an error no retry fixes (raised as is), or `attempts`
    tries (RetriesExhaustedError, from the last error). `on_retry(next_attempt, delay, reason)`
    runs before each wait, so the editor hears of every retry."""
    for number in range(1, attempts + 1):
        try:
            return await attempt()
        except Exception as exc:
            retry = classify(exc)
            if retry is None:
                raise
            if number == attempts:
                raise RetriesExhaustedError(attempts, retry.reason) from exc
            delay = backoff(number, initial_delay, retry.retry_after)
            on_retry(number + 1, delay, retry.reason)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _error_type(body: Any) -> str | None:
    error = body.get("error") if isinstance(body, dict) else None
    kind = error.get("type") if isinstance(error, dict) else None
    return kind if isinstance(kind, str) else None


def _error_message(body: Any) -> str | None:
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return message if isinstance(message, str) else None


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None

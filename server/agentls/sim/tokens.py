"""Plausible token counts for the usage fields (about four characters per token).

Prompt caching is modelled just enough for an agent loop's cache_control placement to be
observable: a prefix ending at a cache_control marker is "created" the first time it is
seen and "read" on later requests that share it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from .script import UsageOverride


def estimate_tokens(chars: int) -> int:
    return max(1, (chars + 3) // 4)


@dataclass(frozen=True)
class InputUsage:
    input_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int
    # Of the cache writes, those for one hour (the rest are for five minutes).
    cache_creation_1h_input_tokens: int = 0

    def to_api(self) -> dict[str, Any]:
        """message_start's usage, as the API reports it."""
        five_minutes = self.cache_creation_input_tokens - self.cache_creation_1h_input_tokens
        return {
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": self.cache_creation_input_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "cache_creation": {
                "ephemeral_5m_input_tokens": five_minutes,
                "ephemeral_1h_input_tokens": self.cache_creation_1h_input_tokens,
            },
            "output_tokens": 1,
            "service_tier": "standard",
        }


class CacheTracker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[str] = set()

    def input_usage(self, body: Mapping[str, Any]) -> InputUsage:
        total = estimate_tokens(len(json.dumps(body, ensure_ascii=False)))
        breakpoints = _breakpoints(body)
        if not breakpoints:
            return InputUsage(total, 0, 0)
        with self._lock:
            read_chars = max((c for h, c, _ttl in breakpoints if h in self._seen), default=0)
            self._seen.update(h for h, _chars, _ttl in breakpoints)
        last_chars = breakpoints[-1][1]
        read = estimate_tokens(read_chars) if read_chars else 0
        created = max(0, estimate_tokens(last_chars) - read) if last_chars > read_chars else 0
        # The writes take the TTL of the breakpoint that made them: the last one.
        one_hour = created if breakpoints[-1][2] == "1h" else 0
        return InputUsage(max(1, total - read - created), created, read, one_hour)


def apply_override(usage: InputUsage, override: UsageOverride | None) -> InputUsage:
    if override is None:
        return usage
    created = _pick(override.cache_creation_input_tokens, usage.cache_creation_input_tokens)
    return InputUsage(
        input_tokens=_pick(override.input_tokens, usage.input_tokens),
        cache_creation_input_tokens=_pick(
            override.cache_creation_input_tokens, usage.cache_creation_input_tokens
        ),
        cache_read_input_tokens=_pick(
            override.cache_read_input_tokens, usage.cache_read_input_tokens
        ),
        cache_creation_1h_input_tokens=min(usage.cache_creation_1h_input_tokens, created),
    )


def _pick(override: int | None, computed: int) -> int:
    return computed if override is None else override


def _breakpoints(body: Mapping[str, Any]) -> list[tuple[str, int, str]]:
    """(hash of the prefix, its length in characters, the marker's TTL) for every
    cache_control marker, in the API's prefix order: tools, then system, then messages."""
    digest = hashlib.sha256()
    chars = 0
    found: list[tuple[str, int, str]] = []
    for segment in _segments(body):
        # The marker itself is not part of the cached content: moving a marker to a later
        # block must still read the prefix cached by the earlier one.
        text = json.dumps(_strip_cache_control(segment), sort_keys=True, ensure_ascii=False)
        digest.update(text.encode("utf-8"))
        chars += len(text)
        if _has_cache_control(segment):
            found.append((digest.copy().hexdigest(), chars, _ttl(segment)))
    return found


def _segments(body: Mapping[str, Any]) -> Iterator[object]:
    tools = body.get("tools")
    if isinstance(tools, list):
        yield from cast(list[object], tools)
    system = body.get("system")
    if isinstance(system, list):
        yield from cast(list[object], system)
    elif system is not None:
        yield system
    messages = body.get("messages")
    if isinstance(messages, list):
        for message in cast(list[object], messages):
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, list):
                yield from cast(list[object], content)
            else:
                yield content


def _has_cache_control(segment: object) -> bool:
    if not isinstance(segment, dict):
        return False
    if segment.get("cache_control") is not None:
        return True
    nested = segment.get("content")
    return isinstance(nested, list) and any(_has_cache_control(b) for b in nested)


def _ttl(segment: object) -> str:
    control = segment.get("cache_control") if isinstance(segment, dict) else None
    if isinstance(control, dict) and control.get("ttl") == "1h":
        return "1h"
    return "5m"


def _strip_cache_control(value: object) -> object:
    if isinstance(value, dict):
        return {k: _strip_cache_control(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [_strip_cache_control(v) for v in value]
    return value

"""Tokens, context and cost: what the API reports per request, what it costs, how full the
context window is.

Prices and context windows live here and nowhere else. Prices are USD per million tokens,
from Anthropic's pricing page (https://platform.claude.com/docs/en/about-claude/pricing) and
the models' overview pages, as read on PRICES_DATE. Cache writes are priced by their TTL
(5 minutes: 1.25x input, 1 hour: 2x), cache reads as listed; web search is $10 per 1,000
searches, web fetch costs only its tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PRICES_DATE = "2026-11-24"
PRICES_SOURCE = "https://platform.claude.com/docs/en/about-claude/pricing"


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float


def _price(input_price: float, output: float, cache_read: float | None = None) -> Price:
    read = input_price / 10 if cache_read is None else cache_read
    return Price(input_price, output, input_price * 1.25, input_price * 2, read)


# Longest matching prefix of the model id wins (dated ids match their alias's prefix).
PRICES: dict[str, Price] = {
    "claude-fable-5-1": _price(10, 50, 0.25),
    "claude-mythos-5-1": _price(10, 50, 0.25),
    "claude-fable-5": _price(10, 50, 1),
    "claude-mythos-5": _price(10, 50, 1),
    "claude-opus-5": _price(5, 25),
    "claude-opus-4-8": _price(5, 25),
    "claude-opus-4-7": _price(5, 25),
    "claude-opus-4-6": _price(5, 25),
    "claude-opus-4-5": _price(5, 25),
    "claude-opus-4": _price(15, 75),
    "claude-sonnet-5": _price(2, 10, 0.2),
    "claude-sonnet-4": _price(3, 15),
    "claude-3-7-sonnet": _price(3, 15),
    "claude-haiku-4": _price(1, 5),
    "claude-3-5-haiku": _price(0.8, 4),
    "claude-3-haiku": _price(0.25, 1.25, 0.03),
}
# Sonnet 4 and 4.5 with the 1M-context beta: a request over 200K input tokens is billed at
# these rates for all of its tokens.
LONG_CONTEXT_PRICES: dict[str, tuple[int, Price]] = {
    "claude-sonnet-4-5": (200_000, _price(6, 22.5)),
    "claude-sonnet-4-2": (200_000, _price(6, 22.5)),  # dated ids of Sonnet 4
    "claude-sonnet-4-0": (200_000, _price(6, 22.5)),
}
WEB_SEARCH_PRICE = 10 / 1000  # USD per search

DEFAULT_CONTEXT_WINDOW = 200_000
# Tokens of context per model (prefix match); 1M-context betas are set with `contextWindow`.
CONTEXT_WINDOWS: dict[str, int] = {
    "claude-fable-5": 1_000_000,
    "claude-mythos-5": 1_000_000,
    "claude-opus-5": 1_000_000,
    "claude-opus-4-8": 1_000_000,
    "claude-opus-4-7": 1_000_000,
    "claude-opus-4-6": 1_000_000,
    "claude-sonnet-5": 1_000_000,
    "claude-sonnet-4-6": 1_000_000,
}


def _longest_prefix(table: dict[str, Any], model: str) -> Any:
    best = max((prefix for prefix in table if model.startswith(prefix)), key=len, default=None)
    return None if best is None else table[best]


def price_for(model: str) -> Price | None:
    """The price of a model; None for one this table does not know (no cost is shown)."""
    found: Price | None = _longest_prefix(PRICES, model)
    return found


def context_window(model: str, configured: int | None = None) -> int:
    if configured is not None:
        return configured
    found: int | None = _longest_prefix(CONTEXT_WINDOWS, model)
    return found if found is not None else DEFAULT_CONTEXT_WINDOW


@dataclass
class Usage:
    """One request's figures as the API reports them (or a sum of several)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    server_tool_use: dict[str, int] = field(default_factory=dict)
    service_tier: str | None = None

    @classmethod
    def from_api(cls, usage: dict[str, Any]) -> Usage:
        result = cls()
        result.revise(usage)
        return result

    def revise(self, usage: dict[str, Any]) -> None:
        """Take every figure `usage` carries: message_delta's are cumulative and supersede
        message_start's (server tools add input as they run)."""
        self.input_tokens = _int(usage.get("input_tokens"), self.input_tokens)
        self.output_tokens = _int(usage.get("output_tokens"), self.output_tokens)
        self.cache_read_tokens = _int(usage.get("cache_read_input_tokens"), self.cache_read_tokens)
        self.cache_write_tokens = _int(
            usage.get("cache_creation_input_tokens"), self.cache_write_tokens
        )
        split = usage.get("cache_creation")
        if isinstance(split, dict):
            self.cache_write_5m_tokens = _int(
                split.get("ephemeral_5m_input_tokens"), self.cache_write_5m_tokens
            )
            self.cache_write_1h_tokens = _int(
                split.get("ephemeral_1h_input_tokens"), self.cache_write_1h_tokens
            )
        servers = usage.get("server_tool_use")
        if isinstance(servers, dict):
            self.server_tool_use = {
                key: value
                for key, value in servers.items()
                if isinstance(value, int) and not isinstance(value, bool)
            }
        tier = usage.get("service_tier")
        if isinstance(tier, str):
            self.service_tier = tier

    def add(self, other: Usage) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_read_tokens += other.cache_read_tokens
        self.cache_write_tokens += other.cache_write_tokens
        self.cache_write_5m_tokens += other.cache_write_5m_tokens
        self.cache_write_1h_tokens += other.cache_write_1h_tokens
        for key, value in other.server_tool_use.items():
            self.server_tool_use[key] = self.server_tool_use.get(key, 0) + value
        self.service_tier = other.service_tier or self.service_tier

    @property
    def prompt_tokens(self) -> int:
        """The request's whole input: what it put in the context window."""
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.output_tokens

    def cost(self, model: str) -> float | None:
        """USD, or None for a model without a price."""
        price = price_for(model)
        if price is None:
            return None
        long = _longest_prefix(LONG_CONTEXT_PRICES, model)
        if long is not None and self.prompt_tokens > long[0]:
            price = long[1]
        # Without the TTL split (older API versions) every cache write is a 5-minute one.
        write_1h = min(self.cache_write_1h_tokens, self.cache_write_tokens)
        write_5m = self.cache_write_tokens - write_1h
        tokens = (
            self.input_tokens * price.input
            + self.output_tokens * price.output
            + write_5m * price.cache_write_5m
            + write_1h * price.cache_write_1h
            + self.cache_read_tokens * price.cache_read
        )
        searches = self.server_tool_use.get("web_search_requests", 0)
        return tokens / 1_000_000 + searches * WEB_SEARCH_PRICE

    def to_acp(self) -> dict[str, int]:
        """The `usage` of a session/prompt answer."""
        return {
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
            "cachedReadTokens": self.cache_read_tokens,
            "cachedWriteTokens": self.cache_write_tokens,
            "totalTokens": self.total,
        }

    def to_meta(self) -> dict[str, Any]:
        """Every figure the API sent, for `usage_update._meta.agentls`."""
        meta: dict[str, Any] = {
            key: value for key, value in self.to_acp().items() if key != "totalTokens"
        }
        meta["cachedWrite5mTokens"] = self.cache_write_5m_tokens
        meta["cachedWrite1hTokens"] = self.cache_write_1h_tokens
        if self.server_tool_use:
            meta["serverToolUse"] = {
                _camel(key): value for key, value in self.server_tool_use.items()
            }
        if self.service_tier is not None:
            meta["serviceTier"] = self.service_tier
        return meta


@dataclass
class SessionTotals:
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    priced: bool = False  # whether any request had a price (else no cost is shown)
    # The last measured context (a request's prompt and reply), and the length of the stored
    # conversation's JSON then: the next request's size is that plus what was added since.
    context_tokens: int = 0
    context_chars: int = 0


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)

"""Compaction: when a session's conversation no longer fits the context window, its older
part is replaced by a summary and the recent part is kept as it was.

The summary is one non-streaming request: nothing is shown while it is written, and the
code needs the whole of it before it can go on. What is kept starts at a message after
which every tool_use still has its tool_result and every thinking block is unchanged, so
the conversation stays valid for the API. The compaction is journaled (a `compaction`
record), so a reload resumes from the compacted conversation, and shown as it happens
(`compaction` session updates: started, then completed or failed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agentls.agent import request
from agentls.agent import retry as retry_policy
from agentls.agent.conversation import Conversation, Message, can_keep_from, compacted
from agentls.agent.errors import as_model_error
from agentls.agent.model import ModelClient
from agentls.agent.replay import SUMMARY_START
from agentls.agent.updates import SessionUpdates
from agentls.agent.usage import SessionTotals, context_window
from agentls.config import Config
from agentls.protocol import payloads
from agentls.tools.base import Tool

# What is kept verbatim: the most recent messages that fit this share of the window, and of
# the conversation itself (so that compacting on demand a short one still summarises most).
KEEP_SHARE = 0.25
SUMMARY_MAX_TOKENS = 8192
SUMMARY_TIMEOUT = 300.0
# Tool output in the part being summarised is cut to its head and tail: the summary needs
# what the model learnt from it, and the request must fit even when the window is full.
RESULT_HEAD = 3000
RESULT_TAIL = 1000

SUMMARY_INSTRUCTION = (
    "The conversation above is about to be compacted: it will be replaced by your summary, "
    "and the work will go on from the summary alone. Write that summary now. Include: the "
    "user's requests and goals, in their words where it matters; decisions made and why; "
    "files read, created or changed, with the details needed to go on (paths, function "
    "names, what was changed); commands run and what they showed; errors met and how they "
    "were solved; what remains to be done, and what was being done last. Do not call tools."
)
SUMMARY_HEADER = (
    f"{SUMMARY_START}\nThe earlier part of this conversation was compacted into this "
    "summary (written by you):\n\n"
)
SUMMARY_FOOTER = "\n</conversation-summary>"


class CompactionError(Exception):
    pass


@dataclass
class Compacted:
    tokens_before: int
    tokens_after: int
    summarized_messages: int
    kept_messages: int

    @property
    def message(self) -> str:
        return f"Compacted {_k(self.tokens_before)} → {_k(self.tokens_after)} tokens"

    def to_wire(self) -> dict[str, Any]:
        return {
            "tokensBefore": self.tokens_before,
            "tokensAfter": self.tokens_after,
            "summarizedMessages": self.summarized_messages,
            "keptMessages": self.kept_messages,
        }


def estimate_tokens(value: Any) -> int:
    """About four characters per token of JSON: an estimate for what no request measured."""
    return (len(json.dumps(value, ensure_ascii=False)) + 3) // 4


def context_estimate(totals: SessionTotals, conversation: Conversation) -> int:
    """Tokens the next request would send: the last request's measured context, plus an
    estimate of what was added since; without a measurement (a loaded session), an estimate
    of the whole."""
    chars = len(json.dumps(conversation.messages, ensure_ascii=False))
    if totals.context_tokens and chars >= totals.context_chars:
        return totals.context_tokens + (chars - totals.context_chars + 3) // 4
    return (chars + 3) // 4


def measured(totals: SessionTotals, conversation: Conversation, tokens: int) -> None:
    """Record a measured context size (a request's usage) for `context_estimate`."""
    totals.context_tokens = tokens
    totals.context_chars = len(json.dumps(conversation.messages, ensure_ascii=False))


def keep_from(messages: Sequence[Message], budget: int) -> int | None:
    """Where the kept part starts: the earliest place it may start whose messages fit
    `budget` tokens, else the latest place it may start; None if it may start nowhere."""
    places = [i for i in range(1, len(messages)) if can_keep_from(list(messages), i)]
    if not places:
        return None
    sizes = [estimate_tokens(message) for message in messages]
    for place in places:
        if sum(sizes[place:]) <= budget:
            return place
    return places[-1]


def summary_messages(messages: Sequence[Message]) -> list[Message]:
    """The part to summarise, as a request the API accepts with thinking off and the
    instruction last: thinking blocks dropped, long tool output cut."""
    out: list[Message] = []
    for message in messages:
        blocks = [_shortened(block) for block in message["content"] if not _is_thinking(block)]
        if not blocks:
            continue
        if out and out[-1]["role"] == message["role"]:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": message["role"], "content": blocks})
    instruction = {"type": "text", "text": SUMMARY_INSTRUCTION}
    if out and out[-1]["role"] == "user":
        out[-1]["content"].append(instruction)
    else:
        out.append({"role": "user", "content": [instruction]})
    return out


class Compactor:
    def __init__(
        self,
        *,
        model: ModelClient,
        config: Config,
        tools: Sequence[Tool],
        root: Path,
        conversation: Conversation,
        updates: SessionUpdates,
        totals: SessionTotals,
        report: Callable[[str], None] = lambda _message: None,
    ) -> None:
        self.model = model
        self.config = config
        self.tools = tools
        self.root = root
        self.conversation = conversation
        self.updates = updates
        self.totals = totals
        self.report = report

    @property
    def window(self) -> int:
        return context_window(self.config.model, self.config.context_window)

    def due(self) -> bool:
        """Whether the next request would pass the autoCompact threshold."""
        threshold = self.config.auto_compact
        if threshold <= 0:
            return False
        limit = threshold * self.window
        # Cheap first: without a measurement near the limit, no estimate is needed.
        if self.totals.context_tokens and self.totals.context_tokens < limit / 2:
            return False
        return context_estimate(self.totals, self.conversation) > limit

    async def compact(self, reason: str) -> Compacted | None:
        """Compact now; None when there is nothing older to summarise. Raises
        CompactionError (after a `failed` update) when the summary cannot be had."""
        messages = self.conversation.messages
        before = context_estimate(self.totals, self.conversation)
        budget = min(self.window, estimate_tokens(messages)) * KEEP_SHARE
        start = keep_from(messages, int(budget))
        if start is None:
            return None
        self._send("started", reason, "Compacting the conversation", tokensBefore=before)
        self.report("Compacting the conversation")
        try:
            summary = await self._summary(messages[:start])
        except Exception as exc:
            error = as_model_error(exc) if isinstance(exc, Exception) else exc
            self._send("failed", reason, f"Compaction failed: {error}", tokensBefore=before)
            raise CompactionError(str(error)) from exc
        text = SUMMARY_HEADER + summary + SUMMARY_FOOTER
        after_messages = compacted(messages, start, text)
        overhead = estimate_tokens(request.base_params(self.config, self.tools, self.root))
        after = estimate_tokens(after_messages) + overhead
        result = Compacted(before, after, start, len(messages) - start)
        self.conversation.compact(start, text, result.to_wire())
        measured(self.totals, self.conversation, after)
        self._send("completed", reason, result.message, **result.to_wire())
        return result

    async def _summary(self, messages: Sequence[Message]) -> str:
        params = request.base_params(self.config, self.tools, self.root)
        params.pop("thinking", None)
        params.pop("context_management", None)
        params["max_tokens"] = max(1024, min(SUMMARY_MAX_TOKENS, self.config.max_tokens))
        params["tool_choice"] = {"type": "none"}
        params["messages"] = summary_messages(messages)

        async def attempt() -> dict[str, Any]:
            return await self.model.create(params, SUMMARY_TIMEOUT, request.betas(self.config))

        def on_retry(attempt_number: int, delay: float, why: str) -> None:
            self.report(f"{why}; retrying the summary in {delay:.0f} s")

        reply = await retry_policy.retrying(
            attempt,
            attempts=self.config.max_retries + 1,
            initial_delay=self.config.retry_initial_delay,
            on_retry=on_retry,
        )
        text = "".join(
            block.get("text", "")
            for block in reply.get("content", [])
            if isinstance(block, dict) and block.get("type") == "text"
        ).strip()
        if not text:
            raise CompactionError(
                f"the summary request answered without text (stop reason "
                f"{reply.get('stop_reason')!r})"
            )
        return text

    def _send(
        self,
        status: Literal["started", "completed", "failed"],
        reason: str,
        message: str,
        **figures: int,
    ) -> None:
        self.updates.send(payloads.compaction(status, reason, message, **figures))


def _is_thinking(block: dict[str, Any]) -> bool:
    return block.get("type") in ("thinking", "redacted_thinking")


def _shortened(block: dict[str, Any]) -> dict[str, Any]:
    if block.get("type") != "tool_result" or not isinstance(block.get("content"), str):
        return block
    text = block["content"]
    if len(text) <= RESULT_HEAD + RESULT_TAIL + 200:
        return block
    cut = len(text) - RESULT_HEAD - RESULT_TAIL
    shortened = f"{text[:RESULT_HEAD]}\n[… {cut} characters left out …]\n{text[-RESULT_TAIL:]}"
    return {**block, "content": shortened}


def _k(tokens: int) -> str:
    return f"{tokens / 1000:.0f}k" if tokens >= 10_000 else f"{tokens / 1000:.1f}k"

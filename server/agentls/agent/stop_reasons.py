"""What each Messages-API stop reason means for the turn: go on, or end it with which ACP
stop reason, and what the user is told (a `notice`) when the answer is not simply done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NoticeLevel = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Outcome:
    acp: str | None  # the ACP stop reason; None: the turn goes on with another request
    notice: tuple[NoticeLevel, str] | None = None
    compact: bool = False  # the context window is full: compact, then go on


# The reply asked for our tools, or the API paused its own tool loop (pause_turn, or a
# server-side compaction with pause_after_compaction): the next request continues it.
CONTINUE = frozenset({"tool_use", "pause_turn", "compaction"})


def outcome(stop_reason: str | None, *, stop_sequence: str | None, max_tokens: int) -> Outcome:
    if stop_reason in CONTINUE:
        return Outcome(None)
    if stop_reason == "end_turn":
        return Outcome("end_turn")
    if stop_reason == "max_tokens":
        return Outcome(
            "max_tokens",
            (
                "warning",
                f"The answer was cut off: it reached maxTokens ({max_tokens:,} tokens). "
                "Ask the model to continue, or raise maxTokens.",
            ),
        )
    if stop_reason == "stop_sequence":
        return Outcome(
            "end_turn", ("info", f"The model stopped at the stop sequence {stop_sequence!r}.")
        )
    if stop_reason == "refusal":
        return Outcome(
            "refusal",
            (
                "warning",
                "The model declined to go on with this request (stop reason refusal); "
                "rephrase it or start a new session.",
            ),
        )
    if stop_reason == "model_context_window_exceeded":
        return Outcome("max_tokens", CONTEXT_FULL, compact=True)
    if stop_reason is None:
        return Outcome(
            "end_turn",
            ("warning", "The API ended the reply without a stop reason; it may be incomplete."),
        )
    return Outcome(
        "end_turn",
        (
            "warning",
            f"The API ended the reply with stop reason {stop_reason!r}, which this version of "
            "agentls does not know; the answer may be incomplete.",
        ),
    )


CONTEXT_FULL: tuple[NoticeLevel, str] = (
    "warning",
    "The answer was cut off: the model's context window is full, and compacting the "
    "conversation did not make room. Start a new session to go on.",
)

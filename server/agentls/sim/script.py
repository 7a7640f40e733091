"""The simulated model's script: turns parsed from JSON-able data into dataclasses.

A script is a list of turns; every request to ``/v1/messages`` consumes the next one.
Parsing is strict (unknown keys are errors) because a typo in a test script should fail
loudly at load time instead of silently producing a different conversation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, cast

from .checks import (
    ScriptError,
    integer,
    is_number,
    mapping,
    no_unknown_keys,
    optional_string,
    string,
)
from .script_blocks import (
    Block,
    OpaqueBlock,
    RedactedThinkingBlock,
    ServerToolResultBlock,
    ServerToolUseBlock,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
    parse_block,
)

__all__ = [
    "Block",
    "OpaqueBlock",
    "RedactedThinkingBlock",
    "ScriptError",
    "ServerToolResultBlock",
    "ServerToolUseBlock",
    "TextBlock",
    "ThinkingBlock",
    "ToolUseBlock",
]

StopReason: TypeAlias = Literal[
    "end_turn",
    "tool_use",
    "max_tokens",
    "pause_turn",
    "refusal",
    "stop_sequence",
    "model_context_window_exceeded",
]
STOP_REASONS: tuple[StopReason, ...] = (
    "end_turn",
    "tool_use",
    "max_tokens",
    "pause_turn",
    "refusal",
    "stop_sequence",
    "model_context_window_exceeded",
)

# The error `type` the real API uses for each HTTP status it can answer with.
HTTP_ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
DEFAULT_ERROR_MESSAGES: dict[str, str] = {
    "invalid_request_error": "simulated invalid request",
    "authentication_error": "invalid x-api-key",
    "permission_error": "Your API key does not have permission to use the specified resource.",
    "not_found_error": "Not found",
    "request_too_large": "Request exceeds the maximum allowed number of bytes.",
    "rate_limit_error": "Number of request tokens has exceeded your per-minute rate limit",
    "api_error": "Internal server error",
    "overloaded_error": "Overloaded",
}
# sse_error: an `error` event; drop: the connection is cut; malformed: a broken event;
# eof: the stream ends cleanly, without message_stop; json_body: a streaming request is
# answered with the whole message as JSON, as a buffering proxy might.
STREAM_FAULT_KINDS = ("sse_error", "drop", "malformed", "eof", "json_body")
StreamFaultKind: TypeAlias = Literal["sse_error", "drop", "malformed", "eof", "json_body"]

NO_TURN_LEFT_TEXT = "(simulated model: no scripted reply is left for this request)"


@dataclass(frozen=True)
class Hold:
    name: str
    after_deltas: int = 0


@dataclass(frozen=True)
class HttpFault:
    status: int
    retry_after: float | None = None
    message: str | None = None

    @property
    def error_type(self) -> str:
        return HTTP_ERROR_TYPES[self.status]


@dataclass(frozen=True)
class StreamFault:
    kind: StreamFaultKind
    after_deltas: int = 0
    error_type: str = "overloaded_error"
    message: str | None = None


Fault: TypeAlias = HttpFault | StreamFault


@dataclass(frozen=True)
class UsageOverride:
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    # message_delta's cumulative figures, where they differ from message_start's (server
    # tools add input as they run).
    final: UsageOverride | None = None


@dataclass(frozen=True)
class Expect:
    last_user_contains: str | None = None


@dataclass(frozen=True)
class Turn:
    blocks: tuple[Block, ...] = ()
    stop_reason: StopReason | None = None
    stop_sequence: str | None = None
    # Characters per delta; None: irregular sizes, as the API sends them.
    chunk: int | None = None
    # Where pings go: after that many events following message_start (0: right after it);
    # None: one after the first content_block_start, as the API usually sends it.
    pings: tuple[int, ...] | None = None
    # A captured SSE stream served verbatim instead of rendering the turn.
    replay: bytes | None = None
    pace: float | None = None
    hold: Hold | None = None
    fault: Fault | None = None
    usage: UsageOverride | None = None
    expect: Expect | None = None
    # Set on the built-in reply used once the script has run out, so the request log can
    # tell tests that a request found no scripted turn.
    exhausted: bool = field(default=False, compare=False)

    @property
    def effective_stop_reason(self) -> StopReason:
        if self.stop_reason is not None:
            return self.stop_reason
        if self.stop_sequence is not None:
            return "stop_sequence"
        if any(isinstance(b, ToolUseBlock) for b in self.blocks):
            return "tool_use"
        return "end_turn"

    def hold_names(self) -> list[str]:
        return [self.hold.name] if self.hold else []


def exhausted_turn() -> Turn:
    return Turn(blocks=(TextBlock(NO_TURN_LEFT_TEXT),), stop_reason="end_turn", exhausted=True)


TurnSpec: TypeAlias = Turn | str | Mapping[str, Any]


def parse_script(turns: object) -> list[Turn]:
    """Parse a list of turn specs (dicts as documented, plain strings, or `Turn`s)."""
    if isinstance(turns, str | bytes | Mapping) or not isinstance(turns, Iterable):
        raise ScriptError(
            f"a script must be a list of turns, got {type(turns).__name__}; "
            'wrap a single turn in a list: [{"blocks": [...]}]'
        )
    return [parse_turn(t, f"turn {i}") for i, t in enumerate(cast(Iterable[object], turns))]


def parse_turn(spec: object, where: str = "turn") -> Turn:
    if isinstance(spec, Turn):
        return spec
    if isinstance(spec, str):
        # A bare string is shorthand for a one-text-block reply.
        return Turn(blocks=(TextBlock(spec),))
    obj = mapping(spec, where)
    if "replay" in obj:
        no_unknown_keys(obj, where, {"replay", "expect"})
        replay = obj["replay"]
        if isinstance(replay, str):
            replay = replay.encode()
        if not isinstance(replay, bytes) or not replay.strip():
            raise ScriptError(f"{where}: 'replay' must be the text of an SSE stream")
        return Turn(replay=replay, expect=_parse_expect(obj.get("expect"), f"{where}, expect"))
    no_unknown_keys(
        obj,
        where,
        {
            "blocks",
            "stop_reason",
            "stop_sequence",
            "chunk",
            "pings",
            "pace",
            "hold",
            "fault",
            "usage",
            "expect",
        },
    )
    raw_blocks = obj.get("blocks", [])
    if not isinstance(raw_blocks, list):
        raise ScriptError(f"{where}: 'blocks' must be a list of content blocks")
    blocks = tuple(parse_block(b, f"{where}, blocks[{i}]") for i, b in enumerate(raw_blocks))
    stop_reason = obj.get("stop_reason")
    if stop_reason is not None and stop_reason not in STOP_REASONS:
        raise ScriptError(
            f"{where}: stop_reason {stop_reason!r} is not one of {', '.join(STOP_REASONS)}"
        )
    chunk = obj.get("chunk")
    if chunk is not None:
        chunk = integer(chunk, f"{where}, chunk", minimum=1)
    pings = obj.get("pings")
    if pings is not None:
        if not isinstance(pings, list):
            raise ScriptError(f"{where}: 'pings' must be a list of event positions")
        pings = tuple(integer(p, f"{where}, pings", minimum=0) for p in pings)
    stop_sequence = optional_string(obj.get("stop_sequence"), f"{where}, stop_sequence")
    if stop_sequence is not None and stop_reason not in (None, "stop_sequence"):
        raise ScriptError(f"{where}: 'stop_sequence' goes with stop_reason stop_sequence")
    if stop_reason == "stop_sequence" and stop_sequence is None:
        raise ScriptError(f"{where}: stop_reason stop_sequence needs 'stop_sequence'")
    pace_raw = obj.get("pace")
    pace: float | None = None
    if pace_raw is not None:
        if not is_number(pace_raw) or pace_raw <= 0:
            raise ScriptError(f"{where}: 'pace' must be a positive number of deltas per second")
        pace = float(pace_raw)
    return Turn(
        blocks=blocks,
        stop_reason=cast(StopReason | None, stop_reason),
        stop_sequence=stop_sequence,
        chunk=chunk,
        pings=pings,
        pace=pace,
        hold=_parse_hold(obj.get("hold"), f"{where}, hold"),
        fault=_parse_fault(obj.get("fault"), f"{where}, fault"),
        usage=_parse_usage(obj.get("usage"), f"{where}, usage"),
        expect=_parse_expect(obj.get("expect"), f"{where}, expect"),
    )


def _parse_hold(spec: object, where: str) -> Hold | None:
    if spec is None:
        return None
    obj = mapping(spec, where)
    no_unknown_keys(obj, where, {"name", "after_deltas"})
    return Hold(
        name=string(obj.get("name"), f"{where}, name", non_empty=True),
        after_deltas=integer(obj.get("after_deltas", 0), f"{where}, after_deltas", minimum=0),
    )


def _parse_fault(spec: object, where: str) -> Fault | None:
    if spec is None:
        return None
    obj = mapping(spec, where)
    kind = obj.get("kind")
    if kind == "http":
        no_unknown_keys(obj, where, {"kind", "status", "retry_after", "message"})
        status = integer(obj.get("status"), f"{where}, status", minimum=400)
        if status not in HTTP_ERROR_TYPES:
            codes = ", ".join(str(s) for s in HTTP_ERROR_TYPES)
            raise ScriptError(f"{where}: status {status} is not one the API uses ({codes})")
        retry_after = obj.get("retry_after")
        if retry_after is not None and (not is_number(retry_after) or retry_after < 0):
            raise ScriptError(f"{where}: 'retry_after' must be a non-negative number of seconds")
        return HttpFault(
            status=status,
            retry_after=None if retry_after is None else float(retry_after),
            message=optional_string(obj.get("message"), f"{where}, message"),
        )
    if kind in STREAM_FAULT_KINDS:
        no_unknown_keys(obj, where, {"kind", "after_deltas", "error_type", "message"})
        error_type = obj.get("error_type", "overloaded_error")
        if error_type not in DEFAULT_ERROR_MESSAGES:
            raise ScriptError(
                f"{where}: error_type {error_type!r} is not one of "
                + ", ".join(DEFAULT_ERROR_MESSAGES)
            )
        return StreamFault(
            kind=cast(StreamFaultKind, kind),
            after_deltas=integer(obj.get("after_deltas", 0), f"{where}, after_deltas", minimum=0),
            error_type=cast(str, error_type),
            message=optional_string(obj.get("message"), f"{where}, message"),
        )
    raise ScriptError(f"{where}: kind {kind!r} is not one of http, sse_error, drop, malformed")


def _parse_usage(spec: object, where: str) -> UsageOverride | None:
    if spec is None:
        return None
    obj = mapping(spec, where)
    names = {
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
    }
    no_unknown_keys(obj, where, {*names, "final"})
    values = {k: integer(v, f"{where}, {k}", minimum=0) for k, v in obj.items() if k != "final"}
    final = _parse_usage(obj.get("final"), f"{where}, final")
    if final is not None and final.final is not None:
        raise ScriptError(f"{where}, final: 'final' does not nest")
    return UsageOverride(**values, final=final)


def _parse_expect(spec: object, where: str) -> Expect | None:
    if spec is None:
        return None
    obj = mapping(spec, where)
    no_unknown_keys(obj, where, {"last_user_contains"})
    return Expect(last_user_contains=optional_string(obj.get("last_user_contains"), where))

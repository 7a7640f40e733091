"""The simulated model's script: turns parsed from JSON-able data into dataclasses.

A script is a list of turns; every request to ``/v1/messages`` consumes the next one.
Parsing is strict (unknown keys are errors) because a typo in a test script should fail
loudly at load time instead of silently producing a different conversation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, cast

StopReason: TypeAlias = Literal["end_turn", "tool_use", "max_tokens", "pause_turn", "refusal"]
STOP_REASONS: tuple[StopReason, ...] = (
    "end_turn",
    "tool_use",
    "max_tokens",
    "pause_turn",
    "refusal",
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
STREAM_FAULT_KINDS = ("sse_error", "drop", "malformed")

NO_TURN_LEFT_TEXT = "(simulated model: no scripted reply is left for this request)"


class ScriptError(ValueError):
    """A script (or one of its turns) does not have the documented shape."""


@dataclass(frozen=True)
class TextBlock:
    text: str


@dataclass(frozen=True)
class ThinkingBlock:
    thinking: str


@dataclass(frozen=True)
class RedactedThinkingBlock:
    data: str


@dataclass(frozen=True)
class ToolUseBlock:
    name: str
    input: Mapping[str, Any]
    id: str | None = None


Block: TypeAlias = TextBlock | ThinkingBlock | RedactedThinkingBlock | ToolUseBlock


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
    kind: Literal["sse_error", "drop", "malformed"]
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


@dataclass(frozen=True)
class Expect:
    last_user_contains: str | None = None


@dataclass(frozen=True)
class Turn:
    blocks: tuple[Block, ...] = ()
    stop_reason: StopReason | None = None
    chunk: int = 4
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
    obj = _mapping(spec, where)
    _no_unknown_keys(
        obj, where, {"blocks", "stop_reason", "chunk", "pace", "hold", "fault", "usage", "expect"}
    )
    raw_blocks = obj.get("blocks", [])
    if not isinstance(raw_blocks, list):
        raise ScriptError(f"{where}: 'blocks' must be a list of content blocks")
    blocks = tuple(_parse_block(b, f"{where}, blocks[{i}]") for i, b in enumerate(raw_blocks))
    stop_reason = obj.get("stop_reason")
    if stop_reason is not None and stop_reason not in STOP_REASONS:
        raise ScriptError(
            f"{where}: stop_reason {stop_reason!r} is not one of {', '.join(STOP_REASONS)}"
        )
    chunk = _int(obj.get("chunk", 4), f"{where}, chunk", minimum=1)
    pace_raw = obj.get("pace")
    pace: float | None = None
    if pace_raw is not None:
        if not _is_number(pace_raw) or pace_raw <= 0:
            raise ScriptError(f"{where}: 'pace' must be a positive number of deltas per second")
        pace = float(pace_raw)
    return Turn(
        blocks=blocks,
        stop_reason=cast(StopReason | None, stop_reason),
        chunk=chunk,
        pace=pace,
        hold=_parse_hold(obj.get("hold"), f"{where}, hold"),
        fault=_parse_fault(obj.get("fault"), f"{where}, fault"),
        usage=_parse_usage(obj.get("usage"), f"{where}, usage"),
        expect=_parse_expect(obj.get("expect"), f"{where}, expect"),
    )


def _parse_block(spec: object, where: str) -> Block:
    obj = _mapping(spec, where)
    kind = obj.get("type")
    if kind == "text":
        _no_unknown_keys(obj, where, {"type", "text"})
        return TextBlock(_str(obj.get("text"), f"{where}, text", non_empty=True))
    if kind == "thinking":
        _no_unknown_keys(obj, where, {"type", "thinking"})
        return ThinkingBlock(_str(obj.get("thinking"), f"{where}, thinking"))
    if kind == "redacted_thinking":
        _no_unknown_keys(obj, where, {"type", "data"})
        return RedactedThinkingBlock(_str(obj.get("data"), f"{where}, data", non_empty=True))
    if kind == "tool_use":
        _no_unknown_keys(obj, where, {"type", "name", "input", "id"})
        tool_input = obj.get("input", {})
        if not isinstance(tool_input, Mapping):
            raise ScriptError(f"{where}: tool_use 'input' must be a JSON object")
        tool_id = obj.get("id")
        if tool_id is not None:
            tool_id = _str(tool_id, f"{where}, id", non_empty=True)
        return ToolUseBlock(
            name=_str(obj.get("name"), f"{where}, name", non_empty=True),
            input=dict(cast(Mapping[str, Any], tool_input)),
            id=tool_id,
        )
    raise ScriptError(
        f"{where}: block type {kind!r} is not one of text, thinking, redacted_thinking, tool_use"
    )


def _parse_hold(spec: object, where: str) -> Hold | None:
    if spec is None:
        return None
    obj = _mapping(spec, where)
    _no_unknown_keys(obj, where, {"name", "after_deltas"})
    return Hold(
        name=_str(obj.get("name"), f"{where}, name", non_empty=True),
        after_deltas=_int(obj.get("after_deltas", 0), f"{where}, after_deltas", minimum=0),
    )


def _parse_fault(spec: object, where: str) -> Fault | None:
    if spec is None:
        return None
    obj = _mapping(spec, where)
    kind = obj.get("kind")
    if kind == "http":
        _no_unknown_keys(obj, where, {"kind", "status", "retry_after", "message"})
        status = _int(obj.get("status"), f"{where}, status", minimum=400)
        if status not in HTTP_ERROR_TYPES:
            codes = ", ".join(str(s) for s in HTTP_ERROR_TYPES)
            raise ScriptError(f"{where}: status {status} is not one the API uses ({codes})")
        retry_after = obj.get("retry_after")
        if retry_after is not None and (not _is_number(retry_after) or retry_after < 0):
            raise ScriptError(f"{where}: 'retry_after' must be a non-negative number of seconds")
        return HttpFault(
            status=status,
            retry_after=None if retry_after is None else float(retry_after),
            message=_opt_str(obj.get("message"), f"{where}, message"),
        )
    if kind in STREAM_FAULT_KINDS:
        _no_unknown_keys(obj, where, {"kind", "after_deltas", "error_type", "message"})
        error_type = obj.get("error_type", "overloaded_error")
        if error_type not in DEFAULT_ERROR_MESSAGES:
            raise ScriptError(
                f"{where}: error_type {error_type!r} is not one of "
                + ", ".join(DEFAULT_ERROR_MESSAGES)
            )
        return StreamFault(
            kind=cast(Literal["sse_error", "drop", "malformed"], kind),
            after_deltas=_int(obj.get("after_deltas", 0), f"{where}, after_deltas", minimum=0),
            error_type=cast(str, error_type),
            message=_opt_str(obj.get("message"), f"{where}, message"),
        )
    raise ScriptError(f"{where}: kind {kind!r} is not one of http, sse_error, drop, malformed")


def _parse_usage(spec: object, where: str) -> UsageOverride | None:
    if spec is None:
        return None
    obj = _mapping(spec, where)
    names = {
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
    }
    _no_unknown_keys(obj, where, names)
    values = {k: _int(v, f"{where}, {k}", minimum=0) for k, v in obj.items()}
    return UsageOverride(**values)


def _parse_expect(spec: object, where: str) -> Expect | None:
    if spec is None:
        return None
    obj = _mapping(spec, where)
    _no_unknown_keys(obj, where, {"last_user_contains"})
    return Expect(last_user_contains=_opt_str(obj.get("last_user_contains"), where))


def _mapping(spec: object, where: str) -> Mapping[str, Any]:
    if not isinstance(spec, Mapping):
        raise ScriptError(f"{where}: expected a JSON object, got {type(spec).__name__}")
    return cast(Mapping[str, Any], spec)


def _no_unknown_keys(obj: Mapping[str, Any], where: str, allowed: set[str]) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise ScriptError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _str(value: object, where: str, *, non_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise ScriptError(f"{where}: expected a string, got {type(value).__name__}")
    if non_empty and not value:
        raise ScriptError(f"{where}: must not be empty")
    return value


def _opt_str(value: object, where: str) -> str | None:
    return None if value is None else _str(value, where)


def _int(value: object, where: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ScriptError(f"{where}: expected an integer >= {minimum}, got {value!r}")
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)

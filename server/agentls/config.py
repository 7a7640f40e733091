"""Server options: one schema, from which every list of them is made or checked.

The options come from `initializationOptions` or `workspace/configuration` section `agentls`
(LSP), or `_meta.agentls` of `session/new` (ACP). `agentls config-schema` prints this schema;
the docs' tables, the VS Code settings and the Neovim option list are generated from it or
checked against it by a test (tests/unit/test_config_schema.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

PERMISSION_MODES = ("default", "ask", "acceptAll", "readOnly")
EDIT_TARGETS = ("editor", "disk")
REVIEW_MODES = ("after", "before")
# Sonnet 4.5, the default before, reaches its end of life on 2026-11-30 (the SDK's
# DEPRECATED_MODELS); Sonnet 5 has a price and a context window in agent/usage.py.
DEFAULT_MODEL = "claude-sonnet-5"

DEFAULT_SYSTEM_PROMPT = (
    "You are a coding agent working inside the user's editor. The workspace root is {cwd}. "
    "Use the tools to read, search and edit files; paths are relative to the workspace root. "
    "Edits you make are applied by the editor, so the user sees them and can undo them. "
    "Be concise: answer in markdown, and say what you changed."
)


class ConfigError(ValueError):
    """An option has the wrong type or value; the message names it and what it accepts."""


@dataclass(frozen=True)
class Option:
    """One option: its wire name, JSON type(s), default, and what it means."""

    key: str  # camelCase, as editors send it
    attr: str  # the Config field
    types: tuple[str, ...]  # JSON schema types; "null" where unset is allowed
    default: Any
    description: str
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    exclusive_minimum: bool = False  # minimum itself is not allowed


OPTIONS: tuple[Option, ...] = (
    Option("model", "model", ("string",), DEFAULT_MODEL, "Messages API model name"),
    Option(
        "maxTokens", "max_tokens", ("integer",), 8192, "`max_tokens` of each model request", None, 1
    ),
    Option(
        "maxTurnRequests",
        "max_turn_requests",
        ("integer",),
        20,
        "model requests one prompt may make before it stops with `max_turn_requests`",
        None,
        1,
    ),
    Option(
        "thinking",
        "thinking",
        ("integer", "object", "null"),
        None,
        "extended thinking: a token budget (0 or null: off), or an object passed to the API "
        'as given, e.g. `{"type": "enabled", "budget_tokens": 2048}`',
        None,
        0,
    ),
    Option(
        "systemPrompt",
        "system_prompt",
        ("string", "null"),
        None,
        "replaces the built-in system prompt",
    ),
    Option(
        "permissionMode",
        "permission_mode",
        ("string",),
        "default",
        "which tool calls ask first: `default` (edits run, commands ask), `ask`, `acceptAll`, "
        "`readOnly` (see Permissions)",
        PERMISSION_MODES,
    ),
    Option(
        "edits",
        "edits",
        ("string",),
        "editor",
        "`editor` (through the editor: `workspace/applyEdit`, ACP `fs/write_text_file`) or "
        "`disk` (atomic writes)",
        EDIT_TARGETS,
    ),
    Option(
        "review",
        "review",
        ("string",),
        "after",
        "`after`: edits apply at once and wait in the pending changes for review "
        "(`agentls/changes`); `before`: each edit is shown as a diff in the permission request "
        "and applied only if accepted",
        REVIEW_MODES,
    ),
    Option(
        "saveBeforeCommands",
        "save_before_commands",
        ("boolean",),
        True,
        "before a command runs, ask the editor to save the documents the agent changed "
        "(`agentls/saveDocuments`), so the command sees them",
    ),
    Option(
        "commandTimeout",
        "command_timeout",
        ("number",),
        120,
        "seconds before the bash tool kills a command",
        None,
        0,
        True,
    ),
    Option(
        "mcpTimeout",
        "mcp_timeout",
        ("number",),
        60,
        "seconds an MCP server gets to start, and to answer each tool call",
        None,
        1,
        True,
    ),
    Option(
        "maxRetries",
        "max_retries",
        ("integer",),
        4,
        "retries of a failed model request (see `retry`)",
        None,
        0,
    ),
    Option(
        "retryInitialDelay",
        "retry_initial_delay",
        ("number",),
        1,
        "seconds before the first retry; doubles each time, with jitter",
        None,
        0,
        True,
    ),
    Option(
        "readTimeout",
        "read_timeout",
        ("number",),
        90,
        "seconds a model stream may stay silent before it counts as dropped",
        None,
        0,
        True,
    ),
    Option(
        "contextWindow",
        "context_window",
        ("integer", "null"),
        None,
        "tokens of the model's context window; null: the built-in table (200K, or 1M for "
        "models that have it). Set 1000000 when the model runs with a 1M-context beta",
        None,
        1000,
    ),
    Option(
        "autoCompact",
        "auto_compact",
        ("number",),
        0.85,
        "compact the conversation before a request that would fill more than this fraction "
        "of the context window (0: never compact on its own)",
        None,
        0,
    ),
    Option(
        "contextEditing",
        "context_editing",
        ("boolean",),
        False,
        "let the API clear old tool results from the context itself (`context_management` "
        "`clear_tool_uses`, a beta)",
    ),
    Option(
        "webSearch",
        "web_search",
        ("boolean",),
        False,
        "give the model Anthropic's web search server tool ($10 per 1,000 searches)",
    ),
    Option(
        "webFetch",
        "web_fetch",
        ("boolean",),
        False,
        "give the model Anthropic's web fetch server tool (a beta)",
    ),
)

BY_KEY = {option.key: option for option in OPTIONS}


@dataclass(frozen=True)
class Config:
    model: str = DEFAULT_MODEL
    max_tokens: int = 8192
    max_turn_requests: int = 20
    thinking: dict[str, Any] | None = None
    system_prompt: str | None = None
    permission_mode: str = "default"
    edits: str = "editor"
    review: str = "after"
    save_before_commands: bool = True
    command_timeout: float = 120.0
    mcp_timeout: float = 60.0
    max_retries: int = 4
    retry_initial_delay: float = 1.0
    read_timeout: float = 90.0
    context_window: int | None = None
    auto_compact: float = 0.85
    context_editing: bool = False
    web_search: bool = False
    web_fetch: bool = False

    def merged(self, options: object) -> tuple[Config, list[str]]:
        """This config with `options` applied; bad options are skipped and reported, and
        so are unknown ones (a typo must not pass silently)."""
        if options is None:
            return self, []
        if not isinstance(options, dict):
            return self, [f"agentls options must be an object, got {type(options).__name__}"]
        changes: dict[str, Any] = {}
        problems: list[str] = []
        for key, value in options.items():
            option = BY_KEY.get(key)
            if option is None:
                if key not in IGNORED_KEYS:
                    problems.append(f"unknown option {key!r}; the options are {', '.join(BY_KEY)}")
                continue
            try:
                changes[option.attr] = check(option, value)
            except ConfigError as exc:
                problems.append(str(exc))
        return replace(self, **changes), problems


# Editor-side settings that editors may send along with the server's.
IGNORED_KEYS = frozenset({"serverCommand", "trace"})


def check(option: Option, value: object) -> Any:
    """`value` as the Config field holds it; ConfigError saying what is accepted if wrong."""
    if value is None and "null" in option.types:
        return None
    for kind in option.types:
        checker = _CHECKS.get(kind)
        if checker is not None and checker(value):
            if option.enum is not None and value not in option.enum:
                break
            if option.minimum is not None and kind in ("integer", "number"):
                assert isinstance(value, int | float)
                if value < option.minimum or (option.exclusive_minimum and value == option.minimum):
                    break
            return _CONVERT.get((option.attr, kind), _identity)(value)
    raise ConfigError(f"option {option.key!r} must be {_accepts(option)}; got {value!r}")


def _accepts(option: Option) -> str:
    if option.enum is not None:
        return "one of " + ", ".join(option.enum)
    words = {
        "integer": "an integer",
        "number": "a number",
        "string": "a non-empty string",
        "object": "an object",
        "boolean": "true or false",
        "array": "an array",
        "null": "null",
    }
    text = " or ".join(words[kind] for kind in option.types)
    if option.minimum is not None:
        text += f" {'>' if option.exclusive_minimum else '>='} {option.minimum:g}"
    return text


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_CHECKS: dict[str, Callable[[object], bool]] = {
    "integer": _is_int,
    "number": lambda v: _is_int(v) or isinstance(v, float),
    "string": lambda v: isinstance(v, str) and bool(v.strip()),
    "object": lambda v: isinstance(v, dict),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
}


def _identity(value: Any) -> Any:
    return value


def _thinking_budget(value: Any) -> dict[str, Any] | None:
    return {"type": "enabled", "budget_tokens": value} if value else None


def _thinking_object(value: Any) -> dict[str, Any]:
    # Passed to the API as given (the API is the judge of its fields), but it needs a type.
    if not isinstance(value.get("type"), str):
        raise ConfigError(
            "option 'thinking' must be a token budget or an object such as "
            f'{{"type": "enabled", "budget_tokens": 2048}}; got {value!r}'
        )
    return dict(value)


_CONVERT: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("thinking", "integer"): _thinking_budget,
    ("thinking", "object"): _thinking_object,
    ("command_timeout", "number"): float,
    ("mcp_timeout", "number"): float,
    ("retry_initial_delay", "number"): float,
    ("read_timeout", "number"): float,
    ("auto_compact", "number"): float,
}


def schema() -> list[dict[str, Any]]:
    """The options as JSON: what `agentls config-schema` prints and editors are checked
    against."""
    out = []
    for option in OPTIONS:
        entry: dict[str, Any] = {
            "name": option.key,
            "type": list(option.types) if len(option.types) > 1 else option.types[0],
            "default": option.default,
            "description": option.description,
        }
        if option.enum is not None:
            entry["enum"] = list(option.enum)
        if option.minimum is not None:
            entry["exclusiveMinimum" if option.exclusive_minimum else "minimum"] = option.minimum
        out.append(entry)
    return out


def _check_defaults() -> None:
    # The dataclass defaults and the schema's say the same, or an import fails loudly.
    config = Config()
    attrs = {f.name for f in fields(Config)}
    for option in OPTIONS:
        assert option.attr in attrs, option.attr
        value = getattr(config, option.attr)
        default = check(option, option.default)
        assert value == default, (option.key, value, default)


_check_defaults()

"""Server options, from `initializationOptions` and `workspace/configuration` section `agentls`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

PERMISSION_MODES = ("default", "ask", "acceptAll", "readOnly")
EDIT_TARGETS = ("editor", "disk")

DEFAULT_SYSTEM_PROMPT = (
    "You are a coding agent working inside the user's editor. The workspace root is {cwd}. "
    "Use the tools to read, search and edit files; paths are relative to the workspace root. "
    "Edits you make are applied by the editor, so the user sees them and can undo them. "
    "Be concise: answer in markdown, and say what you changed."
)


class ConfigError(ValueError):
    """An option has the wrong type or value; the message names it and what it accepts."""


@dataclass(frozen=True)
class Config:
    model: str = "claude-sonnet-4-5"
    max_tokens: int = 8192
    max_turn_requests: int = 20
    thinking: dict[str, Any] | None = None
    system_prompt: str | None = None
    permission_mode: str = "default"
    edits: str = "editor"
    command_timeout: float = 120.0
    max_retries: int = 4
    retry_initial_delay: float = 1.0
    read_timeout: float = 90.0
    extra: dict[str, Any] = field(default_factory=dict)

    def merged(self, options: object) -> tuple[Config, list[str]]:
        """This config with `options` applied; bad options are skipped and reported."""
        if options is None:
            return self, []
        if not isinstance(options, dict):
            return self, [f"agentls options must be an object, got {type(options).__name__}"]
        changes: dict[str, Any] = {}
        problems: list[str] = []
        for key, value in options.items():
            parser = _PARSERS.get(key)
            if parser is None:
                continue
            attr, check = parser
            try:
                changes[attr] = check(key, value)
            except ConfigError as exc:
                problems.append(str(exc))
        return replace(self, **changes), problems


def _positive_int(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"option {key!r} must be a positive integer, got {value!r}")
    return value


def _non_negative_int(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"option {key!r} must be an integer >= 0, got {value!r}")
    return value


def _positive_number(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"option {key!r} must be a positive number, got {value!r}")
    return float(value)


def _non_empty_str(key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"option {key!r} must be a non-empty string, got {value!r}")
    return value


def _optional_str(key: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    return _non_empty_str(key, value)


def _thinking(key: str, value: object) -> dict[str, Any] | None:
    # Passed to the API as given: the API is the judge of its fields.
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise ConfigError(
            f"option {key!r} must be an object such as "
            f'{{"type": "enabled", "budget_tokens": 2048}}, got {value!r}'
        )
    return dict(value)


def _choice(choices: tuple[str, ...]) -> Any:
    def check(key: str, value: object) -> str:
        if value not in choices:
            raise ConfigError(f"option {key!r} must be one of {', '.join(choices)}; got {value!r}")
        return str(value)

    return check


_PARSERS: dict[str, tuple[str, Any]] = {
    "model": ("model", _non_empty_str),
    "maxTokens": ("max_tokens", _positive_int),
    "maxTurnRequests": ("max_turn_requests", _positive_int),
    "thinking": ("thinking", _thinking),
    "systemPrompt": ("system_prompt", _optional_str),
    "permissionMode": ("permission_mode", _choice(PERMISSION_MODES)),
    "edits": ("edits", _choice(EDIT_TARGETS)),
    "commandTimeout": ("command_timeout", _positive_number),
    "maxRetries": ("max_retries", _non_negative_int),
    "retryInitialDelay": ("retry_initial_delay", _positive_number),
    "readTimeout": ("read_timeout", _positive_number),
}

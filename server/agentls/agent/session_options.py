"""What a user can switch per session while it runs: the model, the permission mode and the
thinking level, as ACP config options (`session/set_config_option`) and modes
(`session/set_mode`). Unset choices follow the server's configuration."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from agentls.config import PERMISSION_MODES, Config

# Offered when the API's model list cannot be had (no key yet, no network, a simulator).
BUILT_IN_MODELS = (
    ("claude-sonnet-5", "Claude Sonnet 5"),
    ("claude-opus-5", "Claude Opus 5"),
    ("claude-haiku-4-5", "Claude Haiku 4.5"),
    ("claude-sonnet-4-6", "Claude Sonnet 4.6"),
    ("claude-opus-4-6", "Claude Opus 4.6"),
)

MODES = {
    "default": ("Default", "Edits run (visible and undoable); commands ask first."),
    "ask": ("Ask", "Edits and commands ask first."),
    "acceptAll": (
        "Accept all",
        "Edits and commands run without asking, except edits to files that configure code "
        "execution (.git, .vscode, …).",
    ),
    "readOnly": ("Read only", "Reads and searches only; edits and commands are refused."),
}
assert tuple(MODES) == PERMISSION_MODES

# Token budgets; the request's max_tokens grows to stay above the budget, as the API requires.
THOUGHT_LEVELS = {"off": None, "low": 2048, "medium": 8192, "high": 24576}
ANSWER_ROOM = 4096  # tokens left for the answer above a thinking budget

MODEL, MODE, THOUGHT_LEVEL = "model", "mode", "thought_level"


class UnknownChoiceError(ValueError):
    """A config id or value the session does not offer; the message lists what it does."""


@dataclass(frozen=True)
class SessionChoices:
    """The user's choices for one session; None follows the server's configuration."""

    model: str | None = None
    mode: str | None = None
    thought_level: str | None = None

    def applied_to(self, config: Config) -> Config:
        changes: dict[str, Any] = {}
        if self.model is not None:
            changes["model"] = self.model
        if self.mode is not None:
            changes["permission_mode"] = self.mode
        if self.thought_level is not None:
            budget = THOUGHT_LEVELS[self.thought_level]
            changes["thinking"] = (
                None if budget is None else {"type": "enabled", "budget_tokens": budget}
            )
            if budget is not None and config.max_tokens <= budget:
                changes["max_tokens"] = budget + ANSWER_ROOM
        return replace(config, **changes) if changes else config

    def with_value(self, config_id: str, value: object, models: list[str]) -> SessionChoices:
        if config_id == MODEL:
            # A model the list does not know is still allowed: lists lag behind the API.
            if not isinstance(value, str) or not value.strip():
                raise UnknownChoiceError(f"`model` must be a model name, got {value!r}")
            return replace(self, model=value.strip())
        if config_id == MODE:
            if value not in MODES:
                raise UnknownChoiceError(
                    f"unknown mode {value!r}; the modes are {', '.join(MODES)}"
                )
            return replace(self, mode=str(value))
        if config_id == THOUGHT_LEVEL:
            if value not in THOUGHT_LEVELS:
                raise UnknownChoiceError(
                    f"unknown thinking level {value!r}; the levels are {', '.join(THOUGHT_LEVELS)}"
                )
            return replace(self, thought_level=str(value))
        raise UnknownChoiceError(
            f"unknown config option {config_id!r}; the options are {MODEL}, {MODE}, {THOUGHT_LEVEL}"
        )


def thought_level_of(config: Config) -> str:
    budget = (config.thinking or {}).get("budget_tokens")
    if not config.thinking or config.thinking.get("type") == "disabled":
        return "off"
    # The nearest level at or above a configured budget.
    for level, level_budget in THOUGHT_LEVELS.items():
        if level_budget is not None and isinstance(budget, int) and budget <= level_budget:
            return level
    return "high"


def config_options(config: Config, models: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """ACP `configOptions` for a session running with `config` (its choices applied)."""
    known = [value for value, _name in models]
    model_choices = list(models)
    if config.model not in known:
        model_choices.insert(0, (config.model, config.model))
    return [
        _select(MODEL, "Model", "model", config.model, model_choices, "The Messages API model"),
        _select(
            MODE,
            "Permissions",
            "mode",
            config.permission_mode,
            [(mode, name) for mode, (name, _d) in MODES.items()],
            "Which tool calls ask first",
        ),
        _select(
            THOUGHT_LEVEL,
            "Thinking",
            "thought_level",
            thought_level_of(config),
            [(level, level.capitalize()) for level in THOUGHT_LEVELS],
            "Extended thinking budget",
        ),
    ]


def modes_state(mode: str) -> dict[str, Any]:
    """ACP `SessionModeState`."""
    return {
        "currentModeId": mode,
        "availableModes": [
            {"id": mode_id, "name": name, "description": description}
            for mode_id, (name, description) in MODES.items()
        ],
    }


def _select(  # noqa: PLR0917
    option_id: str,
    name: str,
    category: str,
    current: str,
    choices: list[tuple[str, str]],
    description: str,
) -> dict[str, Any]:
    return {
        "id": option_id,
        "name": name,
        "description": description,
        "category": category,
        "type": "select",
        "currentValue": current,
        "options": [{"value": value, "name": label} for value, label in choices],
    }

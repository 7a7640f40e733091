"""Slash commands the server understands: a prompt whose text is `/name [argument]` for one
of these runs the command instead of going to the model. Announced to clients with ACP's
`available_commands_update`; any other `/…` text goes to the model as written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agentls.agent.session_options import (
    MODE,
    MODEL,
    MODES,
    THOUGHT_LEVEL,
    THOUGHT_LEVELS,
    UnknownChoiceError,
)

if TYPE_CHECKING:
    from agentls.agent.session import Session, Sessions


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    hint: str | None  # what the argument is; None: the command takes none
    run: Callable[[Sessions, Session, str], Awaitable[str]]

    def to_acp(self) -> dict[str, Any]:
        command: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.hint is not None:
            command["input"] = {"hint": self.hint}
        return command


def parse(text: str) -> tuple[str, str] | None:
    """(name, argument) when `text` is a slash command line, else None."""
    stripped = text.strip()
    if not stripped.startswith("/") or "\n" in stripped:
        return None
    name, _, argument = stripped[1:].partition(" ")
    return name, argument.strip()


async def _undo(sessions: Sessions, session: Session, _argument: str) -> str:
    report = await sessions.undo_last_turn(session)
    if not report.restored and not report.skipped:
        return "Nothing to undo: no turn of this session changed files."
    lines = [f"Restored {path}" for path in report.restored]
    lines += [f"Skipped {item['path']}: {item['reason']}" for item in report.skipped]
    return "\n".join(f"- {line}" for line in lines)


async def _compact(sessions: Sessions, session: Session, _argument: str) -> str:
    from agentls.agent.compaction import CompactionError

    try:
        result = await sessions.compact(session)
    except CompactionError as exc:
        return f"Not compacted: {exc}"
    if result is None:
        return "Nothing to compact: the conversation has no older part to summarise yet."
    return f"{result.message} ({result.summarized_messages} messages summarised)."


def _setter(config_id: str, label: str) -> Callable[[Sessions, Session, str], Awaitable[str]]:
    async def run(sessions: Sessions, session: Session, argument: str) -> str:
        if not argument:
            current = next(
                option["currentValue"]
                for option in sessions.config_options(session)
                if option["id"] == config_id
            )
            return f"{label}: `{current}`."
        try:
            sessions.set_choice(session, config_id, argument)
        except UnknownChoiceError as exc:
            return f"Not changed: {exc}."
        return f"{label} set to `{argument}`."

    return run


async def _help(_sessions: Sessions, _session: Session, _argument: str) -> str:
    return "\n".join(
        f"- `/{c.name}{' ' + c.hint if c.hint else ''}`: {c.description}" for c in COMMANDS
    )


COMMANDS: tuple[Command, ...] = (
    Command("undo", "Undo the file changes of the last turn that changed files", None, _undo),
    Command(
        "compact", "Summarise the older part of the conversation to free context", None, _compact
    ),
    Command("model", "Show or switch the model", "model name", _setter(MODEL, "Model")),
    Command("mode", "Show or switch the permission mode", " | ".join(MODES), _setter(MODE, "Mode")),
    Command(
        "thinking",
        "Show or switch the thinking level",
        " | ".join(THOUGHT_LEVELS),
        _setter(THOUGHT_LEVEL, "Thinking"),
    ),
    Command("help", "List the slash commands", None, _help),
)

BY_NAME = {command.name: command for command in COMMANDS}

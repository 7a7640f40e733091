"""Whether a tool call may run: the session's permission mode, what the user said to
remember, and otherwise the user, asked through ACP `session/request_permission`."""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Ask = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

OPTIONS = [
    {"optionId": "allow_once", "name": "Allow", "kind": "allow_once"},
    {"optionId": "allow_always", "name": "Always allow", "kind": "allow_always"},
    {"optionId": "reject_once", "name": "Reject", "kind": "reject_once"},
    {"optionId": "reject_always", "name": "Always reject", "kind": "reject_always"},
]
REJECTED = "Rejected by the user: do not retry this call; ask the user or try another way."


@dataclass
class PermissionGate:
    ask: Ask
    remembered: dict[tuple[str, ...], bool] = field(default_factory=dict)

    async def check(
        self,
        mode: str,
        session_id: str,
        tool_call: dict[str, Any],
        kind: str,
        tool_input: dict[str, Any],
    ) -> str | None:
        """None if the call may run, else the reason it may not (for the tool result)."""
        if kind not in ("edit", "execute", "delete", "move"):
            return None
        if mode == "readOnly":
            return (
                "Refused: the session is read-only (permissionMode readOnly), so edits and "
                "commands do not run. Describe the change instead."
            )
        if mode == "acceptAll" or (mode == "default" and kind != "execute"):
            return None
        key = _remember_key(kind, tool_input)
        if key in self.remembered:
            allowed = self.remembered[key]
            # "Always allow `npm test`" must not cover `npm test; rm -rf ~`.
            if not allowed:
                return REJECTED
            if not _is_compound(str(tool_input.get("command", ""))):
                return None
        answer = await self.ask(
            {"sessionId": session_id, "toolCall": tool_call, "options": OPTIONS}
        )
        outcome = answer.get("outcome") if isinstance(answer, dict) else None
        chosen = outcome.get("optionId") if isinstance(outcome, dict) else None
        if not isinstance(outcome, dict) or outcome.get("outcome") != "selected":
            return "Not run: the permission request was dismissed."
        if chosen in ("allow_always", "reject_always"):
            self.remembered[key] = chosen == "allow_always"
        if chosen in ("allow_once", "allow_always"):
            return None
        if chosen in ("reject_once", "reject_always"):
            return REJECTED
        return f"Not run: the editor answered with an unknown option {chosen!r}."


def _remember_key(kind: str, tool_input: dict[str, Any]) -> tuple[str, ...]:
    if kind != "execute":
        return (kind,)
    return ("execute", command_prefix(str(tool_input.get("command", ""))))


def _is_compound(command: str) -> bool:
    return any(marker in command for marker in (";", "&", "|", "`", "$(", ">", "<", "\n"))


def command_prefix(command: str) -> str:
    """What "always allow" covers for a command: its program and, when the second word is
    a subcommand rather than an option or a path, that too (`git status`, `npm test`)."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    if not words:
        return ""
    second = words[1] if len(words) > 1 else "-"
    if not second.startswith("-") and "/" not in second and "." not in second:
        return f"{words[0]} {words[1]}"
    return words[0]

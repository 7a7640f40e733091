"""Every payload the agent sends, built here and typed: session updates, tool call content,
permission requests. Shapes are ACP v1's (`schema/v1/schema.json`); the agentls extensions
are marked. Plain dicts on the wire, TypedDicts for the type checker: no model classes on the
streaming path."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

ToolKind = Literal[
    "read", "edit", "delete", "move", "search", "execute", "think", "fetch", "switch_mode", "other"
]
ToolStatus = Literal["pending", "in_progress", "completed", "failed"]


class TextBlock(TypedDict):
    type: Literal["text"]
    text: str


class ContentItem(TypedDict):
    type: Literal["content"]
    content: TextBlock


class DiffItem(TypedDict):
    type: Literal["diff"]
    path: str
    oldText: str | None
    newText: str


class Location(TypedDict):
    path: str
    line: NotRequired[int]


class PermissionOption(TypedDict):
    optionId: str
    name: str
    kind: Literal["allow_once", "allow_always", "reject_once", "reject_always"]


def text(value: str) -> TextBlock:
    return {"type": "text", "text": value}


def content(value: str) -> ContentItem:
    """Tool call content: a piece of text."""
    return {"type": "content", "content": text(value)}


def terminal(terminal_id: str) -> dict[str, str]:
    """Tool call content: a terminal of the client (ACP), live while the command runs."""
    return {"type": "terminal", "terminalId": terminal_id}


def diff(path: str, old_text: str | None, new_text: str) -> DiffItem:
    return {"type": "diff", "path": path, "oldText": old_text, "newText": new_text}


def location(path: str, line: int | None) -> Location:
    return {"path": path} if line is None else {"path": path, "line": line}


def notification(session_id: str, update: dict[str, Any]) -> dict[str, Any]:
    """ACP `SessionNotification`, the params of `session/update`."""
    return {"sessionId": session_id, "update": update}


# --- session updates ---------------------------------------------------------------------


def chunk(kind: str, value: str) -> dict[str, Any]:
    """`agent_message_chunk`, `agent_thought_chunk` or `user_message_chunk`."""
    return {"sessionUpdate": kind, "content": text(value)}


def tool_call(
    tool_call_id: str,
    title: str,
    kind: ToolKind | str,
    status: ToolStatus = "pending",
    raw_input: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    update = {
        "sessionUpdate": "tool_call",
        "toolCallId": tool_call_id,
        "title": title,
        "kind": kind,
        "status": status,
        "rawInput": raw_input if raw_input is not None else {},
    }
    update.update({key: value for key, value in extra.items() if value is not None})
    return update


def tool_call_update(tool_call_id: str, **fields: Any) -> dict[str, Any]:
    """Only the fields given (not None) change; ACP's camelCase names."""
    update: dict[str, Any] = {"sessionUpdate": "tool_call_update", "toolCallId": tool_call_id}
    update.update({key: value for key, value in fields.items() if value is not None})
    return update


def plan(entries: list[dict[str, str]]) -> dict[str, Any]:
    return {"sessionUpdate": "plan", "entries": entries}


def available_commands(commands: list[dict[str, Any]]) -> dict[str, Any]:
    return {"sessionUpdate": "available_commands_update", "availableCommands": commands}


def current_mode(mode_id: str) -> dict[str, Any]:
    return {"sessionUpdate": "current_mode_update", "currentModeId": mode_id}


def config_options(options: list[dict[str, Any]]) -> dict[str, Any]:
    return {"sessionUpdate": "config_option_update", "configOptions": options}


def session_info(title: str) -> dict[str, Any]:
    return {"sessionUpdate": "session_info_update", "title": title}


def usage(used: int, size: int, cost: float | None, meta: dict[str, Any]) -> dict[str, Any]:
    update: dict[str, Any] = {
        "sessionUpdate": "usage_update",
        "used": used,
        "size": size,
        "_meta": {"agentls": meta},
    }
    if cost is not None:
        update["cost"] = {"amount": round(cost, 6), "currency": "USD"}
    return update


def retry(
    attempt: int,
    max_attempts: int,
    delay: float,
    reason: str,
    *,
    superseded: dict[str, int],
    tool_call_ids: list[str],
) -> dict[str, Any]:
    """agentls extension: a model request failed and is tried again."""
    return {
        "sessionUpdate": "retry",
        "attempt": attempt,
        "maxAttempts": max_attempts,
        "delayMs": round(delay * 1000),
        "reason": reason,
        "superseded": superseded,
        "toolCallIds": tool_call_ids,
    }


def compaction(
    status: Literal["started", "completed", "failed"], reason: str, message: str, **figures: int
) -> dict[str, Any]:
    """agentls extension: the conversation is being compacted (`tokensBefore`,
    `tokensAfter`, `summarizedMessages`, `keptMessages` as known)."""
    return {
        "sessionUpdate": "compaction",
        "status": status,
        "reason": reason,
        "message": message,
        **figures,
    }


def notice(level: Literal["info", "warning", "error"], message: str) -> dict[str, Any]:
    """agentls extension: something the user should see that is not the model's text."""
    return {"sessionUpdate": "notice", "level": level, "message": message}


# --- requests to the client -------------------------------------------------------------


def permission_request(
    session_id: str, tool_call: dict[str, Any], options: list[PermissionOption]
) -> dict[str, Any]:
    return {"sessionId": session_id, "toolCall": tool_call, "options": options}

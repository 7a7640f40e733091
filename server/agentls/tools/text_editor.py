"""Anthropic's schema-less text editor tool (``text_editor_20250728``).

``view`` reads; ``create``, ``str_replace`` and ``insert`` edit through the session's edit
target (see :mod:`agentls.tools.edit_commands`). ``undo_edit`` is not part of this tool
version: a whole turn is undone with `agentls/undoTurn` instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from agentls.tools import edit_commands
from agentls.tools.base import (
    ToolContext,
    ToolError,
    ToolLocation,
    ToolOutcome,
    cut,
    display_path,
    require_str,
    split_lines,
)
from agentls.tools.walk import walk
from agentls.workspace.documents import DocumentReadError, read_text
from agentls.workspace.paths import WorkspacePathError, relative_display, resolve_in_workspace

MAX_VIEW_CHARS = 16_000
MAX_VIEW_LINES = 2_000
# Minified files can be one enormous line; cutting each line keeps a view useful.
MAX_LINE_CHARS = 2_000
MAX_VIEW_BYTES = 10_000_000
MAX_DIR_ENTRIES = 500
DIR_DEPTH = 2

CommandHandler = Callable[[dict[str, Any], ToolContext], Awaitable[ToolOutcome]]

_TITLE_VERBS = {
    "create": "Create",
    "str_replace": "Edit",
    "insert": "Insert into",
    "undo_edit": "Undo edit of",
}


class TextEditorTool:
    name = "str_replace_based_edit_tool"
    kind = "edit"

    def __init__(self) -> None:
        self.commands: dict[str, CommandHandler] = {
            "view": self._view,
            "create": edit_commands.create,
            "str_replace": edit_commands.str_replace,
            "insert": edit_commands.insert,
        }

    def definition(self) -> dict[str, Any]:
        return {"type": "text_editor_20250728", "name": self.name}

    def title(self, tool_input: dict[str, Any], root: Path | None = None) -> str:
        command = tool_input.get("command")
        shown = display_path(tool_input.get("path"), root)
        if command == "view":
            if shown is None:
                return "Read file"
            return f"{'List' if _looks_like_dir(tool_input['path'], root) else 'Read'} {shown}"
        verb = _TITLE_VERBS.get(command) if isinstance(command, str) else None
        if verb is None:
            return "Text editor" if shown is None else f"Text editor: {shown}"
        return verb if shown is None else f"{verb} {shown}"

    def kind_for(self, tool_input: dict[str, Any]) -> str:
        command = tool_input.get("command")
        if command == "view":
            return "read"
        return self.kind

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        command = require_str(tool_input, "command")
        handler = self.commands.get(command)
        if handler is None:
            known = ", ".join(f"`{name}`" for name in self.commands)
            raise ToolError(f"unknown command `{cut(command, 40)}`; use one of {known}")
        return await handler(tool_input, ctx)

    async def _view(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        user_path = require_str(tool_input, "path")
        view_range = _parse_view_range(tool_input.get("view_range"))
        return await asyncio.to_thread(_view_sync, ctx, user_path, view_range)


def _looks_like_dir(user_path: str, root: Path | None) -> bool:
    if user_path in (".", "./") or user_path.endswith("/"):
        return True
    if root is None:
        return False
    try:
        return resolve_in_workspace(root, user_path).is_dir()
    except (WorkspacePathError, OSError):
        return False


def _parse_view_range(value: object) -> tuple[int, int] | None:
    if value is None:
        return None
    valid = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
    )
    if not valid:
        raise ToolError(
            f"`view_range` must be two integers [start, end], got {cut(repr(value), 60)}; "
            "lines are numbered from 1 and an end of -1 means the end of the file"
        )
    assert isinstance(value, list)
    return value[0], value[1]


def _view_sync(ctx: ToolContext, user_path: str, view_range: tuple[int, int] | None) -> ToolOutcome:
    path = resolve_in_workspace(ctx.root, user_path)
    rel = relative_display(ctx.root, path)
    if path.is_dir():
        if view_range is not None:
            raise ToolError(
                f"`view_range` applies to files, and {rel} is a directory; "
                "view it without `view_range` to list it"
            )
        return _list_directory(ctx.root, path, rel)
    text = _read(path, rel, ctx)
    return _show_file(path, rel, text, view_range)


def _read(path: Path, rel: str, ctx: ToolContext) -> str:
    try:
        return read_text(path, ctx.documents, max_bytes=MAX_VIEW_BYTES, root=ctx.root)
    except FileNotFoundError:
        raise ToolError(
            f"{rel} does not exist; view its directory to see which files exist"
        ) from None
    except DocumentReadError as exc:
        hint = "; use the search tool to find text in it" if "too large" in exc.reason else ""
        raise ToolError(f"{rel}: {exc.reason}{hint}") from None


def _show_file(path: Path, rel: str, text: str, view_range: tuple[int, int] | None) -> ToolOutcome:
    lines = split_lines(text)
    total = len(lines)
    start, end = 1, total
    notes: list[str] = []
    if view_range is not None:
        start, end = view_range
        if total == 0:
            raise ToolError(f"{rel} is empty, so it has no lines to show; view it without a range")
        if not 1 <= start <= total:
            raise ToolError(
                f"`view_range` start {start} is outside {rel}, which has {total} lines; "
                f"use a start from 1 to {total}"
            )
        if end == -1:
            end = total
        elif end < start:
            raise ToolError(
                f"`view_range` end {end} is before its start {start}; "
                "use an end >= start, or -1 for the end of the file"
            )
        elif end > total:
            notes.append(f"[{rel} ends at line {total}]")
            end = total
    location = [ToolLocation(str(path), start if total else None)]
    if total == 0:
        return ToolOutcome(f"[{rel} is empty]", locations=location)

    shown: list[str] = []
    used = 0
    last = start - 1
    for number in range(start, end + 1):
        entry = f"{number:>6}\t{cut(lines[number - 1], MAX_LINE_CHARS)}"
        if shown and (len(shown) >= MAX_VIEW_LINES or used + len(entry) + 1 > MAX_VIEW_CHARS):
            break
        shown.append(entry)
        used += len(entry) + 1
        last = number
    if last < end:
        next_end = -1 if end == total else end
        notes.append(
            f"[truncated: showing lines {start}-{last} of {total}; "
            f"use view_range [{last + 1}, {next_end}] to see more]"
        )
    return ToolOutcome("\n".join(shown + notes), locations=location)


def _list_directory(root: Path, path: Path, rel: str) -> ToolOutcome:
    shown: list[str] = []
    total = 0
    for entry in walk(root, path, max_depth=DIR_DEPTH):
        total += 1
        if len(shown) < MAX_DIR_ENTRIES:
            name = relative_display(root, entry.path)
            shown.append(f"{name}/" if entry.is_dir else name)
    where = "the workspace root" if rel == "." else f"{rel}/"
    header = (
        f"Files and directories up to {DIR_DEPTH} levels deep in {where}, "
        "excluding hidden and .gitignore'd entries (paths relative to the workspace root):"
    )
    body = shown or ["(no entries)"]
    if total > len(shown):
        body.append(
            f"[truncated: showing {len(shown)} of {total} entries; view a subdirectory to see more]"
        )
    return ToolOutcome("\n".join([header, *body]), locations=[ToolLocation(str(path))])

"""The text editor tool's `create`, `str_replace` and `insert` commands.

Each computes the new text against what the user has now (the editor's buffer when the
file is open), hands it to the edit target (the editor, or the disk), records it in the
turn's journal for undo, and reports the change as an ACP diff.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from agentls.tools.base import (
    FileDiff,
    ToolContext,
    ToolError,
    ToolLocation,
    ToolOutcome,
    optional_int,
    optional_str,
    require_str,
    split_lines,
)
from agentls.workspace import files
from agentls.workspace.documents import DocumentReadError
from agentls.workspace.paths import relative_display, resolve_in_workspace

SNIPPET_CONTEXT = 3


async def create(tool_input: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
    path, rel = _target_path(tool_input, ctx)
    file_text = require_str(tool_input, "file_text")
    if path.is_dir():
        raise ToolError(f"{rel} is a directory; give a file path to create")
    if await _read_for_edit(path, rel, ctx) is not None:
        raise ToolError(
            f"{rel} already exists; `create` never overwrites a file. Use `str_replace` or "
            "`insert` to change it (view it first)"
        )
    await _apply(ctx, path, rel, None, file_text)
    lines = file_text.count("\n") + (0 if file_text.endswith("\n") or not file_text else 1)
    summary = f"Created {rel} ({lines} lines)."
    return _outcome(ctx, path, summary=summary, before=None, after=file_text, line=1)


async def str_replace(tool_input: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
    path, rel = _target_path(tool_input, ctx)
    old_str = require_str(tool_input, "old_str")
    new_str = optional_str(tool_input, "new_str") or ""
    if not old_str:
        raise ToolError("`old_str` is empty; give the exact text to replace (use `insert` to add)")
    before = await _existing(path, rel, ctx)
    text, newline = _normalise(before)
    count = text.count(old_str)
    if count != 1:
        where = "no match" if count == 0 else f"{count} matches"
        raise ToolError(
            f"`old_str` must match exactly once in {rel}, and it has {where}. "
            + (
                "View the file and copy the text exactly, whitespace included"
                if count == 0
                else "Include more surrounding lines to make it unique"
            )
        )
    start = text.index(old_str)
    edited = text[:start] + new_str + text[start + len(old_str) :]
    after = _denormalise(edited, newline)
    await _apply(ctx, path, rel, before, after)
    first_line = text.count("\n", 0, start) + 1
    return _outcome(
        ctx,
        path,
        summary=f"Edited {rel}: replaced 1 occurrence at line {first_line}.",
        before=before,
        after=after,
        line=first_line,
        snippet=(edited, first_line, new_str.count("\n") + 1),
    )


async def insert(tool_input: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
    path, rel = _target_path(tool_input, ctx)
    if "insert_line" not in tool_input:
        raise ToolError("missing required field `insert_line` (0 inserts before the first line)")
    line = optional_int(tool_input, "insert_line", 0)
    # text_editor_20250728 calls it insert_text; older versions new_str.
    new_text = optional_str(tool_input, "insert_text")
    if new_text is None:
        new_text = require_str(tool_input, "new_str") if "new_str" in tool_input else None
    if new_text is None:
        raise ToolError("missing required field `insert_text` (the text to insert)")
    before = await _existing(path, rel, ctx)
    text, newline = _normalise(before)
    line_count = len(split_lines(text))
    if not 0 <= line <= line_count:
        raise ToolError(
            f"`insert_line` must be between 0 (before the first line) and {line_count} "
            f"(after the last line of {rel}), got {line}"
        )
    offset = _offset_after_line(text, line)
    block = new_text if new_text.endswith("\n") else new_text + "\n"
    if offset == len(text) and text and not text.endswith("\n"):
        # After a last line that has no line end: that line gets one, the file still lacks one.
        block = "\n" + block[:-1]
    edited = text[:offset] + block + text[offset:]
    after = _denormalise(edited, newline)
    await _apply(ctx, path, rel, before, after)
    count = new_text.rstrip("\n").count("\n") + 1
    return _outcome(
        ctx,
        path,
        summary=f"Inserted {count} line{'s' if count != 1 else ''} into {rel} after line {line}.",
        before=before,
        after=after,
        line=line + 1,
        snippet=(edited, line + 1, count),
    )


def _offset_after_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line):
        found = text.find("\n", offset)
        if found == -1:
            return len(text)
        offset = found + 1
    return offset


def _target_path(tool_input: dict[str, Any], ctx: ToolContext) -> tuple[Path, str]:
    if ctx.edits is None:
        raise ToolError("editing is not available in this session")
    path = resolve_in_workspace(ctx.root, require_str(tool_input, "path"))
    return path, relative_display(ctx.root, path)


async def _read_for_edit(path: Path, rel: str, ctx: ToolContext) -> str | None:
    """What the edit is computed against: the editor's buffer if it has the file open, else
    the disk as it is now (never a text remembered from an earlier call)."""
    assert ctx.edits is not None
    buffered = ctx.documents.open_document_text(path) if ctx.documents else None
    if buffered is not None:
        return buffered
    try:
        data = await asyncio.to_thread(files.read_file, ctx.root, path)
    except FileNotFoundError:
        return None
    except DocumentReadError as exc:
        raise ToolError(f"{rel} is {exc.reason}; give the path of a text file") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Decoding with replacement and writing back would corrupt the file.
        raise ToolError(f"{rel} is not UTF-8 text; refusing to edit it") from None


async def _existing(path: Path, rel: str, ctx: ToolContext) -> str:
    try:
        text = await _read_for_edit(path, rel, ctx)
    except DocumentReadError as exc:
        raise ToolError(f"{rel}: {exc.reason}") from None
    if text is None:
        raise ToolError(f"{rel} does not exist; use `create` to make a new file")
    if "\0" in text[:8192]:
        raise ToolError(f"{rel} is a binary file; refusing to edit it")
    return text


def _normalise(text: str) -> tuple[str, str]:
    """Text with \\n line ends (what the model writes), and the file's own line end."""
    if "\r\n" in text:
        return text.replace("\r\n", "\n"), "\r\n"
    return text, "\n"


def _denormalise(text: str, newline: str) -> str:
    return text.replace("\n", newline) if newline != "\n" else text


async def _apply(ctx: ToolContext, path: Path, rel: str, before: str | None, after: str) -> None:
    assert ctx.edits is not None
    result = await ctx.edits.write(path, before, after)
    if not result.applied:
        raise ToolError(
            f"the edit to {rel} was not applied: {result.failure_reason}. "
            "View the file again and redo the edit against its current text"
        )
    if ctx.journal is not None:
        ctx.journal.record(path, before, after)


def _outcome(
    ctx: ToolContext,
    path: Path,
    *,
    summary: str,
    before: str | None,
    after: str,
    line: int,
    snippet: tuple[str, int, int] | None = None,
) -> ToolOutcome:
    text = summary
    if snippet is not None:
        edited, first, count = snippet
        lines = edited.split("\n")
        start = max(first - 1 - SNIPPET_CONTEXT, 0)
        end = min(first - 1 + count + SNIPPET_CONTEXT, len(lines))
        shown = "\n".join(f"{n + 1:>6}\t{lines[n]}" for n in range(start, end))
        text = f"{summary} The file now reads, around the change:\n{shown}"
    del ctx
    return ToolOutcome(
        text=text,
        locations=[ToolLocation(str(path), line)],
        diffs=[FileDiff(str(path), before, after)],
    )

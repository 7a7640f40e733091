"""Where the agent's edits land: in the editor (`workspace/applyEdit`, ACP
`fs/write_text_file`) for files it has open, else atomically on disk.

Either way an edit is computed against the text the user has now (the editor's buffer
when the file is open, the disk otherwise), and refused rather than applied over
something newer. Nothing is remembered between tool calls: a file the editor does not
own is read again, and compared again just before it is replaced.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agentls.workspace import files
from agentls.workspace.documents import DocumentSource, read_text

CHANGED_ON_DISK = "the file changed on disk after it was read"


@dataclass
class EditResult:
    applied: bool
    failure_reason: str | None = None


class EditTarget(Protocol):
    def current_text(self, path: Path) -> str | None:
        """The file's text as the user has it now (unsaved buffer first); None if absent."""
        ...

    async def write(self, path: Path, before: str | None, after: str) -> EditResult:
        """Replace `before` (None: the file does not exist) with `after`."""
        ...

    async def delete(self, path: Path, before: str) -> EditResult:
        """Remove a file whose text is `before` (to undo its creation)."""
        ...


def current_text(
    path: Path, documents: DocumentSource | None, root: Path | None = None
) -> str | None:
    try:
        return read_text(path, documents, root=root)
    except FileNotFoundError:
        return None


# --- on disk ---------------------------------------------------------------------------


class DiskEdits:
    """Atomic compare-and-swap writes beneath the workspace root (see
    :mod:`agentls.workspace.files`).

    A file open in the editor (which then cannot apply edits itself) is compared with its
    buffer, which is what the edit was computed against, and written whatever the disk
    holds; any other file is compared with the disk at the moment it is replaced.
    """

    def __init__(self, root: Path, documents: DocumentSource | None) -> None:
        self.root = root
        self.documents = documents

    def current_text(self, path: Path) -> str | None:
        return current_text(path, self.documents, self.root)

    async def write(self, path: Path, before: str | None, after: str) -> EditResult:
        buffer = self.documents.open_document_text(path) if self.documents else None
        expected: bytes | files.Anything | None
        if buffer is not None:
            if buffer != before:
                return EditResult(False, "the editor's buffer changed after the agent read it")
            expected = files.ANYTHING
        else:
            expected = None if before is None else before.encode()
        written = await asyncio.to_thread(
            files.write_file, self.root, path, after.encode(), expected=expected
        )
        if written:
            return EditResult(True)
        if before is None:
            return EditResult(False, "a file of that name appeared after it was checked")
        return EditResult(False, CHANGED_ON_DISK)

    async def delete(self, path: Path, before: str) -> EditResult:
        buffer = self.documents.open_document_text(path) if self.documents else None
        if buffer is not None and buffer != before:
            return EditResult(False, "the editor's buffer changed after the turn")
        data = before.encode() if buffer is None else None
        if data is None:
            try:
                data = await asyncio.to_thread(files.read_file, self.root, path)
            except FileNotFoundError:
                return EditResult(False, "the file no longer exists")
        removed = await asyncio.to_thread(files.remove_file, self.root, path, expected=data)
        return EditResult(True) if removed else EditResult(False, CHANGED_ON_DISK)


# --- LSP positions ---------------------------------------------------------------------


def position_at(text: str, offset: int) -> dict[str, int]:
    """The LSP position (UTF-16 code units, as LSP counts by default) of `offset`."""
    line = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    character = len(text[line_start:offset].encode("utf-16-le")) // 2
    return {"line": line, "character": character}


def minimal_text_edit(before: str, after: str) -> dict[str, Any]:
    """One TextEdit that turns `before` into `after`, touching only what differs, so the
    editor keeps its cursor, marks and folds elsewhere in the file."""
    limit = min(len(before), len(after))
    start = 0
    while start < limit and before[start] == after[start]:
        start += 1
    end_before, end_after = len(before), len(after)
    while (
        end_before > start and end_after > start and before[end_before - 1] == after[end_after - 1]
    ):
        end_before -= 1
        end_after -= 1
    # Never split a CRLF pair: a position between \r and \n is not on any line.
    if start > 0 and before[start - 1] == "\r" and before[start : start + 1] == "\n":
        start -= 1
    if 0 < end_before < len(before) and before[end_before - 1 : end_before + 1] == "\r\n":
        end_before += 1
        end_after += 1
    return {
        "range": {"start": position_at(before, start), "end": position_at(before, end_before)},
        "newText": after[start:end_after],
    }

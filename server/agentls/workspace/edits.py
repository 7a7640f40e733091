"""Where the agent's edits land: in the editor through `workspace/applyEdit`, or, for
clients that cannot apply edits, atomically on disk.

Either way an edit is computed against the text the agent read (the editor's buffer when
the file is open) and refused rather than applied over something newer.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agentls.workspace.documents import DocumentSource, read_text


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


def current_text(path: Path, documents: DocumentSource | None) -> str | None:
    try:
        return read_text(path, documents)
    except FileNotFoundError:
        return None


# --- on disk ---------------------------------------------------------------------------


def atomic_write(path: Path, text: str) -> None:
    """Write through a temporary file in the same directory and rename it into place, so
    a crash leaves the old content or the new, never a mix. Keeps the file's mode."""
    try:
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".agentls")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def atomic_create(path: Path, text: str) -> bool:
    """Write a new file with exactly `text`, atomically and never over an existing file
    (False then): written and fsynced under a temporary name, then linked into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{secrets.token_hex(6)}.agentls"
    # os.open applies the umask to 0o666, as any new file gets (mkstemp's is 0o600).
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    _fsync_directory(path.parent)
    return True


def _fsync_directory(directory: Path) -> None:
    # The rename itself is durable only once the directory entry is.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class DiskEdits:
    def __init__(self, documents: DocumentSource | None) -> None:
        self.documents = documents

    def current_text(self, path: Path) -> str | None:
        return current_text(path, self.documents)

    async def write(self, path: Path, before: str | None, after: str) -> EditResult:
        import asyncio

        now = self.current_text(path)
        if now != before:
            return EditResult(False, "the file changed after it was read")
        await asyncio.to_thread(atomic_write, path, after)
        return EditResult(True)

    async def delete(self, path: Path, before: str) -> EditResult:
        import asyncio

        if self.current_text(path) != before:
            return EditResult(False, "the file changed after it was written")
        await asyncio.to_thread(path.unlink)
        return EditResult(True)


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


def whole_text_edit(before: str, after: str) -> dict[str, Any]:
    end = position_at(before, len(before))
    return {"range": {"start": {"line": 0, "character": 0}, "end": end}, "newText": after}

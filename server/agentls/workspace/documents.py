"""Read file text the way the user sees it: unsaved editor buffers win over disk."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Protocol

from agentls.workspace.files import DocumentReadError, read_file

__all__ = ["DocumentReadError", "DocumentSource", "is_binary", "read_text"]

BINARY_SNIFF_BYTES = 8192


class DocumentSource(Protocol):
    """The editor's open documents.

    Tools call this from worker threads (file scanning runs off the event loop), so an
    implementation must be thread-safe and cheap: a lookup in a dict of buffer texts,
    with no awaiting and no I/O.
    """

    def open_document_text(self, path: Path) -> str | None:
        """The buffer text of ``path`` (absolute, resolved) if the editor has it open."""
        ...


def is_binary(data: bytes) -> bool:
    """Git's heuristic: a NUL byte near the start means binary."""
    return b"\0" in data[:BINARY_SNIFF_BYTES]


def read_text(
    path: Path,
    documents: DocumentSource | None,
    *,
    max_bytes: int | None = None,
    root: Path | None = None,
) -> str:
    """The editor buffer for ``path`` if open, else the file decoded as UTF-8.

    With ``root`` (the workspace root, resolved), the file is opened from it without
    following symlinks (see :mod:`agentls.workspace.files`), so a folder swapped for a
    symlink after the path was checked cannot make this read a file outside.

    Undecodable bytes become U+FFFD rather than failing, since a mostly-UTF-8 file is
    still worth reading. Raises :class:`DocumentReadError` for directories and binary
    files and files over ``max_bytes`` on disk, and ``OSError`` (e.g.
    ``FileNotFoundError``) when the file cannot be read.
    """
    if documents is not None:
        text = documents.open_document_text(path)
        if text is not None:
            return text
    if root is not None:
        data = read_file(root, path, max_bytes=max_bytes)
    else:
        data = _read_unanchored(path, max_bytes)
    if is_binary(data):
        raise DocumentReadError(path, "binary file, not shown")
    return data.decode("utf-8", errors="replace")


def _read_unanchored(path: Path, max_bytes: int | None) -> bytes:
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise DocumentReadError(path, "a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        # Opening a FIFO would block the reading thread until some writer appears.
        raise DocumentReadError(path, "not a regular file (a pipe, socket or device)")
    if max_bytes is not None and info.st_size > max_bytes:
        raise DocumentReadError(
            path, f"too large ({info.st_size:,} bytes; the limit is {max_bytes:,}), not shown"
        )
    return path.read_bytes()

"""Edits to the files the editor has open, applied by the editor (`workspace/applyEdit`),
so the user sees them, can undo them, and never has them written over text they typed
since the agent read it.

A file the editor does not have open is not the editor's: it is edited on disk, against
its content at that moment, atomically (:class:`DiskEdits`). An editor shows such a file as
it is on disk whenever it opens it, and reloads a clean buffer it opens meanwhile. Edits
are never sent for a buffer the editor has not reported, since the server could not know
the text that buffer holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from agentls.workspace.documents import DocumentSource
from agentls.workspace.edits import DiskEdits, EditResult, current_text, minimal_text_edit

# How long to wait for the editor to show an edit it said it applied. Some editors (Neovim)
# answer `applied: true` even when they skipped a stale versioned edit, so the server
# checks the buffer itself; a working editor reports the change well within this.
CONFIRM_TIMEOUT = 3.0


class EditorConnection(Protocol):
    async def apply_edit(self, label: str, edit: dict[str, Any]) -> dict[str, Any]: ...

    def document(self, path: Path) -> tuple[str, int] | None:
        """The URI and version of the editor's buffer for `path`, as the server last saw
        it; None if the editor does not have it open."""
        ...

    async def wait_for_text(self, path: Path, text: str, timeout: float) -> bool:
        """Whether the editor's buffer for `path` shows `text` within `timeout`."""
        ...


class EditorEdits:
    def __init__(self, editor: EditorConnection, documents: DocumentSource, root: Path) -> None:
        self.editor = editor
        self.documents = documents
        self.root = root
        # Files the editor does not have open: compared with, and written to, the disk.
        self.disk = DiskEdits(root, None)

    def current_text(self, path: Path) -> str | None:
        return current_text(path, self.documents, self.root)

    async def write(self, path: Path, before: str | None, after: str) -> EditResult:
        open_document = self.editor.document(path)
        if open_document is None or before is None:
            return await self.disk.write(path, before, after)
        uri, version = open_document
        change = _document_edit(uri, version, [minimal_text_edit(before, after)])
        response = await self.editor.apply_edit(
            f"agentls: edit {path.name}", {"documentChanges": [change]}
        )
        if not response.get("applied"):
            return EditResult(False, response.get("failureReason") or "the editor refused the edit")
        if await self.editor.wait_for_text(path, after, CONFIRM_TIMEOUT):
            return EditResult(True)
        return EditResult(
            False,
            "the editor's buffer changed after the agent read it, so the editor did not apply "
            "the edit",
        )

    async def delete(self, path: Path, before: str) -> EditResult:
        if self.editor.document(path) is None:
            return await self.disk.delete(path, before)
        if self.current_text(path) != before:
            return EditResult(False, "the file changed after it was written")
        change = {"kind": "delete", "uri": path.as_uri(), "options": {"ignoreIfNotExists": True}}
        label = f"agentls: delete {path.name}"
        response = await self.editor.apply_edit(label, {"documentChanges": [change]})
        if not response.get("applied"):
            return EditResult(False, response.get("failureReason") or "the editor refused the edit")
        return EditResult(True)


def _document_edit(uri: str, version: int, edits: list[dict[str, Any]]) -> dict[str, Any]:
    return {"textDocument": {"uri": uri, "version": version}, "edits": edits}

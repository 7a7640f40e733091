"""Edits applied by the editor (`workspace/applyEdit`), so the user sees them, can undo
them, and never has them written over text they typed since the agent read it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Protocol

from agentls.workspace.documents import DocumentSource
from agentls.workspace.edits import EditResult, atomic_create, current_text, minimal_text_edit

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

    def remember_unsaved(self, path: Path, text: str | None) -> None:
        """Text the editor holds for a file it has not told the server about (an edit to a
        closed file lands in a buffer the editor may not report); None forgets it."""
        ...


class EditorEdits:
    def __init__(self, editor: EditorConnection, documents: DocumentSource | None) -> None:
        self.editor = editor
        self.documents = documents

    def current_text(self, path: Path) -> str | None:
        return current_text(path, self.documents)

    async def write(self, path: Path, before: str | None, after: str) -> EditResult:
        if before is None:
            # A new file goes to disk: created through the editor (`CreateFile` and an edit
            # of the empty buffer), editors add a final newline of their own and leave a
            # 0-byte file until saved. On disk it holds exactly the model's text.
            if self.current_text(path) is not None:
                return EditResult(False, f"{path.name} exists now")
            if not await asyncio.to_thread(atomic_create, path, after):
                return EditResult(False, f"{path.name} exists now")
            return EditResult(True)
        open_document = self.editor.document(path)
        uri, version = open_document if open_document else (path.as_uri(), None)
        changes = [_document_edit(uri, version, [minimal_text_edit(before, after)])]
        return await self._apply(path, f"agentls: edit {path.name}", changes, after, version)

    async def delete(self, path: Path, before: str) -> EditResult:
        if self.current_text(path) != before:
            return EditResult(False, "the file changed after it was written")
        change = {"kind": "delete", "uri": path.as_uri(), "options": {"ignoreIfNotExists": True}}
        label = f"agentls: delete {path.name}"
        response = await self.editor.apply_edit(label, {"documentChanges": [change]})
        if not response.get("applied"):
            return EditResult(False, response.get("failureReason") or "the editor refused the edit")
        self.editor.remember_unsaved(path, None)
        return EditResult(True)

    async def _apply(
        self, path: Path, label: str, changes: list[dict[str, Any]], after: str, version: int | None
    ) -> EditResult:
        response = await self.editor.apply_edit(label, {"documentChanges": changes})
        if not response.get("applied"):
            reason = response.get("failureReason") or "the editor refused the edit"
            return EditResult(False, reason)
        if version is None:
            self.editor.remember_unsaved(path, after)
            return EditResult(True)
        if await self.editor.wait_for_text(path, after, CONFIRM_TIMEOUT):
            return EditResult(True)
        return EditResult(
            False,
            "the editor's buffer changed after the agent read it, so the editor did not apply "
            "the edit",
        )


def _document_edit(uri: str, version: int | None, edits: list[dict[str, Any]]) -> dict[str, Any]:
    return {"textDocument": {"uri": uri, "version": version}, "edits": edits}

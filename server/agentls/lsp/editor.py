"""The core's Editor over LSP: the editor's buffers (with versions, from didOpen/didChange),
edits applied through `workspace/applyEdit`, permission questions, and session updates."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

from agentls.lsp import pygls_adapter
from agentls.protocol import names
from agentls.workspace.editor import EditorEdits
from agentls.workspace.edits import DiskEdits, EditTarget

if TYPE_CHECKING:
    from agentls.lsp.server import AgentServer

log = logging.getLogger(__name__)

SAVE_TIMEOUT = 10.0  # seconds a command waits for the editor to save what it must see


class LspEditor:
    def __init__(self, server: AgentServer) -> None:
        self.server = server
        self._warned_disk_edits = False
        self._uris: dict[Path, str] = {}  # open documents, by resolved path
        self._changed = asyncio.Event()
        self._request_ids = itertools.count(1)
        # Told of each document the user changes, opens or closes (the sessions' pending
        # changes follow what the user has).
        self.on_change: Callable[[Path], None] | None = None

    # --- documents ----------------------------------------------------------------------

    def document_opened(self, uri: str) -> None:
        path = _path_of(uri)
        if path is not None:
            self._uris[path] = uri
            self._tell(path)
        self._changed.set()

    def document_changed(self, uri: str | None = None) -> None:
        self._changed.set()
        path = _path_of(uri) if uri is not None else None
        if path is not None:
            self._tell(path)

    def document_closed(self, uri: str) -> None:
        path = _path_of(uri)
        if path is not None:
            self._uris.pop(path, None)
            self._tell(path)

    def _tell(self, path: Path) -> None:
        if self.on_change is not None:
            self.on_change(path)

    def open_document_text(self, path: Path) -> str | None:
        uri = self._uris.get(path)
        if uri is not None:
            document = self.server.workspace.text_documents.get(uri)
            if document is not None:
                return str(document.source)
        return None

    def open_document_paths(self) -> list[Path]:
        """Every path `open_document_text` has a text for (the search tool lists them)."""
        return list(self._uris)

    def document(self, path: Path) -> tuple[str, int] | None:
        uri = self._uris.get(path)
        document = self.server.workspace.text_documents.get(uri) if uri else None
        if uri is None or document is None or document.version is None:
            return None
        return uri, document.version

    async def wait_for_text(self, path: Path, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.open_document_text(path) != text:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return self.open_document_text(path) == text
        return True

    # --- requests to the editor ---------------------------------------------------------

    def send_update(self, params: dict[str, Any]) -> None:
        self.server.protocol.notify_raw(names.SESSION_UPDATE, params)  # type: ignore[attr-defined]

    @property
    def congested(self) -> bool:
        return self.server.writer.congested

    def holding(self, session_id: str, path: Path) -> AbstractAsyncContextManager[None]:
        # Nothing to fetch: LSP pushes every buffer change (didChange).
        return contextlib.nullcontext()

    def edit_target(self, session_id: str, root: Path) -> EditTarget:
        """Edits go through the editor when it can apply them; otherwise atomically to disk."""
        if self.server.config.edits == "editor":
            if self.can_apply_edits():
                return EditorEdits(self, self, root)
            workspace = self.server.client_capabilities.workspace
            if workspace is not None and workspace.apply_edit and not self._warned_disk_edits:
                # It can apply edits, just not versioned ones: a likely misconfiguration.
                self._warned_disk_edits = True
                log.warning(
                    "The editor advertises workspace.applyEdit but not "
                    "workspaceEdit.documentChanges, so edits are written to disk; buffers "
                    "open in the editor show them only once reloaded. Advertise both to "
                    "have edits applied in the editor (undoable there)."
                )
        return DiskEdits(root, self)

    def can_apply_edits(self) -> bool:
        workspace = self.server.client_capabilities.workspace
        if workspace is None or not workspace.apply_edit:
            return False
        edit = workspace.workspace_edit
        return bool(edit is not None and edit.document_changes)

    async def apply_edit(self, label: str, edit: dict[str, Any]) -> dict[str, Any]:
        converter = pygls_adapter.converter(self.server.protocol)
        params = converter.structure({"label": label, "edit": edit}, types.ApplyWorkspaceEditParams)
        result = await self.server.workspace_apply_edit_async(params)
        return {"applied": result.applied, "failureReason": result.failure_reason}

    async def save_documents(
        self, session_id: str, paths: list[Path]
    ) -> tuple[list[Path], list[Path]]:
        unsaved = [path for path in paths if self._unsaved_changes(path)]
        if not unsaved:
            return [], []
        uris = {self._uris.get(path) or path.as_uri(): path for path in unsaved}
        msg_id = f"agentls-save-{next(self._request_ids)}"
        request = self.server.protocol.send_request_async(
            names.SAVE_DOCUMENTS, {"uris": list(uris)}, msg_id=msg_id
        )
        try:
            answer = await asyncio.wait_for(request, SAVE_TIMEOUT)
        except asyncio.CancelledError:
            self.server.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
            pygls_adapter.forget_request(self.server.protocol, msg_id)
            raise
        except Exception as exc:  # unknown to the client, or no answer: nothing saved
            log.info("%s was not answered: %s", names.SAVE_DOCUMENTS, exc)
            pygls_adapter.forget_request(self.server.protocol, msg_id)
            return unsaved, []
        saved = answer.get("saved") if isinstance(answer, dict) else None
        listed = saved if isinstance(saved, list) else []
        return unsaved, [uris[uri] for uri in listed if isinstance(uri, str) and uri in uris]

    def _unsaved_changes(self, path: Path) -> bool:
        text = self.open_document_text(path)
        if text is None:
            return False
        try:
            return path.read_bytes().decode("utf-8", errors="replace") != text
        except OSError:
            return True  # a buffer of a file not (or no longer) on disk

    def terminal(self, session_id: str) -> None:
        return None  # LSP has no terminals: commands run in the server's guarded processes

    async def ask_permission(self, params: dict[str, Any]) -> dict[str, Any]:
        msg_id = f"agentls-permission-{next(self._request_ids)}"
        request = self.server.protocol.send_request_async(
            names.SESSION_REQUEST_PERMISSION, params, msg_id=msg_id
        )
        try:
            answer = await request
        except asyncio.CancelledError:
            # The turn was cancelled: withdraw the question from the editor's UI.
            self.server.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
            pygls_adapter.forget_request(self.server.protocol, msg_id)
            raise
        except Exception as exc:
            return {"outcome": {"outcome": "cancelled"}, "error": str(exc)}
        return answer if isinstance(answer, dict) else {"outcome": {"outcome": "cancelled"}}


def _path_of(uri: str) -> Path | None:
    fs_path = to_fs_path(uri)
    if fs_path is None or not uri.startswith("file:"):
        return None
    try:
        return Path(fs_path).resolve()
    except OSError:
        return None

"""An editor's side of `workspace/applyEdit`, as the LSP spec has it: versioned buffers,
stale edits refused, new files created. The real editors are tested in tests/editors/."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from agentls.client.connection import AgentClient


@dataclass
class Buffer:
    text: str
    version: int
    reported: bool  # the server was told (didOpen)
    saved: str | None = None  # the text on disk as the buffer last loaded or saved it


class FakeEditor:
    def __init__(self, client: AgentClient, *, saves_closed_files: bool = False) -> None:
        self.client = client
        self.buffers: dict[str, Buffer] = {}
        self.applied: list[types.ApplyWorkspaceEditParams] = []
        # Runs before an edit is applied: lets a test type into a buffer at the worst moment.
        self.before_apply: Callable[[], None] | None = None
        self.save_requests: list[list[str]] = []  # the uris of each agentls/saveDocuments
        # VS Code saves what an edit changed in files that were not open (its
        # `files.refactoring.autoSave`, on by default); the LSP leaves that to the editor.
        self.saves_closed_files = saves_closed_files
        # While set, didChange reports wait in `held_reports`: an editor may answer
        # applyEdit before it tells the server of the change.
        self.hold_reports = False
        self.held_reports: list[tuple[str, Buffer]] = []
        client.apply_edit_handler = self.apply

        def save_documents(params: dict[str, Any]) -> dict[str, Any]:
            return self._save_documents(params)

        client.feature("agentls/saveDocuments")(save_documents)

    def open(self, path: Path) -> None:
        uri = _uri(path)
        text = path.read_text()
        self.buffers[uri] = Buffer(text, 1, True)
        self.client.open_document(path, text, version=1)

    def type(self, path: Path, text: str) -> None:
        """The user replaces the buffer's text (unsaved)."""
        buffer = self.buffers[_uri(path)]
        buffer.text = text
        buffer.version += 1
        self._report(_uri(path), buffer)

    def release_reports(self) -> None:
        self.hold_reports = False
        while self.held_reports:
            self._report(*self.held_reports.pop(0))

    def text(self, path: Path) -> str | None:
        buffer = self.buffers.get(_uri(path))
        return buffer.text if buffer else None

    def save_all(self) -> None:
        for uri, buffer in self.buffers.items():
            Path(to_fs_path(uri) or "").write_text(buffer.text)

    def _save_documents(self, params: dict[str, Any]) -> dict[str, Any]:
        """`agentls/saveDocuments`: writes each buffer asked for, as the user's save would."""
        uris = [uri for uri in params["uris"] if uri in self.buffers]
        self.save_requests.append(list(params["uris"]))
        for uri in uris:
            Path(to_fs_path(uri) or "").write_text(self.buffers[uri].text)
            if self.buffers[uri].reported:
                self.client.text_document_did_save(
                    types.DidSaveTextDocumentParams(
                        text_document=types.TextDocumentIdentifier(uri=uri)
                    )
                )
        return {"saved": uris}

    def apply(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        self.applied.append(params)
        if self.before_apply is not None:
            self.before_apply()
        for change in params.edit.document_changes or []:
            failure = self._apply_change(change)
            if failure is not None:
                return types.ApplyWorkspaceEditResult(applied=False, failure_reason=failure)
        return types.ApplyWorkspaceEditResult(applied=True)

    def _apply_change(self, change: object) -> str | None:
        if isinstance(change, types.CreateFile):
            path = Path(to_fs_path(change.uri) or "")
            if path.exists() and not (change.options and change.options.overwrite):
                return f"{path} already exists"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("")
            self.buffers[change.uri] = Buffer("", 1, False)
            return None
        if isinstance(change, types.DeleteFile):
            Path(to_fs_path(change.uri) or "").unlink(missing_ok=True)
            self.buffers.pop(change.uri, None)
            return None
        if not isinstance(change, types.TextDocumentEdit):
            return f"unsupported change {type(change).__name__}"
        uri = change.text_document.uri
        buffer = self.buffers.get(uri)
        disk = Path(to_fs_path(uri) or "")
        if buffer is None:
            buffer = Buffer(disk.read_text(), 1, False)
            buffer.saved = buffer.text
            self.buffers[uri] = buffer
        elif buffer.saved is not None and buffer.text == buffer.saved and disk.exists():
            # Editors reload a buffer without unsaved changes when its file changes on disk.
            buffer.text = buffer.saved = disk.read_text()
        version = change.text_document.version
        if version is not None and version != buffer.version:
            return f"version mismatch: edit for version {version}, buffer at {buffer.version}"
        for edit in sorted(change.edits, key=_start, reverse=True):
            assert isinstance(edit, types.TextEdit)
            start = _offset(buffer.text, edit.range.start)
            end = _offset(buffer.text, edit.range.end)
            buffer.text = buffer.text[:start] + edit.new_text + buffer.text[end:]
        buffer.version += 1
        if buffer.reported:
            self._report(uri, buffer)
        elif self.saves_closed_files:
            disk.write_text(buffer.text)
            buffer.saved = buffer.text
        return None

    def _report(self, uri: str, buffer: Buffer) -> None:
        if self.hold_reports:
            self.held_reports.append((uri, Buffer(buffer.text, buffer.version, True)))
            return
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=buffer.version
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=buffer.text)],
            )
        )


def _uri(path: Path) -> str:
    return from_fs_path(str(path.resolve())) or ""


def _start(edit: object) -> tuple[int, int]:
    assert isinstance(edit, types.TextEdit)
    return edit.range.start.line, edit.range.start.character


def _offset(text: str, position: types.Position) -> int:
    lines = text.split("\n")
    offset = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    # UTF-16 code units to code points.
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return offset + index
        units += 2 if ord(char) > 0xFFFF else 1
    return offset + len(line)

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


class FakeEditor:
    def __init__(self, client: AgentClient) -> None:
        self.client = client
        self.buffers: dict[str, Buffer] = {}
        self.applied: list[types.ApplyWorkspaceEditParams] = []
        # Runs before an edit is applied: lets a test type into a buffer at the worst moment.
        self.before_apply: Callable[[], None] | None = None
        self.save_requests: list[list[str]] = []  # the uris of each agentls/saveDocuments
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
        if buffer is None:
            buffer = Buffer(Path(to_fs_path(uri) or "").read_text(), 1, False)
            self.buffers[uri] = buffer
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
        return None

    def _report(self, uri: str, buffer: Buffer) -> None:
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

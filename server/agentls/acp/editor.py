"""The core's Editor over ACP: reads and writes through the client's `fs/*` methods when it
advertises them (so the agent sees unsaved buffers and the editor reviews every edit),
permission questions as `session/request_permission`, updates as `session/update`.

ACP's fs methods are requests, while tools read buffers synchronously from worker
threads; so before a tool call the buffer of the file it names is fetched
(`refresh`), and every write first checks, through the client again, that the text it
replaces is still what the editor holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from agentls.acp.connection import AcpConnection
from agentls.acp.terminal import ClientTerminal
from agentls.agent.updates import MESSAGE_CHUNK
from agentls.config import Config
from agentls.protocol import names, payloads
from agentls.protocol.errors import RpcError
from agentls.stdio import PipeWriter
from agentls.tools.base import CommandTerminal
from agentls.workspace.edits import DiskEdits, EditResult, EditTarget, current_text

log = logging.getLogger(__name__)

EXTENSION_UPDATE = "_agentls/session_update"
ACP_UPDATES = frozenset(
    {
        "user_message_chunk",
        "agent_message_chunk",
        "agent_thought_chunk",
        "tool_call",
        "tool_call_update",
        "plan",
        "available_commands_update",
        "current_mode_update",
        "config_option_update",
        "session_info_update",
        "usage_update",
    }
)


class AcpEditor:
    def __init__(self, connection: AcpConnection, writer: PipeWriter) -> None:
        self.connection = connection
        self.writer = writer
        self.config = Config()
        self.can_read = False
        self.can_write = False
        self.has_terminal = False
        self._buffers: dict[Path, str] = {}  # fetched by refresh() for the current tool call
        self._lock = threading.Lock()

    def client_capabilities(self, capabilities: Any) -> None:
        fs = capabilities.get("fs") if isinstance(capabilities, dict) else None
        fs = fs if isinstance(fs, dict) else {}
        self.can_read = fs.get("readTextFile") is True
        self.can_write = fs.get("writeTextFile") is True
        self.has_terminal = isinstance(capabilities, dict) and capabilities.get("terminal") is True

    # --- Editor -------------------------------------------------------------------------

    def open_document_text(self, path: Path) -> str | None:
        with self._lock:
            return self._buffers.get(path)

    def open_document_paths(self) -> list[Path]:
        """The buffers fetched for tool calls running now (search reads them, not the disk)."""
        with self._lock:
            return list(self._buffers)

    @contextlib.asynccontextmanager
    async def holding(self, session_id: str, path: Path) -> AsyncIterator[None]:
        """What the editor holds for `path` (its unsaved buffer, or the disk), fetched for
        one tool call and dropped after it: a fetched text never outlives its use."""
        if not self.can_read:
            yield
            return
        text = await self.read(session_id, path)
        with self._lock:
            if text is not None:
                self._buffers[path] = text
        try:
            yield
        finally:
            self.forget(path)

    def forget(self, path: Path) -> None:
        with self._lock:
            self._buffers.pop(path, None)

    async def read(self, session_id: str, path: Path) -> str | None:
        """The editor's text of `path`; None if it has none (no such file, or an error)."""
        try:
            result = await self.connection.request(
                names.FS_READ_TEXT_FILE, {"sessionId": session_id, "path": str(path)}
            )
        except RpcError as exc:
            log.debug("fs/read_text_file %s: %s", path, exc.message)
            return None
        content = result.get("content") if isinstance(result, dict) else None
        return content if isinstance(content, str) else None

    def edit_target(self, session_id: str, root: Path) -> EditTarget:
        if self.config.edits == "editor" and self.can_write:
            return ClientWrites(self, session_id)
        return DiskEdits(root, self)

    async def save_documents(
        self, session_id: str, paths: list[Path]
    ) -> tuple[list[Path], list[Path]]:
        # fs/write_text_file writes through the client: nothing waits for a save here.
        return [], []

    def terminal(self, session_id: str) -> CommandTerminal | None:
        return ClientTerminal(self.connection, session_id) if self.has_terminal else None

    async def ask_permission(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = await self.connection.request(names.SESSION_REQUEST_PERMISSION, params)
        except RpcError as exc:
            return {"outcome": {"outcome": "cancelled"}, "error": exc.message}
        return answer if isinstance(answer, dict) else {"outcome": {"outcome": "cancelled"}}

    def send_update(self, params: dict[str, Any]) -> None:
        kind = params["update"].get("sessionUpdate")
        if kind in ACP_UPDATES:
            self.connection.notify(names.SESSION_UPDATE, params)
            return
        # An agentls extension: ACP clients validate session/update against the schema,
        # so extensions travel as an extension notification they may ignore.
        self.connection.notify(EXTENSION_UPDATE, params)
        note = _visible_note(params["update"])
        if note is not None:
            # A client that ignores the extension still shows what happened: a retry (and
            # why the failed attempt's text is followed by the retry's own), a compaction,
            # a warning.
            self.connection.notify(
                names.SESSION_UPDATE,
                payloads.notification(
                    params["sessionId"], payloads.chunk(MESSAGE_CHUNK, f"\n\n*{note}*\n\n")
                ),
            )

    @property
    def congested(self) -> bool:
        return self.writer.congested


def _visible_note(update: dict[str, Any]) -> str | None:
    kind = update.get("sessionUpdate")
    if kind == "retry":
        return (
            f"{update.get('reason', 'The model request failed')}; retrying "
            f"(attempt {update.get('attempt')} of {update.get('maxAttempts')})"
        )
    if kind == "compaction" and update.get("status") != "started":
        return str(update.get("message", "The conversation was compacted"))
    if kind == "notice" and update.get("level") in ("warning", "error"):
        return str(update.get("message", ""))
    return None


class ClientWrites:
    """Edits written through the client (`fs/write_text_file`): the editor shows them in its
    buffer and its review UI. A file is written only while the editor still holds the
    text the edit was computed against."""

    def __init__(self, editor: AcpEditor, session_id: str) -> None:
        self.editor = editor
        self.session_id = session_id  # ACP's fs methods belong to a session

    def current_text(self, path: Path) -> str | None:
        return current_text(path, self.editor)

    async def write(self, path: Path, before: str | None, after: str) -> EditResult:
        now = await self._now(path)
        if now != before:
            return EditResult(False, "the file changed after it was read")
        try:
            await self.editor.connection.request(
                names.FS_WRITE_TEXT_FILE,
                {"sessionId": self.session_id, "path": str(path), "content": after},
            )
        except RpcError as exc:
            return EditResult(False, f"the editor refused the write: {exc.message}")
        with self.editor._lock:
            self.editor._buffers[path] = after
        return EditResult(True)

    async def delete(self, path: Path, before: str) -> EditResult:
        # ACP has no delete: the file goes from the disk, once the editor holds what the
        # agent wrote (an unsaved buffer of it stays the user's to keep or close).
        if await self._now(path) != before:
            return EditResult(False, "the file changed after it was written")
        await asyncio.to_thread(path.unlink, missing_ok=True)
        self.editor.forget(path)
        return EditResult(True)

    async def _now(self, path: Path) -> str | None:
        if self.editor.can_read:
            return await self.editor.read(self.session_id, path)
        return current_text(path, None)

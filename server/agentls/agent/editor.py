"""What the session core needs from the editor, whatever the transport: its buffers, a
place for edits, the user's answer to a permission question, and a channel for session
updates. The LSP adapter (lsp/editor.py) and the ACP adapter (acp/editor.py) implement it."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol

from agentls.tools.base import CommandTerminal
from agentls.workspace.edits import EditTarget


class Editor(Protocol):
    def open_document_text(self, path: Path) -> str | None:
        """The unsaved buffer of `path` if the editor has one (thread-safe, no I/O)."""
        ...

    def edit_target(self, session_id: str, root: Path) -> EditTarget:
        """Where the session's edits land now: through the editor when it can apply them,
        else on disk; files outside `root` (the session's cwd) are never touched."""
        ...

    def holding(self, session_id: str, path: Path) -> AbstractAsyncContextManager[None]:
        """While open, `open_document_text(path)` shows what the editor holds now: ACP
        fetches it (`fs/read_text_file`); LSP has it already (didChange)."""
        ...

    async def save_documents(
        self, session_id: str, paths: list[Path]
    ) -> tuple[list[Path], list[Path]]:
        """Ask the editor to save those of `paths` it holds unsaved changes of (LSP
        `agentls/saveDocuments`), so a command sees them: (those unsaved, those saved)."""
        ...

    def terminal(self, session_id: str) -> CommandTerminal | None:
        """Where the session's commands run when the editor runs them (ACP `terminal/*`,
        when the client offers it); None: in the server's own guarded processes."""
        ...

    async def ask_permission(self, params: dict[str, Any]) -> dict[str, Any]:
        """ACP `session/request_permission`: the client's answer, or a cancelled outcome."""
        ...

    def send_update(self, params: dict[str, Any]) -> None:
        """ACP `session/update` notification, `{sessionId, update}`."""
        ...

    @property
    def congested(self) -> bool:
        """Whether the editor has stopped reading (session text is held meanwhile)."""
        ...

"""Sessions: each one a conversation, its totals, and at most one running turn."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentls.agent.conversation import Conversation
from agentls.agent.journal import EditHistory, UndoReport, undo
from agentls.agent.loop import PromptTurn, Report, SessionTotals, TurnResult
from agentls.agent.model import ModelClient
from agentls.agent.permissions import Ask, PermissionGate
from agentls.agent.replay import history_updates
from agentls.agent.store import SessionStore
from agentls.agent.updates import SessionUpdates
from agentls.config import Config
from agentls.tools.base import ToolContext
from agentls.tools.registry import default_tools
from agentls.workspace.documents import DocumentSource
from agentls.workspace.edits import EditTarget

INTERRUPTED_TOOL_TEXT = "Interrupted: the server stopped before this tool call finished."


class UnknownSessionError(LookupError):
    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"Unknown session {session_id!r}: it may belong to a server that has since "
            "restarted. Start one with session/new."
        )


class SessionBusyError(RuntimeError):
    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"Session {session_id!r} is already running a prompt: cancel it "
            "(session/cancel) or wait for it to finish."
        )


@dataclass
class Session:
    id: str
    cwd: Path
    updates: SessionUpdates
    conversation: Conversation = field(default_factory=Conversation)
    totals: SessionTotals = field(default_factory=SessionTotals)
    turn: asyncio.Task[TurnResult] | None = None
    history: EditHistory = field(default_factory=EditHistory)
    permissions: PermissionGate | None = None

    @property
    def busy(self) -> bool:
        return self.turn is not None and not self.turn.done()


class Sessions:
    def __init__(
        self,
        *,
        send_update: Callable[[dict[str, Any]], None],
        config: Callable[[], Config],
        model: ModelClient,
        documents: DocumentSource | None,
        store: SessionStore,
        edit_target: Callable[[], EditTarget],
        ask_permission: Ask,
        congested: Callable[[], bool] = lambda: False,
    ) -> None:
        self._congested = congested
        self._store = store
        self._edit_target = edit_target
        self._ask_permission = ask_permission
        self._send_update = send_update
        self._config = config
        self._model = model
        self._documents = documents
        self._sessions: dict[str, Session] = {}
        self._tools = default_tools()

    def new(self, cwd: Path) -> Session:
        session_id = f"sess_{secrets.token_hex(12)}"
        return self._add(session_id, cwd, Conversation())

    def _add(self, session_id: str, cwd: Path, conversation: Conversation) -> Session:
        updates = SessionUpdates(session_id, self._send_update, self._congested)
        conversation.record = self._store.log_for(session_id, cwd).append
        session = Session(session_id, cwd, updates, conversation)
        session.permissions = PermissionGate(self._ask_permission)
        self._sessions[session_id] = session
        return session

    def get(self, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise UnknownSessionError(session_id)
        return session

    def history(self, session: Session) -> list[dict[str, Any]]:
        tools = {tool.name: tool for tool in self._tools}

        def describe(name: str, tool_input: dict[str, Any]) -> tuple[str, str]:
            tool = tools.get(name)
            if tool is None:
                return name, "other"
            return tool.title(tool_input, session.cwd), tool.kind_for(tool_input)

        return history_updates(session.conversation.messages, describe)

    def stored(self, cwd: Path | None) -> list[dict[str, Any]]:
        return [stored.to_acp() for stored in self._store.list(cwd)]

    def load(self, session_id: str, cwd: Path | None) -> Session:
        """The session, from memory or from disk (after a restart, or a crash mid-turn)."""
        session = self._sessions.get(session_id)
        if session is not None:
            return session
        stored = self._store.load(session_id, cwd)
        if stored is None:
            raise UnknownSessionError(session_id)
        conversation = Conversation()
        for record in stored.records:
            conversation.replay(record)
        session = self._add(stored.session_id, stored.cwd, conversation)
        # Answer what a crash left unanswered, so the next request is valid.
        conversation.repair(INTERRUPTED_TOOL_TEXT)
        return session

    async def prompt(
        self, session: Session, content: list[dict[str, Any]], report: Report | None = None
    ) -> TurnResult:
        if session.busy:
            raise SessionBusyError(session.id)
        self._model.check_credentials()
        config = self._config()
        context = ToolContext(
            root=session.cwd,
            documents=self._documents,
            edits=self._edit_target(),
            journal=session.history.begin_turn(),
            command_timeout=config.command_timeout,
        )
        turn = PromptTurn(
            conversation=session.conversation,
            config=config,
            model=self._model,
            tools=self._tools,
            tool_context=context,
            updates=session.updates,
            totals=session.totals,
            report=report,
            permissions=session.permissions,
        )
        # The turn runs as its own task so session/cancel can reach it. A cancelled request
        # (LSP $/cancelRequest) cancels the task it awaits, and the turn then still answers,
        # with stopReason "cancelled", rather than dying with the request.
        session.turn = asyncio.create_task(turn.run(content), name=f"turn {session.id}")
        try:
            result = await session.turn
        finally:
            session.turn = None
        await session.updates.drained()
        return result

    async def undo_last_turn(self, session: Session) -> UndoReport:
        if session.busy:
            raise SessionBusyError(session.id)
        journal = session.history.pop_last()
        if journal is None:
            return UndoReport()
        return await undo(journal, self._edit_target())

    def cancel(self, session_id: str) -> bool:
        session = self._sessions.get(session_id)
        if session is None or session.turn is None or session.turn.done():
            return False
        session.turn.cancel()
        return True

    def resume_output(self) -> None:
        for session in list(self._sessions.values()):
            session.updates.resume()

    async def cancel_all(self) -> None:
        turns = [
            s.turn for s in self._sessions.values() if s.turn is not None and not s.turn.done()
        ]
        for turn in turns:
            turn.cancel()
        if turns:
            await asyncio.wait(turns, timeout=1.5)

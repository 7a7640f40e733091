"""Sessions: each one a conversation, its totals, and at most one running turn."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentls.agent import commands, file_actions
from agentls.agent.compaction import Compacted, Compactor
from agentls.agent.conversation import Checkpoint, Conversation
from agentls.agent.editor import Editor
from agentls.agent.journal import UndoReport, deferred
from agentls.agent.model import ModelClient
from agentls.agent.model_list import ModelList
from agentls.agent.permissions import PermissionGate
from agentls.agent.replay import history_updates
from agentls.agent.review import FileReview
from agentls.agent.session_options import (
    BUILT_IN_MODELS,
    MODE,
    SessionChoices,
    config_options,
    modes_state,
)
from agentls.agent.store import SessionStore, check_cwd
from agentls.agent.tool_hooks import Hooks, hooked, saved_for_command
from agentls.agent.turn import PromptTurn, Report, TurnResult
from agentls.agent.updates import SessionUpdates
from agentls.agent.usage import SessionTotals
from agentls.config import Config
from agentls.protocol import payloads
from agentls.tools.base import ToolContext
from agentls.tools.registry import default_tools
from agentls.workspace.edits import current_text

if TYPE_CHECKING:
    from agentls.mcp.session_servers import SessionServers

TITLE_LENGTH = 80
# How long a prompt waits for MCP servers still starting before it goes on without them.
MCP_START_WAIT = 10.0
INTERRUPTED_TOOL_TEXT = "Interrupted: the server stopped before this tool call finished."


class UnknownSessionError(LookupError):
    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"Unknown session {session_id!r}: it may belong to a server that has since "
            "restarted. Start one with session/new."
        )


class SessionBusyError(RuntimeError):
    def __init__(self, session_id: str, activity: str = "a prompt") -> None:
        super().__init__(
            f"Session {session_id!r} is already running {activity}: cancel it "
            "(session/cancel) or wait for it to finish."
        )


@dataclass
class Session:
    id: str
    cwd: Path
    updates: SessionUpdates
    permissions: PermissionGate
    conversation: Conversation = field(default_factory=Conversation)
    totals: SessionTotals = field(default_factory=SessionTotals)
    turn: asyncio.Task[TurnResult] | None = None
    # Set while an operation other than a prompt changes the session's files (an undo):
    # a prompt meanwhile would compute its edits against text about to change.
    operation: str | None = None
    choices: SessionChoices = field(default_factory=SessionChoices)
    mcp: SessionServers | None = None  # its MCP servers, when it has any
    titled: bool = False  # whether clients were told its title
    # Its file changes: checkpoints, pending hunks, what the model is told of reviews.
    files: FileReview = field(init=False)

    def __post_init__(self) -> None:
        self.files = FileReview(self.cwd)

    @property
    def busy(self) -> bool:
        return self.operation is not None or (self.turn is not None and not self.turn.done())

    def check_idle(self) -> None:
        if self.operation is not None:
            raise SessionBusyError(self.id, self.operation)
        if self.busy:
            raise SessionBusyError(self.id)


class Sessions:
    def __init__(
        self,
        *,
        editor: Editor,
        config: Callable[[], Config],
        model: ModelClient,
        store: SessionStore,
    ) -> None:
        self.editor = editor
        self._store = store
        self._config = config
        self.model = model
        self.model_list = ModelList(model)
        self._sessions: dict[str, Session] = {}
        self._tools = default_tools()

    def new(self, cwd: Path) -> Session:
        session_id = f"sess_{secrets.token_hex(12)}"
        return self._add(session_id, cwd, Conversation())

    def _add(self, session_id: str, cwd: Path, conversation: Conversation) -> Session:
        editor = self.editor
        updates = SessionUpdates(session_id, editor.send_update, lambda: editor.congested)
        log = self._store.log_for(session_id, cwd)
        session = Session(
            session_id, cwd, updates, PermissionGate(editor.ask_permission), conversation
        )

        def record(entry: dict[str, Any]) -> None:
            log.append(entry)
            if entry.get("type") == "compaction":
                session.files.checkpoints.compacted(entry)  # its messages moved

        conversation.record = record
        session.files.attach(
            deferred(log.append), updates.send, lambda path: current_text(path, editor, cwd)
        )
        self._sessions[session_id] = session
        return session

    def start_mcp(self, session: Session, acp_servers: list[dict[str, Any]]) -> None:
        """Starts the session's MCP servers (the project's `.mcp.json`, then the client's),
        in the background; those it ran before (a load or resume again) are stopped."""
        from agentls.mcp import servers

        project, problem = servers.from_project(session.cwd)
        specs = servers.merged(project, servers.from_acp(acp_servers))
        if session.mcp is not None:
            asyncio.get_running_loop().create_task(session.mcp.stop())
            session.mcp = None
        if not specs and problem is None:
            return
        from agentls.mcp.session_servers import SessionServers

        session.mcp = SessionServers(
            specs,
            session_id=session.id,
            root=session.cwd,
            timeout=self.config_for(session).mcp_timeout,
            send=session.updates.send,
            ask=self.editor.ask_permission,
            state_dir=lambda: self._store.base.parent,
            problem=problem,
        )
        session.mcp.start()

    def config_for(self, session: Session) -> Config:
        """The server's configuration with the session's own choices applied."""
        return session.choices.applied_to(self._config())

    # --- what the user can switch while a session runs -----------------------------------

    def models(self) -> list[tuple[str, str]]:
        return self.model_list.known() or list(BUILT_IN_MODELS)

    def config_options(self, session: Session) -> list[dict[str, Any]]:
        return config_options(self.config_for(session), self.models())

    def modes(self, session: Session) -> dict[str, Any]:
        return modes_state(self.config_for(session).permission_mode)

    def set_choice(self, session: Session, config_id: str, value: object) -> None:
        """Switch the model, mode or thinking level from the next model request on; clients
        are told (`current_mode_update`, `config_option_update`). Raises
        UnknownChoiceError."""
        session.choices = session.choices.with_value(
            config_id, value, [m for m, _ in self.models()]
        )
        if config_id == MODE:
            session.updates.send(payloads.current_mode(self.config_for(session).permission_mode))
        session.updates.send(payloads.config_options(self.config_options(session)))

    def announce(self, session: Session) -> None:
        """What a client learns right after it creates or loads a session: the commands."""
        self.model_list.fetch_once(self.models_changed)
        session.updates.send(
            payloads.available_commands([command.to_acp() for command in commands.COMMANDS])
        )
        if session.files.pending.files:
            session.files.announce(force=True)

    def models_changed(self) -> None:
        for session in list(self._sessions.values()):
            session.updates.send(payloads.config_options(self.config_options(session)))

    async def run_command(self, session: Session, text: str) -> str | None:
        """The reply of a slash command, or None if `text` is not one of ours."""
        parsed = commands.parse(text)
        command = commands.BY_NAME.get(parsed[0]) if parsed else None
        if parsed is None or command is None:
            return None
        session.check_idle()
        reply = await command.run(self, session, parsed[1])
        session.updates.message(reply)
        await session.updates.drained()
        return reply

    def _title(self, session: Session, content: list[dict[str, Any]]) -> None:
        if session.titled:
            return
        session.titled = True
        title = next(
            (
                b["text"].strip().splitlines()[0]
                for b in content
                if b["type"] == "text" and b["text"].strip()
            ),
            None,
        )
        if title is not None and not session.conversation.messages:
            session.updates.send(payloads.session_info(title[:TITLE_LENGTH]))

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

        return history_updates(
            session.conversation.messages, describe, session.files.checkpoints.starts()
        )

    def stored(self, cwd: Path | None) -> list[dict[str, Any]]:
        return [stored.to_acp() for stored in self._store.list(cwd)]

    def load(self, session_id: str, cwd: Path | None) -> Session:
        """The session, from memory or from disk (after a restart, or a crash mid-turn)."""
        session = self._sessions.get(session_id)
        if session is not None:
            check_cwd(session_id, session.cwd, cwd)
            return session
        stored = self._store.load(session_id, cwd)
        if stored is None:
            raise UnknownSessionError(session_id)
        conversation = Conversation()
        for record in stored.records:
            conversation.replay(record)
        session = self._add(stored.session_id, stored.cwd, conversation)
        for record in stored.records:
            session.files.replay(record)
        session.files.checkpoints.forget_empty()
        session.titled = True
        # Answer what a crash left unanswered, so the next request is valid.
        conversation.repair(INTERRUPTED_TOOL_TEXT)
        if (notice := stored.notice()) is not None:
            session.updates.send(payloads.notice("warning", notice))
        return session

    async def prompt(
        self, session: Session, content: list[dict[str, Any]], report: Report | None = None
    ) -> TurnResult:
        session.check_idle()
        self.model.check_credentials()
        self._title(session, content)
        config = self.config_for(session)
        tools = list(self._tools)
        if session.mcp is not None:
            await session.mcp.ready(MCP_START_WAIT)
            tools += session.mcp.tools()
        review_before = config.review == "before" and config.permission_mode in ("default", "ask")
        if review_before:
            # Edits then ask in the tool, once their diff is known; the gate in front of
            # every tool asks for commands only, as in mode "default".
            config = dataclasses.replace(config, permission_mode="default")
        start = session.conversation.checkpoint()
        journal = session.files.begin(start)
        note = session.files.note()
        context = ToolContext(
            root=session.cwd,
            documents=self.editor,
            edits=self.editor.edit_target(session.id, session.cwd),
            holding=lambda path: self.editor.holding(session.id, path),
            notify=session.updates.send,
            journal=journal,
            command_timeout=config.command_timeout,
            terminal=self.editor.terminal(session.id),
        )
        hooks = Hooks(
            save_documents=(
                lambda: saved_for_command(
                    self.editor, session.id, session.cwd, session.files.touched()
                )
            )
            if config.save_before_commands
            else None,
            gate=session.permissions if review_before else None,
            session_id=session.id,
        )
        turn = PromptTurn(
            conversation=session.conversation,
            config=config,
            model=self.model,
            tools=hooked(tools, hooks),
            tool_context=context,
            updates=session.updates,
            totals=session.totals,
            report=report,
            permissions=session.permissions,
        )
        # The turn runs as its own task so session/cancel can reach it. A cancelled request
        # (LSP $/cancelRequest) cancels the task it awaits, and the turn then still answers,
        # with stopReason "cancelled", rather than dying with the request.
        session.turn = asyncio.create_task(turn.run(content + note), name=f"turn {session.id}")
        try:
            result = await session.turn
        finally:
            session.turn = None
            self._settle_prompt(session, start, bool(note))
        result.prompt_index = session.files.checkpoints.index_of(journal.turn)
        await session.updates.drained()
        return result

    async def compact(self, session: Session) -> Compacted | None:
        """Compact the conversation now (`/compact`, `agentls/compact`): the older part
        becomes a summary. None when there is nothing older to summarise. Raises
        CompactionError when the summary request fails."""
        session.check_idle()
        self.model.check_credentials()
        config = self.config_for(session)
        compactor = Compactor(
            model=self.model,
            config=config,
            # The same tools as the conversation's requests, so the summary request is one
            # the API reads the same way (and its cache prefix matches).
            tools=[*self._tools, *(session.mcp.tools() if session.mcp is not None else [])],
            root=session.cwd,
            conversation=session.conversation,
            updates=session.updates,
            totals=session.totals,
        )
        session.operation = "a compaction"
        try:
            return await compactor.compact("manual")
        finally:
            session.operation = None
            await session.updates.drained()

    def _settle_prompt(self, session: Session, start: Checkpoint, noted: bool) -> None:
        if session.conversation.checkpoint() == start:
            # Nothing came of the prompt: the loop forgot it, and so do its checkpoint.
            session.files.checkpoints.rolled_back(start)
        elif noted:
            session.files.notes.clear()  # the model has been told

    # --- the agent's file changes: review, rewind, undo (file_actions.py) -----------------

    async def changes(self, session: Session) -> dict[str, Any]:
        return await file_actions.changes(self.editor, session)

    async def review(
        self, session: Session, decision: str, path: Path | None, hunk_ids: list[str] | None
    ) -> dict[str, Any]:
        return await file_actions.review(self.editor, session, decision, path, hunk_ids)

    async def rewind(
        self, session: Session, to_prompt: int, *, files: bool, conversation: bool
    ) -> UndoReport:
        return await file_actions.rewind(
            self.editor, session, to_prompt, files=files, conversation=conversation
        )

    async def undo_last_turn(self, session: Session) -> UndoReport:
        return await file_actions.undo_last_turn(self.editor, session)

    def document_changed(self, path: Path) -> None:
        """The user changed, opened or closed `path` in the editor."""
        for session in list(self._sessions.values()):
            session.files.document_changed(path)

    def close(self, session_id: str) -> None:
        """Forget a session (its journal stays on disk): its turn is cancelled first."""
        self.cancel(session_id)
        session = self._sessions.pop(session_id, None)
        if session is not None and session.mcp is not None:
            asyncio.get_running_loop().create_task(session.mcp.stop())

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
        # MCP servers stop with the server (their guards would stop them anyway).
        stops = [asyncio.ensure_future(s.mcp.stop()) for s in self._sessions.values() if s.mcp]
        if stops:
            await asyncio.wait(stops, timeout=3)

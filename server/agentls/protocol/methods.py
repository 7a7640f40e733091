"""The ACP agent methods and the agentls extensions, as both transports serve them: plain
JSON params in, plain JSON result out, RpcError for what the client must fix. The LSP
adapter (lsp/server.py) and the ACP adapter (acp/agent.py) only route to these."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentls.agent.compaction import CompactionError
from agentls.agent.errors import ModelRequestError
from agentls.agent.file_actions import RewindError
from agentls.agent.model import MissingApiKeyError
from agentls.agent.session import (
    Session,
    SessionBusyError,
    Sessions,
    UnknownSessionError,
)
from agentls.agent.session_options import UnknownChoiceError
from agentls.agent.store import SessionCwdError
from agentls.agent.turn import Report
from agentls.protocol import errors, names, params


class AgentMethods:
    def __init__(self, sessions: Sessions, default_cwd: Callable[[], Path | None]) -> None:
        self.sessions = sessions
        self._default_cwd = default_cwd

    def session(self, session_id: str) -> Session:
        try:
            return self.sessions.get(session_id)
        except UnknownSessionError as exc:
            raise errors.unknown_session(str(exc)) from None

    def _opened(self, session: Session) -> dict[str, Any]:
        """What session/new, load and resume answer, and the commands announced after."""
        # After the answer: a client may ignore updates of a session it does not know yet.
        asyncio.get_running_loop().call_soon(self.sessions.announce, session)
        return {
            "configOptions": self.sessions.config_options(session),
            "modes": self.sessions.modes(session),
        }

    def new_session(self, raw: Any) -> dict[str, Any]:
        setup = params.session_setup(names.SESSION_NEW, raw, self._default_cwd(), with_id=False)
        assert setup.cwd is not None  # session_setup insists on one for session/new
        session = self.sessions.new(setup.cwd)
        self.sessions.start_mcp(session, setup.mcp_servers)
        return {"sessionId": session.id, **self._opened(session)}

    def load_session(self, raw: Any) -> dict[str, Any]:
        session = self._stored_session(names.SESSION_LOAD, raw)
        for update in self.sessions.history(session):
            session.updates.send(update)
        return self._opened(session)

    def resume_session(self, raw: Any) -> dict[str, Any]:
        """Like load, without replaying the conversation (the client still shows it)."""
        return self._opened(self._stored_session(names.SESSION_RESUME, raw))

    def _stored_session(self, method: str, raw: Any) -> Session:
        setup = params.session_setup(method, raw, self._default_cwd(), with_id=True)
        assert setup.session_id is not None
        try:
            session = self.sessions.load(setup.session_id, setup.cwd)
        except UnknownSessionError as exc:
            raise errors.unknown_session(str(exc)) from None
        except SessionCwdError as exc:
            raise errors.invalid_params(method, str(exc)) from None
        if session.busy:
            raise errors.session_busy(str(SessionBusyError(session.id)))
        self.sessions.start_mcp(session, setup.mcp_servers)
        return session

    def mcp_servers(self, raw: Any) -> dict[str, Any]:
        """`agentls/mcpServers`: the session's MCP servers and their status."""
        session = self.session(params.session_id(names.MCP_SERVERS, raw))
        return {"servers": session.mcp.status() if session.mcp is not None else []}

    def close_session(self, raw: Any) -> dict[str, Any]:
        self.sessions.close(self.session(params.session_id(names.SESSION_CLOSE, raw)).id)
        return {}

    def list_sessions(self, raw: Any) -> dict[str, Any]:
        return {"sessions": self.sessions.stored(params.list_filter(raw))}

    async def prompt(self, raw: Any, report: Report | None = None) -> dict[str, Any]:
        request = params.prompt(raw)
        session = self.session(request.session_id)
        try:
            reply = await self.sessions.run_command(session, request.text)
            if reply is not None:
                return {"stopReason": "end_turn"}
            result = await self.sessions.prompt(session, request.content, report)
        except SessionBusyError as exc:
            raise errors.session_busy(str(exc)) from None
        except UnknownChoiceError as exc:
            raise errors.invalid_params(names.SESSION_PROMPT, str(exc)) from None
        except MissingApiKeyError as exc:
            raise errors.no_api_key(str(exc)) from None
        except ModelRequestError as exc:
            raise errors.model_error(str(exc), exc.data) from None
        answer: dict[str, Any] = {"stopReason": result.stop_reason, "usage": result.usage.to_acp()}
        if result.prompt_index is not None:
            answer["_meta"] = {"agentls": {"promptIndex": result.prompt_index}}
        return answer

    def cancel(self, raw: Any) -> None:
        self.sessions.cancel(params.session_id(names.SESSION_CANCEL, raw))

    def set_mode(self, raw: Any) -> dict[str, Any]:
        session_id, mode_id = params.set_mode(raw)
        self._set(names.SESSION_SET_MODE, self.session(session_id), "mode", mode_id)
        return {}

    def set_config_option(self, raw: Any) -> dict[str, Any]:
        session_id, config_id, value = params.set_config_option(raw)
        session = self.session(session_id)
        self._set(names.SESSION_SET_CONFIG_OPTION, session, config_id, value)
        return {"configOptions": self.sessions.config_options(session)}

    def _set(self, method: str, session: Session, config_id: str, value: object) -> None:
        try:
            self.sessions.set_choice(session, config_id, value)
        except UnknownChoiceError as exc:
            raise errors.invalid_params(method, str(exc)) from None

    async def compact(self, raw: Any) -> dict[str, Any]:
        """`agentls/compact`: the conversation's older part becomes a summary now."""
        session = self.session(params.session_id(names.COMPACT, raw))
        try:
            result = await self.sessions.compact(session)
        except SessionBusyError as exc:
            raise errors.session_busy(str(exc)) from None
        except MissingApiKeyError as exc:
            raise errors.no_api_key(str(exc)) from None
        except CompactionError as exc:
            raise errors.model_error(
                f"The conversation could not be compacted: {exc}", {"type": "compaction_failed"}
            ) from None
        if result is None:
            return {"compacted": False}
        return {"compacted": True, **result.to_wire()}

    async def undo_turn(self, raw: Any) -> dict[str, Any]:
        session = self.session(params.session_id(names.UNDO_TURN, raw))
        try:
            report = await self.sessions.undo_last_turn(session)
        except SessionBusyError as exc:
            raise errors.session_busy(str(exc)) from None
        return report.to_wire()

    # --- the agent's file changes: review, rewind ------------------------------------------

    async def changes(self, raw: Any) -> dict[str, Any]:
        session = self.session(params.session_id(names.CHANGES, raw))
        return await self.sessions.changes(session)

    async def review(self, raw: Any) -> dict[str, Any]:
        request = params.review(raw)
        session = self.session(request.session_id)
        try:
            return await self.sessions.review(
                session, request.decision, request.path, request.hunk_ids
            )
        except SessionBusyError as exc:
            raise errors.session_busy(str(exc)) from None

    async def rewind(self, raw: Any) -> dict[str, Any]:
        request = params.rewind(raw)
        session = self.session(request.session_id)
        try:
            report = await self.sessions.rewind(
                session, request.to_prompt, files=request.files, conversation=request.conversation
            )
        except SessionBusyError as exc:
            raise errors.session_busy(str(exc)) from None
        except RewindError as exc:
            raise errors.invalid_params(names.REWIND, str(exc)) from None
        return report.to_wire()

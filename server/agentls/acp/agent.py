"""`agentls acp`: the ACP agent side. `initialize` and `authenticate` are answered here;
every session method is routed to the transport-neutral AgentMethods, as over LSP."""

from __future__ import annotations

import logging
import threading
from typing import Any

from agentls import __version__
from agentls.acp.connection import AcpConnection
from agentls.acp.editor import AcpEditor
from agentls.agent.model import MissingApiKeyError, ModelClient
from agentls.agent.session import Sessions
from agentls.agent.store import SessionStore
from agentls.protocol import errors, names
from agentls.protocol.errors import RpcError
from agentls.protocol.methods import AgentMethods
from agentls.stdio import PipeWriter

log = logging.getLogger(__name__)

AUTH_METHOD = "anthropic-api-key"


class AcpAgent:
    def __init__(self, writer: PipeWriter, options: object = None) -> None:
        self.connection = AcpConnection(writer)
        self.editor = AcpEditor(self.connection, writer)
        self.model = ModelClient()
        self._apply(options)
        self.sessions = Sessions(
            editor=self.editor,
            config=lambda: self.editor.config,
            model=self.model,
            store=SessionStore(),
        )
        # ACP has no workspace root of its own: every session names its cwd.
        self.methods = AgentMethods(self.sessions, lambda: None)
        self.initialized = False
        self._imports_warmed = False
        writer.resume_callbacks.append(self.sessions.resume_output)
        self._register()

    def _apply(self, options: object) -> None:
        self.editor.config, problems = self.editor.config.merged(options)
        for problem in problems:
            log.warning("Ignoring a setting: %s", problem)

    def _register(self) -> None:
        methods = self.methods
        requests = {
            names.INITIALIZE: self.initialize,
            names.AUTHENTICATE: self.authenticate,
            names.SESSION_NEW: methods.new_session,
            names.SESSION_LOAD: methods.load_session,
            names.SESSION_RESUME: methods.resume_session,
            names.SESSION_CLOSE: methods.close_session,
            names.SESSION_LIST: methods.list_sessions,
            names.SESSION_PROMPT: methods.prompt,
            names.SESSION_SET_MODE: methods.set_mode,
            names.SESSION_SET_CONFIG_OPTION: methods.set_config_option,
            # ACP's extension methods start with "_".
            "_" + names.UNDO_TURN: methods.undo_turn,
            "_" + names.CHANGES: methods.changes,
            "_" + names.REVIEW: methods.review,
            "_" + names.REWIND: methods.rewind,
            "_" + names.COMPACT: methods.compact,
            "_" + names.MCP_SERVERS: methods.mcp_servers,
        }
        for name, handler in requests.items():
            self.connection.requests[name] = self._guarded(name, handler)
        self.connection.notifications[names.SESSION_CANCEL] = methods.cancel

    def _guarded(self, name: str, handler: Any) -> Any:
        def run(params: Any) -> Any:
            if name != names.INITIALIZE and not self.initialized:
                raise RpcError(
                    errors.INVALID_REQUEST, f"{name} before initialize: send initialize first"
                )
            if name in (names.SESSION_NEW, names.SESSION_LOAD, names.SESSION_RESUME):
                self._warm_imports()
            return handler(params)

        return run

    def initialize(self, params: Any) -> dict[str, Any]:
        data = params if isinstance(params, dict) else {}
        if self.initialized:
            raise RpcError(errors.INVALID_REQUEST, "initialize was already received")
        self.initialized = True
        self.editor.client_capabilities(data.get("clientCapabilities"))
        meta = data.get("_meta")
        if isinstance(meta, dict) and isinstance(meta.get("agentls"), dict):
            self._apply(meta["agentls"])
        return {
            # ACP: answer the client's version if supported, else the latest we speak.
            "protocolVersion": names.PROTOCOL_VERSION,
            "agentCapabilities": {
                "loadSession": True,
                "promptCapabilities": {"image": True, "audio": False, "embeddedContext": True},
                "mcpCapabilities": {"http": True, "sse": True},
                "sessionCapabilities": {"list": {}, "resume": {}, "close": {}},
            },
            "authMethods": [
                {
                    "id": AUTH_METHOD,
                    "name": "Anthropic API key",
                    "description": "Set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) in the "
                    "environment the editor starts `agentls acp` with.",
                }
            ],
            "agentInfo": {"name": "agentls", "title": "agentls", "version": __version__},
        }

    def authenticate(self, params: Any) -> dict[str, Any]:
        method = params.get("methodId") if isinstance(params, dict) else None
        if method != AUTH_METHOD:
            raise errors.invalid_params(
                names.AUTHENTICATE, f"unknown methodId {method!r}; use {AUTH_METHOD!r}"
            )
        try:
            self.model.check_credentials()
        except MissingApiKeyError as exc:
            raise errors.no_api_key(str(exc)) from None
        return {}

    def _warm_imports(self) -> None:
        """Load the SDK in the background once a session exists: an agent that is started
        but never prompted stays small and quick."""
        if not self._imports_warmed:
            self._imports_warmed = True
            threading.Thread(target=_warm_imports, name="warm-imports", daemon=True).start()

    async def close(self) -> None:
        await self.sessions.cancel_all()
        await self.model.close()


def _warm_imports() -> None:
    import anthropic  # noqa: F401

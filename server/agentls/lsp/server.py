"""The language server: LSP lifecycle and documents, and the session methods routed to the
transport-neutral AgentMethods (protocol/methods.py)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path

from agentls import __version__
from agentls.agent.model import ModelClient
from agentls.agent.session import Sessions
from agentls.agent.store import SessionStore
from agentls.config import Config
from agentls.lsp import pygls_adapter
from agentls.lsp.editor import LspEditor
from agentls.protocol import names
from agentls.protocol.errors import RpcError
from agentls.protocol.methods import AgentMethods
from agentls.stdio import PipeWriter

log = logging.getLogger(__name__)

CONFIGURATION_WAIT = 5.0  # seconds a first prompt waits for the editor's settings

SERVER_METHODS = [
    names.SESSION_NEW,
    names.SESSION_PROMPT,
    names.SESSION_CANCEL,
    names.SESSION_LIST,
    names.SESSION_LOAD,
    names.SESSION_RESUME,
    names.SESSION_CLOSE,
    names.SESSION_SET_MODE,
    names.SESSION_SET_CONFIG_OPTION,
    names.UNDO_TURN,
    names.CHANGES,
    names.REVIEW,
    names.REWIND,
    names.COMPACT,
    names.MCP_SERVERS,
]


class AgentProtocol(LanguageServerProtocol):
    _server: AgentServer

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Any:
        if self._server.initialized_once:
            raise JsonRpcInvalidRequest(
                message="initialize was already received: a server is initialized once"
            )
        self._server.initialized_once = True
        result = yield from super().lsp_initialize(params)
        self._server.apply_options(params.initialization_options)
        result.capabilities.experimental = {
            "agentls": {"protocolVersion": names.PROTOCOL_VERSION, "methods": SERVER_METHODS}
        }
        return result

    @lsp_method(types.EXIT)
    def lsp_exit(self, *_args: Any) -> Generator[Any, Any, None]:
        # pygls calls sys.exit() from inside the handler; here the server's main loop ends
        # instead, so it can cancel turns and stop child processes first.
        self._server.exit_requested.set()
        yield from ()

    def notify_raw(self, method: str, params: dict[str, Any]) -> None:
        """A notification whose params are plain JSON already: the streaming path skips
        the attrs/cattrs conversion that `notify` does for typed LSP messages."""
        pygls_adapter.send_raw(self, {"jsonrpc": "2.0", "method": method, "params": params})


class AgentServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "agentls",
            __version__,
            protocol_cls=AgentProtocol,
            converter_factory=pygls_adapter.plain_json_converter,
        )
        self.config = Config()
        self.model = ModelClient()
        self.editor = LspEditor(self)
        self.writer = PipeWriter()
        self.exit_requested = asyncio.Event()
        self._imports_warmed = False
        self.initialized_once = False
        # Set once `workspace/configuration` has answered (or cannot), so the first prompt
        # runs with the user's settings, not the defaults.
        self.configured = asyncio.Event()
        self.sessions = Sessions(
            editor=self.editor, config=lambda: self.config, model=self.model, store=SessionStore()
        )
        self.methods = AgentMethods(self.sessions, self.workspace_root)
        self.writer.resume_callbacks.append(self.sessions.resume_output)
        self.editor.on_change = self.sessions.document_changed

    def warm_imports(self) -> None:
        """Load what a prompt needs (the SDK, the ACP schema) in the background, once a
        session exists: a server that is started but never prompted stays small."""
        if not self._imports_warmed:
            self._imports_warmed = True
            threading.Thread(target=_warm_imports, name="warm-imports", daemon=True).start()

    def report_server_error(self, error: Exception, source: Any) -> None:
        # Errors the client caused were answered as JSON-RPC errors already; popping them
        # up in the editor too would be noise. Anything else is a bug worth showing.
        if isinstance(error, JsonRpcException) and error.code != JsonRpcInternalError.CODE:
            return
        super().report_server_error(error, source)

    def apply_options(self, options: object) -> None:
        self.config, problems = self.config.merged(options)
        for problem in problems:
            log.warning("Ignoring a setting: %s", problem)

    def workspace_root(self) -> Path | None:
        root = self.workspace.root_path
        return Path(root) if root else None


class ClientLogHandler(logging.Handler):
    """Warnings and errors go to the editor's log too (`window/logMessage`)."""

    def __init__(self, server: AgentServer) -> None:
        super().__init__(logging.WARNING)
        self.server = server
        self._emitting = False
        self.addFilter(_not_a_client_error)

    def emit(self, record: logging.LogRecord) -> None:
        # Sending can itself log (a broken pipe): never recurse into another send.
        if self._emitting or self.server.protocol.writer is None:
            return
        self._emitting = True
        kind = (
            types.MessageType.Error
            if record.levelno >= logging.ERROR
            else types.MessageType.Warning
        )
        try:
            self.server.window_log_message(
                types.LogMessageParams(type=kind, message=self.format(record))
            )
        except Exception:  # a log line must never take the server down
            self.handleError(record)
        finally:
            self._emitting = False


def _not_a_client_error(record: logging.LogRecord) -> bool:
    """pygls logs, with a traceback, every error it answers: an unknown method, bad params,
    an unknown session. The client has its answer; its log needs no traceback."""
    if not record.name.startswith("pygls"):
        return True
    if getattr(record, "client_error", False):
        return False
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, JsonRpcException) and error.code != JsonRpcInternalError.CODE:
        return False
    return "unknown method" not in record.getMessage()


class OneLineClientErrors(logging.Filter):
    """pygls logs every error it answers with, traceback and all, at ERROR. An error the
    client gets an answer for (no key, an unknown session, a failed model request) is an
    ordinary event: one line at WARNING, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if (
            record.name.startswith("pygls")
            and isinstance(error, JsonRpcException)
            and error.code != JsonRpcInternalError.CODE
        ):
            record.msg, record.args = "Answered with error %s: %s", (error.code, error.message)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.client_error = True  # the client has its answer: not for its log too
        return True


def build_server() -> AgentServer:
    server = AgentServer()
    _setup_lifecycle(server)
    _setup_documents(server)
    _setup_sessions(server)
    return server


def _setup_lifecycle(server: AgentServer) -> None:
    @server.feature(types.INITIALIZED)
    async def initialized(ls: AgentServer, _params: types.InitializedParams) -> None:
        capabilities = ls.client_capabilities.workspace
        try:
            if capabilities is not None and capabilities.configuration:
                await _pull_configuration(ls)
        finally:
            ls.configured.set()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def configuration_changed(
        ls: AgentServer, params: types.DidChangeConfigurationParams
    ) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get("agentls"), dict):
            ls.apply_options(settings["agentls"])
        capabilities = ls.client_capabilities.workspace
        if capabilities is not None and capabilities.configuration:
            await _pull_configuration(ls)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: AgentServer, _params: None) -> None:
        await ls.sessions.cancel_all()


def _setup_sessions(server: AgentServer) -> None:
    methods = server.methods
    # Plain request/response methods: the same handler on both transports.
    for name, handler in (
        (names.SESSION_NEW, methods.new_session),
        (names.SESSION_LOAD, methods.load_session),
        (names.SESSION_RESUME, methods.resume_session),
        (names.SESSION_CLOSE, methods.close_session),
        (names.SESSION_LIST, methods.list_sessions),
        (names.SESSION_SET_MODE, methods.set_mode),
        (names.SESSION_SET_CONFIG_OPTION, methods.set_config_option),
        (names.UNDO_TURN, methods.undo_turn),
        (names.CHANGES, methods.changes),
        (names.REVIEW, methods.review),
        (names.REWIND, methods.rewind),
        (names.COMPACT, methods.compact),
        (names.MCP_SERVERS, methods.mcp_servers),
    ):
        server.feature(name)(_answering(handler))

    @server.feature(names.SESSION_PROMPT)
    async def session_prompt(ls: AgentServer, params: Any) -> dict[str, Any]:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ls.configured.wait(), CONFIGURATION_WAIT)
        session_id = params.get("sessionId") if isinstance(params, dict) else None
        progress = _Progress(ls, _token(params), session_id)
        try:
            with _as_lsp_error():
                return await methods.prompt(params, progress.report)
        finally:
            progress.end()

    @server.feature(names.SESSION_CANCEL)
    def session_cancel(_ls: AgentServer, params: Any) -> None:
        with _as_lsp_error():
            methods.cancel(params)


def _answering(handler: Callable[[Any], Any]) -> Callable[[AgentServer, Any], Any]:
    """A pygls feature for a method handler, its RpcErrors answered as JSON-RPC errors."""
    if inspect.iscoroutinefunction(handler):

        async def run_async(ls: AgentServer, params: Any) -> Any:
            ls.warm_imports()
            with _as_lsp_error():
                return await handler(params)

        return run_async

    def run(ls: AgentServer, params: Any) -> Any:
        ls.warm_imports()
        with _as_lsp_error():
            return handler(params)

    return run


@contextlib.contextmanager
def _as_lsp_error() -> Generator[None, None, None]:
    try:
        yield
    except RpcError as exc:
        raise JsonRpcException(code=exc.code, message=exc.message, data=exc.data) from None


def _token(params: Any) -> str | int | None:
    token = params.get("workDoneToken") if isinstance(params, dict) else None
    return token if isinstance(token, str | int) and not isinstance(token, bool) else None


def _setup_documents(server: AgentServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AgentServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.editor.document_opened(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AgentServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.editor.document_changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AgentServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.editor.document_closed(params.text_document.uri)


class _Progress:
    """LSP `$/progress` for a prompt that carries a workDoneToken; cancelling it in the
    editor cancels the turn."""

    def __init__(self, server: AgentServer, token: str | int | None, session_id: Any) -> None:
        self.server = server
        self.token = token
        if token is None:
            return
        server.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(title="agentls", cancellable=True, message="Starting"),
        )
        cancelled = server.work_done_progress.tokens.get(token)
        if cancelled is not None:
            cancelled.add_done_callback(
                lambda future: server.sessions.cancel(session_id) if future.cancelled() else None
            )

    def report(self, message: str) -> None:
        if self.token is not None:
            self.server.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=message)
            )

    def end(self) -> None:
        if self.token is not None:
            self.server.work_done_progress.end(self.token, types.WorkDoneProgressEnd())
            self.server.work_done_progress.tokens.pop(self.token, None)


async def _pull_configuration(server: AgentServer) -> None:
    root = server.workspace_root()
    item = types.ConfigurationItem(
        section="agentls", scope_uri=from_fs_path(str(root)) if root else None
    )
    try:
        values = await server.workspace_configuration_async(types.ConfigurationParams(items=[item]))
    except Exception as exc:  # the client's problem must not stop the server
        log.warning("workspace/configuration failed (%s); keeping initializationOptions", exc)
        return
    if values and isinstance(values[0], dict):
        server.apply_options(values[0])


def _warm_imports() -> None:
    # Loaded off the event loop so the first prompt does not pay for it.
    import anthropic  # noqa: F401

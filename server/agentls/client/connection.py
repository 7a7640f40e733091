"""An LSP client for `agentls serve`: what the terminal client and the tests talk through.

It starts the server as an editor does (a subprocess on stdio) and speaks the protocol
of docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from lsprotocol import types
from pygls.io_ import run_async
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from agentls import __version__
from agentls.lsp.pygls_adapter import plain_json_converter

F = TypeVar("F", bound=Callable[..., Any])
UpdateHandler = Callable[[dict[str, Any]], None]
PermissionHandler = Callable[[dict[str, Any]], Any]


def server_command() -> list[str]:
    return [sys.executable, "-m", "agentls", "serve"]


class AgentClient(LanguageClient):
    def __init__(self) -> None:
        super().__init__("agentls-client", __version__, converter_factory=plain_json_converter)
        self.update_handlers: list[UpdateHandler] = []
        self.progress_events: list[Any] = []
        self.log_messages: list[str] = []
        self.configuration: dict[str, Any] | None = None
        self.permission_handler: PermissionHandler | None = None
        self.apply_edit_handler: Callable[[types.ApplyWorkspaceEditParams], Any] | None = None
        self._ids = itertools.count(1)
        self.process: asyncio.subprocess.Process | None = None
        self.cancelled_requests: list[str | int] = []  # ids the server withdrew
        self._register_handlers()
        withdraw = self.protocol._handle_cancel_notification

        def record_cancel(msg_id: str | int) -> None:
            self.cancelled_requests.append(msg_id)
            withdraw(msg_id)

        self.protocol._handle_cancel_notification = record_cancel  # type: ignore[method-assign]

    def _on(self, method: str) -> Callable[[F], F]:
        # pygls's client decorator is untyped; this keeps the handlers typed.
        return cast(Callable[[F], F], self.feature(method))

    def _register_handlers(self) -> None:
        @self._on("session/update")
        def on_update(_client: AgentClient, params: Any) -> None:
            for handler in list(self.update_handlers):
                handler(params)

        @self._on(types.PROGRESS)
        def on_progress(_client: AgentClient, params: types.ProgressParams) -> None:
            self.progress_events.append(params)

        @self._on(types.WINDOW_LOG_MESSAGE)
        def on_log(_client: AgentClient, params: types.LogMessageParams) -> None:
            self.log_messages.append(params.message)

        @self._on(types.WORKSPACE_CONFIGURATION)
        def on_configuration(_client: AgentClient, params: types.ConfigurationParams) -> list[Any]:
            return [self.configuration for _item in params.items]

        @self._on(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def on_progress_create(
            _client: AgentClient, _params: types.WorkDoneProgressCreateParams
        ) -> None:
            return None

        @self._on(types.WORKSPACE_APPLY_EDIT)
        def on_apply_edit(
            _client: AgentClient, params: types.ApplyWorkspaceEditParams
        ) -> types.ApplyWorkspaceEditResult:
            if self.apply_edit_handler is None:
                return types.ApplyWorkspaceEditResult(
                    applied=False, failure_reason="this client does not apply edits"
                )
            result: types.ApplyWorkspaceEditResult = self.apply_edit_handler(params)
            return result

        @self._on("session/request_permission")
        async def on_permission(_client: AgentClient, params: Any) -> Any:
            if self.permission_handler is None:
                return {"outcome": {"outcome": "cancelled"}}
            answer = self.permission_handler(params)
            if asyncio.iscoroutine(answer):
                answer = await answer
            return answer

    async def start(
        self,
        command: Sequence[str] | None = None,
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        stderr: IO[Any] | int | None = None,
    ) -> None:
        # pygls's own start_io pipes stderr and never reads it, which would stall a
        # server that logs a lot; here stderr goes where the caller says.
        argv = list(command or server_command())
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
        assert process.stdin is not None and process.stdout is not None
        self.process = process
        self._server = process
        self.protocol.set_writer(process.stdin)
        connection = asyncio.create_task(
            run_async(
                stop_event=self._stop_event,
                reader=process.stdout,
                protocol=self.protocol,
                error_handler=self.report_server_error,
            )
        )
        exited = asyncio.create_task(self._server_exit())  # type: ignore[no-untyped-call]
        self._async_tasks.extend([connection, exited])

    async def initialize_agent(
        self,
        root: Path,
        options: dict[str, Any] | None = None,
        *,
        apply_edit: bool = True,
        configuration: bool = False,
    ) -> types.InitializeResult:
        capabilities = types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(
                apply_edit=apply_edit,
                configuration=configuration,
                workspace_edit=types.WorkspaceEditClientCapabilities(
                    document_changes=True,
                    resource_operations=[types.ResourceOperationKind.Create],
                    failure_handling=types.FailureHandlingKind.Abort,
                ),
            ),
            window=types.WindowClientCapabilities(work_done_progress=True),
        )
        result = await self.initialize_async(
            types.InitializeParams(
                process_id=os.getpid(),
                root_uri=from_fs_path(str(root)),
                capabilities=capabilities,
                initialization_options=options or {},
                client_info=types.ClientInfo(name="agentls-client", version=__version__),
            )
        )
        self.initialized(types.InitializedParams())
        return result

    def next_id(self) -> str:
        return f"agentls-{next(self._ids)}"

    async def request(self, method: str, params: Any, msg_id: str | None = None) -> Any:
        return await self.protocol.send_request_async(
            method, params, msg_id=msg_id or self.next_id()
        )

    async def new_session(self, cwd: Path | None = None) -> str:
        params: dict[str, Any] = {"mcpServers": []}
        if cwd is not None:
            params["cwd"] = str(cwd)
        result = await self.request("session/new", params)
        return str(result["sessionId"])

    async def prompt(
        self,
        session_id: str,
        prompt: str | list[dict[str, Any]],
        *,
        msg_id: str | None = None,
        work_done_token: str | None = None,
    ) -> dict[str, Any]:
        blocks = [{"type": "text", "text": prompt}] if isinstance(prompt, str) else prompt
        params: dict[str, Any] = {"sessionId": session_id, "prompt": blocks}
        if work_done_token is not None:
            params["workDoneToken"] = work_done_token
        result: dict[str, Any] = await self.request("session/prompt", params, msg_id)
        return result

    def cancel(self, session_id: str) -> None:
        self.protocol.notify("session/cancel", {"sessionId": session_id})

    def cancel_prompt_request(self, msg_id: str) -> None:
        self.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))

    def open_document(self, path: Path, text: str, version: int = 1, language: str = "") -> None:
        self.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=from_fs_path(str(path)) or "",
                    language_id=language or "plaintext",
                    version=version,
                    text=text,
                )
            )
        )

    async def close(self, timeout: float = 5.0) -> int | None:
        """Shut the server down politely, then firmly; returns its exit code."""
        process = self.process
        if process is None:
            return None
        if process.returncode is None:
            try:
                await asyncio.wait_for(self.shutdown_async(None), timeout)
                self.exit(None)
            except Exception:
                pass
            try:
                await asyncio.wait_for(process.wait(), timeout)
            except TimeoutError:
                process.kill()
                await process.wait()
        await self.stop()  # type: ignore[no-untyped-call]
        return process.returncode

"""Drives a real `agentls acp` subprocess with ACP's official Python client library
(`acp.ClientSideConnection`), as an ACP editor would: it answers `fs/*` from its own buffers
(unsaved text included), permission requests through a handler, and records every update.

Every message the agent sends is parsed by the library's pydantic models (it rejects what
is not ACP), and each session/update is checked to round-trip unchanged."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from agentls.client.connection import server_command
from tests.acp_agent.terminals import Terminals
from tests.e2e.harness import wait_until

Update = dict[str, Any]
PermissionHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


@dataclass
class AcpClient:
    """The editor side: buffers, answers, and what it was sent."""

    root: Path
    buffers: dict[Path, str] = field(default_factory=dict)  # unsaved editor text
    updates: list[Update] = field(default_factory=list)
    extension_updates: list[Update] = field(default_factory=list)
    writes: list[tuple[Path, str]] = field(default_factory=list)
    reads: list[Path] = field(default_factory=list)
    permission_requests: list[dict[str, Any]] = field(default_factory=list)
    permission_handler: PermissionHandler | None = None
    terminals: Terminals = field(default_factory=Terminals)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    # --- acp.Client -----------------------------------------------------------------------

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        self.updates.append({"sessionId": session_id, "update": _dump(update)})
        self._changed.set()

    async def request_permission(
        self, session_id: str, tool_call: Any, options: list[Any], **kwargs: Any
    ) -> Any:
        from acp.schema import RequestPermissionResponse

        params = {
            "sessionId": session_id,
            "toolCall": _dump(tool_call),
            "options": [_dump(option) for option in options],
        }
        self.permission_requests.append(params)
        self._changed.set()
        if self.permission_handler is None:
            answer: dict[str, Any] = {"outcome": {"outcome": "cancelled"}}
        else:
            answer = await self.permission_handler(params)
        return RequestPermissionResponse.model_validate(answer)

    async def read_text_file(
        self,
        path: str,
        session_id: str,
        limit: int | None = None,
        line: int | None = None,
        **kwargs: Any,
    ) -> Any:
        from acp import RequestError
        from acp.schema import ReadTextFileResponse

        file = Path(path)
        assert file.is_absolute(), f"fs/read_text_file with a relative path {path!r}"
        self.reads.append(file)
        if file in self.buffers:
            return ReadTextFileResponse(content=self.buffers[file])
        try:
            return ReadTextFileResponse(content=await asyncio.to_thread(file.read_text))
        except (FileNotFoundError, IsADirectoryError):
            raise RequestError.resource_not_found(path) from None

    async def write_text_file(self, content: str, path: str, session_id: str, **kwargs: Any) -> Any:
        from acp.schema import WriteTextFileResponse

        file = Path(path)
        assert file.is_absolute(), f"fs/write_text_file with a relative path {path!r}"
        # As an editor does: the text lands in its buffer, unsaved, for the user to review.
        self.buffers[file] = content
        self.writes.append((file, content))
        self._changed.set()
        return WriteTextFileResponse()

    # terminal/*: real processes, as an editor's terminal runs them (terminals.py).

    async def create_terminal(self, *args: Any, **kwargs: Any) -> Any:
        return await self.terminals.create_terminal(*args, **kwargs)

    async def terminal_output(self, *args: Any, **kwargs: Any) -> Any:
        return await self.terminals.terminal_output(*args, **kwargs)

    async def wait_for_terminal_exit(self, *args: Any, **kwargs: Any) -> Any:
        return await self.terminals.wait_for_terminal_exit(*args, **kwargs)

    async def kill_terminal(self, *args: Any, **kwargs: Any) -> Any:
        return await self.terminals.kill_terminal(*args, **kwargs)

    async def release_terminal(self, *args: Any, **kwargs: Any) -> Any:
        result = await self.terminals.release_terminal(*args, **kwargs)
        self._changed.set()
        return result

    async def ext_method(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError(method)

    async def ext_notification(self, method: str, params: dict[str, Any]) -> None:
        if method == "agentls/session_update":
            self.extension_updates.append(params)
            self._changed.set()

    def on_connect(self, conn: Any) -> None:
        pass

    # --- what the tests read ----------------------------------------------------------------

    async def wait_for(
        self, condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition"
    ) -> Any:
        def state() -> str:
            return f"updates so far: {[u['update'].get('sessionUpdate') for u in self.updates]}"

        return await wait_until(condition, self._changed, timeout, what, state)

    def of_kind(self, kind: str, session_id: str | None = None) -> list[dict[str, Any]]:
        return [
            u["update"]
            for u in self.updates
            if u["update"].get("sessionUpdate") == kind
            and (session_id is None or u["sessionId"] == session_id)
        ]

    def text(self, session_id: str | None = None, kind: str = "agent_message_chunk") -> str:
        return "".join(u["content"]["text"] for u in self.of_kind(kind, session_id))

    def tool_updates(self, tool_call_id: str) -> list[dict[str, Any]]:
        return [u["update"] for u in self.updates if u["update"].get("toolCallId") == tool_call_id]


@dataclass
class AcpSession:
    client: AcpClient
    conn: Any  # acp.ClientSideConnection
    process: asyncio.subprocess.Process
    init: dict[str, Any]

    async def new_session(self, cwd: Path | None = None) -> dict[str, Any]:
        response = await self.conn.new_session(cwd=str(cwd or self.client.root), mcp_servers=[])
        return dict(_dump(response))

    async def prompt(self, session_id: str, text: str) -> dict[str, Any]:
        from acp import text_block

        response = await self.conn.prompt(session_id=session_id, prompt=[text_block(text)])
        return dict(_dump(response))

    async def cancel(self, session_id: str) -> None:
        await self.conn.cancel(session_id=session_id)


@contextlib.asynccontextmanager
async def acp_agent(
    root: Path,
    env: dict[str, str],
    *,
    fs: bool = True,
    terminal: bool = False,
    options: dict[str, Any] | None = None,
    stderr_path: Path | None = None,
) -> AsyncIterator[AcpSession]:
    from acp import PROTOCOL_VERSION, spawn_agent_process
    from acp.schema import ClientCapabilities, FileSystemCapabilities, Implementation

    client = AcpClient(root)
    command = [*server_command()[:-1], "acp"]
    if options is not None:
        import json

        command += ["--options", json.dumps(options)]
    stderr = stderr_path.open("w") if stderr_path else None
    async with (
        spawn_agent_process(
            cast(Any, client),  # implements the parts of acp.Client its capabilities advertise
            command[0],
            *command[1:],
            env=env,
            cwd=root,
            transport_kwargs={"stderr": stderr} if stderr else None,
        ) as (conn, process)
    ):
        init = await conn.initialize(
            protocol_version=PROTOCOL_VERSION,
            client_capabilities=ClientCapabilities(
                fs=FileSystemCapabilities(read_text_file=fs, write_text_file=fs),
                terminal=terminal,
            ),
            client_info=Implementation(name="agentls-tests", version="0"),
        )
        yield AcpSession(client, conn, process, _dump(init))
    if stderr:
        stderr.close()

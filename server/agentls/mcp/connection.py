"""One MCP server of a session, through the official `mcp` SDK's `Client`: started in a task
of its own (the SDK's transports are anyio context managers, entered and left in one task),
its tools listed and re-listed on `tools/list_changed`, its calls bounded by `mcpTimeout`.
A stdio server runs under the same guard as the bash tool's commands (tools/guard.py), so
it dies with the server, even on `kill -9`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentls import __version__
from agentls.mcp.servers import ServerSpec
from agentls.tools.processes import GUARD, KILL_GRACE, child_env

if TYPE_CHECKING:
    import mcp_types
    from mcp import Client

log = logging.getLogger(__name__)


class McpCallError(Exception):
    """A call that did not get an answer: the server is down, failed, or took too long."""


def describe(exc: BaseException) -> str:
    """One line for the user, from what may be an exception group of the SDK's task group."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class McpConnection:
    def __init__(
        self, spec: ServerSpec, root: Path, timeout: float, on_change: Callable[[], None]
    ) -> None:
        self.spec = spec
        self.root = root
        self.timeout = timeout
        self.on_change = on_change
        self.status = "starting"
        self.error: str | None = None
        self.tools: list[mcp_types.Tool] = []
        self._client: Client | None = None
        self._stop = asyncio.Event()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"mcp server {self.spec.name}")

    async def ready(self) -> None:
        """Returns once the server is connected, or failed to."""
        await self._ready.wait()

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), KILL_GRACE + 3)
            except TimeoutError:
                self._task.cancel()

    def to_wire(self) -> dict[str, Any]:
        return {
            "name": self.spec.name,
            "source": self.spec.source,
            "transport": self.spec.transport,
            "status": self.status,
            "error": self.error,
            "tools": [{"name": tool.name, "title": tool.title} for tool in self.tools],
        }

    # --- the connection's task ------------------------------------------------------------

    async def _run(self) -> None:
        from mcp import Client
        from mcp_types import Implementation

        try:
            client = Client(
                self._server(),
                message_handler=self._on_message,
                client_info=Implementation(name="agentls", version=__version__),
            )
            async with contextlib.AsyncExitStack() as stack:
                async with asyncio.timeout(self.timeout):
                    await stack.enter_async_context(client)
                    stack.callback(setattr, self, "_client", None)
                    self._client = client
                    await self._list_tools()
                self._set("connected")
                listener = asyncio.create_task(self._listen(client))
                try:
                    await self._stop.wait()
                finally:
                    listener.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await listener
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # a server that fails in any way fails alone
            reason = "did not answer in time" if isinstance(exc, TimeoutError) else describe(exc)
            log.info("MCP server %s failed: %s", self.spec.name, reason)
            self._set("failed", reason)
        finally:
            if self.status != "failed":
                self._set("stopped")

    def _server(self) -> Any:
        if self.spec.transport == "stdio":
            from mcp.client.stdio import StdioServerParameters

            # Under the guard: the server and whatever it starts die with us.
            guarded = ["-I", "-S", str(GUARD), str(os.getpid()), str(KILL_GRACE)]
            return StdioServerParameters(
                command=sys.executable,
                args=[*guarded, self.spec.command, *self.spec.args],
                env={**child_env(), **self.spec.env},
                cwd=str(self.root),
            )
        if self.spec.transport == "sse":
            from mcp.client.sse import sse_client

            return sse_client(self.spec.url, headers=self.spec.headers)
        from httpx2 import AsyncClient
        from mcp.client.streamable_http import streamable_http_client

        http = AsyncClient(headers=self.spec.headers, timeout=self.timeout)
        return streamable_http_client(self.spec.url, http_client=http)

    async def _list_tools(self) -> None:
        assert self._client is not None
        tools: list[mcp_types.Tool] = []
        cursor: str | None = None
        for _page in range(100):  # a server whose cursor never ends does not hang us
            listing = await self._client.list_tools(cursor=cursor, cache_mode="refresh")
            tools.extend(listing.tools)
            cursor = listing.next_cursor
            if not cursor:
                break
        self.tools = tools

    async def _listen(self, client: Client) -> None:
        """Follows `tools/list_changed`: on 2026-07-28 connections it comes through a
        `subscriptions/listen` stream; older ones send it as a notification (_on_message)."""
        from mcp.client.subscriptions import ListenNotSupportedError

        try:
            async with client.listen(tools_list_changed=True) as subscription:
                async for _event in subscription:
                    await self._relist()
        except ListenNotSupportedError:
            return
        except Exception as exc:
            log.info("MCP server %s: no list changes followed: %s", self.spec.name, exc)

    async def _on_message(self, message: Any) -> None:
        from mcp_types import ToolListChangedNotification

        if isinstance(message, ToolListChangedNotification) and self._client is not None:
            asyncio.get_running_loop().create_task(self._relist())
        elif isinstance(message, Exception):
            log.info("MCP server %s sent something unreadable: %s", self.spec.name, message)

    async def _relist(self) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                await self._list_tools()
        except Exception as exc:
            log.info("MCP server %s: listing its tools again failed: %s", self.spec.name, exc)
            return
        self.on_change()

    def _set(self, status: str, error: str | None = None) -> None:
        self.status, self.error = status, error
        if status != "starting":
            self._ready.set()
        self.on_change()

    # --- calls ----------------------------------------------------------------------------

    async def call(self, tool: str, arguments: dict[str, Any]) -> mcp_types.CallToolResult:
        client = self._client
        if client is None or self.status != "connected":
            why = f": {self.error}" if self.error else ""
            raise McpCallError(f"MCP server `{self.spec.name}` is {self.status}{why}")
        try:
            async with asyncio.timeout(self.timeout):
                return await client.call_tool(tool, arguments, read_timeout_seconds=self.timeout)
        except TimeoutError:
            raise McpCallError(
                f"MCP server `{self.spec.name}` did not answer within {self.timeout:g} s "
                "(option mcpTimeout)"
            ) from None
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if self._task is not None and self._task.done():
                self._set("failed", describe(exc))
            raise McpCallError(f"MCP server `{self.spec.name}`: {describe(exc)}") from exc

"""The MCP servers one session runs: started together when the session starts (a prompt
waits a short while for those still starting), their tools offered to the model, their
status sent to the editor (`mcp_servers_update`, with a notice when one fails), stopped
with the session. A server from the project's `.mcp.json` is not trusted silently: its
first use asks the user, and "always" is remembered for the workspace."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from agentls.mcp.connection import McpConnection
from agentls.mcp.servers import ServerSpec
from agentls.mcp.tools import McpTool
from agentls.protocol import payloads
from agentls.tools.base import ToolError

log = logging.getLogger(__name__)

Ask = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
TRUST_FILE = "mcp-trust.json"


class SessionServers:
    def __init__(
        self,
        specs: list[ServerSpec],
        *,
        session_id: str,
        root: Path,
        timeout: float,
        send: Callable[[dict[str, Any]], None],
        ask: Ask,
        state_dir: Callable[[], Path],
        problem: str | None = None,
    ) -> None:
        self.session_id = session_id
        self.root = root
        self.send = send
        self.ask = ask
        self.state_dir = state_dir
        self.connections = [McpConnection(s, root, timeout, self._changed) for s in specs]
        self._said: dict[str, str] = {}  # the status each server's notice was sent for
        self._trusted_now: set[str] = set()  # allowed once in this session
        if problem:
            send(payloads.notice("warning", problem))

    def start(self) -> None:
        for connection in self.connections:
            connection.start()
        if self.connections:
            self._changed()

    async def ready(self, bound: float) -> None:
        """Waits at most `bound` seconds for the servers still starting."""
        waiting = [asyncio.ensure_future(c.ready()) for c in self.connections]
        if waiting:
            _done, pending = await asyncio.wait(waiting, timeout=bound)
            for task in pending:
                task.cancel()

    def tools(self) -> list[McpTool]:
        out: list[McpTool] = []
        seen: set[str] = set()
        for connection in self.connections:
            if connection.status != "connected":
                continue
            for tool in connection.tools:
                mcp_tool = McpTool(connection, tool, self)
                if mcp_tool.name not in seen:  # two servers cleaned to one name: the first
                    seen.add(mcp_tool.name)
                    out.append(mcp_tool)
        return out

    def status(self) -> list[dict[str, Any]]:
        return [connection.to_wire() for connection in self.connections]

    async def stop(self) -> None:
        await asyncio.gather(*(c.stop() for c in self.connections), return_exceptions=True)

    def _changed(self) -> None:
        self.send({"sessionUpdate": "mcp_servers_update", "servers": self.status()})
        for connection in self.connections:
            name, status = connection.spec.name, connection.status
            if status == "failed" and self._said.get(name) != "failed":
                message = (
                    f"MCP server `{name}` failed: {connection.error}. Its tools are not "
                    "available; the session goes on without them."
                )
                self.send(payloads.notice("warning", message))
            self._said[name] = status

    # --- trust in the project's servers -----------------------------------------------------

    async def check_trust(self, connection: McpConnection, tool_call: dict[str, Any]) -> None:
        """Raises ToolError unless the user trusts this project server (asked once)."""
        spec = connection.spec
        if spec.source != "project" or spec.name in self._trusted_now or self._trusted(spec):
            return
        runs = f"`{' '.join([spec.command, *spec.args])}`" if spec.command else spec.url
        options = [
            {
                "optionId": "allow_always",
                "name": f"Trust `{spec.name}` in this workspace",
                "kind": "allow_always",
            },
            {"optionId": "allow_once", "name": "Allow for this session", "kind": "allow_once"},
            {"optionId": "reject_once", "name": "Reject", "kind": "reject_once"},
        ]
        question = {**tool_call, "title": f"Use MCP server `{spec.name}` from .mcp.json ({runs})"}
        answer = await self.ask(
            {"sessionId": self.session_id, "toolCall": question, "options": options}
        )
        outcome = answer.get("outcome") if isinstance(answer, dict) else None
        chosen = outcome.get("optionId") if isinstance(outcome, dict) else None
        if chosen == "allow_always":
            self._remember(spec)
        if chosen in ("allow_always", "allow_once"):
            self._trusted_now.add(spec.name)
            return
        raise ToolError(
            f"Not run: the user did not trust the project's MCP server `{spec.name}` "
            "(.mcp.json). Do without its tools."
        )

    def _trust_path(self) -> Path:
        return self.state_dir() / TRUST_FILE

    def _trusted(self, spec: ServerSpec) -> bool:
        try:
            data = json.loads(self._trust_path().read_text())
        except (OSError, ValueError):
            return False
        entry = data.get(str(self.root), {}) if isinstance(data, dict) else {}
        return isinstance(entry, dict) and entry.get(spec.name) == spec.fingerprint()

    def _remember(self, spec: ServerSpec) -> None:
        path = self._trust_path()
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        data.setdefault(str(self.root), {})[spec.name] = spec.fingerprint()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(data, indent=1))
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except OSError as exc:
            log.warning("could not remember trust in MCP server %s: %s", spec.name, exc)

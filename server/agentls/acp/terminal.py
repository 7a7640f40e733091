"""Commands in the client's terminal (ACP `terminal/*`), for clients that advertise
`terminal`: the user watches the command run in their editor, the model gets its output.

Nothing outlives its call: a command past its time limit is killed (`terminal/kill`), a
cancelled call kills it too, and every terminal is released when its call ends (release
also kills a command still running). Clients keep showing a released terminal's output.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentls.acp.connection import AcpConnection
from agentls.protocol import names
from agentls.protocol.errors import RpcError
from agentls.tools.base import ToolError, ToolOutcome

log = logging.getLogger(__name__)

# What the client keeps of the output (it drops the beginning past this): as much as the
# bash tool's own head and tail.
OUTPUT_BYTE_LIMIT = 24_000
# How long the kill and release at the end of a call may take before we stop waiting.
CLEANUP_TIMEOUT = 5.0


class ClientTerminal:
    def __init__(self, connection: AcpConnection, session_id: str) -> None:
        self.connection = connection
        self.session_id = session_id

    async def run(
        self, command: str, cwd: Path, timeout: float, shown: Callable[[str], None]
    ) -> ToolOutcome:
        """Run `command` with bash in a terminal of the client; `shown(terminal_id)` once
        it exists, so the tool call can embed it."""
        try:
            created = await self.connection.request(
                names.TERMINAL_CREATE,
                {
                    "sessionId": self.session_id,
                    "command": "bash",
                    "args": ["-c", command],
                    "cwd": str(cwd),
                    "outputByteLimit": OUTPUT_BYTE_LIMIT,
                },
            )
        except RpcError as exc:
            raise ToolError(f"the editor could not start a terminal: {exc.message}") from exc
        terminal_id = created.get("terminalId") if isinstance(created, dict) else None
        if not isinstance(terminal_id, str):
            raise ToolError("the editor started a terminal but gave no `terminalId`")
        shown(terminal_id)
        try:
            timed_out = not await self._wait(terminal_id, timeout)
            if timed_out:
                await self._call(names.TERMINAL_KILL, terminal_id)
            output = await self._call(names.TERMINAL_OUTPUT, terminal_id)
        finally:
            # Shielded: a cancelled call still kills and releases its terminal.
            await asyncio.shield(self._release(terminal_id))
        return _outcome(output, timed_out, timeout, terminal_id)

    async def _wait(self, terminal_id: str, timeout: float) -> bool:
        """Whether the command ended within `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                await self._call(names.TERMINAL_WAIT_FOR_EXIT, terminal_id)
        except TimeoutError:
            return False
        return True

    async def _call(self, method: str, terminal_id: str) -> dict[str, Any]:
        params = {"sessionId": self.session_id, "terminalId": terminal_id}
        try:
            result = await self.connection.request(method, params)
        except RpcError as exc:
            raise ToolError(f"the editor's terminal failed ({method}): {exc.message}") from exc
        return result if isinstance(result, dict) else {}

    async def _release(self, terminal_id: str) -> None:
        params = {"sessionId": self.session_id, "terminalId": terminal_id}
        try:
            async with asyncio.timeout(CLEANUP_TIMEOUT):
                await self.connection.request(names.TERMINAL_RELEASE, params)
        except (RpcError, TimeoutError) as exc:
            log.info("terminal %s was not released: %s", terminal_id, exc)


def _outcome(
    output: dict[str, Any], timed_out: bool, timeout: float, terminal_id: str
) -> ToolOutcome:
    text = output.get("output")
    text = text if isinstance(text, str) else ""
    if output.get("truncated") is True:
        text = f"[… earlier output cut …]\n{text}"
    status = output.get("exitStatus")
    status = status if isinstance(status, dict) else {}
    code, signal = status.get("exitCode"), status.get("signal")
    if timed_out:
        end = f"[killed after the {timeout:g} s timeout; run something shorter, or split the work]"
        failed = True
    elif isinstance(code, int):
        end, failed = f"[exit code: {code}]", code != 0
    else:
        end, failed = f"[ended by signal {signal or 'unknown'}]", True
    return ToolOutcome(
        f"{text}\n{end}".lstrip("\n"), is_error=failed, terminal_id=terminal_id, shown=end
    )

"""The editor side of ACP `terminal/*`, as an editor runs it: a real process per terminal,
its output kept up to the agent's byte limit (the start dropped first), killed on
`terminal/kill` and on `terminal/release`. Every call is recorded for the tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Terminal:
    process: asyncio.subprocess.Process
    limit: int | None
    output: bytearray = field(default_factory=bytearray)
    truncated: bool = False
    reader: asyncio.Task[None] | None = None

    async def read(self) -> None:
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(65536):
            self.output += chunk
            if self.limit is not None and len(self.output) > self.limit:
                del self.output[: len(self.output) - self.limit]
                self.truncated = True

    def kill(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class Terminals:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    live: dict[str, Terminal] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)  # every terminal's process, by id

    async def create_terminal(
        self,
        *,
        session_id: str,
        command: str,
        args: list[str] | None = None,
        env: list[Any] | None = None,
        cwd: str | None = None,
        output_byte_limit: int | None = None,
        **kwargs: Any,
    ) -> Any:
        from acp.schema import CreateTerminalResponse

        self.calls.append(
            ("create", {"command": command, "args": args, "cwd": cwd, "limit": output_byte_limit})
        )
        process = await asyncio.create_subprocess_exec(
            command,
            *(args or []),
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        terminal_id = f"term-{len(self.pids) + 1}"
        terminal = Terminal(process, output_byte_limit)
        terminal.reader = asyncio.create_task(terminal.read())
        self.live[terminal_id] = terminal
        self.pids[terminal_id] = process.pid
        return CreateTerminalResponse(terminal_id=terminal_id)

    def _get(self, method: str, terminal_id: str) -> Terminal:
        from acp import RequestError

        self.calls.append((method, {"terminalId": terminal_id}))
        terminal = self.live.get(terminal_id)
        if terminal is None:
            raise RequestError.invalid_params({"terminalId": f"no terminal {terminal_id}"})
        return terminal

    async def terminal_output(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any:
        from acp.schema import TerminalExitStatus, TerminalOutputResponse

        terminal = self._get("output", terminal_id)
        status = None
        if terminal.process.returncode is not None:
            assert terminal.reader is not None
            await terminal.reader  # all of the output of an ended command
            code = terminal.process.returncode
            status = (
                TerminalExitStatus(exit_code=code)
                if code >= 0
                else TerminalExitStatus(signal=signal.Signals(-code).name)
            )
        return TerminalOutputResponse(
            output=terminal.output.decode("utf-8", errors="replace"),
            truncated=terminal.truncated,
            exit_status=status,
        )

    async def wait_for_terminal_exit(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any:
        from acp.schema import WaitForTerminalExitResponse

        terminal = self._get("wait_for_exit", terminal_id)
        code = await terminal.process.wait()
        if code >= 0:
            return WaitForTerminalExitResponse(exit_code=code)
        return WaitForTerminalExitResponse(signal=signal.Signals(-code).name)

    async def kill_terminal(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any:
        self._get("kill", terminal_id).kill()
        return None

    async def release_terminal(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any:
        terminal = self._get("release", terminal_id)
        terminal.kill()
        await terminal.process.wait()
        del self.live[terminal_id]
        return None

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

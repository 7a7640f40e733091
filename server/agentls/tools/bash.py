"""Anthropic's bash tool: one command at a time in the workspace root, bounded in time and
output, and killed with its whole process group on timeout or cancel."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentls.tools.base import ToolContext, ToolError, ToolOutcome, cut, optional_bool

HEAD_BYTES = 12_000
TAIL_BYTES = 12_000
KILL_GRACE = 2.0
# The server's own credentials are not the command's business.
_SECRET_ENV = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")


class BashTool:
    name = "bash"
    kind = "execute"

    def definition(self) -> dict[str, Any]:
        return {"type": "bash_20250124", "name": self.name}

    def title(self, tool_input: dict[str, Any], root: Path | None = None) -> str:
        command = tool_input.get("command")
        if tool_input.get("restart") is True:
            return "Restart shell"
        if not isinstance(command, str) or not command:
            return "Run command"
        return f"Run `{cut(command.splitlines()[0] if command.strip() else command, 70)}`"

    def kind_for(self, tool_input: dict[str, Any]) -> str:
        return self.kind

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        if optional_bool(tool_input, "restart", False):
            return ToolOutcome("The shell was restarted (each command runs in a fresh shell).")
        command = tool_input.get("command")
        if not isinstance(command, str) or not command.strip():
            raise ToolError("missing required field `command` (the shell command to run)")
        return await run_command(command, ctx.root, ctx.command_timeout, ctx.progress)


async def run_command(
    command: str, cwd: Path, timeout: float, progress: Callable[[str], None] | None = None
) -> ToolOutcome:
    env = {key: value for key, value in os.environ.items() if key not in _SECRET_ENV}
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        command,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
        # Its own process group, so a timeout or cancel can kill everything it started.
        start_new_session=True,
    )
    output = _CappedOutput(progress)
    assert process.stdout is not None
    reader = asyncio.create_task(output.drain(process.stdout))
    timed_out = False
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        timed_out = True
        await _kill_group(process)
    except BaseException:
        await _kill_group(process)
        reader.cancel()
        raise
    else:
        # Whatever it left running in the background would outlive the turn: no orphans.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(reader, KILL_GRACE)
    text = output.text()
    if timed_out:
        return ToolOutcome(
            f"{text}\n[killed after the {timeout:g} s timeout; run something shorter, or in "
            "the background with its output sent to a file]",
            is_error=True,
        )
    code = process.returncode
    return ToolOutcome(f"{text}\n[exit code: {code}]".lstrip("\n"), is_error=code != 0)


async def _kill_group(process: asyncio.subprocess.Process) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), KILL_GRACE)
            # The leader is gone; make sure nothing it left in the group survives it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            return
        except TimeoutError:
            continue


class _CappedOutput:
    """Keeps the head and the tail of the output and counts what falls between."""

    def __init__(self, progress: Callable[[str], None] | None = None) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0
        self.progress = progress  # told the output so far after each read

    async def drain(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(65536):
            room = HEAD_BYTES - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            self.tail += chunk
            if len(self.tail) > TAIL_BYTES:
                excess = len(self.tail) - TAIL_BYTES
                self.dropped += excess
                del self.tail[:excess]
            if self.progress is not None:
                self.progress(self.so_far())

    def so_far(self) -> str:
        """The last TAIL_BYTES of the output, saying so when that is not all of it."""
        data = self.tail if self.dropped else self.head + self.tail
        text = bytes(data[-TAIL_BYTES:]).decode("utf-8", errors="replace")
        cut = self.dropped > 0 or len(data) > TAIL_BYTES
        return f"[… earlier output cut …]\n{text}" if cut else text

    def text(self) -> str:
        head = self.head.decode("utf-8", errors="replace")
        tail = self.tail.decode("utf-8", errors="replace")
        if self.dropped:
            return f"{head}\n[… {self.dropped:,} bytes of output cut here …]\n{tail}"
        return head + tail

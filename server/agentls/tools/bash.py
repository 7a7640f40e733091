"""Anthropic's bash tool: one command at a time in the workspace root, bounded in time and
output; when it ends (exit, timeout or cancel) nothing it started is left running."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentls.protocol import payloads
from agentls.tools.base import Progress, ToolContext, ToolError, ToolOutcome, cut, optional_bool
from agentls.tools.processes import child_env, run_guarded

HEAD_BYTES = 12_000
TAIL_BYTES = 12_000


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
        if ctx.terminal is not None:
            return await ctx.terminal.run(command, ctx.root, ctx.command_timeout, _shown(ctx))
        return await run_command(command, ctx.root, ctx.command_timeout, ctx.progress)


def _shown(ctx: ToolContext) -> Callable[[str], None]:
    """Embeds the editor's terminal in the tool call as soon as it exists."""

    def shown(terminal_id: str) -> None:
        if ctx.notify is not None and ctx.tool_call_id is not None:
            content = [payloads.terminal(terminal_id)]
            ctx.notify(payloads.tool_call_update(ctx.tool_call_id, content=content))

    return shown


async def run_command(
    command: str, cwd: Path, timeout: float, progress: Progress | None = None
) -> ToolOutcome:
    output = _CappedOutput(progress)
    finished = await run_guarded(
        ["bash", "-c", command], cwd=cwd, env=child_env(), timeout=timeout, on_output=output.add
    )
    text = output.text()
    if finished.timed_out:
        return ToolOutcome(
            f"{text}\n[killed after the {timeout:g} s timeout, with everything it started; run "
            "something shorter, or split the work]",
            is_error=True,
        )
    code = finished.returncode
    return ToolOutcome(f"{text}\n[exit code: {code}]".lstrip("\n"), is_error=code != 0)


class _CappedOutput:
    """Keeps the head and the tail of the output and counts what falls between."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0
        # Told after each read how to get the output so far; it asks only when it sends.
        self.progress = progress

    def add(self, chunk: bytes) -> None:
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
            self.progress(self.so_far)

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

"""`agentls ask`: the terminal client. It launches `agentls serve` and talks LSP to it
exactly as an editor does, printing the answer as it streams."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from agentls.client.connection import AgentClient

_STATUS_MARKS = {
    "pending": "…",
    "in_progress": "▸",
    "completed": "✓",
    "failed": "✗",
}


@dataclass
class ToolLine:
    title: str
    status: str = "pending"


@dataclass
class TerminalRenderer:
    """Writes session updates to a terminal: text as it comes, one line per tool call."""

    out: IO[str]
    color: bool = False
    tools: dict[str, ToolLine] = field(default_factory=dict)
    _live_tool: str | None = None  # the tool whose line is the last thing on screen
    _at_line_start: bool = True
    _in_thought: bool = False

    def handle(self, params: dict[str, Any]) -> None:
        update = params.get("update", {})
        kind = update.get("sessionUpdate")
        if kind == "agent_message_chunk":
            self._text(update["content"].get("text", ""), thought=False)
        elif kind == "agent_thought_chunk":
            self._text(update["content"].get("text", ""), thought=True)
        elif kind == "tool_call":
            line = ToolLine(update.get("title", "tool"), update.get("status", "pending"))
            self.tools[update["toolCallId"]] = line
            self._tool_line(update["toolCallId"], line)
        elif kind == "tool_call_update":
            line = self.tools.setdefault(update["toolCallId"], ToolLine("tool"))
            line.title = update.get("title", line.title)
            line.status = update.get("status", line.status)
            self._tool_line(update["toolCallId"], line)
        elif kind == "retry":
            self._newline()
            note = (
                f"[{update.get('reason')}; retrying in {update.get('delayMs', 0) / 1000:.1f} s, "
                f"attempt {update.get('attempt')} of {update.get('maxAttempts')}. "
                "The interrupted reply above starts over.]"
            )
            self._write(self._dim(note) + "\n")
        self.out.flush()

    def finish(self, result: dict[str, Any]) -> None:
        self._newline()
        usage = result.get("usage") or {}
        summary = (
            f"[{result.get('stopReason')}] tokens: {usage.get('inputTokens', 0)} in, "
            f"{usage.get('outputTokens', 0)} out, {usage.get('cachedReadTokens', 0)} cache read, "
            f"{usage.get('cachedWriteTokens', 0)} cache write"
        )
        self._write(self._dim(summary) + "\n")
        self.out.flush()

    def _text(self, text: str, *, thought: bool) -> None:
        if not text:
            return
        if self._live_tool is not None or thought != self._in_thought:
            self._newline()
        self._in_thought = thought
        self._write(self._dim(text) if thought else text)
        self._at_line_start = text.endswith("\n")

    def _tool_line(self, tool_id: str, line: ToolLine) -> None:
        rendered = self._dim(f"{_STATUS_MARKS.get(line.status, '?')} {line.title}")
        if not self.color:
            # A log, not a screen: one line per call, once it has finished.
            if line.status in ("completed", "failed"):
                self._newline()
                self._write(rendered + "\n")
            return
        if self._live_tool == tool_id:
            self._write("\r\x1b[2K" + rendered)  # still the last line: redraw it in place
        else:
            self._newline()
            self._write(rendered)
        self._live_tool = tool_id
        self._at_line_start = False

    def _newline(self) -> None:
        if not self._at_line_start:
            self._write("\n")
            self._at_line_start = True
        self._live_tool = None

    def _dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[0m" if self.color else text

    def _write(self, text: str) -> None:
        self.out.write(text)


async def ask(
    prompt: str,
    *,
    root: Path,
    options: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    out: IO[str] = sys.stdout,
    banner: str | None = None,
) -> int:
    """Run one prompt through a fresh `agentls serve`; returns a process exit code."""
    renderer = TerminalRenderer(out, color=out.isatty())
    client = AgentClient()
    client.update_handlers.append(renderer.handle)
    await client.start(env=env, cwd=root)
    cancelled = False
    try:
        await client.initialize_agent(root, options)
        session_id = await client.new_session(root)
        if banner:
            out.write(renderer._dim(banner) + "\n\n")
        prompt_task = asyncio.ensure_future(client.prompt(session_id, prompt))

        def on_interrupt() -> None:
            nonlocal cancelled
            cancelled = True
            client.cancel(session_id)

        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal.SIGINT, on_interrupt)
        try:
            result = await prompt_task
        finally:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(signal.SIGINT)
        renderer.finish(result)
    except Exception as exc:
        renderer._newline()
        message = getattr(exc, "message", None) or str(exc)
        print(f"agentls: {message}", file=sys.stderr)
        return 1
    finally:
        await client.close()
    return 130 if cancelled else 0

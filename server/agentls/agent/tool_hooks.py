"""What a session adds around its tools: a command's documents saved first and its output
streamed while it runs; with `review: "before"`, each edit shown as a diff and applied only
if the user accepts it. The tools themselves know nothing of sessions or editors."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentls.agent.editor import Editor
from agentls.agent.permissions import PermissionGate
from agentls.protocol import payloads
from agentls.tools.base import Tool, ToolContext, ToolError, ToolOutcome
from agentls.workspace.edits import EditResult, EditTarget
from agentls.workspace.paths import relative_display

OUTPUT_INTERVAL = 0.1  # seconds between two updates of a running command's output

SaveDocuments = Callable[[], Awaitable[str | None]]


@dataclass
class Hooks:
    # Saves what the command must see; says what it did, for the result. None: do not.
    save_documents: SaveDocuments | None
    # Asks the user about an edit, showing its diff (review "before"). None: do not.
    gate: PermissionGate | None
    session_id: str


def hooked(tools: Sequence[Tool], hooks: Hooks) -> list[Tool]:
    out: list[Tool] = []
    for tool in tools:
        if tool.kind == "execute":
            out.append(CommandTool(tool, hooks.save_documents))
        elif tool.kind == "edit" and hooks.gate is not None:
            out.append(ReviewedEdits(tool, hooks.gate, hooks.session_id))
        else:
            out.append(tool)
    return out


async def saved_for_command(
    editor: Editor, session_id: str, cwd: Path, paths: list[Path]
) -> str | None:
    """Has the editor save what the agent changed and holds unsaved, so the command sees
    it; what was (or was not) saved, for the command's result."""
    unsaved, saved = await editor.save_documents(session_id, paths)
    left = [path for path in unsaved if path not in saved]

    def names(paths: list[Path]) -> str:
        return ", ".join(relative_display(cwd, path) for path in paths)

    notes = []
    if saved:
        notes.append(f"[saved before running: {names(saved)}]")
    if left:
        notes.append(f"[unsaved in the editor, so the command sees them as on disk: {names(left)}]")
    return "\n".join(notes) or None


class _Wrapped:
    def __init__(self, inner: Tool) -> None:
        self.inner = inner
        self.name = inner.name
        self.kind = inner.kind

    def definition(self) -> dict[str, Any]:
        return self.inner.definition()

    def title(self, tool_input: dict[str, Any], root: Path | None = None) -> str:
        return self.inner.title(tool_input, root)

    def kind_for(self, tool_input: dict[str, Any]) -> str:
        return self.inner.kind_for(tool_input)


class CommandTool(_Wrapped):
    def __init__(self, inner: Tool, save_documents: SaveDocuments | None) -> None:
        super().__init__(inner)
        self.save_documents = save_documents

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        saved = await self.save_documents() if self.save_documents is not None else None
        stream = None
        if ctx.notify is not None and ctx.tool_call_id is not None:
            stream = OutputStream(ctx.notify, ctx.tool_call_id)
            ctx = dataclasses.replace(ctx, progress=stream)
        try:
            outcome = await self.inner.run(tool_input, ctx)
        finally:
            if stream is not None:
                stream.close()  # nothing after the final update
        if saved:
            outcome.text = f"{saved}\n{outcome.text}"
        return outcome


class OutputStream:
    """A running command's output as `tool_call_update`s: each one the output so far, at
    most one per OUTPUT_INTERVAL; the first at once, the latest never lost."""

    def __init__(self, notify: Callable[[dict[str, Any]], None], tool_call_id: str) -> None:
        self.notify = notify
        self.tool_call_id = tool_call_id
        self._latest: Callable[[], str] | None = None
        self._sent_at = -OUTPUT_INTERVAL
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False

    def __call__(self, output: Callable[[], str]) -> None:
        if self._closed:
            return
        self._latest = output
        wait = self._sent_at + OUTPUT_INTERVAL - time.monotonic()
        if wait <= 0:
            self._flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(wait, self._flush)

    def _flush(self) -> None:
        self._timer = None
        if self._closed or self._latest is None:
            return
        text, self._latest = self._latest(), None
        self._sent_at = time.monotonic()
        self.notify(
            payloads.tool_call_update(
                self.tool_call_id, status="in_progress", content=[payloads.content(text)]
            )
        )

    def close(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class ReviewedEdits(_Wrapped):
    """Review "before": the edit is computed, then shown to the user as a diff in the
    permission request, and written only if allowed."""

    def __init__(self, inner: Tool, gate: PermissionGate, session_id: str) -> None:
        super().__init__(inner)
        self.gate = gate
        self.session_id = session_id

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        if ctx.edits is None or ctx.tool_call_id is None:
            return await self.inner.run(tool_input, ctx)
        call = {
            "toolCallId": ctx.tool_call_id,
            "title": self.title(tool_input, ctx.root),
            "kind": "edit",
            "status": "pending",
            "rawInput": tool_input,
        }

        async def confirm(path: Path, before: str | None, after: str) -> str | None:
            asked = {**call, "content": [payloads.diff(str(path), before, after)]}
            # Mode "ask" for this question: remembered answers count, else it asks.
            return await self.gate.check("ask", self.session_id, asked, "edit", tool_input)

        asking = AskingEdits(ctx.edits, confirm)
        return await self.inner.run(tool_input, dataclasses.replace(ctx, edits=asking))


class AskingEdits:
    """An EditTarget that asks before each write; a refusal fails the tool call."""

    def __init__(
        self,
        target: EditTarget,
        confirm: Callable[[Path, str | None, str], Awaitable[str | None]],
    ) -> None:
        self.target = target
        self.confirm = confirm

    def current_text(self, path: Path) -> str | None:
        return self.target.current_text(path)

    async def write(self, path: Path, before: str | None, after: str) -> EditResult:
        refusal = await self.confirm(path, before, after)
        if refusal is not None:
            raise ToolError(refusal)
        return await self.target.write(path, before, after)

    async def delete(self, path: Path, before: str) -> EditResult:
        return await self.target.delete(path, before)

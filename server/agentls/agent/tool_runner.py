"""Runs one reply's tool calls, and gives every tool call a final status.

Tools without side effects (read, search) start as soon as their input is complete, while
the model may still be streaming later blocks; edits and commands wait for the complete
reply, so a reply that fails mid-stream and is retried never runs them. All run one after
another in the order the model asked for them, each behind the permission gate.

Every `tool_call` the editor was shown ends with a `completed` or `failed` update, whatever
ends the reply: its result, a cut-off by max_tokens or a dropped stream, a retry that
withdraws it, a cancel.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agentls.agent import conversation
from agentls.agent.permissions import PermissionGate
from agentls.agent.stream import CompletedBlock
from agentls.agent.updates import SessionUpdates
from agentls.protocol import payloads
from agentls.tools.base import Tool, ToolContext, ToolOutcome
from agentls.tools.registry import run_tool

CANCELLED_TOOL_TEXT = "Cancelled by the user before this tool finished."
CUT_OFF_TOOL_TEXT = "Not run: the reply ended before this call was complete."
SUPERSEDED_TOOL_TEXT = "Withdrawn: the model's reply was interrupted and is being retried."
# Tools without side effects start while the model is still streaming; the rest wait for
# the complete reply, so an interrupted and retried reply never edits or runs anything.
EARLY_KINDS = {"read", "search", "think", "fetch"}

Report = Callable[[str], None]


@dataclass
class ToolRun:
    block: dict[str, Any]
    input_error: str | None
    task: asyncio.Task[ToolOutcome] | None = None  # None until it starts

    @property
    def id(self) -> str:
        return str(self.block["id"])


class ToolRunner:
    def __init__(
        self,
        *,
        tools: Mapping[str, Tool],
        context: ToolContext,
        updates: SessionUpdates,
        permissions: PermissionGate,
        permission_mode: Callable[[], str],
        report: Report,
    ) -> None:
        self.tools = tools
        self.context = context
        self.updates = updates
        self.permissions = permissions
        self._permission_mode = permission_mode
        self.report = report
        self.runs: list[ToolRun] = []
        # Tool calls shown to the editor that have no final status yet, in order, and
        # whether the API runs them (a server call's result may come in a later reply,
        # after pause_turn).
        self._open: dict[str, bool] = {}
        self._attempt_calls: list[str] = []  # every call announced by the current attempt

    # --- what the editor sees -------------------------------------------------------------

    def begin_attempt(self) -> None:
        self._attempt_calls = []

    def announce(self, tool_call_id: str, title: str, kind: str, *, server: bool = False) -> None:
        """A `tool_call` (pending), as soon as the model begins the call."""
        self._open[tool_call_id] = server
        self._attempt_calls.append(tool_call_id)
        self.updates.send(payloads.tool_call(tool_call_id, title, kind))

    def finish(self, tool_call_id: str, status: str, **fields: Any) -> None:
        """The call's final update; only the first one counts."""
        if tool_call_id not in self._open:
            return
        del self._open[tool_call_id]
        self.updates.send(payloads.tool_call_update(tool_call_id, status=status, **fields))

    def finish_open(self, text: str, *, ours_only: bool = False) -> list[str]:
        """A failed final update for every call still open (or only for our own tools'
        calls); their ids."""
        ids = [key for key, server in self._open.items() if not (ours_only and server)]
        for tool_call_id in ids:
            self.finish(tool_call_id, "failed", content=[payloads.content(text)])
        return ids

    # --- our tools ------------------------------------------------------------------------

    def begin(self, block: dict[str, Any]) -> None:
        tool = self.tools.get(block["name"])
        self.announce(block["id"], block["name"], tool.kind if tool else "other")

    def input_complete(self, done: CompletedBlock) -> None:
        """The call's input is complete: show it, and start the call if it may start early."""
        block = done.block
        tool = self.tools.get(block["name"])
        valid = tool is not None and done.input_error is None
        title = tool.title(block["input"], self.context.root) if valid and tool else block["name"]
        kind = tool.kind_for(block["input"]) if tool else "other"
        self.updates.send(
            payloads.tool_call_update(block["id"], title=title, kind=kind, rawInput=block["input"])
        )
        run = ToolRun(block, done.input_error)
        self.runs.append(run)
        all_started = all(earlier.task is not None for earlier in self.runs[:-1])
        if kind in EARLY_KINDS and done.input_error is None and all_started:
            self._start(run)

    def start_deferred(self, wanted: set[str]) -> None:
        """The reply is complete: start the calls that waited for it."""
        for run in self.runs:
            if run.task is None and run.id in wanted:
                self._start(run)

    async def results(self, wanted: list[str]) -> list[dict[str, Any]]:
        """The tool_result blocks answering `wanted` (the reply's kept tool calls), in order.
        A call that is not wanted was cut off: it never runs."""
        keep = set(wanted)
        results: list[dict[str, Any]] = []
        for run in self.runs:
            if run.id not in keep or run.task is None:
                if run.task is not None:
                    run.task.cancel()
                self.finish(run.id, "failed", content=[payloads.content(CUT_OFF_TOOL_TEXT)])
                continue
            outcome = await run.task
            results.append(
                conversation.tool_result(
                    run.id, outcome.text, is_error=outcome.is_error, extra=outcome.blocks
                )
            )
        self.runs = []
        self.finish_open(CUT_OFF_TOOL_TEXT, ours_only=True)
        return results

    def withdraw(self) -> list[str]:
        """A failed attempt: its calls are cancelled and marked withdrawn, those that had
        finished too (their results belong to a reply that is thrown away); their ids."""
        for run in self.runs:
            if run.task is not None:
                run.task.cancel()
        self.runs = []
        ids, self._attempt_calls = self._attempt_calls, []
        for tool_call_id in ids:
            self._open[tool_call_id] = False  # so that this final update goes out too
            self.finish(tool_call_id, "failed", content=[payloads.content(SUPERSEDED_TOOL_TEXT)])
        return ids

    def settle(self, awaiting: list[str]) -> list[dict[str, Any]]:
        """After a cancel or an error: a result for each call the conversation holds, from
        its finished run or else saying it was cancelled; every call gets a final status."""
        tasks = {run.id: run.task for run in self.runs}
        results = [self._settled_result(tool_id, tasks.get(tool_id)) for tool_id in awaiting]
        for task in tasks.values():
            if task is not None:
                task.cancel()
        self.runs = []
        self.finish_open(CANCELLED_TOOL_TEXT)
        return results

    def _settled_result(
        self, tool_id: str, task: asyncio.Task[ToolOutcome] | None
    ) -> dict[str, Any]:
        if task is not None and task.done() and not task.cancelled() and not task.exception():
            outcome = task.result()
            return conversation.tool_result(tool_id, outcome.text, is_error=outcome.is_error)
        self.finish(tool_id, "failed", content=[payloads.content(CANCELLED_TOOL_TEXT)])
        return conversation.tool_result(tool_id, CANCELLED_TOOL_TEXT, is_error=True)

    def _start(self, run: ToolRun) -> None:
        started = [earlier.task for earlier in self.runs if earlier.task is not None]
        previous = started[-1] if started else None
        run.task = asyncio.create_task(self._run(run, previous))

    async def _run(self, run: ToolRun, previous: asyncio.Task[ToolOutcome] | None) -> ToolOutcome:
        block = run.block
        if previous is not None:
            # In order, as the model asked: a later edit may depend on an earlier one.
            await asyncio.wait([previous])
        refusal = run.input_error and (
            f"Not run: {run.input_error}. Send the call again with a complete JSON object."
        )
        if refusal is None:
            refusal = await self._permission(block)
        if refusal is not None:
            outcome = ToolOutcome(text=refusal, is_error=True)
        else:
            self.updates.send(payloads.tool_call_update(block["id"], status="in_progress"))
            self.report(f"Running {block['name']}")
            context = dataclasses.replace(self.context, tool_call_id=block["id"])
            outcome = await run_tool(self.tools.values(), block["name"], block["input"], context)
        self.finish(
            block["id"],
            "failed" if outcome.is_error else "completed",
            content=[
                *([payloads.terminal(outcome.terminal_id)] if outcome.terminal_id else []),
                payloads.content(outcome.text if outcome.shown is None else outcome.shown),
                *(payloads.diff(d.path, d.old_text, d.new_text) for d in outcome.diffs),
            ],
            locations=[payloads.location(loc.path, loc.line) for loc in outcome.locations] or None,
        )
        return outcome

    async def _permission(self, block: dict[str, Any]) -> str | None:
        tool = self.tools.get(block["name"])
        if tool is None:
            return None  # run_tool answers an unknown tool with an error
        kind = tool.kind_for(block["input"])
        # An MCP tool that does not say it only reads asks as a command does.
        gate_kind = "mcp" if block["name"].startswith("mcp__") and kind != "read" else kind
        tool_call = {
            "toolCallId": block["id"],
            "title": tool.title(block["input"], self.context.root),
            "kind": kind,
            "status": "pending",
            "rawInput": block["input"],
        }
        if gate_kind in ("edit", "execute", "mcp"):
            self.report(f"Waiting for permission: {tool_call['title']}")
        return await self.permissions.check(
            self._permission_mode(),
            self.updates.session_id,
            tool_call,
            gate_kind,
            block["input"],
            root=self.context.root,
            tool_name=block["name"],
        )

"""One prompt's agent loop: stream a model response, run its tools, repeat.

Tools without side effects (read, search) start as soon as their input is complete, while
the model may still be streaming later blocks; edits and commands wait for the complete
reply, so a reply that fails mid-stream and is retried never runs them. All run one after
another in the order the model asked for them. Whatever
ends the turn (end of answer, limit, cancel, error), the stored conversation is left in a
state the API accepts: every tool_use has its tool_result, no block is empty.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentls.agent import conversation
from agentls.agent import retry as retry_policy
from agentls.agent.conversation import Conversation
from agentls.agent.errors import ModelRequestError, as_model_error
from agentls.agent.model import CONTEXT_WINDOW, ModelClient, price_per_token
from agentls.agent.permissions import PermissionGate
from agentls.agent.stream import CompletedBlock, MessageAccumulator, StreamProtocolError, Usage
from agentls.agent.updates import SessionUpdates
from agentls.config import DEFAULT_SYSTEM_PROMPT, Config
from agentls.tools.base import Tool, ToolContext, ToolOutcome
from agentls.tools.registry import run_tool

log = logging.getLogger(__name__)

YIELD_EVERY = 32
CANCELLED_TOOL_TEXT = "Cancelled by the user before this tool finished."
CUT_OFF_TOOL_TEXT = "Not run: the reply reached max_tokens before this call was complete."
SUPERSEDED_TOOL_TEXT = "Withdrawn: the model's reply was interrupted and is being retried."
# Tools without side effects start while the model is still streaming; the rest wait for
# the complete reply, so an interrupted and retried reply never edits or runs anything.
EARLY_KINDS = {"read", "search", "think", "fetch"}


@dataclass
class TurnResult:
    stop_reason: str
    usage: Usage
    prompt_index: int | None = None  # for agentls/rewind; None: the prompt was forgotten


@dataclass
class ToolRun:
    block: dict[str, Any]
    input_error: str | None
    task: asyncio.Task[ToolOutcome] | None = None  # None until it starts


@dataclass
class SessionTotals:
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0


Report = Callable[[str], None]


class PromptTurn:
    def __init__(
        self,
        *,
        conversation: Conversation,
        config: Config,
        model: ModelClient,
        tools: Sequence[Tool],
        tool_context: ToolContext,
        updates: SessionUpdates,
        totals: SessionTotals,
        report: Report | None = None,
        permissions: PermissionGate | None = None,
    ) -> None:
        self.permissions = permissions
        self.conversation = conversation
        self.config = config
        self.model = model
        self.tools = {tool.name: tool for tool in tools}
        self.tool_context = tool_context
        self.updates = updates
        self.totals = totals
        self.report = report or (lambda _message: None)
        self.usage = Usage()
        self._accumulator: MessageAccumulator | None = None
        self._runs: list[ToolRun] = []
        self._awaiting: list[str] = []  # tool_use ids stored without their results yet
        self._produced = False  # whether this prompt added anything from the model

    async def run(self, content: list[dict[str, Any]]) -> TurnResult:
        start = self.conversation.checkpoint()
        self.conversation.append_user(content)
        try:
            stop_reason = await self._loop()
        except asyncio.CancelledError:
            self._settle_interrupted(start)
            self.updates.flush()
            return TurnResult("cancelled", self.usage)
        except BaseException:
            self._settle_interrupted(start)
            self.updates.flush()
            raise
        self.updates.flush()
        return TurnResult(stop_reason, self.usage)

    async def _loop(self) -> str:
        for _request in range(self.config.max_turn_requests):
            stop_reason = await self._request()
            if stop_reason in ("tool_use", "pause_turn"):
                continue
            if stop_reason in ("max_tokens", "refusal"):
                return stop_reason
            return "end_turn"
        return "max_turn_requests"

    async def _request(self) -> str:
        attempts = self.config.max_retries + 1
        for attempt in range(1, attempts + 1):
            streamed = dict(self.updates.streamed)
            try:
                return await self._attempt()
            except Exception as exc:
                retry = retry_policy.classify(exc)
                if retry is None:
                    raise as_model_error(exc) from exc
                if attempt == attempts:
                    raise ModelRequestError(
                        f"The model request failed {attempts} times; the last error: "
                        f"{retry.reason}. Try again later.",
                        {"type": "retries_exhausted", "attempts": attempts},
                    ) from exc
                delay = retry_policy.backoff(
                    attempt, self.config.retry_initial_delay, retry.retry_after
                )
                self._supersede(streamed, attempt + 1, attempts, delay, retry.reason)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _attempt(self) -> str:
        self.report("Waiting for the model")
        accumulator = MessageAccumulator()
        self._accumulator = accumulator
        self._runs = []
        try:
            stream = await self.model.stream(self._request_params(), self.config.read_timeout)
            async with stream:
                handled = 0
                async for event in stream:
                    self._on_event(accumulator, event)
                    handled += 1
                    if handled % YIELD_EVERY == 0:
                        # One network read can hold hundreds of events, all handled without
                        # the loop turning: let it read the editor's input (a cancel) too.
                        await asyncio.sleep(0)
        except StreamProtocolError as exc:
            raise ModelRequestError(f"The model's response stream was malformed: {exc}") from exc
        self._account(accumulator.usage)
        stop_reason = accumulator.stop_reason or "end_turn"
        blocks = [done.block for done in accumulator.completed if _keep(done, stop_reason)]
        self._accumulator = None
        self.conversation.append_assistant(blocks)
        self._produced = self._produced or bool(blocks)
        self._awaiting = [block["id"] for block in blocks if block["type"] == "tool_use"]
        self._start_deferred_tools()
        results = await self._tool_results()
        self.conversation.append_user(results)
        self._awaiting = []
        return stop_reason

    def _supersede(
        self, streamed: dict[str, int], attempt: int, attempts: int, delay: float, reason: str
    ) -> None:
        """Forget a failed attempt: its tool calls are withdrawn, and the editor is told
        which of the text it showed belongs to it, so the retry does not duplicate it."""
        self._accumulator = None
        tool_call_ids = []
        for run in self._runs:
            if run.task is not None:
                run.task.cancel()
            tool_call_ids.append(run.block["id"])
            self.updates.tool_call_update(
                run.block["id"],
                status="failed",
                content=[_text_content(SUPERSEDED_TOOL_TEXT)],
            )
        self._runs = []
        self.updates.flush()
        superseded = {kind: self.updates.streamed[kind] - count for kind, count in streamed.items()}
        self.updates.send(
            {
                "sessionUpdate": "retry",
                "attempt": attempt,
                "maxAttempts": attempts,
                "delayMs": round(delay * 1000),
                "reason": reason,
                "superseded": superseded,
                "toolCallIds": tool_call_ids,
            }
        )
        self.report(f"{reason}; retrying in {delay:.0f} s (attempt {attempt} of {attempts})")

    def _on_event(self, accumulator: MessageAccumulator, event: Any) -> None:
        kind = event.type
        if kind == "content_block_delta":
            delta = event.delta
            accumulator.delta(event.index, delta)
            if delta.type == "text_delta":
                self.updates.message(delta.text)
            elif delta.type == "thinking_delta":
                self.updates.thought(delta.thinking)
        elif kind == "content_block_start":
            block = event.content_block
            accumulator.block_start(event.index, block)
            if block.type == "tool_use":
                tool = self.tools.get(block.name)
                self.updates.tool_call(block.id, block.name, tool.kind if tool else "other")
            elif block.type == "text" and block.text:
                self.updates.message(block.text)
        elif kind == "content_block_stop":
            done = accumulator.block_stop(event.index)
            if done is not None and done.block["type"] == "tool_use":
                self._start_tool(done)
        elif kind == "message_start":
            accumulator.message_start(event.message)
        elif kind == "message_delta":
            accumulator.message_delta(event.delta.stop_reason, event.usage)

    def _start_tool(self, done: CompletedBlock) -> None:
        block = done.block
        tool = self.tools.get(block["name"])
        title = (
            tool.title(block["input"], self.tool_context.root)
            if tool and done.input_error is None
            else block["name"]
        )
        kind = tool.kind_for(block["input"]) if tool else "other"
        self.updates.tool_call_update(block["id"], title=title, kind=kind, rawInput=block["input"])
        run = ToolRun(block, done.input_error)
        self._runs.append(run)
        all_started = all(earlier.task is not None for earlier in self._runs[:-1])
        if kind in EARLY_KINDS and done.input_error is None and all_started:
            self._start(run)

    def _start_deferred_tools(self) -> None:
        for run in self._runs:
            if run.task is None and run.block["id"] in self._awaiting:
                self._start(run)

    def _start(self, run: ToolRun) -> None:
        started = [earlier.task for earlier in self._runs if earlier.task is not None]
        previous = started[-1] if started else None
        run.task = asyncio.create_task(self._run_tool(run.block, run.input_error, previous))

    async def _run_tool(
        self,
        block: dict[str, Any],
        input_error: str | None,
        previous: asyncio.Task[ToolOutcome] | None,
    ) -> ToolOutcome:
        if previous is not None:
            # In order, as the model asked: a later edit may depend on an earlier one.
            await asyncio.wait([previous])
        refusal = input_error and f"Not run: {input_error}."
        if refusal is None:
            refusal = await self._permission(block)
        if refusal is not None:
            outcome = ToolOutcome(text=refusal, is_error=True)
        else:
            self.updates.tool_call_update(block["id"], status="in_progress")
            self.report(f"Running {block['name']}")
            context = dataclasses.replace(self.tool_context, tool_call_id=block["id"])
            outcome = await run_tool(self.tools.values(), block["name"], block["input"], context)
        self.updates.tool_call_update(
            block["id"],
            status="failed" if outcome.is_error else "completed",
            content=[
                _text_content(outcome.text),
                *(
                    {"type": "diff", "path": d.path, "oldText": d.old_text, "newText": d.new_text}
                    for d in outcome.diffs
                ),
            ],
            locations=[
                {"path": location.path, "line": location.line}
                if location.line is not None
                else {"path": location.path}
                for location in outcome.locations
            ]
            or None,
        )
        return outcome

    async def _permission(self, block: dict[str, Any]) -> str | None:
        tool = self.tools.get(block["name"])
        if tool is None or self.permissions is None:
            return None
        kind = tool.kind_for(block["input"])
        tool_call = {
            "toolCallId": block["id"],
            "title": tool.title(block["input"], self.tool_context.root),
            "kind": kind,
            "status": "pending",
            "rawInput": block["input"],
        }
        if kind in ("edit", "execute"):
            self.report(f"Waiting for permission: {tool_call['title']}")
        return await self.permissions.check(
            self.config.permission_mode, self.updates.session_id, tool_call, kind, block["input"]
        )

    async def _tool_results(self) -> list[dict[str, Any]]:
        wanted = set(self._awaiting)
        results: list[dict[str, Any]] = []
        for run in self._runs:
            if run.block["id"] not in wanted or run.task is None:
                # Cut off by max_tokens: it was never complete, so it never runs.
                if run.task is not None:
                    run.task.cancel()
                self.updates.tool_call_update(
                    run.block["id"], status="failed", content=[_text_content(CUT_OFF_TOOL_TEXT)]
                )
                continue
            outcome = await run.task
            results.append(
                conversation.tool_result(run.block["id"], outcome.text, is_error=outcome.is_error)
            )
        self._runs = []
        return results

    def _settle_interrupted(self, start: conversation.Checkpoint) -> None:
        """Leave the conversation valid after a cancel or an error mid-request."""
        accumulator, self._accumulator = self._accumulator, None
        if accumulator is not None:
            self._account(accumulator.usage)
            blocks = accumulator.salvage()
            self.conversation.append_assistant(blocks)
            self._produced = self._produced or bool(blocks)
            awaiting = [block["id"] for block in blocks if block["type"] == "tool_use"]
        else:
            awaiting = self._awaiting
        runs = {run.block["id"]: run.task for run in self._runs}
        results = [self._settled_result(tool_id, runs.get(tool_id)) for tool_id in awaiting]
        for task in runs.values():
            if task is not None:
                task.cancel()
        self._runs, self._awaiting = [], []
        self.conversation.append_user(results)
        if not self._produced:
            # Nothing came of this prompt: forget it, rather than leave an unanswered
            # question that the next prompt would be merged into.
            self.conversation.rollback(start)

    def _settled_result(
        self, tool_id: str, task: asyncio.Task[ToolOutcome] | None
    ) -> dict[str, Any]:
        if task is not None and task.done() and not task.cancelled() and not task.exception():
            outcome = task.result()
            return conversation.tool_result(tool_id, outcome.text, is_error=outcome.is_error)
        self.updates.tool_call_update(
            tool_id, status="failed", content=[_text_content(CANCELLED_TOOL_TEXT)]
        )
        return conversation.tool_result(tool_id, CANCELLED_TOOL_TEXT, is_error=True)

    def _request_params(self) -> dict[str, Any]:
        config = self.config
        system = config.system_prompt or DEFAULT_SYSTEM_PROMPT.format(cwd=self.tool_context.root)
        params: dict[str, Any] = {
            "model": config.model,
            "max_tokens": config.max_tokens,
            # The breakpoint on the system prompt caches tools and system, the stable prefix.
            "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
            "tools": [tool.definition() for tool in self.tools.values()],
            "messages": self.conversation.for_request(),
        }
        if config.thinking is not None:
            params["thinking"] = config.thinking
        return params

    def _account(self, usage: Usage) -> None:
        self.usage.add(usage)
        self.totals.usage.add(usage)
        prices = price_per_token(self.config.model)
        update: dict[str, Any] = {
            "sessionUpdate": "usage_update",
            "used": usage.input_tokens
            + usage.cache_read_tokens
            + usage.cache_write_tokens
            + usage.output_tokens,
            "size": CONTEXT_WINDOW,
            "_meta": {
                "agentls": {
                    key: value for key, value in usage.to_acp().items() if key != "totalTokens"
                }
            },
        }
        if prices is not None:
            input_price, output_price, write_price, read_price = prices
            self.totals.cost += (
                usage.input_tokens * input_price
                + usage.output_tokens * output_price
                + usage.cache_write_tokens * write_price
                + usage.cache_read_tokens * read_price
            )
            update["cost"] = {"amount": round(self.totals.cost, 6), "currency": "USD"}
        self.updates.send(update)


def _keep(done: CompletedBlock, stop_reason: str) -> bool:
    # A tool call cut off by max_tokens has incomplete input: it is neither run nor kept.
    return not (stop_reason == "max_tokens" and done.input_error is not None)


def _text_content(text: str) -> dict[str, Any]:
    return {"type": "content", "content": {"type": "text", "text": text}}

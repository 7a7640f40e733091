"""One prompt's agent loop: stream a model response, run its tools, repeat.

This module is the request loop: each request with its retries (a failed attempt is
superseded: its text taken back, its tool calls withdrawn), the stop reason of each reply,
and compaction when the conversation outgrows the context window. The tool calls of a reply
are run by the ToolRunner (tool_runner.py), usage and cost come from usage.py.

Whatever ends the turn (end of answer, limit, cancel, error), the stored conversation is
left in a state the API accepts: every tool_use has its tool_result, no block is empty,
every block the API sent is kept as it was sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agentls.agent import compaction, errors, request, server_tools, stop_reasons
from agentls.agent import retry as retry_policy
from agentls.agent.conversation import Conversation
from agentls.agent.model import ModelClient
from agentls.agent.permissions import PermissionGate
from agentls.agent.stream import SERVER_CALLS, MessageAccumulator
from agentls.agent.tool_runner import ToolRunner
from agentls.agent.updates import SessionUpdates
from agentls.agent.usage import SessionTotals, Usage, context_window
from agentls.config import Config
from agentls.protocol import payloads
from agentls.tools.base import Tool, ToolContext

YIELD_EVERY = 32
NO_RESULT_TEXT = "The API ended the reply without a result for this call."
CONTINUE_AFTER_COMPACTION = (
    "(The context window filled up while you were answering, and the conversation was "
    "compacted. Go on from where you stopped.)"
)

Report = Callable[[str], None]


@dataclass
class TurnResult:
    stop_reason: str
    usage: Usage
    prompt_index: int | None = None  # for agentls/rewind; None: the prompt was forgotten


class ContextFullError(Exception):
    """The API refused a request as too long for the context window."""


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
        permissions: PermissionGate,
        report: Report | None = None,
    ) -> None:
        # The gate decides what may run in every mode (readOnly refuses edits): a turn
        # without one would run everything unasked.
        if not isinstance(permissions, PermissionGate):
            raise TypeError(f"a turn needs a PermissionGate, got {permissions!r}")
        self.conversation = conversation
        self.config = config
        self.model = model
        self.updates = updates
        self.totals = totals
        self.report = report or (lambda _message: None)
        self.usage = Usage()
        self.runner = ToolRunner(
            tools={tool.name: tool for tool in tools},
            context=tool_context,
            updates=updates,
            permissions=permissions,
            permission_mode=lambda: config.permission_mode,
            report=self.report,
        )
        self.compactor = compaction.Compactor(
            model=model,
            config=config,
            tools=tools,
            root=tool_context.root,
            conversation=conversation,
            updates=updates,
            totals=totals,
            report=self.report,
        )
        self._base = request.base_params(config, tools, tool_context.root)
        self._betas = request.betas(config)
        self._accumulator: MessageAccumulator | None = None
        self._streamed: dict[str, int] = {}
        self._awaiting: list[str] = []  # tool_use ids stored without their results yet
        self._produced = False  # whether this prompt added anything from the model
        self._compacted = False  # whether the conversation was rebuilt during the prompt

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
        self.runner.finish_open(NO_RESULT_TEXT)
        self.updates.flush()
        return TurnResult(stop_reason, self.usage)

    async def _loop(self) -> str:
        overflowed = False  # a full context window is compacted once per prompt
        for _request in range(self.config.max_turn_requests):
            if self.compactor.due():
                await self._compact("auto", required=False)
            try:
                stop_reason, stop_sequence = await self._request()
            except ContextFullError as exc:
                if overflowed:
                    raise errors.context_exhausted(str(exc)) from exc
                overflowed = True
                await self._compact("prompt_too_long", required=True)
                continue
            outcome = stop_reasons.outcome(
                stop_reason, stop_sequence=stop_sequence, max_tokens=self.config.max_tokens
            )
            if outcome.compact and not overflowed:
                overflowed = True
                if await self._compact("context_window_exceeded", required=False):
                    self.conversation.append_user(
                        [{"type": "text", "text": CONTINUE_AFTER_COMPACTION}]
                    )
                    continue
            if outcome.notice is not None:
                self.updates.send(payloads.notice(*outcome.notice))
            if outcome.acp is not None:
                return outcome.acp
        return "max_turn_requests"

    async def _compact(self, reason: str, *, required: bool) -> bool:
        try:
            result = await self.compactor.compact(reason)
        except compaction.CompactionError as exc:
            if required:
                raise errors.context_exhausted(str(exc)) from exc
            return False
        if result is None:
            if required:
                raise errors.context_exhausted("there is no older part to summarise")
            return False
        self._compacted = True
        return True

    async def _request(self) -> tuple[str | None, str | None]:
        try:
            return await retry_policy.retrying(
                self._attempt,
                attempts=self.config.max_retries + 1,
                initial_delay=self.config.retry_initial_delay,
                on_retry=self._supersede,
            )
        except retry_policy.RetriesExhaustedError as exc:
            raise errors.exhausted(exc) from exc
        except Exception as exc:
            if errors.is_prompt_too_long(exc):
                raise ContextFullError(str(exc)) from exc
            raise errors.as_model_error(exc) from exc

    async def _attempt(self) -> tuple[str | None, str | None]:
        self.report("Waiting for the model")
        self._streamed = dict(self.updates.streamed)
        self.runner.begin_attempt()
        accumulator = MessageAccumulator()
        self._accumulator = accumulator
        params = {**self._base, "messages": self.conversation.for_request()}
        stream = await self.model.stream(params, self.config.read_timeout, self._betas)
        async with stream:
            handled = 0
            async for event in stream:
                self._on_event(accumulator, event)
                handled += 1
                if handled % YIELD_EVERY == 0:
                    # One network read can hold hundreds of events, all handled without
                    # the loop turning: let it read the editor's input (a cancel) too.
                    await asyncio.sleep(0)
        stop_reason = accumulator.stop_reason
        blocks = accumulator.blocks(stop_reason or "end_turn")
        self._accumulator = None
        self.conversation.append_assistant(blocks)
        self._account(accumulator)
        self._produced = self._produced or bool(blocks)
        self._awaiting = [block["id"] for block in blocks if block["type"] == "tool_use"]
        self.runner.start_deferred(set(self._awaiting))
        results = await self.runner.results(self._awaiting)
        self.conversation.append_user(results)
        self._awaiting = []
        return stop_reason, accumulator.stop_sequence

    def _on_event(self, accumulator: MessageAccumulator, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "content_block_delta":
            delta = event.get("delta")
            accumulator.delta(event.get("index"), delta)
            assert isinstance(delta, dict)  # the accumulator checked it
            delta_type = delta["type"]
            if delta_type == "text_delta":
                self.updates.message(delta["text"])
            elif delta_type == "thinking_delta":
                self.updates.thought(delta["thinking"])
        elif kind == "content_block_start":
            progress = accumulator.block_start(event.get("index"), event.get("content_block"))
            block = progress.block
            block_type = progress.type
            if block_type == "tool_use":
                self.runner.begin(block)
            elif block_type in SERVER_CALLS:
                server_tools.begin(self.runner, block)
            elif block_type == "text" and block.get("text"):
                self.updates.message(block["text"])
            elif block_type == "thinking" and block.get("thinking"):
                self.updates.thought(block["thinking"])
        elif kind == "content_block_stop":
            done = accumulator.block_stop(event.get("index"))
            if done is None:
                return
            block_type = done.block["type"]
            if block_type == "tool_use":
                self.runner.input_complete(done)
            elif block_type in SERVER_CALLS:
                server_tools.input_complete(self.runner, done)
            elif "tool_use_id" in done.block:
                server_tools.result(self.runner, done.block)
        elif kind == "message_start":
            accumulator.message_start(event.get("message") or {})
        elif kind == "message_delta":
            accumulator.message_delta(event.get("delta"), event.get("usage"))
        # Other events (message_stop, types the API adds later) carry nothing for us.

    def _supersede(self, attempt: int, delay: float, reason: str) -> None:
        """Forget a failed attempt: its tool calls are withdrawn, and the editor is told
        which of the text it showed belongs to it, so the retry does not duplicate it."""
        accumulator, self._accumulator = self._accumulator, None
        if accumulator is not None and accumulator.message_id:
            self._account(accumulator, measure=False)  # billed, though not kept
        tool_call_ids = self.runner.withdraw()
        self.updates.flush()
        streamed = self.updates.streamed
        superseded = {kind: streamed[kind] - count for kind, count in self._streamed.items()}
        attempts = self.config.max_retries + 1
        self.updates.send(
            payloads.retry(
                attempt, attempts, delay, reason, superseded=superseded, tool_call_ids=tool_call_ids
            )
        )
        self.report(f"{reason}; retrying in {delay:.0f} s (attempt {attempt} of {attempts})")

    def _settle_interrupted(self, start: Any) -> None:
        """Leave the conversation valid after a cancel or an error mid-request."""
        accumulator, self._accumulator = self._accumulator, None
        if accumulator is not None:
            blocks = accumulator.salvage()
            self.conversation.append_assistant(blocks)
            if accumulator.message_id:
                self._account(accumulator)
            self._produced = self._produced or bool(blocks)
            awaiting = [block["id"] for block in blocks if block["type"] == "tool_use"]
        else:
            awaiting = self._awaiting
        self._awaiting = []
        self.conversation.append_user(self.runner.settle(awaiting))
        if not self._produced and not self._compacted:
            # Nothing came of this prompt: forget it, rather than leave an unanswered
            # question that the next prompt would be merged into.
            self.conversation.rollback(start)

    def _account(self, accumulator: MessageAccumulator, *, measure: bool = True) -> None:
        usage = accumulator.usage
        self.usage.add(usage)
        totals = self.totals
        totals.usage.add(usage)
        cost = usage.cost(accumulator.model or self.config.model)
        if cost is not None:
            totals.cost += cost
            totals.priced = True
        used = usage.total
        if measure:
            compaction.measured(totals, self.conversation, used)
        meta = usage.to_meta()
        if accumulator.model:
            meta["model"] = accumulator.model
        self.updates.send(
            payloads.usage(
                used,
                context_window(self.config.model, self.config.context_window),
                totals.cost if totals.priced else None,
                meta,
            )
        )

"""Drives a real `agentls serve` subprocess through the LSP client, against the simulator."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentls.client.connection import AgentClient

Update = dict[str, Any]


@dataclass
class Agent:
    client: AgentClient
    root: Path
    stderr_path: Path
    updates: list[Update] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)  # monotonic time of each update
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_update(self, params: Update) -> None:
        self.updates.append(params)
        self.arrivals.append(time.monotonic())
        self._changed.set()

    async def wait_for(
        self, condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition"
    ) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}; "
                    f"updates so far: {[u['update'].get('sessionUpdate') for u in self.updates]}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.1))

    def of_kind(self, kind: str, session_id: str | None = None) -> list[dict[str, Any]]:
        return [
            u["update"]
            for u in self.updates
            if u["update"].get("sessionUpdate") == kind
            and (session_id is None or u["sessionId"] == session_id)
        ]

    def text(self, session_id: str | None = None, kind: str = "agent_message_chunk") -> str:
        return "".join(u["content"]["text"] for u in self.of_kind(kind, session_id))

    def tool_updates(self, tool_call_id: str) -> list[dict[str, Any]]:
        return [u["update"] for u in self.updates if u["update"].get("toolCallId") == tool_call_id]

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

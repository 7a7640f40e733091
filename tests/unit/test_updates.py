"""Coalescing: deltas queued in one event-loop turn leave as one chunk; nothing waits longer."""

from __future__ import annotations

import asyncio
from typing import Any

from agentls.agent.updates import SessionUpdates
from agentls.protocol import payloads


async def test_deltas_in_one_loop_turn_become_one_chunk() -> None:
    sent: list[dict[str, Any]] = []
    updates = SessionUpdates("s", sent.append)
    for part in ("a", "b", "c"):
        updates.message(part)
    assert sent == []  # queued, not yet sent...
    await asyncio.sleep(0)  # ...until the loop turns once
    assert [u["update"]["content"]["text"] for u in sent] == ["abc"]


async def test_every_loop_turn_flushes() -> None:
    sent: list[dict[str, Any]] = []
    updates = SessionUpdates("s", sent.append)
    for part in ("a", "b", "c"):
        updates.message(part)
        await asyncio.sleep(0)
    assert [u["update"]["content"]["text"] for u in sent] == ["a", "b", "c"]


async def test_other_updates_keep_order_and_kinds_do_not_mix() -> None:
    sent: list[dict[str, Any]] = []
    updates = SessionUpdates("s", sent.append)
    updates.thought("think")
    updates.message("say")
    updates.send(payloads.tool_call("t1", "Read a.py", "read"))
    updates.message("more")
    await asyncio.sleep(0)
    kinds = [
        (u["update"]["sessionUpdate"], u["update"].get("content", {}).get("text")) for u in sent
    ]
    assert kinds == [
        ("agent_thought_chunk", "think"),
        ("agent_message_chunk", "say"),
        ("tool_call", None),
        ("agent_message_chunk", "more"),
    ]
    assert all(u["sessionId"] == "s" for u in sent)

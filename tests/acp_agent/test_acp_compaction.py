"""`agentls acp`: compaction on demand through the ACP client library's extension method,
and its updates as the `_agentls/session_update` extension notification."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.acp_agent.harness import AcpSession, acp_agent


@pytest.fixture
async def acp(
    workspace: Path, sim_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[AcpSession]:
    async with acp_agent(workspace, sim_env, stderr_path=tmp_path / "acp-stderr.log") as session:
        yield session


async def test_compact_through_the_extension_method(acp: AcpSession, sim: Any) -> None:
    sim.load(["First answer.", "Second answer.", "Summary of the first exchange."])
    session = (await acp.new_session())["sessionId"]
    await acp.prompt(session, "one")
    await acp.prompt(session, "two")
    # The client library adds ACP's "_" prefix to extension method names.
    reply = await acp.conn.ext_method("agentls/compact", {"sessionId": session})
    assert reply["compacted"] is True and reply["summarizedMessages"] == 3
    statuses = [
        params["update"]["status"]
        for params in acp.client.extension_updates
        if params["update"]["sessionUpdate"] == "compaction"
    ]
    assert statuses == ["started", "completed"]
    assert sim.requests[-1]["body"].get("stream") is not True  # the summary request
    # A client that ignores agentls's extension still reads what happened, in the text.
    completed = [
        params["update"]["message"]
        for params in acp.client.extension_updates
        if params["update"].get("status") == "completed"
    ]
    assert f"*{completed[0]}*" in acp.client.text(session)

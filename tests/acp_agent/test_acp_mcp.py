"""MCP servers over ACP, driven by the official Python client: `mcpCapabilities` advertised,
`session/new` with a stdio server in ACP's shape, its tool called by the model, its status
as an extension update and through `_agentls/mcpServers`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.acp_agent.harness import acp_agent
from tests.e2e.test_core import text_turn

SERVER = Path(__file__).parents[1] / "mcp_client" / "servers" / "tools.py"


async def test_an_acp_clients_mcp_server_is_used(
    workspace: Path, sim_env: dict[str, str], sim: Any, tmp_path: Path
) -> None:
    from acp.schema import EnvVariable, McpServerStdio

    options = {"permissionMode": "acceptAll"}
    async with acp_agent(workspace, sim_env, options=options) as acp:
        mcp = acp.init["agentCapabilities"]["mcpCapabilities"]
        assert mcp["http"] is True and mcp["sse"] is True
        server = McpServerStdio(
            name="tools",
            command=sys.executable,
            args=[str(SERVER), "--markers", str(tmp_path)],
            env=[EnvVariable(name="TOOLS_MODE", value="acp")],
        )
        created = await acp.conn.new_session(cwd=str(workspace), mcp_servers=[server])
        session = created.session_id

        def connected() -> bool:
            updates = [
                u["update"]
                for u in acp.client.extension_updates
                if u["update"].get("sessionUpdate") == "mcp_servers_update"
            ]
            return bool(updates) and updates[-1]["servers"][0]["status"] == "connected"

        await acp.client.wait_for(connected, timeout=30, what="the MCP server")
        listed = await acp.conn.ext_method("agentls/mcpServers", {"sessionId": session})
        assert listed["servers"][0]["tools"][0] == {"name": "shout", "title": "Shout"}
        call = {"type": "tool_use", "name": "mcp__tools__shout", "input": {"text": "acp"}}
        sim.load([{"blocks": [call]}, text_turn("It said ACP.")])
        assert (await acp.prompt(session, "shout"))["stopReason"] == "end_turn"
        result = sim.requests[-1]["body"]["messages"][-1]["content"][0]
        assert result["type"] == "tool_result" and result["content"] == "ACP"
        (tool_call,) = acp.client.of_kind("tool_call", session)
        updates = acp.client.tool_updates(tool_call["toolCallId"])
        assert updates[-1]["status"] == "completed"
        assert "Shout (tools)" in [u.get("title") for u in updates]

"""`agentls acp` driven by ACP's official TypeScript SDK (`@agentclientprotocol/sdk`, its
`client()` app over `ndJsonStream`), which checks every message against ACP's schema."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from agentls.client.connection import server_command
from tests.e2e.test_core import text_turn

TS = Path(__file__).parent / "ts"


@pytest.fixture(scope="module")
def node_client() -> Path:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the ACP TypeScript client test needs Node.js 20+")
    if not (TS / "node_modules/@agentclientprotocol/sdk").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=TS, check=True
        )
    return TS / "client.mjs"


async def test_the_typescript_sdk_drives_a_session(
    node_client: Path, workspace: Path, sim: Any, sim_env: dict[str, str]
) -> None:
    app = workspace / "src/app.py"
    sim.load(
        [
            {
                "blocks": [
                    {
                        "type": "tool_use",
                        "name": "str_replace_based_edit_tool",
                        "input": {
                            "command": "str_replace",
                            "path": "src/app.py",
                            "old_str": "Hello",
                            "new_str": "Hi",
                        },
                    }
                ]
            },
            text_turn("Changed."),
            {"blocks": [{"type": "tool_use", "name": "bash", "input": {"command": "echo ran"}}]},
            text_turn("The tests ran."),
        ]
    )
    process = await asyncio.create_subprocess_exec(
        "node",
        str(node_client),
        str(workspace),
        "--",
        *server_command()[:-1],
        "acp",
        env={**os.environ, **sim_env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    # The SDK parses every message with ACP's zod schema and reports what fails on stderr.
    for complaint in ("Invalid message", "Error handling notification", "Invalid params"):
        assert complaint not in err.decode(), err.decode()
    seen = json.loads(out)
    assert seen["init"]["protocolVersion"] == 1
    assert seen["first"]["stopReason"] == "end_turn"
    assert seen["second"]["stopReason"] == "end_turn"
    # The edit went through the client, against what it read through the client.
    assert seen["writes"] == [{"path": str(app), "content": app.read_text().replace("Hello", "Hi")}]
    assert str(app) in seen["reads"]
    # In "ask" mode the command asked first, as an execute call, and ran once allowed.
    assert [p["toolCall"]["kind"] for p in seen["permissions"]] == ["execute"]
    kinds = [u["update"]["sessionUpdate"] for u in seen["updates"]]
    for kind in ("available_commands_update", "session_info_update", "tool_call", "usage_update"):
        assert kind in kinds
    assert "current_mode_update" in kinds and "config_option_update" in kinds
    texts = "".join(
        u["update"]["content"]["text"]
        for u in seen["updates"]
        if u["update"]["sessionUpdate"] == "agent_message_chunk"
    )
    assert texts == "Changed.The tests ran."
    assert seen["unknown"] == {"code": -32002, "data": {"type": "unknown_session"}}

"""`agentls acp` starts without what its start does not need. Each of these costs tens to
hundreds of milliseconds, and `initialize` must be answered within 150 ms of the spawn
(docs/performance.md): pygls and lsprotocol belong to the LSP transport and are never
loaded; the ACP schema's pydantic models and the SDK are not loaded before `initialize` is
answered, and the schema not by `session/new` either (params are checked by hand).

The agent runs under an audit hook (`sys.addaudithook`, the interpreter's "import" event,
raised in whichever thread imports) that reports each such import on stderr: what is
checked is what was imported, not how long it took."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

LSP_ONLY = ("pygls", "lsprotocol")
NOT_BEFORE_INITIALIZE = (*LSP_ONLY, "acp", "anthropic", "pydantic", "httpx2", "aiohttp")
MARK = "agentls-test-import:"

# Runs `agentls acp` as the command line does, with the hook installed first.
WATCHED_AGENT = f"""
import os, sys
watched = frozenset(sys.argv[1].split(","))
for name in sorted(watched & {{m.partition(".")[0] for m in sys.modules}}):
    os.write(2, ("{MARK} " + name + " (before the agent started)\\n").encode())
def hook(event, args):
    if event == "import" and args[0].partition(".")[0] in watched:
        os.write(2, ("{MARK} " + args[0] + "\\n").encode())
sys.addaudithook(hook)
from agentls.cli import main
raise SystemExit(main(["acp"]))
"""


async def _imports_while(
    watched: tuple[str, ...], cwd: Path, requests: list[tuple[str, dict[str, Any]]]
) -> list[str]:
    """Send each request and wait for its answer, then close stdin; the watched modules the
    agent imported until it exited."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WATCHED_AGENT,
        ",".join(watched),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=cwd,
    )
    assert process.stdin is not None and process.stdout is not None
    assert process.stderr is not None
    try:
        for msg_id, (method, params) in enumerate(requests, 1):
            message = {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}
            process.stdin.write(json.dumps(message).encode() + b"\n")
            while True:
                line = await asyncio.wait_for(process.stdout.readline(), 30)
                assert line, f"the agent exited before answering {method}"
                answer = json.loads(line)
                if answer.get("id") == msg_id:
                    break
            assert "result" in answer, answer
        process.stdin.close()
        stderr = (await asyncio.wait_for(process.stderr.read(), 30)).decode()
        await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return [line.split(MARK, 1)[1].strip() for line in stderr.splitlines() if MARK in line]


INITIALIZE = ("initialize", {"protocolVersion": 1, "clientCapabilities": {}})


async def test_initialize_imports_no_lsp_schema_or_sdk(tmp_path: Path) -> None:
    imported = await _imports_while(NOT_BEFORE_INITIALIZE, tmp_path, [INITIALIZE])
    assert imported == []


async def test_session_new_imports_no_lsp_or_schema(tmp_path: Path) -> None:
    new = ("session/new", {"cwd": str(tmp_path), "mcpServers": []})
    imported = await _imports_while((*LSP_ONLY, "acp"), tmp_path, [INITIALIZE, new])
    assert imported == []


async def test_the_hook_sees_the_agents_imports(tmp_path: Path) -> None:
    """The checks above can fail: the hook reports the agent's own modules as they load."""
    imported = await _imports_while(("agentls",), tmp_path, [INITIALIZE])
    assert {"agentls.cli", "agentls.acp.agent", "agentls.acp.connection"} <= set(imported)

"""The HTTP control API (for non-Python drivers), the CLI and script parsing."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from anthropic import AsyncAnthropic

from agentls.sim import ScriptError, Simulator, TextBlock, Turn, parse_script
from agentls.sim.cli import main

from .conftest import USER


async def _call(
    session: aiohttp.ClientSession, method: str, url: str, body: Any = None
) -> tuple[int, Any]:
    async with session.request(method, url, json=body) as resp:
        return resp.status, await resp.json()


async def test_control_api(sim: Simulator, client: AsyncAnthropic) -> None:
    base = sim.base_url
    async with aiohttp.ClientSession() as session:
        status, body = await _call(session, "POST", f"{base}/_sim/script", ["one"])
        assert (status, body) == (200, {"remaining": 1})
        held_turn = {"blocks": [{"type": "text", "text": "two"}], "hold": {"name": "h"}}
        status, body = await _call(session, "POST", f"{base}/_sim/append", [held_turn])
        assert (status, body) == (200, {"remaining": 2})
        status, body = await _call(session, "POST", f"{base}/_sim/script", [{"blocks": 1}])
        assert status == 400
        assert "turn 0: 'blocks' must be a list" in body["error"]
        assert sim.remaining == 2

        first = await client.messages.create(model="m", max_tokens=10, messages=USER)
        assert first.content[0].type == "text"
        assert first.content[0].text == "one"

        status, body = await _call(session, "GET", f"{base}/_sim/held/h?timeout=0.05")
        assert status == 408
        assert "no stream reached hold point 'h'" in body["error"]

        task = asyncio.create_task(client.messages.create(model="m", max_tokens=10, messages=USER))
        status, body = await _call(session, "GET", f"{base}/_sim/held/h?timeout=10")
        assert (status, body) == (200, {"held": "h"})
        status, body = await _call(session, "POST", f"{base}/_sim/release/h")
        assert (status, body) == (200, {"released": 1})
        second = await asyncio.wait_for(task, 10)
        assert second.content[0].type == "text"
        assert second.content[0].text == "two"

        status, body = await _call(session, "GET", f"{base}/_sim/requests")
        assert status == 200
        assert [r["status"] for r in body] == [200, 200]
        assert body[0]["body"]["messages"] == USER


def test_python_load_and_append() -> None:
    with Simulator(["a"]) as sim:
        assert sim.remaining == 1
        sim.append(["b", {"blocks": [{"type": "text", "text": "c"}]}])
        assert sim.remaining == 3
        sim.load([Turn(blocks=(TextBlock("x"),))])
        assert sim.remaining == 1
        with pytest.raises(ScriptError):
            sim.load([{"blocks": [{"type": "txt", "text": "x"}]}])
        assert sim.remaining == 1


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ({"blocks": []}, "a script must be a list of turns"),
        ([{"block": []}], "turn 0: unknown key(s) block"),
        ([{"blocks": [{"type": "text"}]}], "turn 0, blocks[0], text: expected a string"),
        ([{"blocks": [{"type": "image"}]}], "block type 'image' is not one of"),
        (["ok", {"stop_reason": "done"}], "turn 1: stop_reason 'done' is not one of"),
        ([{"chunk": 0}], "turn 0, chunk: expected an integer >= 1"),
        ([{"pace": -1}], "'pace' must be a positive number"),
        ([{"hold": {"after_deltas": 1}}], "turn 0, hold, name: expected a string"),
        ([{"fault": {"kind": "http", "status": 418}}], "status 418 is not one the API uses"),
        ([{"fault": {"kind": "boom"}}], "kind 'boom' is not one of"),
        ([{"fault": {"kind": "sse_error", "error_type": "x"}}], "error_type 'x' is not one of"),
        ([{"usage": {"input_tokens": -1}}], "usage, input_tokens: expected an integer >= 0"),
        ([{"blocks": [{"type": "tool_use", "name": "t", "input": []}]}], "must be a JSON object"),
    ],
)
def test_script_errors(script: object, message: str) -> None:
    with pytest.raises(ScriptError) as info:
        parse_script(script)
    assert message in str(info.value)


def test_script_defaults() -> None:
    [plain, tool] = parse_script(
        ["hi", {"blocks": [{"type": "tool_use", "name": "t", "input": {"a": 1}}]}]
    )
    assert plain.effective_stop_reason == "end_turn"
    assert plain.chunk is None  # irregular sizes, as the API sends them
    assert plain.pace is None
    assert tool.effective_stop_reason == "tool_use"


async def test_cli_serves_until_sigterm(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps([{"blocks": [{"type": "text", "text": "from file"}]}]))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agentls.sim",
        "--script",
        str(script),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        prefix = "agentls-sim listening on http://127.0.0.1:"
        assert line.startswith(prefix), line
        base_url = line.strip().removeprefix("agentls-sim listening on ")
        async with AsyncAnthropic(base_url=base_url, api_key="k", max_retries=0) as client:
            message = await client.messages.create(model="m", max_tokens=10, messages=USER)
        assert message.content[0].type == "text"
        assert message.content[0].text == "from file"
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
        assert await proc.stdout.read() == b""
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_cli_rejects_bad_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "bad.json"
    script.write_text(json.dumps([{"blocks": "nope"}]))
    assert main(["--script", str(script)]) == 2
    assert "is not a valid script: turn 0: 'blocks' must be a list" in capsys.readouterr().err
    assert main(["--script", str(tmp_path / "missing.json")]) == 2
    assert "cannot be read" in capsys.readouterr().err
    script.write_text("[{")
    assert main(["--script", str(script)]) == 2
    assert "is not valid JSON" in capsys.readouterr().err

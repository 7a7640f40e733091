"""`agentls ask` and `agentls demo`, run as a user runs them: real processes, real output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from agentls.client.connection import AgentClient

AGENTLS = [sys.executable, "-m", "agentls"]
ANSWER = "The greeting lives in src/app.py, in greet(). " * 8


def run_env(sim_env: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **sim_env, "PYTHONUNBUFFERED": "1"}


def read_until(process: subprocess.Popen[bytes], marker: bytes, timeout: float) -> bytes:
    """Read the process's stdout as it comes until `marker` shows up."""
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"no {marker!r} within {timeout}s; output so far: {seen!r}")
        chunk = process.stdout.read()
        if chunk:
            seen += chunk
        elif process.poll() is not None:
            raise AssertionError(f"exited {process.returncode} before {marker!r}: {seen!r}")
        else:
            time.sleep(0.02)  # polling a pipe, not synchronising on time
    return seen


def test_ask_streams_the_answer_and_tool_lines(
    workspace: Path, sim: Any, sim_env: dict[str, str]
) -> None:
    view = {
        "type": "tool_use",
        "name": "str_replace_based_edit_tool",
        "input": {"command": "view", "path": "src/app.py"},
    }
    sim.load(
        [
            {"blocks": [{"type": "text", "text": "Looking."}, view]},
            {
                "blocks": [{"type": "text", "text": ANSWER}],
                "hold": {"name": "mid", "after_deltas": 4},
            },
        ]
    )
    process = subprocess.Popen(
        [*AGENTLS, "ask", "Where is the greeting?", "--root", str(workspace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=run_env(sim_env),
    )
    try:
        sim.wait_held("mid", 30)
        # Held mid-answer: the first words are already on the terminal.
        shown = read_until(process, ANSWER[:12].encode(), 10)
        sim.release("mid")
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    output = (shown + out).decode()
    assert process.returncode == 0, err.decode()
    assert "✓ Read src/app.py" in output
    assert ANSWER.strip() in output
    assert "[end_turn] tokens:" in output


def test_ctrl_c_cancels_the_turn_and_exits_cleanly(
    workspace: Path, sim: Any, sim_env: dict[str, str]
) -> None:
    sim.load(
        [{"blocks": [{"type": "text", "text": ANSWER}], "hold": {"name": "h", "after_deltas": 3}}]
    )
    process = subprocess.Popen(
        [*AGENTLS, "ask", "talk", "--root", str(workspace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=run_env(sim_env),
    )
    try:
        sim.wait_held("h", 30)
        shown = read_until(process, ANSWER[:6].encode(), 10)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        sim.release("h")
        process.kill()
    assert process.returncode == 130, err.decode()
    assert "[cancelled]" in (shown + out).decode()
    assert b"Traceback" not in err


def test_demo_runs_a_simulated_session() -> None:
    result = subprocess.run(
        [*AGENTLS, "demo", "--pace", "5000"],
        check=False,
        capture_output=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")},
    )
    output = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "SIMULATED model" in output
    assert "✓ Search /def (load|save)\\(/" in output
    assert "~/.tinytodo.json" in output and "[end_turn]" in output


async def test_initialize_and_workspace_configuration(
    workspace: Path, sim: Any, sim_env: dict[str, str], tmp_path: Path
) -> None:
    client = AgentClient()
    client.configuration = {"model": "claude-opus-4-5", "maxTokens": 1234}
    with (tmp_path / "stderr.log").open("w") as stderr:
        await client.start(env=sim_env, cwd=workspace, stderr=stderr)
    try:
        result = await client.initialize_agent(
            workspace, {"model": "ignored-later"}, configuration=True
        )
        assert result.server_info is not None and result.server_info.name == "agentls"
        assert result.server_info.version
        experimental: Any = result.capabilities.experimental
        assert experimental["agentls"]["protocolVersion"] == 1
        sim.load([{"blocks": [{"type": "text", "text": "hi"}]}])
        session = await client.new_session()
        await client.prompt(session, "hello")
        body = sim.requests[-1]["body"]
        # workspace/configuration (section agentls) overrides initializationOptions.
        assert body["model"] == "claude-opus-4-5" and body["max_tokens"] == 1234
        assert body["system"][-1]["cache_control"] == {"type": "ephemeral"}
        assert body["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
        assert [tool["name"] for tool in body["tools"]] == [
            "str_replace_based_edit_tool",
            "search",
            "bash",
            "update_plan",
        ]
    finally:
        await client.close()

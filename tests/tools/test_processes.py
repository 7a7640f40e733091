"""Commands under their guard, in process: what they see, how they end, what they leave.
(End to end, with the real server: tests/e2e/test_commands.py.)"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from agentls.tools.bash import run_command
from agentls.tools.processes import run_guarded


async def test_commands_do_not_see_the_servers_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-secret")
    monkeypatch.setenv("AGENTLS_VISIBLE", "yes")
    outcome = await run_command("env", tmp_path, 10)
    assert "AGENTLS_VISIBLE=yes" in outcome.text and "sk-secret" not in outcome.text


async def test_an_escaped_child_holding_the_output_does_not_hold_the_call(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    outcome = await run_command(
        f"setsid sh -c 'echo $$ > {pid_file}; exec sleep 300' & "
        f"while [ ! -s {pid_file} ]; do sleep 0.01; done; echo started",
        tmp_path,
        60,
    )
    assert outcome.text == "started\n\n[exit code: 0]"
    assert time.monotonic() - started < 10
    assert _gone(int(pid_file.read_text()))


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")


@pytest.mark.parametrize(
    ("command", "text"),
    [
        ("exit 3", "[exit code: 3]"),
        ("kill -9 $$", "[exit code: 137]"),  # as shells report a signal
        ("kill 0; echo unreachable", "[exit code: 143]"),  # its own group, not the guard
    ],
)
async def test_exit_codes(tmp_path: Path, command: str, text: str) -> None:
    outcome = await run_command(command, tmp_path, 10)
    assert outcome.text == text and outcome.is_error


async def test_a_program_that_cannot_start_says_so(tmp_path: Path) -> None:
    output: list[bytes] = []
    finished = await run_guarded(
        ["agentls-no-such-program"],
        cwd=tmp_path,
        env=dict(os.environ),
        timeout=10,
        on_output=output.append,
    )
    assert finished.returncode == 127
    assert b"cannot run 'agentls-no-such-program'" in b"".join(output)

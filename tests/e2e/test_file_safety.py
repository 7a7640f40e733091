"""Files are never corrupted (issue 10): edits of files the editor does not have open are
computed against the disk as it is when they are applied; an undo holds its session like a
prompt; a folder swapped for a symlink never leads a read or a write outside the workspace.
End to end: a real `agentls serve`, the real SDK, the simulator."""

from __future__ import annotations

import asyncio
import ctypes
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from tests.conftest import SAMPLE_FILES
from tests.e2e.fake_editor import FakeEditor
from tests.e2e.harness import Agent
from tests.e2e.test_edits import EDITOR, done_turn, replace_turn, tool_turn

APP = SAMPLE_FILES["src/app.py"]
UTIL = SAMPLE_FILES["src/util.py"]


def bash_turn(command: str) -> dict[str, Any]:
    return tool_turn("bash", {"command": command})


def final_updates(agent: Agent, session: str) -> list[dict[str, Any]]:
    return [agent.tool_updates(c["toolCallId"])[-1] for c in agent.of_kind("tool_call", session)]


# --- stale remembered text ------------------------------------------------------------


@pytest.mark.options({"permissionMode": "acceptAll"})
async def test_an_edit_after_a_command_changed_the_file_uses_the_disk_as_it_is_now(
    agent: Agent, sim: Any
) -> None:
    # An editor like VS Code, which saves edits to files it does not have open and reloads
    # them when they change on disk: an edit computed against remembered text would land
    # one line off, in the line the command inserted.
    editor = FakeEditor(agent.client, saves_closed_files=True)
    sim.load(
        [
            replace_turn("src/app.py", "greet('world')", "greet('you')"),
            bash_turn("sed -i '1i # header' src/app.py"),
            replace_turn("src/app.py", "Hello", "Hi"),
            done_turn(expect="Edited src/app.py"),
        ]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "edit, run, edit"))["stopReason"] == "end_turn"
    app = agent.root / "src/app.py"
    expected = "# header\n" + APP.replace("Hello", "Hi").replace("greet('world')", "greet('you')")
    assert app.read_text() == expected
    assert [u["status"] for u in final_updates(agent, session)] == ["completed"] * 3
    # The editor was not asked to edit a file it does not have open.
    assert editor.applied == []


@pytest.mark.options({"permissionMode": "acceptAll"})
async def test_an_edit_whose_text_is_gone_from_the_disk_fails_clearly(
    agent: Agent, sim: Any
) -> None:
    FakeEditor(agent.client, saves_closed_files=True)
    sim.load(
        [
            replace_turn("src/app.py", "greet('world')", "greet('you')"),
            bash_turn("sed -i 's/Hello/Hi/' src/app.py"),
            replace_turn("src/app.py", "Hello", "Goodbye"),
            done_turn(expect="has no match"),
        ]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "edit, run, edit"))["stopReason"] == "end_turn"
    app = agent.root / "src/app.py"
    assert app.read_text() == APP.replace("Hello", "Hi").replace("greet('world')", "greet('you')")
    statuses = [u["status"] for u in final_updates(agent, session)]
    assert statuses == ["completed", "completed", "failed"]


async def test_files_not_open_are_edited_on_disk_and_undo_restores_them(
    agent: Agent, sim: Any
) -> None:
    editor = FakeEditor(agent.client)
    app, util, notes = (agent.root / p for p in ("src/app.py", "src/util.py", "docs/notes.md"))
    util.chmod(0o640)
    sim.load(
        [
            replace_turn("src/util.py", "a + b", "b + a"),
            tool_turn(EDITOR, {"command": "create", "path": "docs/notes.md", "file_text": "n\n"}),
            replace_turn("src/app.py", "Hello", "Hi"),
            tool_turn(EDITOR, {"command": "view", "path": "src/util.py"}),
            done_turn(expect="return b + a"),  # the agent reads its edit back from the disk
        ]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "three edits"))["stopReason"] == "end_turn"
    assert editor.applied == []
    assert util.read_text() == UTIL.replace("a + b", "b + a")
    assert util.stat().st_mode & 0o777 == 0o640
    assert notes.read_text() == "n\n"
    assert app.read_text() == APP.replace("Hello", "Hi")
    assert sorted(os.listdir(util.parent)) == ["app.py", "util.py"]  # no temporary left

    editor.open(app)  # the user opens one of them afterwards: the buffer shows the edit
    assert editor.text(app) == APP.replace("Hello", "Hi")
    report = await agent.client.request("agentls/undoTurn", {"sessionId": session})
    assert sorted(Path(p).name for p in report["restored"]) == ["app.py", "notes.md", "util.py"]
    assert report["skipped"] == []
    assert util.read_text() == UTIL and util.stat().st_mode & 0o777 == 0o640
    assert not notes.exists()
    # app.py is open now, so its undo went through the editor, like any edit of an open file.
    assert editor.text(app) == APP
    assert len(editor.applied) == 1


async def test_undo_skips_a_file_not_open_that_changed_on_disk_since_the_turn(
    agent: Agent, sim: Any
) -> None:
    FakeEditor(agent.client)
    util = agent.root / "src/util.py"
    sim.load([replace_turn("src/util.py", "a + b", "b + a"), done_turn()])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "edit")
    util.write_text("def add(a, b):\n    return b + a  # mine\n")  # another program
    report = await agent.client.request("agentls/undoTurn", {"sessionId": session})
    assert report["restored"] == [] and [s["path"] for s in report["skipped"]] == [str(util)]
    assert util.read_text() == "def add(a, b):\n    return b + a  # mine\n"


# --- undo and prompt hold the session alike ------------------------------------------------


async def test_an_undo_holds_the_session_like_a_prompt(agent: Agent, sim: Any) -> None:
    editor = FakeEditor(agent.client)
    util = agent.root / "src/util.py"
    editor.open(util)
    sim.load([replace_turn("src/util.py", "a + b", "a - b"), done_turn()])
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "edit"))["stopReason"] == "end_turn"
    requests = len(sim.requests)

    # The editor applies the undo but reports the change only later: the undo waits for it.
    editor.hold_reports = True
    undo = asyncio.ensure_future(agent.client.request("agentls/undoTurn", {"sessionId": session}))
    await agent.wait_for(lambda: len(editor.applied) == 2, what="the undo's applyEdit")
    with pytest.raises(JsonRpcException) as busy:
        await agent.client.prompt(session, "meanwhile")
    assert busy.value.code == -32002 and "an undo" in busy.value.message
    assert not undo.done()
    editor.release_reports()
    report = await asyncio.wait_for(undo, 10)
    assert [Path(p).name for p in report["restored"]] == ["util.py"]
    assert editor.text(util) == UTIL
    assert len(sim.requests) == requests  # the refused prompt never reached the model

    # And the other way round: an undo while a prompt waits for the user's permission.
    answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    asked = asyncio.Event()

    async def permission(_params: dict[str, Any]) -> dict[str, Any]:
        asked.set()
        return await answer

    agent.client.permission_handler = permission
    sim.load([bash_turn("echo hi"), done_turn(expect="hi")])
    prompt = asyncio.ensure_future(agent.client.prompt(session, "run something"))
    await asyncio.wait_for(asked.wait(), 10)
    with pytest.raises(JsonRpcException) as busy_undo:
        await agent.client.request("agentls/undoTurn", {"sessionId": session})
    assert busy_undo.value.code == -32002 and "a prompt" in busy_undo.value.message
    answer.set_result({"outcome": {"outcome": "selected", "optionId": "allow_once"}})
    assert (await asyncio.wait_for(prompt, 10))["stopReason"] == "end_turn"


# --- a folder swapped for a symlink ------------------------------------------------------------

SECRET = "OUTSIDE-SECRET-41d7"
CALLS_PER_TURN = 10
TURNS = 12
RENAME_EXCHANGE = 2
AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> None:
    """Swap two names in one step (Linux renameat2 RENAME_EXCHANGE): the folder is always
    there, as a folder or as a symlink, never missing."""
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.renameat2(
        AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE
    )
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error), str(first))


class Swapper(threading.Thread):
    """Swaps `folder` for a symlink to `outside` and back, as fast as it can, until stopped."""

    def __init__(self, folder: Path, outside: Path) -> None:
        super().__init__(daemon=True)
        self.folder = folder
        self.link = folder.with_name(".swap")
        self.link.symlink_to(outside)
        self.swaps = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                _exchange(self.folder, self.link)
                self.swaps += 1
            if self.folder.is_symlink():
                _exchange(self.folder, self.link)
        except BaseException as exc:  # reported by the test
            self.error = exc


@pytest.mark.options({"edits": "disk"})
async def test_a_folder_swapped_for_a_symlink_never_leads_outside(
    agent: Agent, sim: Any, tmp_path: Path
) -> None:
    if not hasattr(ctypes.CDLL(None), "renameat2"):
        pytest.skip("needs renameat2 (Linux, glibc 2.28+) to swap a folder atomically")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "data.txt").write_text(f"{SECRET}\n")
    folder = agent.root / "sub"
    folder.mkdir()
    (folder / "data.txt").write_text("inside\n")
    turns = []
    for turn in range(TURNS):
        blocks = []
        for call in range(CALLS_PER_TURN):
            if call % 2:
                tool_input = {"command": "view", "path": "sub/data.txt"}
            else:
                name = f"sub/new-{turn}-{call}.txt"
                tool_input = {"command": "create", "path": name, "file_text": "made inside\n"}
            blocks.append({"type": "tool_use", "name": EDITOR, "input": tool_input})
        turns.append({"blocks": blocks})
    sim.load([*turns, done_turn()])
    session = await agent.client.new_session()

    swapper = Swapper(folder, outside)
    swapper.start()
    try:
        result = await agent.client.prompt(session, "create and read while the folder moves")
    finally:
        swapper.stop.set()
        await asyncio.to_thread(swapper.join, 10)
    assert swapper.error is None, swapper.error
    assert result["stopReason"] == "end_turn"

    outside_writes = sorted(p.name for p in outside.iterdir() if p.name != "data.txt")
    texts = [
        item["content"]["text"]
        for update in final_updates(agent, session)
        for item in update.get("content", [])
        if item["type"] == "content"
    ]
    outside_reads = [text for text in texts if SECRET in text]
    created = [p for p in folder.iterdir() if p.name.startswith("new-")]
    print(
        f"\n{swapper.swaps} swaps during {TURNS * CALLS_PER_TURN} calls: "
        f"{len(outside_writes)} outside writes, {len(outside_reads)} outside reads, "
        f"{len(created)} of {TURNS * CALLS_PER_TURN // 2} creates landed inside"
    )
    assert swapper.swaps >= 60
    assert outside_writes == []
    assert outside_reads == []
    assert all(SECRET not in str(request["body"]) for request in sim.requests)
    assert all(p.read_text() == "made inside\n" for p in created)

"""Reviewing the agent's changes hunk by hunk, rewinding to a checkpoint, and what commands
see and show, end to end: a real `agentls serve`, the real SDK, the simulator (which
validates every request as the API does) and the fake editor."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from tests.conftest import start_agent
from tests.e2e.fake_editor import FakeEditor
from tests.e2e.harness import Agent
from tests.e2e.test_edits import EDITOR, done_turn, replace_turn, tool_turn

MANY = "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\n"


def two_hunk_turns() -> list[dict[str, Any]]:
    return [
        replace_turn("src/many.py", "a = 1", "a = 10"),
        replace_turn("src/many.py", "e = 5", "e = 50"),
        done_turn(),
    ]


async def changes(agent: Agent, session: str) -> list[dict[str, Any]]:
    result = await agent.client.request("agentls/changes", {"sessionId": session})
    files: list[dict[str, Any]] = result["files"]
    return files


async def review(agent: Agent, session: str, decision: str, **extra: Any) -> dict[str, Any]:
    params = {"sessionId": session, "decision": decision, **extra}
    result: dict[str, Any] = await agent.client.request("agentls/review", params)
    return result


def last_summary(agent: Agent, session: str) -> list[dict[str, Any]] | None:
    updates = agent.of_kind("changes_update", session)
    return updates[-1]["files"] if updates else None


async def open_many(agent: Agent) -> tuple[FakeEditor, Path]:
    editor = FakeEditor(agent.client)
    many = agent.root / "src/many.py"
    many.write_text(MANY)
    editor.open(many)
    return editor, many


async def test_accepted_hunks_leave_the_pending_set_and_the_file_as_it_is(
    agent: Agent, sim: Any
) -> None:
    editor, many = await open_many(agent)
    sim.load(two_hunk_turns())
    session = await agent.client.new_session()
    result = await agent.client.prompt(session, "edit")
    assert result["_meta"] == {"agentls": {"promptIndex": 0}}
    (listed,) = await changes(agent, session)
    assert listed["path"] == str(many) and listed["uri"] == many.as_uri()
    assert listed["status"] == "modified" and listed["baseline"] == MANY
    first, last = listed["hunks"]
    assert first | {"id": ""} == {
        "id": "",
        "oldStart": 1,
        "oldLines": 1,
        "newStart": 1,
        "newLines": 1,
        "oldText": "a = 1\n",
        "newText": "a = 10\n",
    }
    assert (last["oldStart"], last["oldText"], last["newText"]) == (5, "e = 5\n", "e = 50\n")
    # Clients heard of each edit as it landed.
    summaries = [u["files"] for u in agent.of_kind("changes_update", session)]
    assert [s[0]["hunks"] for s in summaries] == [1, 2]
    assert summaries[-1][0] | {"path": ""} == {
        "path": "",
        "uri": many.as_uri(),
        "status": "modified",
        "added": 2,
        "removed": 2,
        "hunks": 2,
    }

    assert await review(agent, session, "accept", hunkIds=[first["id"]]) == {
        "accepted": [first["id"]],
        "rejected": [],
        "skipped": [],
    }
    (remaining,) = await changes(agent, session)
    # The baseline moved over the accepted hunk; the other keeps its id.
    assert remaining["baseline"] == MANY.replace("a = 1", "a = 10")
    assert [h["id"] for h in remaining["hunks"]] == [last["id"]]
    assert (await review(agent, session, "accept"))["accepted"] == [last["id"]]
    assert await changes(agent, session) == []
    assert last_summary(agent, session) == []
    assert editor.text(many) == "a = 10\nb = 2\nc = 3\nd = 4\ne = 50\n"


async def test_reject_one_hunk_of_two_and_the_model_hears_of_it(agent: Agent, sim: Any) -> None:
    editor, many = await open_many(agent)
    sim.load(two_hunk_turns())
    session = await agent.client.new_session()
    await agent.client.prompt(session, "edit")
    (listed,) = await changes(agent, session)
    first, last = listed["hunks"]
    result = await review(agent, session, "reject", path=str(many), hunkIds=[last["id"]])
    assert result == {"accepted": [], "rejected": [last["id"]], "skipped": []}
    # Through the editor, touching only that hunk, against the version the server saw.
    assert editor.text(many) == "a = 10\nb = 2\nc = 3\nd = 4\ne = 5\n"
    reverse = editor.applied[-1].edit.document_changes[0]  # type: ignore[index]
    assert reverse.text_document.version is not None  # type: ignore[union-attr]
    (remaining,) = await changes(agent, session)
    assert [h["id"] for h in remaining["hunks"]] == [first["id"]]
    assert last_summary(agent, session) == [
        {
            "path": str(many),
            "uri": many.as_uri(),
            "status": "modified",
            "added": 1,
            "removed": 1,
            "hunks": 1,
        }
    ]
    # The next prompt says what was undone, once.
    sim.load([done_turn(expect="`e = 50` was undone"), done_turn()])
    await agent.client.prompt(session, "what now?")
    note = sim.requests[-1]["body"]["messages"][-1]["content"][-1]["text"]
    assert "src/many.py, line 5: your change `e = 50` was undone; it reads `e = 5`" in note
    await agent.client.prompt(session, "and now?")
    assert "was undone" not in str(sim.requests[-1]["body"]["messages"][-1])
    assert [r["status"] for r in sim.requests] == [200] * 5


async def test_reject_after_the_user_typed_in_that_hunk_keeps_the_typing(
    agent: Agent, sim: Any
) -> None:
    editor, many = await open_many(agent)
    sim.load(two_hunk_turns())
    session = await agent.client.new_session()
    await agent.client.prompt(session, "edit")
    (listed,) = await changes(agent, session)
    first, last = listed["hunks"]
    typed = "a = 10\n# the user's\nb = 2\nc = 3\nd = 4\ne = 50\n"
    editor.type(many, typed)
    # The user's own edit changes the set: clients are told, after a short quiet spell.
    await agent.wait_for(
        lambda: (last_summary(agent, session) or [{}])[0].get("added") == 3,
        what="a changes_update after the user typed",
    )
    # The id the client had names a hunk that no longer exists.
    stale = await review(agent, session, "reject", hunkIds=[first["id"]])
    assert stale["rejected"] == [] and stale["skipped"][0]["id"] == first["id"]
    assert "fetch agentls/changes again" in stale["skipped"][0]["reason"]
    # Listed again, the user's hunk is refused and the agent's other hunk goes.
    (again,) = await changes(agent, session)
    mine, theirs = again["hunks"]
    assert mine["newText"] == "a = 10\n# the user's\n" and theirs["id"] == last["id"]
    result = await review(agent, session, "reject")
    assert result["rejected"] == [last["id"]]
    assert [s["id"] for s in result["skipped"]] == [mine["id"]]
    assert "the user changed this hunk" in result["skipped"][0]["reason"]
    assert editor.text(many) == "a = 10\n# the user's\nb = 2\nc = 3\nd = 4\ne = 5\n"


async def test_a_rejected_created_file_is_deleted(agent: Agent, sim: Any) -> None:
    FakeEditor(agent.client)
    sim.load(
        [
            tool_turn(EDITOR, {"command": "create", "path": "new/notes.md", "file_text": "hi\n"}),
            done_turn(),
        ]
    )
    session = await agent.client.new_session()
    await agent.client.prompt(session, "make notes")
    notes = agent.root / "new/notes.md"
    assert notes.read_bytes() == b"hi\n"
    (listed,) = await changes(agent, session)
    assert listed["status"] == "created" and listed["baseline"] is None
    assert [
        (h["oldStart"], h["oldLines"], h["newStart"], h["newLines"]) for h in listed["hunks"]
    ] == [(0, 0, 1, 1)]
    result = await review(agent, session, "reject", path=str(notes))
    assert result["rejected"] == [listed["hunks"][0]["id"]]
    assert not notes.exists()
    assert await changes(agent, session) == [] and last_summary(agent, session) == []


async def test_rewind_files_and_conversation_then_prompt_again(agent: Agent, sim: Any) -> None:
    editor = FakeEditor(agent.client)
    util = agent.root / "src/util.py"
    editor.open(util)
    original = util.read_text()
    sim.load(
        [
            {"blocks": [{"type": "text", "text": "First."}]},
            replace_turn("src/util.py", "a + b", "a - b"),
            done_turn(),
            replace_turn("src/util.py", "a - b", "a * b"),
            done_turn(),
        ]
    )
    session = await agent.client.new_session()
    indexes = []
    for text in ("hello", "subtract", "multiply"):
        indexes.append((await agent.client.prompt(session, text))["_meta"]["agentls"])
    assert indexes == [{"promptIndex": 0}, {"promptIndex": 1}, {"promptIndex": 2}]
    assert editor.text(util) == original.replace("a + b", "a * b")
    before = list(sim.requests[0]["body"]["messages"])

    report = await agent.client.request(
        "agentls/rewind", {"sessionId": session, "toPrompt": 1, "files": True, "conversation": True}
    )
    assert report == {"restored": [str(util)], "skipped": []}
    assert editor.text(util) == original
    assert await changes(agent, session) == []

    sim.load([done_turn()])
    result = await agent.client.prompt(session, "something else")
    assert result["_meta"]["agentls"]["promptIndex"] == 1
    request = sim.requests[-1]
    assert request["status"] == 200  # the simulator validates it as the API would
    messages = request["body"]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[0]["content"][0]["text"] == before[0]["content"][0]["text"] == "hello"
    assert messages[2]["content"][0]["text"] == "something else"

    with pytest.raises(JsonRpcException) as out_of_range:
        await agent.client.request(
            "agentls/rewind",
            {"sessionId": session, "toPrompt": 2, "files": True, "conversation": False},
        )
    assert out_of_range.value.code == -32602 and "prompts 0 to 1" in out_of_range.value.message


async def test_rewinding_files_only_skips_what_the_user_changed_and_tells_the_model(
    agent: Agent, sim: Any
) -> None:
    editor = FakeEditor(agent.client)
    app, util = agent.root / "src/app.py", agent.root / "src/util.py"
    editor.open(app)
    editor.open(util)
    original_app = app.read_text()
    sim.load(
        [
            replace_turn("src/app.py", "Hello", "Goodbye"),
            replace_turn("src/util.py", "a + b", "a - b"),
            done_turn(),
        ]
    )
    session = await agent.client.new_session()
    await agent.client.prompt(session, "edit both")
    mine = "def add(a, b):\n    return a - b  # keep\n"
    editor.type(util, mine)
    await agent.wait_for(lambda: editor.text(util) == mine)
    report = await agent.client.request(
        "agentls/rewind",
        {"sessionId": session, "toPrompt": 0, "files": True, "conversation": False},
    )
    assert report["restored"] == [str(app)]
    assert report["skipped"] == [
        {"path": str(util), "reason": "changed since the agent's edit; not restored"}
    ]
    assert editor.text(app) == original_app and editor.text(util) == mine
    sim.load([done_turn(expect="src/app.py: restored as it was before")])
    await agent.client.prompt(session, "go on")
    assert sim.requests[-1]["status"] == 200


async def test_the_undo_journal_and_pending_changes_survive_a_restart(
    agent: Agent, sim: Any, sim_env: dict[str, str], tmp_path: Path
) -> None:
    util = agent.root / "src/util.py"
    original = util.read_text()
    sim.load([replace_turn("src/util.py", "a + b", "b + a"), done_turn()])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "swap")
    assert util.read_text() == original.replace("a + b", "b + a")  # not open: edited on disk
    pending = await changes(agent, session)
    await agent.client.close()

    second = await start_agent(agent.root, sim_env, stderr_path=tmp_path / "second.log")
    try:
        await second.client.request("session/load", {"sessionId": session, "mcpServers": []})
        prompt_chunks = [
            u for u in second.of_kind("user_message_chunk") if u.get("_meta", {}).get("agentls")
        ]
        assert [u["_meta"]["agentls"]["promptIndex"] for u in prompt_chunks] == [0]
        # The pending set came back, and clients were told after the answer.
        await second.wait_for(lambda: second.of_kind("changes_update"), what="changes_update")
        assert second.of_kind("changes_update")[-1]["files"][0]["path"] == str(util)
        assert await changes(second, session) == pending
        report = await second.client.request("agentls/undoTurn", {"sessionId": session})
        assert report == {"restored": [str(util)], "skipped": []}
        assert util.read_text() == original
        assert await changes(second, session) == []
        # Undone once, for good, across a restart too.
        assert await second.client.request("agentls/undoTurn", {"sessionId": session}) == {
            "restored": [],
            "skipped": [],
        }
    finally:
        await second.client.close()


@pytest.mark.options({"permissionMode": "acceptAll"})
async def test_the_agents_unsaved_documents_are_saved_before_a_command(
    agent: Agent, sim: Any
) -> None:
    editor = FakeEditor(agent.client)
    app = agent.root / "src/app.py"
    editor.open(app)
    sim.load(
        [
            replace_turn("src/app.py", "Hello", "Goodbye"),
            tool_turn("bash", {"command": "python3 src/app.py"}),
            done_turn(expect="Goodbye, world!"),
        ]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "edit and run"))["stopReason"] == "end_turn"
    assert editor.save_requests == [[app.as_uri()]]
    assert "Goodbye" in app.read_text()
    call = agent.of_kind("tool_call", session)[-1]
    final = agent.tool_updates(call["toolCallId"])[-1]
    text = final["content"][0]["content"]["text"]
    assert text.startswith("[saved before running: src/app.py]\nGoodbye, world!")
    # Nothing unsaved: no request.
    sim.load([tool_turn("bash", {"command": "true"}), done_turn()])
    await agent.client.prompt(session, "again")
    assert len(editor.save_requests) == 1


@pytest.mark.options({"permissionMode": "acceptAll", "saveBeforeCommands": False})
async def test_save_before_commands_can_be_turned_off(agent: Agent, sim: Any) -> None:
    editor = FakeEditor(agent.client)
    app = agent.root / "src/app.py"
    editor.open(app)
    sim.load(
        [
            replace_turn("src/app.py", "Hello", "Goodbye"),
            tool_turn("bash", {"command": "python3 src/app.py"}),
            done_turn(expect="Hello, world!"),
        ]
    )
    session = await agent.client.new_session()
    await agent.client.prompt(session, "edit and run")
    assert editor.save_requests == []


@pytest.mark.options({"permissionMode": "acceptAll"})
async def test_command_output_streams_while_the_command_runs(agent: Agent, sim: Any) -> None:
    go = agent.root / "go"
    command = f"echo first; while [ ! -e {go} ]; do sleep 0.02; done; echo second"
    sim.load([tool_turn("bash", {"command": command}), done_turn(expect="second")])
    session = await agent.client.new_session()
    prompt = asyncio.ensure_future(agent.client.prompt(session, "run"))

    def streamed() -> list[dict[str, Any]]:
        return [
            u
            for u in agent.of_kind("tool_call_update", session)
            if u.get("status") == "in_progress" and u.get("content")
        ]

    live = await agent.wait_for(streamed, what="output while the command runs")
    assert live[0]["content"] == [
        {"type": "content", "content": {"type": "text", "text": "first\n"}}
    ]
    assert not prompt.done()
    go.touch()
    assert (await asyncio.wait_for(prompt, 10))["stopReason"] == "end_turn"
    call_id = live[0]["toolCallId"]
    final = agent.tool_updates(call_id)[-1]
    assert final["status"] == "completed"
    assert final["content"][0]["content"]["text"] == "first\nsecond\n\n[exit code: 0]"
    # Nothing streamed after the final update.
    assert agent.tool_updates(call_id).index(final) == len(agent.tool_updates(call_id)) - 1


@pytest.mark.options({"permissionMode": "acceptAll"})
async def test_streamed_output_is_the_tail_of_a_long_output(agent: Agent, sim: Any) -> None:
    go = agent.root / "go"
    command = f"seq 1 20000; while [ ! -e {go} ]; do sleep 0.02; done"
    sim.load([tool_turn("bash", {"command": command}), done_turn()])
    session = await agent.client.new_session()
    prompt = asyncio.ensure_future(agent.client.prompt(session, "run"))

    def tail() -> str | None:
        for update in reversed(agent.of_kind("tool_call_update", session)):
            if update.get("status") == "in_progress" and update.get("content"):
                text: str = update["content"][0]["content"]["text"]
                if text.endswith("20000\n"):
                    return text
        return None

    text = await agent.wait_for(tail, what="the end of the output, streamed")
    assert text.startswith("[… earlier output cut …]\n")
    assert len(text.encode()) <= 12_000 + 100
    go.touch()
    await asyncio.wait_for(prompt, 10)


@pytest.mark.options({"review": "before"})
async def test_review_before_shows_each_edit_as_a_diff_and_applies_only_accepted_ones(
    agent: Agent, sim: Any
) -> None:
    editor = FakeEditor(agent.client)
    app, util = agent.root / "src/app.py", agent.root / "src/util.py"
    editor.open(app)
    editor.open(util)
    original_util = util.read_text()
    asked: list[dict[str, Any]] = []
    answers = iter(["allow_once", "reject_once"])

    def answer(params: dict[str, Any]) -> dict[str, Any]:
        asked.append(params)
        return {"outcome": {"outcome": "selected", "optionId": next(answers)}}

    agent.client.permission_handler = answer
    sim.load(
        [
            replace_turn("src/app.py", "Hello", "Goodbye"),
            replace_turn("src/util.py", "a + b", "a - b"),
            done_turn(expect="Rejected by the user"),
        ]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "edit"))["stopReason"] == "end_turn"
    assert len(asked) == 2
    first = asked[0]["toolCall"]
    assert first["kind"] == "edit" and first["title"] == "Edit src/app.py"
    (diff,) = first["content"]
    assert diff["type"] == "diff" and diff["path"] == str(app)
    assert "Hello" in diff["oldText"] and "Goodbye" in diff["newText"]
    assert "Goodbye" in (editor.text(app) or "")
    assert editor.text(util) == original_util  # rejected: never written
    assert [Path(f["path"]).name for f in await changes(agent, session)] == ["app.py"]
    rejected = agent.tool_updates(asked[1]["toolCall"]["toolCallId"])[-1]
    assert rejected["status"] == "failed"

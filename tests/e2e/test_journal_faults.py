"""Session history is never lost (issue 10): damaged journals load what they can and say what
they skipped, one damaged session never hides another, journals are private, a session is
served only in its own workspace, and bad session ids are invalid params. End to end: real
`agentls serve` processes, one after another, against the simulator."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from tests.conftest import start_agent
from tests.e2e.harness import Agent

LOAD = "session/load"


def say(text: str) -> dict[str, Any]:
    return {"blocks": [{"type": "text", "text": text}]}


def journal_of(state_dir: Path, session: str) -> Path:
    (path,) = list(state_dir.glob(f"sessions/*/{session}.jsonl"))
    return path


async def next_server(agent: Agent, env: dict[str, str], tmp_path: Path, name: str) -> Agent:
    """Stop `agent`'s server (its journal writes reach the disk) and start another."""
    await agent.client.close()
    return await start_agent(agent.root, env, stderr_path=tmp_path / f"{name}.log")


async def load(agent: Agent, session: str, **extra: Any) -> Any:
    return await agent.client.request(LOAD, {"sessionId": session, "mcpServers": [], **extra})


def chunks(agent: Agent) -> list[tuple[str, str]]:
    return [
        (u["update"]["sessionUpdate"], u["update"]["content"]["text"])
        for u in agent.updates
        if u["update"]["sessionUpdate"] in ("user_message_chunk", "agent_message_chunk")
    ]


def notices(agent: Agent) -> list[dict[str, Any]]:
    return agent.of_kind("notice")


async def test_appends_after_a_cut_line_start_on_a_fresh_line_and_nothing_after_is_lost(
    agent: Agent, sim: Any, sim_env: dict[str, str], state_dir: Path, tmp_path: Path
) -> None:
    sim.load([say("One.")])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "first")
    second = await next_server(agent, sim_env, tmp_path, "second")
    journal = journal_of(state_dir, session)
    data = journal.read_bytes()
    journal.write_bytes(data[:-12])  # a crash cut the last line, its line end with it
    last = f"line {len(data.splitlines())}"
    try:
        await load(second, session)
        assert chunks(second) == [("user_message_chunk", "first")]
        (notice,) = notices(second)
        assert notice["level"] == "warning" and last in notice["message"]
        assert str(journal) in notice["message"]
        sim.load([say("Two.")])
        assert (await second.client.prompt(session, "second"))["stopReason"] == "end_turn"
    finally:
        third = await next_server(second, sim_env, tmp_path, "third")
    try:
        await load(third, session)
        assert chunks(third) == [
            ("user_message_chunk", "first"),
            ("user_message_chunk", "second"),
            ("agent_message_chunk", "Two."),
        ]
        lines = journal.read_bytes().split(b"\n")
        cut = len(data.splitlines()) - 1  # its index
        assert lines[cut] == data[:-12].split(b"\n")[cut]  # the cut line, alone on its line
        assert json.loads(lines[cut + 1])["type"] in ("prompt", "user")  # the next, whole
        sim.load([say("Three.")])
        assert (await third.client.prompt(session, "third"))["stopReason"] == "end_turn"
    finally:
        await third.client.close()


async def test_a_line_cut_inside_a_multibyte_character_never_breaks_list_or_load(
    agent: Agent, sim: Any, sim_env: dict[str, str], state_dir: Path, tmp_path: Path
) -> None:
    sim.load([say("Voilà ✓✓✓")])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "café ✓")
    second = await next_server(agent, sim_env, tmp_path, "second")
    journal = journal_of(state_dir, session)
    data = journal.read_bytes()
    journal.write_bytes(data[: data.rindex("✓".encode()) + 1])  # one byte of three
    last = f"line {len(data.splitlines())}"
    try:
        for params in ({}, {"cwd": str(agent.root)}):
            listing = await second.client.request("session/list", params)
            assert [(s["sessionId"], s["title"]) for s in listing["sessions"]] == [
                (session, "café ✓")
            ]
        await load(second, session)
        assert chunks(second) == [("user_message_chunk", "café ✓")]
        assert last in notices(second)[0]["message"]
        sim.load([say("Again.")])
        assert (await second.client.prompt(session, "again"))["stopReason"] == "end_turn"
    finally:
        await second.client.close()


async def test_one_bad_record_never_hides_healthy_sessions(
    agent: Agent, sim: Any, sim_env: dict[str, str], state_dir: Path, tmp_path: Path
) -> None:
    view = {
        "type": "tool_use",
        "name": "str_replace_based_edit_tool",
        "input": {"command": "view", "path": "README.md"},
    }
    sim.load([say("A."), {"blocks": [{"type": "text", "text": "Looking."}, view]}, say("B.")])
    healthy = await agent.client.new_session()
    await agent.client.prompt(healthy, "alpha")
    damaged = await agent.client.new_session()
    await agent.client.prompt(damaged, "beta")
    second = await next_server(agent, sim_env, tmp_path, "second")
    journal = journal_of(state_dir, damaged)
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    kinds = [r["type"] for r in records]
    assert kinds == ["session", "prompt", "user", "assistant", "user", "assistant"]
    tool_call = kinds.index("assistant")  # the reply with the tool call
    records[tool_call]["content"] = "not a list"
    records.append({"type": "user", "content": None})
    # 1-based line numbers: the damaged reply, the result it leaves alone, the null record.
    reply, result, null = tool_call + 1, tool_call + 2, len(records)
    journal.write_text("".join(json.dumps(r) + "\n" for r in records))
    try:
        listing = await second.client.request("session/list", {})
        assert sorted(s["title"] for s in listing["sessions"]) == ["alpha", "beta"]

        await load(second, healthy)
        assert notices(second) == []
        second.updates.clear()
        await load(second, damaged)
        # The tool call's record is gone, so its result has nothing to answer: both left out.
        assert chunks(second) == [("user_message_chunk", "beta"), ("agent_message_chunk", "B.")]
        (notice,) = notices(second)
        assert f"line {reply}: `content` is not a non-empty list" in notice["message"]
        assert f"line {result}" in notice["message"] and f"line {null}" in notice["message"]
        assert f"Session {damaged}" in second.stderr()  # and the log says so too
        assert f"line {reply}: `content` is not a non-empty list" in second.stderr()
        sim.load([say("Fine.")])
        assert (await second.client.prompt(damaged, "still there?"))["stopReason"] == "end_turn"
        assert [m["role"] for m in sim.requests[-1]["body"]["messages"]] == [
            "user",
            "assistant",
            "user",
        ]
    finally:
        await second.client.close()


async def test_journals_are_private(
    agent: Agent, sim: Any, sim_env: dict[str, str], state_dir: Path, tmp_path: Path
) -> None:
    sim.load([say("Secret file contents.")])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "read my keys")
    journal = journal_of(state_dir, session)
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert stat.S_IMODE(journal.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(journal.parent.parent.stat().st_mode) == 0o700
    # A journal an older version left readable to others is made private when it grows.
    second = await next_server(agent, sim_env, tmp_path, "second")
    journal.chmod(0o644)
    journal.parent.chmod(0o755)
    journal.parent.parent.chmod(0o755)
    try:
        await load(second, session)
        sim.load([say("More.")])
        await second.client.prompt(session, "more")
        assert stat.S_IMODE(journal.stat().st_mode) == 0o600
        assert stat.S_IMODE(journal.parent.stat().st_mode) == 0o700
    finally:
        await second.client.close()


def workspace_folder(state_dir: Path, cwd: Path) -> Path:
    return state_dir / "sessions" / hashlib.sha256(str(cwd).encode()).hexdigest()[:16]


async def test_a_session_is_served_only_in_its_own_workspace(
    agent: Agent, sim: Any, sim_env: dict[str, str], state_dir: Path, tmp_path: Path
) -> None:
    other = (tmp_path / "other").resolve()
    other.mkdir()
    sim.load([say("Here.")])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "where am I?")
    with pytest.raises(JsonRpcException) as in_memory:
        await load(agent, session, cwd=str(other))  # the running server has it in memory
    assert in_memory.value.code == -32602
    assert f"belongs to the workspace {agent.root.resolve()}" in in_memory.value.message

    second = await next_server(agent, sim_env, tmp_path, "second")
    # The journal copied into the other workspace's folder still names its own workspace.
    copied = workspace_folder(state_dir, other) / f"{session}.jsonl"
    copied.parent.mkdir(mode=0o700)
    shutil.copy(journal_of(state_dir, session), copied)
    try:
        for attempt in range(2):
            with pytest.raises(JsonRpcException) as on_disk:
                await load(second, session, cwd=str(other))
            assert on_disk.value.code == -32602, attempt
            assert "Load it with cwd" in on_disk.value.message
            copied.unlink(missing_ok=True)  # and from its own folder only, the same answer
        assert await load(second, session, cwd=str(agent.root)) is not None
        sim.load([say("Still here.")])
        assert (await second.client.prompt(session, "and now?"))["stopReason"] == "end_turn"
    finally:
        await second.client.close()


SESSION_METHODS: dict[str, dict[str, Any]] = {
    "session/load": {"mcpServers": []},
    "session/resume": {"mcpServers": []},
    "session/close": {},
    "session/prompt": {"prompt": [{"type": "text", "text": "hi"}]},
    "session/set_mode": {"modeId": "ask"},
    "session/set_config_option": {"configId": "mode", "value": "ask"},
    "agentls/undoTurn": {},
}


@pytest.mark.parametrize("bad_id", ["s" * 100_000, "s" * 129, "../../etc/passwd", "sess ok?"])
async def test_a_session_id_too_long_or_of_other_characters_is_invalid_params(
    agent: Agent, bad_id: str
) -> None:
    for method, params in SESSION_METHODS.items():
        with pytest.raises(JsonRpcException) as failure:
            await agent.client.request(method, {"sessionId": bad_id, **params})
        assert failure.value.code == -32602, method
        assert "at most 128" in failure.value.message and len(failure.value.message) < 300
    agent.client.cancel(bad_id)  # a notification: no answer, and the server goes on
    assert await asyncio.wait_for(agent.client.request("session/list", {}), 10) == {"sessions": []}

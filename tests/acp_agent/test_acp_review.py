"""Review and rewind over `agentls acp`: the same wire as over LSP, with ACP's extension
prefix, reading and writing through the client's `fs/*` methods."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.acp_agent.harness import AcpSession, acp_agent
from tests.acp_agent.test_acp import acp, edit_turn
from tests.e2e.test_core import text_turn

__all__ = ["acp"]  # the fixture


async def test_changes_are_listed_and_rejected_through_the_client(
    workspace: Path, sim_env: dict[str, str], sim: Any
) -> None:
    app = workspace / "src/app.py"
    on_disk = app.read_text()
    sim.load([edit_turn("src/app.py", "Hello", "Goodbye"), text_turn("Changed it.")])
    async with acp_agent(workspace, sim_env) as acp:
        session = (await acp.new_session())["sessionId"]
        result = await acp.prompt(session, "Say goodbye")
        assert result["_meta"] == {"agentls": {"promptIndex": 0}}
        # The edit is in the editor's buffer only; the listing reads it from there.
        listing = await acp.conn.ext_method("agentls/changes", {"sessionId": session})
        (listed,) = listing["files"]
        assert listed["path"] == str(app) and listed["baseline"] == on_disk
        (hunk,) = listed["hunks"]
        assert "Goodbye" in hunk["newText"] and "Hello" in hunk["oldText"]
        summaries = [u["update"] for u in acp.client.extension_updates]
        assert summaries[-1]["sessionUpdate"] == "changes_update"
        assert summaries[-1]["files"][0]["hunks"] == 1

        answer = await acp.conn.ext_method(
            "agentls/review", {"sessionId": session, "decision": "reject"}
        )
        assert answer == {"accepted": [], "rejected": [hunk["id"]], "skipped": []}
        assert acp.client.writes[-1] == (app, on_disk)
        assert (await acp.conn.ext_method("agentls/changes", {"sessionId": session})) == {
            "files": []
        }
        assert acp.client.extension_updates[-1]["update"]["files"] == []


async def test_rewind_over_acp_then_prompt_again(
    acp: AcpSession, sim: Any, workspace: Path
) -> None:
    app = workspace / "src/app.py"
    on_disk = app.read_text()
    sim.load(
        [
            edit_turn("src/app.py", "Hello", "Goodbye"),
            text_turn("Changed it."),
            text_turn("Fresh start."),
        ]
    )
    session = (await acp.new_session())["sessionId"]
    await acp.prompt(session, "Say goodbye")
    report = await acp.conn.ext_method(
        "agentls/rewind",
        {"sessionId": session, "toPrompt": 0, "files": True, "conversation": True},
    )
    assert report == {"restored": [str(app)], "skipped": []}
    assert acp.client.buffers[app] == on_disk
    await acp.prompt(session, "Something else")
    assert sim.requests[-1]["status"] == 200
    messages = sim.requests[-1]["body"]["messages"]
    assert len(messages) == 1 and messages[0]["content"][0]["text"] == "Something else"

"""Checkpoints across a compaction: the prompts a summary replaced keep their files'
rewind, lose their conversation's (refused, saying why), and the prompts after it rewind to
a conversation the API accepts, after a restart too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from tests.conftest import start_agent
from tests.e2e.harness import Agent
from tests.e2e.test_edits import done_turn, replace_turn

SUMMARY = "Summary: the user had util.py changed to subtract, then said two."


async def rewind(agent: Agent, session: str, to: int, *, files: bool, conversation: bool) -> Any:
    return await agent.client.request(
        "agentls/rewind",
        {"sessionId": session, "toPrompt": to, "files": files, "conversation": conversation},
    )


@pytest.mark.options({"permissionMode": "acceptAll"})
async def test_rewind_after_a_compaction(
    agent: Agent, sim: Any, sim_env: dict[str, str], tmp_path: Path
) -> None:
    util = agent.root / "src/util.py"
    original = util.read_text()
    sim.load(
        [
            replace_turn("src/util.py", "a + b", "a - b"),
            done_turn(),
            {"blocks": [{"type": "text", "text": "Second answer."}]},
            SUMMARY,
            {"blocks": [{"type": "text", "text": "Third answer."}]},
        ]
    )
    session = await agent.client.new_session()
    await agent.client.prompt(session, "subtract")
    await agent.client.prompt(session, "two")
    assert (await agent.client.request("agentls/compact", {"sessionId": session}))["compacted"]
    third = await agent.client.prompt(session, "three")
    assert third["_meta"]["agentls"]["promptIndex"] == 2
    after_compaction = sim.requests[-1]["body"]["messages"]
    assert SUMMARY in after_compaction[0]["content"][0]["text"]

    # Prompt 0 was summarised: its conversation cannot come back, its files can.
    with pytest.raises(JsonRpcException) as refused:
        await rewind(agent, session, 0, files=True, conversation=True)
    assert refused.value.code == -32602 and "compacted into a summary" in refused.value.message
    assert util.read_text() == original.replace("a + b", "a - b")  # a refusal changes nothing
    await agent.client.close()

    # After a restart the checkpoints are where they were after the compaction.
    second = await start_agent(agent.root, sim_env, stderr_path=tmp_path / "second.log")
    try:
        await second.client.request("session/load", {"sessionId": session, "mcpServers": []})
        with pytest.raises(JsonRpcException):
            await rewind(second, session, 0, files=False, conversation=True)
        report = await rewind(second, session, 0, files=True, conversation=False)
        assert report == {"restored": [str(util)], "skipped": []}
        assert util.read_text() == original

        # Prompt 2 came after the compaction: rewinding to it keeps the summary and what
        # the compaction kept, and the next request is valid.
        await rewind(second, session, 2, files=False, conversation=True)
        sim.load([{"blocks": [{"type": "text", "text": "Again."}]}])
        again = await second.client.prompt(session, "three, said differently")
        assert again["_meta"]["agentls"]["promptIndex"] == 2
        request = sim.requests[-1]
        assert request["status"] == 200
        messages = request["body"]["messages"]
        assert messages[:-1] == after_compaction[:-1]
        texts = [block["text"] for block in messages[-1]["content"]]
        assert texts[0] == "three, said differently"
        assert "src/util.py: restored" in texts[1]  # the model hears of the files' rewind
    finally:
        await second.client.close()

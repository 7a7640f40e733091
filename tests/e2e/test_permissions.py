"""Permissions, end to end: edits to files that configure code execution ask in every mode
(and are refused in readOnly), whatever the spelling of the path; "always allow" covers no
more than its option names, and never more than the exact command for programs that run
code from their arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import start_agent
from tests.e2e.fake_editor import FakeEditor
from tests.e2e.harness import Agent

EDITOR = "str_replace_based_edit_tool"
GIT_CONFIG = '[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch pwned"\n'


def tool_turn(name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    return {"blocks": [{"type": "tool_use", "name": name, "input": tool_input}]}


def create_turn(path: str, text: str = "x\n") -> dict[str, Any]:
    return tool_turn(EDITOR, {"command": "create", "path": path, "file_text": text})


def done_turn() -> dict[str, Any]:
    return {"blocks": [{"type": "text", "text": "Done."}]}


def answering(option: str, asked: list[dict[str, Any]]) -> Any:
    def handler(params: dict[str, Any]) -> dict[str, Any]:
        asked.append(params)
        return {"outcome": {"outcome": "selected", "optionId": option}}

    return handler


def sequence(options: list[str], asked: list[dict[str, Any]]) -> Any:
    answers = iter(options)

    def handler(params: dict[str, Any]) -> dict[str, Any]:
        asked.append(params)
        return {"outcome": {"outcome": "selected", "optionId": next(answers)}}

    return handler


def option_names(question: dict[str, Any]) -> dict[str, str]:
    return {o["optionId"]: o["name"] for o in question["options"]}


@pytest.fixture
def repo(workspace: Path) -> Path:
    (workspace / ".git" / "hooks").mkdir(parents=True)
    (workspace / ".git" / "config").write_text("[core]\n\trepositoryformatversion = 0\n")
    (workspace / "gitdir").symlink_to(".git")  # the symlink trick
    return workspace


EXEC_CONFIG_EDITS = [
    tool_turn(
        EDITOR,
        {
            "command": "str_replace",
            "path": ".git/config",
            "old_str": "repositoryformatversion = 0\n",
            "new_str": 'repositoryformatversion = 0\n\tfsmonitor = "touch pwned"\n',
        },
    ),
    create_turn(".git/hooks/pre-commit", "#!/bin/sh\ntouch pwned\n"),
    create_turn(".GIT/info/attributes"),  # the same file on a case-insensitive disk
    create_turn("gitdir/hooks/post-checkout"),  # through a symlink to .git
    create_turn("./src/../.git/description"),
    create_turn(".vscode/tasks.json", '{"tasks": [{"runOptions": {"runOn": "folderOpen"}}]}'),
    create_turn(".vscode/settings.json", '{"agentls.permissionMode": "acceptAll"}'),
    create_turn(".idea/workspace.xml"),
    create_turn(".envrc", "touch pwned\n"),
    create_turn("sub/.envrc", "touch pwned\n"),
    create_turn(".agentls/settings.json"),
    create_turn(".nvim.lua", "os.execute('touch pwned')\n"),
]
PROTECTED_PATHS = [
    ".git/config",
    ".git/hooks/pre-commit",
    ".GIT/info/attributes",
    "gitdir/hooks/post-checkout",
    "./src/../.git/description",
    ".vscode/tasks.json",
    ".vscode/settings.json",
    ".idea/workspace.xml",
    ".envrc",
    "sub/.envrc",
    ".agentls/settings.json",
    ".nvim.lua",
]


@pytest.mark.parametrize("mode", ["default", "acceptAll", "ask"])
async def test_edits_that_configure_code_execution_ask_in_every_mode(
    repo: Path, sim: Any, sim_env: dict[str, str], tmp_path: Path, mode: str
) -> None:
    agent = await start_agent(
        repo, sim_env, {"permissionMode": mode}, stderr_path=tmp_path / "err.log"
    )
    try:
        editor = FakeEditor(agent.client)
        asked: list[dict[str, Any]] = []
        agent.client.permission_handler = answering("reject_once", asked)
        sim.load([*EXEC_CONFIG_EDITS, done_turn()])
        session = await agent.client.new_session()
        assert (await agent.client.prompt(session, "go"))["stopReason"] == "end_turn"
        assert [q["toolCall"]["rawInput"]["path"] for q in asked] == PROTECTED_PATHS
        assert editor.applied == []
        first = option_names(asked[0])
        assert first["allow_always"] == "Always allow edits to `.git/config`", first
        assert first["reject_always"] == "Always reject edits to `.git/config`", first
        # An ordinary file still follows the mode.
        asked.clear()
        sim.load([create_turn("src/new.py"), done_turn()])
        await agent.client.prompt(session, "go")
        assert len(asked) == (1 if mode == "ask" else 0)
    finally:
        await agent.client.close()


@pytest.mark.options({"permissionMode": "readOnly"})
async def test_read_only_refuses_edits_that_configure_code_execution(
    agent: Agent, repo: Path, sim: Any
) -> None:
    editor = FakeEditor(agent.client)
    asked: list[dict[str, Any]] = []
    agent.client.permission_handler = answering("allow_once", asked)
    sim.load([EXEC_CONFIG_EDITS[0], done_turn()])
    session = await agent.client.new_session()
    await agent.client.prompt(session, "go")
    assert asked == [] and editor.applied == []
    assert "fsmonitor" not in (repo / ".git" / "config").read_text()


@pytest.mark.options({"permissionMode": "acceptAll"})
async def test_always_allow_for_a_protected_file_covers_that_file_only(
    agent: Agent, repo: Path, sim: Any
) -> None:
    FakeEditor(agent.client)
    asked: list[dict[str, Any]] = []
    agent.client.permission_handler = answering("allow_always", asked)
    sim.load(
        [
            create_turn(".vscode/launch.json"),
            create_turn(".vscode/launch.json", "y\n"),  # remembered
            create_turn(".vscode/tasks.json"),  # another file: asks
            done_turn(),
        ]
    )
    session = await agent.client.new_session()
    await agent.client.prompt(session, "go")
    assert [q["toolCall"]["rawInput"]["path"] for q in asked] == [
        ".vscode/launch.json",
        ".vscode/tasks.json",
    ]


async def test_always_allow_is_exact_for_programs_that_run_code_from_their_arguments(
    agent: Agent, sim: Any
) -> None:
    asked: list[dict[str, Any]] = []
    agent.client.permission_handler = sequence(
        ["allow_always", "reject_once", "allow_always", "reject_once", "allow_always"], asked
    )
    pwned = agent.root / "pwned"
    sim.load(
        [
            tool_turn("bash", {"command": "git --version"}),
            tool_turn("bash", {"command": f"git -c alias.x='!touch {pwned}' x"}),
            tool_turn("bash", {"command": "python3 --version"}),
            tool_turn("bash", {"command": f"python3 -c \"open('{pwned}', 'w')\""}),
            tool_turn("bash", {"command": "python3 --version"}),  # exactly as allowed: runs
            tool_turn("bash", {"command": "git status --short"}),
            tool_turn("bash", {"command": "git status"}),  # `git status …`: remembered
            done_turn(),
        ]
    )
    session = await agent.client.new_session()
    assert (await agent.client.prompt(session, "go"))["stopReason"] == "end_turn"
    assert not pwned.exists()
    commands = [q["toolCall"]["rawInput"]["command"] for q in asked]
    assert commands == [
        "git --version",
        f"git -c alias.x='!touch {pwned}' x",
        "python3 --version",
        f"python3 -c \"open('{pwned}', 'w')\"",
        "git status --short",
    ]
    names = [option_names(q) for q in asked]
    assert names[0]["allow_always"] == "Always allow `git --version` (this exact command only)"
    assert names[2]["allow_always"] == "Always allow `python3 --version` (this exact command only)"
    assert names[4]["allow_always"] == "Always allow `git status …` commands"
    assert names[4]["reject_always"] == "Always reject `git status …` commands"


@pytest.mark.parametrize(
    "command",
    [
        "env FOO=1 touch {pwned}",
        "xargs touch {pwned} < /dev/null",
        "find . -maxdepth 0 -exec touch {pwned} ;",
        "bash -c 'touch {pwned}'",
        "sh -c 'touch {pwned}'",
        "node -e \"require('fs').writeFileSync('{pwned}', '')\"",
        "perl -e 'open(F, \">{pwned}\")'",
        "timeout 5 touch {pwned}",
        "nice touch {pwned}",
        "make -f /dev/null --eval='x:; touch {pwned}' x",
        "npx --yes cowsay",
    ],
)
async def test_a_runner_program_allowed_once_always_is_not_allowed_with_other_arguments(
    agent: Agent, sim: Any, command: str
) -> None:
    asked: list[dict[str, Any]] = []
    agent.client.permission_handler = sequence(["allow_always", "reject_once"], asked)
    pwned = agent.root / "pwned"
    program = command.split(maxsplit=1)[0]
    sim.load(
        [
            tool_turn("bash", {"command": f"{program} --version"}),
            tool_turn("bash", {"command": command.format(pwned=pwned)}),
            done_turn(),
        ]
    )
    session = await agent.client.new_session()
    await agent.client.prompt(session, "go")
    assert len(asked) == 2, [q["toolCall"]["rawInput"]["command"] for q in asked]
    assert not pwned.exists()
    assert "exact command" in option_names(asked[0])["allow_always"]


async def test_every_question_says_what_always_covers(agent: Agent, sim: Any) -> None:
    asked: list[dict[str, Any]] = []
    agent.client.permission_handler = sequence(["reject_once"] * 3, asked)
    sim.load(
        [
            tool_turn("bash", {"command": "npm test"}),
            tool_turn("bash", {"command": "ls -la src"}),
            tool_turn("bash", {"command": "npm test && rm -rf build"}),
            done_turn(),
        ]
    )
    session = await agent.client.new_session()
    await agent.client.prompt(session, "go")
    names = [option_names(q) for q in asked]
    assert names[0]["allow_always"] == "Always allow `npm test …` commands"
    assert names[1]["allow_always"] == "Always allow `ls …` commands"
    assert (
        names[2]["allow_always"]
        == "Always allow `npm test && rm -rf build` (this exact command only)"
    )
    for question in names:
        assert question["allow_once"] == "Allow" and question["reject_once"] == "Reject"

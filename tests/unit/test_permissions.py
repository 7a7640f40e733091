"""Which paths configure code execution, however they are spelled; which commands can only be
remembered exactly. (End to end: tests/e2e/test_permissions.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentls.agent.permissions import exec_config_path, runs_code_from_arguments, scope_of


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (".git/config", ".git/config"),
        (".Git/hooks/pre-push", ".Git/hooks/pre-push"),
        (".g\u200cit/config", ".g\u200cit/config"),  # HFS+ ignores U+200C
        (".git./config", ".git./config"),  # NTFS drops trailing dots
        ("GIT~1/config", "GIT~1/config"),  # the NTFS short name of .git
        ("sub/repo/.git/config", "sub/repo/.git/config"),
        ("link/config", ".git/config"),  # a symlink to .git, shown as what it is
        ("src/../.vscode/tasks.json", ".vscode/tasks.json"),
        ("team.code-workspace", "team.code-workspace"),
        (".agentls.json", ".agentls.json"),
        (".husky/pre-commit", ".husky/pre-commit"),
    ],
)
def test_paths_that_configure_code_execution(tmp_path: Path, path: str, shown: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "link").symlink_to(".git")
    (tmp_path / "src").mkdir()
    assert exec_config_path(tmp_path, {"path": path}) == shown
    assert exec_config_path(tmp_path, {"path": str(tmp_path / path)}) == shown


@pytest.mark.parametrize(
    "path", ["src/app.py", "gitignore.txt", ".github/workflows/ci.yml", "docs/.gitkeep", "git"]
)
def test_ordinary_paths(tmp_path: Path, path: str) -> None:
    assert exec_config_path(tmp_path, {"path": path}) is None


@pytest.mark.parametrize(
    ("command", "exact"),
    [
        ("git status", False),
        ("git log --oneline -5", False),
        ("npm test", False),
        ("ls -la", False),
        ("cargo build", False),
        ("git --version", True),
        ("git -c core.pager=evil log", True),
        ("git x", True),  # maybe an alias
        ("git grep -O'touch x' foo", True),
        ("python3 --version", True),
        ("python3.12 -m pytest", True),
        ("/usr/bin/ls", True),
        ("./build.sh", True),
        ("LD_PRELOAD=x.so ls", True),
        ("echo $HOME", True),
        ("npm exec cowsay", True),
        ("uv run pytest", True),
        ("docker run alpine", True),
        ("ls; rm -rf /", True),
        ("unterminated 'quote", True),
    ],
)
def test_which_commands_are_remembered_exactly(command: str, exact: bool) -> None:
    assert runs_code_from_arguments(command) is exact
    scope = scope_of("execute", {"command": command})
    assert ("exact" in scope.key) is exact
    assert scope.words.endswith("(this exact command only)" if exact else "commands")


def test_a_long_or_odd_exact_command_is_not_quoted_in_the_option() -> None:
    for command in ("python -c " + "x" * 100, "echo `id`", "ls\nrm -rf /"):
        assert scope_of("execute", {"command": command}).words == "this exact command"

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from agentls.tools import ToolContext, ToolError, ToolOutcome, default_tools, run_tool
from agentls.tools.registry import find_tool, tool_definitions

from .helpers import EDITOR, call, write


class FakeTool:
    name = "fake"
    kind = "other"

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def definition(self) -> dict[str, Any]:
        return {"name": self.name, "input_schema": {"type": "object"}}

    def title(self, tool_input: dict[str, Any], root: Path | None = None) -> str:
        return "Fake"

    def kind_for(self, tool_input: dict[str, Any]) -> str:
        return self.kind

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        raise self.exc


def test_default_tools_and_definitions() -> None:
    tools = default_tools()
    assert [tool.name for tool in tools] == [EDITOR, "search", "bash", "update_plan"]
    assert [d["name"] for d in tool_definitions(tools)] == [EDITOR, "search", "bash", "update_plan"]
    assert find_tool(tools, "search") is tools[1]
    assert find_tool(tools, "grep") is None


async def test_unknown_tool(ctx: ToolContext) -> None:
    outcome = await call(ctx, "grep", {"pattern": "x"})
    assert outcome.is_error
    assert outcome.text == (
        "unknown tool `grep`; the available tools are `str_replace_based_edit_tool`, "
        "`search`, `bash`, `update_plan`"
    )


@pytest.mark.parametrize("tool_input", [None, [], ["view"], "view", 3, True])
@pytest.mark.parametrize("name", [EDITOR, "search"])
async def test_input_must_be_an_object(ctx: ToolContext, name: str, tool_input: object) -> None:
    outcome = await call(ctx, name, tool_input)
    assert outcome.is_error
    assert f"the input of `{name}` must be a JSON object, got {type(tool_input).__name__}" in (
        outcome.text
    )


@pytest.mark.parametrize(
    ("name", "tool_input"),
    [
        (EDITOR, {}),
        (EDITOR, {"command": None, "path": "a"}),
        (EDITOR, {"command": ["view"], "path": "a"}),
        (EDITOR, {"command": "view", "path": None}),
        (EDITOR, {"command": "view", "path": {"x": 1}}),
        ("search", {"pattern": None}),
        ("search", {"pattern": "x", "max_results": 1.5}),
    ],
)
async def test_wrong_types_are_errors(ctx: ToolContext, name: str, tool_input: object) -> None:
    outcome = await call(ctx, name, tool_input)
    assert outcome.is_error
    assert "`" in outcome.text  # names the field or command


async def test_failures_become_error_outcomes(ctx: ToolContext) -> None:
    cases: list[tuple[BaseException, str]] = [
        (ToolError("nope; do this instead"), "nope; do this instead"),
        (PermissionError(13, "Permission denied", str(ctx.root / "a.txt")), "a.txt: Permission"),
        (FileNotFoundError(2, "No such file or directory"), "could not access: No such file"),
        (RuntimeError("boom"), "`fake` failed unexpectedly (RuntimeError: boom)"),
    ]
    for exc, message in cases:
        outcome = await run_tool([FakeTool(exc)], "fake", {}, ctx)
        assert outcome.is_error
        assert message in outcome.text


async def test_cancellation_propagates(ctx: ToolContext) -> None:
    with pytest.raises(asyncio.CancelledError):
        await run_tool([FakeTool(asyncio.CancelledError())], "fake", {}, ctx)


async def test_unreadable_file(ctx: ToolContext, root: Path) -> None:
    path = write(root, "locked.txt", "x\n")
    path.chmod(0)
    try:
        if _can_read(path):
            pytest.skip("running as a user that ignores file permissions")
        outcome = await call(ctx, EDITOR, {"command": "view", "path": "locked.txt"})
        assert outcome.is_error
        assert outcome.text.startswith("could not access locked.txt: Permission denied")
    finally:
        path.chmod(0o644)


def _can_read(path: Path) -> bool:
    try:
        path.read_bytes()
    except PermissionError:
        return False
    return True

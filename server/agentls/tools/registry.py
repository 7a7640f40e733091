"""The tool set, and the one place tool failures become error results for the model."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from agentls.tools.base import Tool, ToolContext, ToolError, ToolOutcome, cut
from agentls.tools.bash import BashTool
from agentls.tools.plan import PlanTool
from agentls.tools.search import SearchTool
from agentls.tools.text_editor import TextEditorTool
from agentls.workspace.paths import WorkspacePathError, relative_display, resolve_in_workspace

logger = logging.getLogger(__name__)


def default_tools() -> list[Tool]:
    return [TextEditorTool(), SearchTool(), BashTool(), PlanTool()]


def find_tool(tools: Iterable[Tool], name: str) -> Tool | None:
    return next((tool for tool in tools if tool.name == name), None)


def tool_definitions(tools: Iterable[Tool]) -> list[dict[str, Any]]:
    """The Messages API ``tools`` list."""
    return [tool.definition() for tool in tools]


async def run_tool(
    tools: Iterable[Tool], name: str, tool_input: object, ctx: ToolContext
) -> ToolOutcome:
    """Run a tool call from the model; every failure becomes an ``is_error`` outcome.

    Only ``asyncio.CancelledError`` (and other BaseExceptions) propagate, so a
    cancelled turn stops here instead of reporting a tool failure.
    """
    tools = list(tools)
    tool = find_tool(tools, name) if isinstance(name, str) else None
    if tool is None:
        available = ", ".join(f"`{t.name}`" for t in tools)
        return _error(f"unknown tool `{cut(str(name), 60)}`; the available tools are {available}")
    if not isinstance(tool_input, dict):
        return _error(
            f"the input of `{tool.name}` must be a JSON object, got "
            f"{type(tool_input).__name__}; pass the fields its schema lists"
        )
    try:
        async with _holding(tool_input, ctx):
            return await tool.run(tool_input, ctx)
    except (ToolError, WorkspacePathError) as exc:
        return _error(str(exc))
    except OSError as exc:
        return _error(_describe_os_error(exc, ctx.root))
    except Exception as exc:
        logger.exception("tool %s failed on input %r", tool.name, tool_input)
        return _error(
            f"`{tool.name}` failed unexpectedly ({type(exc).__name__}: {cut(str(exc), 200)}); "
            "this is a bug in agentls, so try another way to get what you need"
        )


def _error(text: str) -> ToolOutcome:
    return ToolOutcome(text, is_error=True)


def _holding(tool_input: dict[str, Any], ctx: ToolContext) -> AbstractAsyncContextManager[None]:
    path = tool_input.get("path")
    if ctx.holding is not None and isinstance(path, str):
        try:
            return ctx.holding(resolve_in_workspace(ctx.root, path))
        except WorkspacePathError:
            pass  # the tool itself says what is wrong with the path
    return contextlib.nullcontext()


def _describe_os_error(exc: OSError, root: Path) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    subject = ""
    if isinstance(exc.filename, str):
        subject = f" {relative_display(root, Path(exc.filename))}"
    hint = (
        "its permissions do not allow it; try another file"
        if isinstance(exc, PermissionError)
        else "check the path and try again"
    )
    return f"could not access{subject}: {reason}; {hint}"

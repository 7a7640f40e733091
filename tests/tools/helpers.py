"""Shared helpers for the tool tests."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from agentls.tools import ToolContext, ToolOutcome, default_tools, run_tool

SECRET = "TOP-SECRET-7f3a9c"
EDITOR = "str_replace_based_edit_tool"


class FakeDocuments:
    """An editor with some unsaved buffers; records which threads asked."""

    def __init__(self, buffers: dict[Path, str] | None = None) -> None:
        self.buffers = dict(buffers or {})
        self.threads: set[int] = set()

    def open_document_text(self, path: Path) -> str | None:
        self.threads.add(threading.get_ident())
        return self.buffers.get(path)

    def open_document_paths(self) -> list[Path]:
        return list(self.buffers)


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


async def call(ctx: ToolContext, name: str, tool_input: Any) -> ToolOutcome:
    return await run_tool(default_tools(), name, tool_input, ctx)


async def view(ctx: ToolContext, path: str, **extra: Any) -> ToolOutcome:
    return await call(ctx, EDITOR, {"command": "view", "path": path, **extra})


async def search(ctx: ToolContext, pattern: str, **extra: Any) -> ToolOutcome:
    return await call(ctx, "search", {"pattern": pattern, **extra})

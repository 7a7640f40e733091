"""Patterns from the workspace or the model never backtrack on the server: a .gitignore line
or a `glob` such as `*a*a*a*a*a*a*a*a*a*a*b` against a long file name would take Python's
`re` years; every match here takes linear time."""

from __future__ import annotations

import time
from pathlib import Path

from agentls.tools import ToolContext

from .helpers import FakeDocuments, call, search, view, write

EVIL = "*a" * 12 + "*b"
LONG_NAME = "a" * 200


def hostile(root: Path) -> None:
    write(root, ".gitignore", f"{EVIL}\n{EVIL}/\n")
    write(root, f"src/{LONG_NAME}", "hit\n")
    write(root, f"{LONG_NAME}/{LONG_NAME}", "hit\n")
    write(root, "ok.txt", "hit\n")


async def test_listing_a_directory_under_a_hostile_gitignore(root: Path, ctx: ToolContext) -> None:
    hostile(root)
    started = time.monotonic()
    outcome = await view(ctx, ".")
    assert not outcome.is_error and LONG_NAME in outcome.text
    # An explicitly named directory lifts the patterns that ignore it: matched too.
    assert not (await view(ctx, LONG_NAME)).is_error
    assert time.monotonic() - started < 5


async def test_searching_buffers_and_globs_under_a_hostile_gitignore(root: Path) -> None:
    hostile(root)
    buffers = {root / "src" / (LONG_NAME + "x"): "hit in a buffer\n"}
    ctx = ToolContext(root, FakeDocuments(buffers))
    started = time.monotonic()
    outcome = await search(ctx, "hit")
    assert f"src/{LONG_NAME}x:1: hit in a buffer" in outcome.text.splitlines()
    outcome = await call(ctx, "search", {"pattern": "hit", "glob": EVIL})
    assert not outcome.is_error
    assert time.monotonic() - started < 5

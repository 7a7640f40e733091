"""Every path-taking field of every tool refuses to leave the workspace.

A secret file sits next to the workspace; whatever the model asks, its content must
never appear in a result and the file must never be opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentls.tools import ToolContext

from .conftest import OpenAudit
from .helpers import EDITOR, SECRET, FakeDocuments, call, write

# (tool, input without the path, the field that takes a path)
PATH_FIELDS: list[tuple[str, dict[str, Any], str]] = [
    (EDITOR, {"command": "view"}, "path"),
    (EDITOR, {"command": "view", "view_range": [1, -1]}, "path"),
    (EDITOR, {"command": "create", "file_text": "x"}, "path"),
    (EDITOR, {"command": "str_replace", "old_str": "a", "new_str": "b"}, "path"),
    (EDITOR, {"command": "insert", "insert_line": 0, "insert_text": "x"}, "path"),
    (EDITOR, {"command": "undo_edit"}, "path"),
    ("search", {"pattern": "."}, "path"),
    ("search", {"pattern": "TOP", "glob": "*.txt"}, "path"),
]


def _bad_paths(root: Path, outside: Path) -> dict[str, str]:
    sibling = root.parent / (root.name + "-sibling")
    sibling.mkdir(exist_ok=True)
    (sibling / "secret.txt").write_text(f"{SECRET}\n")
    write(root, "sub/inner.txt", "inside\n")
    (root / "link_file").symlink_to(outside / "secret.txt")
    (root / "link_dir").symlink_to(outside)
    (root / "sub" / "escape").symlink_to("../../outside")  # relative link in a subdirectory
    (root / "dangling").symlink_to(outside / "not-yet.txt")
    return {
        "dotdot": "../outside/secret.txt",
        "dotdot dir": "../outside",
        "etc passwd": "/etc/passwd",
        "absolute outside": str(outside / "secret.txt"),
        "absolute sibling dir": str(sibling),
        "absolute sibling file": str(sibling / "secret.txt"),
        "relative sibling": f"../{sibling.name}/secret.txt",
        "nested dotdot": "sub/../../outside/secret.txt",
        "symlinked file": "link_file",
        "symlinked dir": "link_dir",
        "through symlinked dir": "link_dir/secret.txt",
        "symlink in parent": "sub/escape/secret.txt",
        "symlink in parent, dir": "sub/escape",
        "dangling symlink": "dangling",
        "home": "~/secret.txt",
        "nul": "sub/inner.txt\0../../outside/secret.txt",
        "nul only": "\0",
        "empty": "",
    }


BAD_PATH_NAMES = [
    "dotdot",
    "dotdot dir",
    "etc passwd",
    "absolute outside",
    "absolute sibling dir",
    "absolute sibling file",
    "relative sibling",
    "nested dotdot",
    "symlinked file",
    "symlinked dir",
    "through symlinked dir",
    "symlink in parent",
    "symlink in parent, dir",
    "dangling symlink",
    "home",
    "nul",
    "nul only",
    "empty",
]


def _touches(paths: list[str], places: list[Path]) -> list[str]:
    return [p for p in paths if any(Path(p) == d or Path(p).is_relative_to(d) for d in places)]


@pytest.mark.parametrize("spec", PATH_FIELDS, ids=lambda s: f"{s[0]}.{s[1].get('command', '')}")
@pytest.mark.parametrize("case", BAD_PATH_NAMES)
async def test_path_fields_refuse_to_leave(
    root: Path, outside: Path, audit: OpenAudit, spec: tuple[str, dict[str, Any], str], case: str
) -> None:
    tool, base, field = spec
    ctx = ToolContext(root, FakeDocuments())
    audit.active = False
    bad = _bad_paths(root, outside)
    assert sorted(bad) == sorted(BAD_PATH_NAMES)
    audit.paths.clear()
    audit.active = True
    outcome = await call(ctx, tool, {**base, field: bad[case]})
    audit.active = False
    assert outcome.is_error, outcome.text
    assert SECRET not in outcome.text
    forbidden = [outside, root.parent / (root.name + "-sibling"), Path("/etc")]
    assert _touches(audit.paths, forbidden) == []


async def test_walks_never_follow_symlinks_out(
    ctx: ToolContext, root: Path, outside: Path, audit: OpenAudit
) -> None:
    audit.active = False
    _bad_paths(root, outside)
    write(root, ".gitignore", "")
    (root / "sub" / ".gitignore").symlink_to(outside / "secret.txt")
    audit.paths.clear()
    audit.active = True
    outcomes = [
        await call(ctx, "search", {"pattern": "."}),
        await call(ctx, "search", {"pattern": "TOP", "case_sensitive": False}),
        await call(ctx, "search", {"pattern": ".", "glob": "../outside/*"}),
        await call(ctx, "search", {"pattern": ".", "glob": "/**/secret.txt"}),
        await call(ctx, "search", {"pattern": ".", "path": "sub"}),
        await call(ctx, EDITOR, {"command": "view", "path": "."}),
        await call(ctx, EDITOR, {"command": "view", "path": "sub"}),
    ]
    audit.active = False
    for outcome in outcomes:
        assert SECRET not in outcome.text
    assert "sub/inner.txt:1: inside" in outcomes[0].text
    assert any(p.endswith("inner.txt") for p in audit.paths)  # the audit hook does see opens
    assert _touches(audit.paths, [outside]) == []

"""The text editor's edit commands, on the disk target (the editor target is tested end to
end in tests/e2e/test_edits.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from agentls.agent.journal import TurnJournal
from agentls.tools import ToolContext

from .helpers import EDITOR, FakeDocuments, call, write


async def edit(ctx: ToolContext, **tool_input: object) -> tuple[bool, str]:
    outcome = await call(ctx, EDITOR, tool_input)
    return outcome.is_error, outcome.text


async def test_create_writes_a_new_file_and_reports_a_diff(ctx: ToolContext, root: Path) -> None:
    outcome = await call(
        ctx, EDITOR, {"command": "create", "path": "pkg/new.py", "file_text": "x = 1\n"}
    )
    assert not outcome.is_error, outcome.text
    assert (root / "pkg/new.py").read_text() == "x = 1\n"
    assert outcome.diffs[0].old_text is None and outcome.diffs[0].new_text == "x = 1\n"
    assert outcome.locations[0].path == str(root / "pkg/new.py")


async def test_create_never_overwrites(ctx: ToolContext, root: Path) -> None:
    write(root, "a.py", "keep\n")
    failed, text = await edit(ctx, command="create", path="a.py", file_text="gone\n")
    assert failed and "already exists" in text
    assert (root / "a.py").read_text() == "keep\n"


@pytest.mark.parametrize(("content", "matches"), [("a = 1\n", "no match"), ("x\nx\n", "2 matches")])
async def test_str_replace_needs_exactly_one_match(
    ctx: ToolContext, root: Path, content: str, matches: str
) -> None:
    write(root, "a.py", content)
    failed, text = await edit(ctx, command="str_replace", path="a.py", old_str="x", new_str="y")
    assert failed and matches in text
    assert (root / "a.py").read_text() == content


async def test_str_replace_keeps_crlf_and_mode(ctx: ToolContext, root: Path) -> None:
    path = write(root, "run.sh", b"#!/bin/sh\r\necho one\r\necho two\r\n")
    path.chmod(0o755)
    failed, text = await edit(
        ctx, command="str_replace", path="run.sh", old_str="echo one\necho two", new_str="echo 1"
    )
    assert not failed, text
    assert path.read_bytes() == b"#!/bin/sh\r\necho 1\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o755
    assert "line 2" in text


@pytest.mark.parametrize(
    ("content", "line", "expected"),
    [
        ("a\nb\n", 0, "new\na\nb\n"),
        ("a\nb\n", 1, "a\nnew\nb\n"),
        ("a\nb\n", 2, "a\nb\nnew\n"),
        ("a\nb", 2, "a\nb\nnew"),
        ("", 0, "new\n"),
    ],
)
async def test_insert_after_a_line(
    ctx: ToolContext, root: Path, content: str, line: int, expected: str
) -> None:
    write(root, "a.txt", content)
    failed, text = await edit(
        ctx, command="insert", path="a.txt", insert_line=line, insert_text="new"
    )
    assert not failed, text
    assert (root / "a.txt").read_text() == expected


async def test_insert_line_out_of_range(ctx: ToolContext, root: Path) -> None:
    write(root, "a.txt", "a\n")
    failed, text = await edit(ctx, command="insert", path="a.txt", insert_line=5, insert_text="x")
    assert failed and "between 0" in text


async def test_edits_read_the_unsaved_buffer(root: Path) -> None:
    path = write(root, "a.py", "on disk\n")
    docs = FakeDocuments({path: "in the buffer\n"})
    from agentls.workspace.edits import DiskEdits

    ctx = ToolContext(root=root, documents=docs, edits=DiskEdits(root, docs))
    failed, text = await edit(
        ctx, command="str_replace", path="a.py", old_str="on disk", new_str="x"
    )
    assert failed and "no match" in text


async def test_non_utf8_file_is_not_edited(ctx: ToolContext, root: Path) -> None:
    path = write(root, "latin.txt", "caf\xe9\n".encode("latin-1"))
    failed, text = await edit(
        ctx, command="str_replace", path="latin.txt", old_str="caf", new_str="x"
    )
    assert failed and "not UTF-8" in text
    assert path.read_bytes() == b"caf\xe9\n"


async def test_undo_edit_is_not_this_tool_version(ctx: ToolContext, root: Path) -> None:
    write(root, "a.py", "x\n")
    failed, text = await edit(ctx, command="undo_edit", path="a.py")
    assert failed and "unknown command `undo_edit`" in text


async def test_edits_are_journalled(ctx: ToolContext, root: Path) -> None:
    journal = TurnJournal()
    ctx.journal = journal
    write(root, "a.py", "one\n")
    await edit(ctx, command="str_replace", path="a.py", old_str="one", new_str="two")
    await edit(ctx, command="str_replace", path="a.py", old_str="two", new_str="three")
    await edit(ctx, command="create", path="b.py", file_text="b\n")
    changes = {path.name: (c.before, c.after) for path, c in journal.changes.items()}
    assert changes == {"a.py": ("one\n", "three\n"), "b.py": (None, "b\n")}


def test_no_temporary_files_are_left(root: Path) -> None:
    from agentls.workspace.files import ANYTHING, write_file

    assert write_file(root, root / "a.txt", b"hello", expected=ANYTHING)
    assert sorted(os.listdir(root)) == ["a.txt"]

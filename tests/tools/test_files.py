"""workspace/files.py: reads, compare-and-swap writes and deletes beneath the root, never
through a symlink that appeared after the path was checked."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from agentls.tools import ToolContext
from agentls.workspace.files import (
    ANYTHING,
    DocumentReadError,
    PathChangedError,
    read_file,
    remove_file,
    write_file,
)
from agentls.workspace.paths import WorkspacePathError, resolve_in_workspace

from .helpers import SECRET, call, view, write


def swap_for_link(folder: Path, target: Path) -> None:
    """What a racing process does between the check and the use."""
    folder.rename(folder.with_name(folder.name + ".moved"))
    folder.symlink_to(target)


def test_a_folder_swapped_after_the_check_is_not_followed(root: Path, outside: Path) -> None:
    write(root, "sub/secret.txt", "inside\n")
    read_path = resolve_in_workspace(root, "sub/secret.txt")
    new_path = resolve_in_workspace(root, "sub/new.txt")
    swap_for_link(root / "sub", outside)
    with pytest.raises(PathChangedError, match="changed while it was being opened"):
        read_file(root, read_path)
    with pytest.raises(PathChangedError):
        write_file(root, new_path, b"x", expected=None)
    with pytest.raises(PathChangedError):
        write_file(root, read_path, b"x", expected=ANYTHING)
    with pytest.raises(PathChangedError):
        remove_file(root, read_path, expected=f"{SECRET}\n".encode())
    assert sorted(os.listdir(outside)) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == f"{SECRET}\n"


def test_a_file_swapped_for_a_link_after_the_check_is_not_followed(
    root: Path, outside: Path
) -> None:
    path = resolve_in_workspace(root, "a.txt")
    (root / "a.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(PathChangedError):
        read_file(root, path)
    with pytest.raises(PathChangedError):
        write_file(root, path, b"x", expected=ANYTHING)
    assert (outside / "secret.txt").read_text() == f"{SECRET}\n"


def test_a_path_outside_the_root_is_refused(root: Path, outside: Path) -> None:
    with pytest.raises(WorkspacePathError, match="outside the workspace"):
        read_file(root, outside / "secret.txt")


def test_write_compares_then_swaps(root: Path) -> None:
    path = write(root, "a.txt", "one\n")
    assert not write_file(root, path, b"two\n", expected=b"zero\n")
    assert path.read_text() == "one\n"
    assert write_file(root, path, b"two\n", expected=b"one\n")
    assert path.read_text() == "two\n"
    assert not write_file(root, path, b"three\n", expected=None)  # create: it exists
    assert path.read_text() == "two\n"
    assert write_file(root, root / "deep/er/b.txt", b"b\n", expected=None)
    assert (root / "deep/er/b.txt").read_text() == "b\n"
    assert sorted(os.listdir(root)) == ["a.txt", "deep"]


def test_write_keeps_the_mode_and_a_new_file_follows_the_umask(root: Path) -> None:
    path = write(root, "run.sh", "#!/bin/sh\n")
    path.chmod(0o750)
    assert write_file(root, path, b"#!/bin/sh\necho\n", expected=ANYTHING)
    assert stat.S_IMODE(path.stat().st_mode) == 0o750
    umask = os.umask(0o022)
    try:
        assert write_file(root, root / "new.txt", b"n", expected=None)
    finally:
        os.umask(umask)
    assert stat.S_IMODE((root / "new.txt").stat().st_mode) == 0o644


def test_remove_only_what_was_expected(root: Path) -> None:
    path = write(root, "a.txt", "mine\n")
    assert not remove_file(root, path, expected=b"theirs\n")
    assert path.exists()
    assert remove_file(root, path, expected=b"mine\n")
    assert not path.exists()


def test_reads_refuse_folders_and_pipes_without_blocking(root: Path) -> None:
    (root / "folder").mkdir()
    os.mkfifo(root / "fifo")
    with pytest.raises(DocumentReadError, match="a directory"):
        read_file(root, root / "folder")
    with pytest.raises(DocumentReadError, match="not a regular file"):
        read_file(root, root / "fifo")
    with pytest.raises(DocumentReadError, match="not a regular file"):
        write_file(root, root / "fifo", b"x", expected=ANYTHING)
    with pytest.raises(FileNotFoundError):
        read_file(root, root / "missing/a.txt")


async def test_edit_tool_reports_a_swap_as_an_error(
    ctx: ToolContext, root: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same through the tool: the folder is a folder when resolved, a link when opened.
    from agentls.tools import edit_commands

    write(root, "sub/a.txt", "inside\n")

    def resolve_then_swap(base: Path, user_path: str) -> Path:
        resolved = resolve_in_workspace(base, user_path)
        swap_for_link(root / "sub", outside)
        return resolved

    monkeypatch.setattr(edit_commands, "resolve_in_workspace", resolve_then_swap)
    create = {"command": "create", "path": "sub/new.txt", "file_text": "x\n"}
    outcome = await call(ctx, "str_replace_based_edit_tool", create)
    assert outcome.is_error and "changed while it was being opened" in outcome.text
    assert sorted(os.listdir(outside)) == ["secret.txt"]
    assert SECRET not in (await view(ctx, "sub/secret.txt")).text

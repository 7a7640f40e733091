from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentls.workspace.documents import DocumentReadError, read_text
from agentls.workspace.paths import WorkspacePathError, relative_display, resolve_in_workspace

from .helpers import FakeDocuments, write


def test_relative_and_absolute_inside(root: Path) -> None:
    write(root, "src/app.py", "x\n")
    assert resolve_in_workspace(root, "src/app.py") == root / "src/app.py"
    assert resolve_in_workspace(root, str(root / "src/app.py")) == root / "src/app.py"
    assert resolve_in_workspace(root, ".") == root
    assert resolve_in_workspace(root, "./src/../src/app.py") == root / "src/app.py"


def test_missing_path_resolves_parent_and_appends(root: Path) -> None:
    write(root, "src/app.py", "x\n")
    assert resolve_in_workspace(root, "src/new/deeper.py") == root / "src/new/deeper.py"


def test_must_exist(root: Path) -> None:
    with pytest.raises(WorkspacePathError, match="does not exist"):
        resolve_in_workspace(root, "nope.py", must_exist=True)


def test_root_given_through_a_symlink(tmp_path: Path, root: Path) -> None:
    write(root, "a.py", "x\n")
    link = tmp_path / "root-link"
    link.symlink_to(root)
    assert resolve_in_workspace(link, "a.py") == root / "a.py"
    assert resolve_in_workspace(link, str(link / "a.py")) == root / "a.py"


def test_symlinks_inside_the_workspace_are_fine(root: Path) -> None:
    write(root, "real/a.py", "x\n")
    (root / "alias").symlink_to(root / "real")
    (root / "dangling").symlink_to(root / "real" / "future.py")
    assert resolve_in_workspace(root, "alias/a.py") == root / "real/a.py"
    assert resolve_in_workspace(root, "dangling") == root / "real/future.py"


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("../x", "leaves the workspace"),
        ("sub/../../x", "leaves the workspace"),
        ("/etc/passwd", "leaves the workspace"),
        ("~/.ssh/id_rsa", "leaves the workspace"),
        ("", "empty path"),
        ("  ", "empty path"),
        ("a\0b", "NUL byte"),
        ("link/secret.txt", "symlink that points outside"),
        ("dangling", "symlink that points outside"),
        ("loop", "cannot be resolved"),
    ],
)
def test_refusals_say_why(root: Path, outside: Path, bad: str, reason: str) -> None:
    (root / "link").symlink_to(outside)
    (root / "dangling").symlink_to(outside / "new-file")
    (root / "loop").symlink_to(root / "loop")
    with pytest.raises(WorkspacePathError, match=reason) as info:
        resolve_in_workspace(root, bad)
    assert "use" in str(info.value)


def test_sibling_with_common_prefix_is_outside(tmp_path: Path, root: Path) -> None:
    sibling = tmp_path / (root.name + "-evil")
    sibling.mkdir()
    with pytest.raises(WorkspacePathError):
        resolve_in_workspace(root, str(sibling / "x"))


def test_relative_display(root: Path) -> None:
    assert relative_display(root, root / "a" / "b.py") == "a/b.py"
    assert relative_display(root, root) == "."
    assert relative_display(root, Path("/elsewhere/x")) == "/elsewhere/x"


def test_read_text_prefers_buffer(root: Path) -> None:
    path = write(root, "a.py", "disk\n")
    assert read_text(path, FakeDocuments({path: "buffer"})) == "buffer"
    assert read_text(path, FakeDocuments()) == "disk\n"
    assert read_text(path, None) == "disk\n"


def test_read_text_errors(root: Path) -> None:
    binary = write(root, "x.bin", b"abc\0def")
    with pytest.raises(DocumentReadError, match="binary file, not shown"):
        read_text(binary, None)
    with pytest.raises(DocumentReadError, match="directory"):
        read_text(root, None)
    with pytest.raises(DocumentReadError, match="too large"):
        read_text(write(root, "big.txt", "x" * 100), None, max_bytes=10)
    fifo = root / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(DocumentReadError, match="not a regular file"):
        read_text(fifo, None)
    with pytest.raises(FileNotFoundError):
        read_text(root / "missing", None)


def test_read_text_replaces_invalid_utf8(root: Path) -> None:
    assert read_text(write(root, "latin.txt", b"caf\xe9\n"), None) == "caf\ufffd\n"

"""Files beneath a workspace root, reached so that the path check and the use are one step.

`resolve_in_workspace` decides which real path the model means; the functions here then
reach it from an open descriptor of the root, one component at a time with `O_NOFOLLOW`.
That path was resolved, so it holds no symlink: a symlink met on the way was put there
after the check (a folder swapped for a link to elsewhere), and the call fails rather than
follow it. Reads, compare-and-swap writes and deletes all go through here, so no race can
make them touch a file outside the workspace.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from agentls.workspace.paths import WorkspacePathError

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused once open.
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
_CHUNK = 1 << 20


class DocumentReadError(OSError):
    """The path exists but has no text to show: a directory, a binary or too large file."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class PathChangedError(WorkspacePathError):
    """A folder or file on the path became a symlink between the check and the use."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} changed while it was being opened: a symlink replaced a folder or file on "
            "its way, and symlinks met after the workspace check are never followed. If the "
            "change was intended, try again"
        )


class Anything:
    def __repr__(self) -> str:
        return "ANYTHING"


ANYTHING: Final = Anything()
"""`expected` for a write that replaces whatever the file holds (or creates it)."""


@dataclass(frozen=True)
class _Found:
    data: bytes
    identity: tuple[int, ...]
    mode: int


def read_file(root: Path, path: Path, *, max_bytes: int | None = None) -> bytes:
    """The bytes of the regular file `path` (resolved, inside `root`).

    Raises FileNotFoundError, DocumentReadError (a directory, a pipe or device, over
    `max_bytes`), PathChangedError, or another OSError.
    """
    with _parent(root, path, create=False) as (directory, name):
        found = _read(directory, name, path, max_bytes)
    if found is None:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(path))
    return found.data


def write_file(root: Path, path: Path, data: bytes, *, expected: bytes | Anything | None) -> bool:
    """Replace `path` with `data` if it holds `expected` now (None: if it does not exist).

    Compare-and-swap: the file is read, compared, `data` written to a temporary file
    beside it and fsynced, the file checked to be the one that was read (same inode, size,
    times), and the temporary file renamed over it; a crash leaves the old content or the
    new, never a mix. The file's mode is kept; a new file gets the usual 0666 less umask.
    Missing folders are created. False when the file is not what was expected.
    """
    with _parent(root, path, create=True) as (directory, name):
        found = _read(directory, name, path, None)
        if not _matches(found, expected):
            return False
        temporary = _write_temporary(directory, name, data, found.mode if found else None)
        try:
            if _identity(directory, name) != (found.identity if found else None):
                return False  # changed between the read and now
            if found is None:
                if not _link_new(directory, temporary, name):
                    return False
            else:
                os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary, dir_fd=directory)
        _sync(directory)
    return True


def remove_file(root: Path, path: Path, *, expected: bytes) -> bool:
    """Delete `path` if it holds `expected` now; False (and nothing removed) otherwise."""
    with _parent(root, path, create=False) as (directory, name):
        found = _read(directory, name, path, None)
        if found is None or found.data != expected:
            return False
        if _identity(directory, name) != found.identity:
            return False
        os.unlink(name, dir_fd=directory)
        _sync(directory)
    return True


# --- walking from the root ----------------------------------------------------------------


@contextlib.contextmanager
def _parent(root: Path, path: Path, *, create: bool) -> Iterator[tuple[int, str]]:
    """A descriptor of `path`'s folder, reached from the root without following symlinks,
    and the name of `path` in it ("." for the root itself)."""
    real_root = root.resolve()
    try:
        parts = path.relative_to(real_root).parts
    except ValueError:
        raise WorkspacePathError(
            f"{path} is outside the workspace {real_root}; use a path inside it"
        ) from None
    descriptor = os.open(real_root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts[:-1]:
            child = _step(descriptor, part, path, create=create)
            os.close(descriptor)
            descriptor = child
        yield descriptor, parts[-1] if parts else "."
    finally:
        os.close(descriptor)


def _step(parent: int, name: str, path: Path, *, create: bool) -> int:
    """Open the folder `name` in `parent`, creating it if asked; refuse a symlink."""
    try:
        return _open_directory(parent, name, path)
    except FileNotFoundError:
        if not create:
            raise
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, 0o777, dir_fd=parent)
    return _open_directory(parent, name, path)


def _open_directory(parent: int, name: str, path: Path) -> int:
    try:
        return os.open(name, _DIRECTORY, dir_fd=parent)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR) and _is_link(parent, name):
            raise PathChangedError(path) from None
        raise


def _read(directory: int, name: str, path: Path, max_bytes: int | None) -> _Found | None:
    try:
        descriptor = os.open(name, _READ, dir_fd=directory)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP and _is_link(directory, name):
            raise PathChangedError(path) from None
        raise
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise DocumentReadError(path, "a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise DocumentReadError(path, "not a regular file (a pipe, socket or device)")
        if max_bytes is not None and info.st_size > max_bytes:
            raise DocumentReadError(
                path, f"too large ({info.st_size:,} bytes; the limit is {max_bytes:,}), not shown"
            )
        chunks = []
        while chunk := os.read(descriptor, _CHUNK):
            chunks.append(chunk)
        return _Found(b"".join(chunks), _identity_of(info), stat.S_IMODE(info.st_mode))
    finally:
        os.close(descriptor)


def _matches(found: _Found | None, expected: bytes | Anything | None) -> bool:
    if isinstance(expected, Anything):
        return True
    if expected is None:
        return found is None
    return found is not None and found.data == expected


def _identity_of(info: os.stat_result) -> tuple[int, ...]:
    # A rename over the file changes the inode; a write in place changes size or times.
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _identity(directory: int, name: str) -> tuple[int, ...] | None:
    try:
        return _identity_of(os.stat(name, dir_fd=directory, follow_symlinks=False))
    except FileNotFoundError:
        return None


def _is_link(directory: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=directory, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _write_temporary(directory: int, name: str, data: bytes, mode: int | None) -> str:
    # Named after the file (kept short of NAME_MAX) so a leftover says whose it was.
    temporary = f".{name[:50]}.{secrets.token_hex(4)}.agentls"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    # An existing file's copy starts private and gets its mode once written.
    descriptor = os.open(temporary, flags, 0o666 if mode is None else 0o600, dir_fd=directory)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
        if mode is not None:
            os.fchmod(descriptor, mode)
    except BaseException:
        os.close(descriptor)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary, dir_fd=directory)
        raise
    os.close(descriptor)
    return temporary


def _link_new(directory: int, temporary: str, name: str) -> bool:
    """Give the written file its name only if nothing has that name yet."""
    try:
        os.link(temporary, name, src_dir_fd=directory, dst_dir_fd=directory, follow_symlinks=False)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        # A file system without hard links: check and rename, a far narrower window.
        if _identity(directory, name) is not None:
            return False
        os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
    return True


def _sync(directory: int) -> None:
    # The rename is durable only once the folder's entry is.
    with contextlib.suppress(OSError):
        os.fsync(directory)

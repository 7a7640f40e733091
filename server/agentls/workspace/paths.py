"""Keep every path the model names inside the workspace.

The model's paths are untrusted input: a prompt-injected file can ask it to read
``~/.ssh/id_rsa``. Every tool resolves user paths here, and only uses the result.
"""

from __future__ import annotations

import os
from pathlib import Path


class WorkspacePathError(ValueError):
    """A path was refused; the message says which path, why, and what to do instead."""


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def resolve_in_workspace(root: Path, user_path: str, *, must_exist: bool = False) -> Path:
    """Resolve ``user_path`` (relative to ``root``, or absolute inside it) to an absolute path.

    Symlinks are followed everywhere along the path, including the last component and
    dangling links (whose target would be created by a write), and the result must
    still be inside the resolved root. For a path that does not exist yet, the deepest
    existing ancestor is resolved and the rest appended, so ``..`` after a missing
    directory is handled lexically, as the OS would once the directory exists.

    The result holds no symlink. Files are then opened with :mod:`agentls.workspace.files`,
    from the root without following symlinks, so a folder swapped for a symlink between
    this check and that use makes the use fail instead of leave the workspace.
    """
    real_root = root.resolve()
    if not isinstance(user_path, str):
        raise WorkspacePathError(
            f"path must be a string, got {type(user_path).__name__}; "
            f"use a path inside the workspace {real_root}"
        )
    if not user_path.strip():
        raise WorkspacePathError(
            f"empty path; use a path inside the workspace {real_root}, or '.' for its root"
        )
    if "\0" in user_path:
        raise WorkspacePathError(
            f"path {user_path!r} contains a NUL byte; use a plain path inside the "
            f"workspace {real_root}"
        )

    # "~" means the home directory to the model; treat it so, and refuse it, rather
    # than silently reading a workspace directory literally named "~".
    home_like = user_path == "~" or user_path.startswith("~/")
    given = Path(user_path).expanduser() if home_like else Path(user_path)
    candidate = given if given.is_absolute() else root / given
    # Lexical normalisation only tells us which message to give; the decision is made
    # on the fully resolved path below.
    lexical = Path(os.path.normpath(candidate))
    if not (_inside(lexical, real_root) or _inside(lexical, Path(os.path.normpath(root)))):
        raise WorkspacePathError(
            f"path {user_path!r} leaves the workspace {real_root}; use a path inside it"
        )
    try:
        resolved = candidate.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: symlink loop on Python 3.11/3.12
        raise WorkspacePathError(
            f"path {user_path!r} cannot be resolved ({exc}); use a path inside the "
            f"workspace {real_root} that has no symlink loop"
        ) from exc
    if not _inside(resolved, real_root):
        raise WorkspacePathError(
            f"path {user_path!r} goes through a symlink that points outside the workspace "
            f"{real_root}; use a path whose real location is inside it"
        )
    if must_exist and not resolved.exists():
        raise WorkspacePathError(
            f"path {user_path!r} does not exist in the workspace {real_root}; "
            f"list a directory to see what exists"
        )
    return resolved


def relative_display(root: Path, path: Path) -> str:
    """``path`` relative to ``root`` in posix form for messages and titles (``.`` for root)."""
    for base in (root, root.resolve()):
        if _inside(path, base):
            rel = path.relative_to(base).as_posix()
            return rel if rel else "."
    return path.as_posix()

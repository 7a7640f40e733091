from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentls.tools import ToolContext
from agentls.workspace.edits import DiskEdits

from .helpers import SECRET, FakeDocuments


class OpenAudit:
    """Records every file the process opens or lists, via a (permanent) audit hook."""

    def __init__(self) -> None:
        self.active = False
        self.paths: list[str] = []
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self.active and event in ("open", "os.scandir", "os.listdir") and args:
            path = args[0]
            if isinstance(path, (str, bytes)) or hasattr(path, "__fspath__"):
                raw = path if isinstance(path, (str, bytes)) else path.__fspath__()
                self.paths.append(raw.decode() if isinstance(raw, bytes) else raw)


_AUDIT: OpenAudit | None = None


@pytest.fixture
def audit() -> Iterator[OpenAudit]:
    global _AUDIT  # noqa: PLW0603 - audit hooks cannot be removed, so install one per process
    if _AUDIT is None:
        _AUDIT = OpenAudit()
    _AUDIT.paths = []
    _AUDIT.active = True
    try:
        yield _AUDIT
    finally:
        _AUDIT.active = False


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory next to the workspace holding a secret the tools must never show."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "secret.txt").write_text(f"{SECRET}\n")
    return path


@pytest.fixture
def root(tmp_path: Path, outside: Path) -> Path:
    del outside
    path = tmp_path / "ws"
    path.mkdir()
    return path.resolve()


@pytest.fixture
def docs() -> FakeDocuments:
    return FakeDocuments()


@pytest.fixture
def ctx(root: Path, docs: FakeDocuments) -> ToolContext:
    # Edits on disk, so the edit commands' path checks are exercised, not short-circuited.
    return ToolContext(root=root, documents=docs, edits=DiskEdits(root, docs))

"""Sessions on disk: one JSONL file per session, appended after every completed message,
flushed and fsynced, so a session survives a restart or a kill -9 mid-turn.

Layout: <state dir>/sessions/<workspace key>/<session id>.jsonl, where the state dir is
$AGENTLS_STATE_DIR or the platform's user state directory, and the workspace key is a
hash of the session's cwd (one folder per workspace).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

TITLE_LENGTH = 80


def state_dir() -> Path:
    configured = os.environ.get("AGENTLS_STATE_DIR")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_state_dir("agentls"))


@dataclass
class StoredSession:
    session_id: str
    cwd: Path
    title: str | None
    updated_at: float
    records: list[dict[str, Any]]

    def to_acp(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "sessionId": self.session_id,
            "cwd": str(self.cwd),
            "updatedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.updated_at)),
        }
        if self.title:
            info["title"] = self.title
        return info


class SessionLog:
    """Appends one session's records; the file and its header appear with the first one."""

    def __init__(self, path: Path, session_id: str, cwd: Path) -> None:
        self.path = path
        self._header: dict[str, Any] | None = (
            None
            if path.exists()
            else {
                "type": "session",
                "sessionId": session_id,
                "cwd": str(cwd),
                "createdAt": time.time(),
            }
        )

    def append(self, record: dict[str, Any]) -> None:
        lines = []
        if self._header is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lines.append(self._header)
            self._header = None
        lines.append(record)
        data = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        try:
            handle = self.path.open("a", encoding="utf-8")
            handle.write(data)
            # Flushed here: from now on it survives the server being killed.
            handle.flush()
        except OSError as exc:
            # The turn goes on without persistence rather than failing the user.
            log.error("Could not save session %s to %s: %s", self.path.stem, self.path, exc)
            return
        # The fsync (surviving a power cut) can take milliseconds on a busy disk, so it runs
        # off the event loop that streams to the editor; one thread keeps them in order.
        _SYNCS.submit(_sync_and_close, handle)


def _sync_and_close(handle: IO[str]) -> None:
    try:
        os.fsync(handle.fileno())
    except OSError as exc:
        log.error("Could not fsync %s: %s", handle.name, exc)
    finally:
        handle.close()


_SYNCS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fsync")


def wait_for_syncs(timeout: float) -> None:
    """Block until every saved record so far is fsynced, or `timeout` passes."""
    with contextlib.suppress(TimeoutError):
        _SYNCS.submit(lambda: None).result(timeout)


class SessionStore:
    def __init__(self, base: Path | None = None) -> None:
        self._base = base

    @functools.cached_property
    def base(self) -> Path:
        # Found on first use: the user's state folder takes platformdirs, which start-up
        # does not need.
        return (self._base or state_dir()) / "sessions"

    def folder(self, cwd: Path) -> Path:
        return self.base / hashlib.sha256(str(cwd).encode()).hexdigest()[:16]

    def log_for(self, session_id: str, cwd: Path) -> SessionLog:
        return SessionLog(self.folder(cwd) / f"{session_id}.jsonl", session_id, cwd)

    def list(self, cwd: Path | None) -> list[StoredSession]:
        folders = [self.folder(cwd)] if cwd is not None else _subfolders(self.base)
        found = [s for folder in folders for s in self._read_folder(folder)]
        return sorted(found, key=lambda stored: stored.updated_at, reverse=True)

    def load(self, session_id: str, cwd: Path | None) -> StoredSession | None:
        if not session_id.replace("_", "").isalnum():
            return None  # never a path: ids come from the client
        folders = [self.folder(cwd)] if cwd is not None else _subfolders(self.base)
        for folder in folders:
            path = folder / f"{session_id}.jsonl"
            if path.is_file():
                return _read(path)
        return None

    def _read_folder(self, folder: Path) -> Iterator[StoredSession]:
        if not folder.is_dir():
            return
        for path in folder.glob("*.jsonl"):
            stored = _read(path)
            if stored is not None:
                yield stored


def _subfolders(base: Path) -> list[Path]:
    return [p for p in base.iterdir() if p.is_dir()] if base.is_dir() else []


def _read(path: Path) -> StoredSession | None:
    records: list[dict[str, Any]] = []
    header: dict[str, Any] | None = None
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    # A line cut short by a crash: everything before it is complete.
                    break
                if not isinstance(record, dict):
                    break
                if record.get("type") == "session":
                    header = record
                else:
                    records.append(record)
        updated = path.stat().st_mtime
    except OSError as exc:
        log.warning("Could not read session file %s: %s", path, exc)
        return None
    if header is None:
        return None
    return StoredSession(
        session_id=str(header.get("sessionId", path.stem)),
        cwd=Path(str(header.get("cwd", ""))),
        title=_title(records),
        updated_at=updated,
        records=records,
    )


def _title(records: list[dict[str, Any]]) -> str | None:
    for record in records:
        if record.get("type") == "user":
            for block in record.get("content", []):
                text = block.get("text") if isinstance(block, dict) else None
                if isinstance(text, str) and text.strip():
                    first = text.strip().splitlines()[0]
                    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1] + "…"
    return None

"""Sessions on disk: one JSONL file per session, appended after every completed message,
flushed and fsynced, so a session survives a restart or a kill -9 mid-turn.

Layout: <state dir>/sessions/<workspace key>/<session id>.jsonl, where the state dir is
$AGENTLS_STATE_DIR or the platform's user state directory, and the workspace key is a
hash of the session's cwd (one folder per workspace). Journals hold file contents and
command output, so they are 0600 in 0700 folders.

A journal may be damaged: a crash cuts its last line, a disk or a hand edit spoils a
record. An append always starts on a fresh line; reading skips a line it cannot use and
keeps the rest (see stored_records.py), and says what it skipped. One damaged session
never hides another.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import stat
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from agentls.agent.stored_records import usable_records

log = logging.getLogger(__name__)

TITLE_LENGTH = 80
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")  # as protocol/params.py accepts them
NOTICE_PROBLEMS = 3  # problems named in the notice; the log has them all


def state_dir() -> Path:
    configured = os.environ.get("AGENTLS_STATE_DIR")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_state_dir("agentls"))


class SessionCwdError(ValueError):
    """A session asked for in a workspace other than its own (its tools run in its own)."""

    def __init__(self, session_id: str, own: Path, asked: Path | None) -> None:
        if asked is None:
            problem = f"its workspace {own} is no longer a directory"
            advice = "Start a new session"
        else:
            problem = f"it belongs to the workspace {own}, not {asked}, and its tools run there"
            advice = f"Load it with cwd {own}, or start a new session in {asked}"
        super().__init__(f"Session {session_id!r} cannot be loaded: {problem}. {advice}.")


def check_cwd(session_id: str, own: Path, asked: Path | None) -> None:
    """Refuse to serve a session in a workspace other than the one it was started in."""
    if asked is not None and own != asked:
        raise SessionCwdError(session_id, own, asked)


@dataclass
class StoredSession:
    session_id: str
    cwd: Path
    title: str | None
    updated_at: float
    records: list[dict[str, Any]]
    path: Path | None = None
    problems: list[str] = field(default_factory=list)  # what reading skipped, and why

    def to_acp(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "sessionId": self.session_id,
            "cwd": str(self.cwd),
            "updatedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.updated_at)),
        }
        if self.title:
            info["title"] = self.title
        return info

    def notice(self) -> str | None:
        """What to tell the user when the session was loaded with parts skipped."""
        if not self.problems:
            return None
        shown = "; ".join(self.problems[:NOTICE_PROBLEMS])
        more = len(self.problems) - NOTICE_PROBLEMS
        rest = f"; and {more} more (see the server log)" if more > 0 else ""
        return (
            f"Part of this session's saved history could not be read and was left out: "
            f"{shown}{rest}. The rest is loaded. The damaged journal is {self.path}."
        )


class SessionLog:
    """Appends one session's records; the file and its header appear with the first one."""

    def __init__(self, path: Path, session_id: str, cwd: Path) -> None:
        self.path = path
        exists = path.exists()
        self._header: dict[str, Any] | None = (
            None
            if exists
            else {
                "type": "session",
                "sessionId": session_id,
                "cwd": str(cwd),
                "createdAt": time.time(),
            }
        )
        # A crash may have cut an existing journal's last line; a failed write may too.
        self._check_end = exists

    def append(self, record: dict[str, Any]) -> None:
        lines = [record] if self._header is None else [self._header, record]
        data = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
        descriptor = -1
        try:
            if self._header is not None or self._check_end:
                _private_folders(self.path.parent)
            # Readable too: its last byte says whether a crash cut its last line.
            flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
            descriptor = os.open(self.path, flags, 0o600)
            if self._check_end:
                data = _fresh_line(descriptor) + data
            _write_all(descriptor, data)
        except OSError as exc:
            self._check_end = True
            if descriptor >= 0:
                os.close(descriptor)
            # The turn goes on without persistence rather than failing the user.
            log.error("Could not save session %s to %s: %s", self.path.stem, self.path, exc)
            return
        # Written: from now on it survives the server being killed.
        self._header = None
        self._check_end = False
        # The fsync (surviving a power cut) can take milliseconds on a busy disk, so it runs
        # off the event loop that streams to the editor; one thread keeps them in order.
        _SYNCS.submit(_sync_and_close, descriptor, self.path)


def _fresh_line(descriptor: int) -> bytes:
    """A line end to write first if the journal does not end with one, and the journal
    made private if an older version left it readable to others."""
    info = os.fstat(descriptor)
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.fchmod(descriptor, 0o600)
    if info.st_size == 0 or os.pread(descriptor, 1, info.st_size - 1) == b"\n":
        return b""
    return b"\n"


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _private_folders(folder: Path) -> None:
    """The workspace folder and the sessions folder above it, 0700 (made so if older
    versions left them open)."""
    folder.parent.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for directory in (folder.parent, folder):
        directory.mkdir(exist_ok=True, mode=0o700)
        if stat.S_IMODE(directory.stat().st_mode) & 0o077:
            os.chmod(directory, 0o700)


def _sync_and_close(descriptor: int, path: Path) -> None:
    try:
        os.fsync(descriptor)
    except OSError as exc:
        log.error("Could not fsync %s: %s", path, exc)
    finally:
        os.close(descriptor)


_SYNCS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fsync")


def wait_for_syncs(timeout: float) -> None:
    """Block until every saved record so far is fsynced, or `timeout` passes."""
    with contextlib.suppress(TimeoutError):
        _SYNCS.submit(lambda: None).result(timeout)


class SessionStore:
    def __init__(self, base: Path | None = None) -> None:
        self._base = base
        self._hidden: set[tuple[Path, float]] = set()  # unreadable journals already logged

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
        found = []
        for folder in folders:
            for path in _journals(folder):
                stored = self._summary(path, cwd)
                if stored is not None and (cwd is None or stored.cwd == cwd):
                    found.append(stored)
        return sorted(found, key=lambda stored: stored.updated_at, reverse=True)

    def load(self, session_id: str, cwd: Path | None) -> StoredSession | None:
        """The session's usable records; None if there is no such session. Raises
        SessionCwdError for a session of another workspace (or of one that is gone)."""
        if not SESSION_ID.fullmatch(session_id):
            return None  # never a path: ids come from the client
        name = f"{session_id}.jsonl"
        own = [self.folder(cwd)] if cwd is not None else []
        others = [f for f in _subfolders(self.base) if f not in own]
        path = next((f / name for f in [*own, *others] if (f / name).is_file()), None)
        if path is None:
            return None
        try:
            stored = _read(path, cwd if path.parent in own else None)
        except (OSError, _NoHeaderError) as exc:
            log.warning("Session journal %s cannot be loaded: %s", path, exc)
            return None
        check_cwd(session_id, stored.cwd, cwd)
        if not stored.cwd.is_dir():
            raise SessionCwdError(session_id, stored.cwd, None)
        for problem in stored.problems:
            log.warning("Session %s (%s): %s", session_id, path, problem)
        return stored

    def _summary(self, path: Path, cwd: Path | None) -> StoredSession | None:
        try:
            return _read(path, cwd, summary=True)
        except OSError as exc:
            problem = str(exc)
        except _NoHeaderError as exc:
            problem = str(exc)
        with contextlib.suppress(OSError):
            key = (path, path.stat().st_mtime)
            if key in self._hidden:
                return None
            self._hidden.add(key)
        log.warning("Session journal %s is not listed: %s", path, problem)
        return None


class _NoHeaderError(ValueError):
    pass


def _subfolders(base: Path) -> list[Path]:
    try:
        return [p for p in base.iterdir() if p.is_dir()]
    except OSError:
        return []


def _journals(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.suffix == ".jsonl" and p.is_file()]
    except OSError:
        return []


def _read(path: Path, cwd: Path | None, *, summary: bool = False) -> StoredSession:
    """The journal at `path`; with `summary`, only as far as its title. `cwd` is the
    workspace the journal's folder belongs to, if known: it stands in for a lost header.
    Raises OSError, or _NoHeaderError when the journal cannot be placed at all."""
    header: dict[str, Any] | None = None
    numbered: list[tuple[int, Any]] = []
    problems: list[str] = []
    title: str | None = None
    with path.open("rb") as handle:
        for number, line in _lines(handle):
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
                problems.append(f"line {number}: not a complete JSON record (cut short?); skipped")
                continue
            if header is None and _is_header(record):
                header = record
                continue
            numbered.append((number, record))
            if summary and title is None:
                title = _title(record)
                if title is not None:
                    break
        updated = os.fstat(handle.fileno()).st_mtime
    session_id = path.stem  # what session/load looked for
    if header is not None:
        own = Path(header["cwd"])
        if header["sessionId"] != session_id:
            problems.insert(0, f"its header names another session, {header['sessionId']!r}")
    elif cwd is not None and SESSION_ID.fullmatch(session_id):
        own = cwd
        problems.insert(0, f"its header is unreadable; taken to belong to {cwd}")
    else:
        raise _NoHeaderError(
            "its first line, which names the session and its workspace, is unreadable"
        )
    if summary:
        return StoredSession(session_id, own, title, updated, [], path, problems)
    records, skipped = usable_records(numbered)
    problems.extend(skipped)
    title = next(filter(None, map(_title, records)), None)
    return StoredSession(session_id, own, title, updated, records, path, problems)


def _lines(handle: BinaryIO) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(handle, 1):
        if line.strip():
            yield number, line


def _is_header(record: Any) -> bool:
    return (
        isinstance(record, dict)
        and record.get("type") == "session"
        and isinstance(record.get("sessionId"), str)
        and SESSION_ID.fullmatch(record["sessionId"]) is not None
        and isinstance(record.get("cwd"), str)
        and Path(record["cwd"]).is_absolute()
    )


def _title(record: Any) -> str | None:
    if not isinstance(record, dict) or record.get("type") != "user":
        return None
    content = record.get("content")
    for block in content if isinstance(content, list) else []:
        text = block.get("text") if isinstance(block, dict) else None
        if isinstance(text, str) and text.strip():
            first = text.strip().splitlines()[0]
            return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1] + "…"
    return None

"""agent/store.py on damaged journals: what the e2e tests (tests/e2e/test_journal_faults.py)
do not reach through a server."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from agentls.agent.store import SessionCwdError, SessionStore


def write_journal(store: SessionStore, cwd: Path, session: str, lines: list[bytes]) -> Path:
    path = store.folder(cwd) / f"{session}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def record(value: object) -> bytes:
    return json.dumps(value).encode()


PROMPT = record({"type": "user", "content": [{"type": "text", "text": "hello"}]})
REPLY = record({"type": "assistant", "content": [{"type": "text", "text": "hi"}]})


def test_a_lost_header_is_replaced_by_the_workspace_its_folder_belongs_to(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store, cwd = SessionStore(tmp_path), tmp_path
    write_journal(store, cwd, "sess_a", [b'{"type": "sess', PROMPT, REPLY])
    stored = store.load("sess_a", cwd)
    assert stored is not None and stored.cwd == cwd and len(stored.records) == 2
    assert stored.problems[0] == f"its header is unreadable; taken to belong to {cwd}"
    assert [s.session_id for s in store.list(cwd)] == ["sess_a"]
    # Without a workspace to go by, it cannot be placed: left out of the full list, logged once.
    with caplog.at_level(logging.WARNING):
        assert store.list(None) == []
        assert store.list(None) == []
    assert sum("is not listed" in r.message for r in caplog.records) == 1
    assert store.load("sess_a", None) is None


def test_unreadable_lines_of_every_kind_are_skipped(tmp_path: Path) -> None:
    store, cwd = SessionStore(tmp_path), tmp_path
    header = record({"type": "session", "sessionId": "sess_b", "cwd": str(cwd)})
    deep = b"[" * 100_000 + b"]" * 100_000
    lines = [header, PROMPT, b"\xff\xfe not utf-8", deep, b"", b"   ", b"{", REPLY]
    write_journal(store, cwd, "sess_b", lines)
    stored = store.load("sess_b", cwd)
    assert stored is not None and [r["type"] for r in stored.records] == ["user", "assistant"]
    assert [p.split(":")[0] for p in stored.problems] == ["line 3", "line 4", "line 7"]
    assert stored.notice() is not None and "line 3" in stored.notice()  # type: ignore[operator]


def test_a_journal_of_another_workspace_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    own, other = tmp_path / "own", tmp_path / "other"
    own.mkdir()
    other.mkdir()
    header = record({"type": "session", "sessionId": "sess_c", "cwd": str(own)})
    write_journal(store, other, "sess_c", [header, PROMPT])
    with pytest.raises(SessionCwdError, match=f"belongs to the workspace {own}, not {other}"):
        store.load("sess_c", other)
    assert store.list(other) == []  # not offered where it cannot be loaded
    own.rmdir()
    with pytest.raises(SessionCwdError, match="no longer a directory"):
        store.load("sess_c", None)


def test_ids_that_are_not_session_ids_are_never_paths(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    for bad in ("../x", "a/b", "", "s" * 129, "sess ok"):
        assert store.load(bad, tmp_path) is None

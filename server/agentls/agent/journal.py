"""Checkpoints: every prompt is one. What each prompt's turn changed in the files, and where
the conversation stood before it, so files and conversation can be rewound to it without
clobbering the user's work. Saved in the session's journal, so it survives a restart.

Prompts are addressed by index (the n-th prompt the conversation still has); file changes
by turn, a number never reused: a conversation rewound without its files keeps those
turns' file changes, so a later files rewind to an earlier prompt still restores them.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentls.agent.conversation import Checkpoint, moved_by_compaction

Save = Callable[[dict[str, Any]], None]
CHANGED_SINCE = "changed since the agent's edit; not restored"
CHANGED_BETWEEN = "changed between two prompts' edits; not restored"


def deferred(append: Save) -> Save:
    """`append`, called as soon as the current step yields, in call order: the same path
    the conversation's own records take (Conversation._record), so the journal keeps one
    order for both."""

    def save(record: dict[str, Any]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            append(record)
            return
        loop.call_soon(append, record)

    return save


@dataclass
class FileChange:
    before: str | None  # None: the turn created the file
    after: str | None  # None: the turn deleted the file


@dataclass
class TurnJournal:
    """The files one prompt's turn changed: each one's text before its first edit and
    after its last. `record` is what the edit tools call (tools.base.EditJournal)."""

    turn: int = 0
    changes: dict[Path, FileChange] = field(default_factory=dict)
    on_record: Callable[[int, Path, str | None, str | None, bool], None] | None = None

    def record(self, path: Path, before: str | None, after: str | None) -> None:
        change = self.changes.get(path)
        first = change is None
        if change is None:
            self.changes[path] = FileChange(before, after)
        else:
            change.after = after
        if self.on_record is not None:
            self.on_record(self.turn, path, before, after, first)


@dataclass
class UndoReport:
    restored: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def to_wire(self) -> dict[str, object]:
        return {"restored": self.restored, "skipped": self.skipped}


@dataclass
class Restore:
    """One file of a rewind: from `expected` (what the agent left) back to `target`."""

    path: Path
    expected: str | None
    target: str | None


@dataclass
class PromptPoint:
    turn: int
    # The conversation before the prompt; None once a compaction summarised it away (its
    # files can still be rewound, its conversation no longer).
    start: Checkpoint | None


def _position(point: Checkpoint | None) -> tuple[int, int]:
    if point is None:
        return -1, -1  # summarised: before anything the conversation still holds
    return point.length, -1 if point.last_content_length is None else point.last_content_length


class Checkpoints:
    def __init__(self) -> None:
        self.prompts: list[PromptPoint] = []
        self.journals: dict[int, TurnJournal] = {}  # by turn, oldest first
        self.next_turn = 0
        self.save: Save | None = None

    # --- prompts ------------------------------------------------------------------------

    def begin(self, start: Checkpoint) -> TurnJournal:
        self.forget_empty()  # most turns change no file: their journals need not stay
        turn = self.next_turn
        self.next_turn += 1
        self.prompts.append(PromptPoint(turn, start))
        self._save(
            {
                "type": "prompt",
                "turn": turn,
                "length": start.length,
                "lastContentLength": start.last_content_length,
            }
        )
        journal = TurnJournal(turn)
        self.journals[turn] = journal
        return journal

    def index_of(self, turn: int) -> int | None:
        return next((i for i, point in enumerate(self.prompts) if point.turn == turn), None)

    def starts(self) -> dict[int, Checkpoint]:
        return {
            index: point.start
            for index, point in enumerate(self.prompts)
            if point.start is not None
        }

    def compacted(self, record: dict[str, Any]) -> None:
        """A compaction (its journal record) moved the conversation's messages."""
        keep_from, kept_user = record.get("keepFrom"), record.get("keptUser", True)
        if not isinstance(keep_from, int):
            return
        for point in self.prompts:
            if point.start is not None:
                point.start = moved_by_compaction(point.start, keep_from, bool(kept_user))

    def rolled_back(self, point: Checkpoint) -> None:
        """The conversation went back to `point`: the prompts from there on are gone."""
        self.prompts = [p for p in self.prompts if _position(p.start) < _position(point)]

    # --- files --------------------------------------------------------------------------

    def last_changed_turn(self) -> int | None:
        return max((t for t, j in self.journals.items() if j.changes), default=None)

    def touched(self) -> set[Path]:
        return {path for journal in self.journals.values() for path in journal.changes}

    def plan(
        self, from_turn: int, current_text: Callable[[Path], str | None]
    ) -> tuple[list[Restore], list[dict[str, str]]]:
        """What restoring the files to before turn `from_turn` writes, and what it skips."""
        chains: dict[Path, list[FileChange]] = {}
        for turn in sorted(self.journals):
            if turn >= from_turn:
                for path, change in self.journals[turn].changes.items():
                    chains.setdefault(path, []).append(change)
        restores, skipped = [], []
        for path, chain in chains.items():
            if any(a.after != b.before for a, b in itertools.pairwise(chain)):
                skipped.append({"path": str(path), "reason": CHANGED_BETWEEN})
            elif current_text(path) != chain[-1].after:
                skipped.append({"path": str(path), "reason": CHANGED_SINCE})
            elif chain[0].before != chain[-1].after:
                restores.append(Restore(path, chain[-1].after, chain[0].before))
        return restores, skipped

    def done_from(self, from_turn: int) -> None:
        """The file changes of `from_turn` and later were rewound: never again."""
        for turn in [t for t in self.journals if t >= from_turn]:
            del self.journals[turn]
        self._save({"type": "rewound", "fromTurn": from_turn})

    def wrote(self, path: Path, before: str | None, after: str | None) -> None:
        """A review wrote `path`: the last turn that changed it now ends with `after`, so a
        later rewind sees the file as the agent's, not as changed by the user."""
        for turn in sorted(self.journals, reverse=True):
            change = self.journals[turn].changes.get(path)
            if change is not None:
                if change.after == before:
                    change.after = after
                    self._save({"type": "edit", "turn": turn, "path": str(path), "after": after})
                return

    def recorded(
        self, turn: int, path: Path, before: str | None, after: str | None, first: bool
    ) -> None:
        record: dict[str, Any] = {"type": "edit", "turn": turn, "path": str(path), "after": after}
        if first:
            record["before"] = before
        self._save(record)

    # --- the session's journal ------------------------------------------------------------

    def _save(self, record: dict[str, Any]) -> None:
        if self.save is not None:
            self.save(record)

    def replay(self, record: dict[str, Any]) -> None:
        kind = record.get("type")
        turn = record.get("turn")
        if kind == "prompt" and isinstance(turn, int):
            start = Checkpoint(int(record.get("length", 0)), record.get("lastContentLength"))
            self.prompts.append(PromptPoint(turn, start))
            self.journals[turn] = TurnJournal(turn)
            self.next_turn = max(self.next_turn, turn + 1)
        elif kind == "edit" and isinstance(turn, int) and isinstance(record.get("path"), str):
            journal = self.journals.setdefault(turn, TurnJournal(turn))
            path = Path(record["path"])
            change = journal.changes.get(path)
            if change is None:
                journal.changes[path] = FileChange(record.get("before"), record.get("after"))
            else:
                change.after = record.get("after")
        elif kind == "rewound" and isinstance(record.get("fromTurn"), int):
            for old in [t for t in self.journals if t >= record["fromTurn"]]:
                del self.journals[old]
        elif kind == "compaction":
            self.compacted(record)
        elif kind == "rollback" and isinstance(record.get("length"), int):
            self.rolled_back(Checkpoint(record["length"], record.get("lastContentLength")))

    def forget_empty(self) -> None:
        for turn in [t for t, j in self.journals.items() if not j.changes]:
            del self.journals[turn]

"""What each turn changed, so a turn can be undone without clobbering the user's work."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agentls.workspace.edits import EditTarget


@dataclass
class FileChange:
    before: str | None  # None: the turn created the file
    after: str | None  # None: the turn deleted the file


@dataclass
class TurnJournal:
    changes: dict[Path, FileChange] = field(default_factory=dict)

    def record(self, path: Path, before: str | None, after: str | None) -> None:
        change = self.changes.get(path)
        if change is None:
            self.changes[path] = FileChange(before, after)
        else:
            change.after = after


@dataclass
class UndoReport:
    restored: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def to_wire(self) -> dict[str, object]:
        return {"restored": self.restored, "skipped": self.skipped}


class EditHistory:
    """The journals of a session's turns that changed files, newest last."""

    def __init__(self) -> None:
        self._turns: list[TurnJournal] = []

    def begin_turn(self) -> TurnJournal:
        # Most turns change nothing: drop the previous one's empty journal rather than keep
        # one per prompt for the session's whole life.
        if self._turns and not self._turns[-1].changes:
            self._turns.pop()
        journal = TurnJournal()
        self._turns.append(journal)
        return journal

    def pop_last(self) -> TurnJournal | None:
        while self._turns:
            journal = self._turns.pop()
            if journal.changes:
                return journal
        return None


async def undo(journal: TurnJournal, target: EditTarget) -> UndoReport:
    """Restore each file to its text before the turn, where the user has not changed it
    since; a file changed since is reported, never overwritten."""
    report = UndoReport()
    for path, change in journal.changes.items():
        now = target.current_text(path)
        if now != change.after:
            report.skipped.append(
                {"path": str(path), "reason": "changed since the turn; not restored"}
            )
            continue
        if change.before is None:
            result = await target.delete(path, now) if now is not None else None
        else:
            result = await target.write(path, now, change.before)
        if result is not None and not result.applied:
            report.skipped.append({"path": str(path), "reason": result.failure_reason or "refused"})
        else:
            report.restored.append(str(path))
    return report

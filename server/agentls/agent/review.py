"""What the user does with one session's file changes: review the pending hunks (accept,
reject), rewind files to a checkpoint, undo a turn; what clients are told of it
(`changes_update`), and what the model is told at its next prompt."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from agentls.agent.changes import Hunk, PendingChanges, apply, diff, revert
from agentls.agent.conversation import Checkpoint
from agentls.agent.journal import Checkpoints, TurnJournal, UndoReport
from agentls.workspace.edits import EditResult, EditTarget
from agentls.workspace.paths import relative_display

Holding = Callable[[Path], AbstractAsyncContextManager[None]]
Send = Callable[[dict[str, Any]], None]

ANNOUNCE_DELAY = 0.25  # seconds: a burst of keystrokes makes one changes_update
NOT_PENDING = (
    "not pending: no such hunk now (the file changed since it was listed, or it was "
    "reviewed); fetch agentls/changes again"
)
USER_CHANGED = (
    "the user changed this hunk since the agent's edit, and rejecting it would undo that "
    "typing; accept it, or edit it by hand"
)
USER_CHANGED_NEW = "the user changed this new file since the agent wrote it; not deleted"
DELETED = "the file was deleted since; reject does not bring it back (accept to drop it)"
NOTE_HEADER = (
    "[agentls: since your last turn the user reviewed your file changes. These are undone; "
    "do not make them again unless asked:"
)


def _quote(text: str, limit: int = 80) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    shown = first if len(first) <= limit else first[: limit - 1] + "…"
    return f"`{shown}`" if shown else "(blank)"


class FileReview:
    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.checkpoints = Checkpoints()
        self.pending = PendingChanges()
        self.notes: list[str] = []
        self.send: Send | None = None  # a session update
        self.current_text: Callable[[Path], str | None] = lambda _path: None
        self._sent: list[dict[str, Any]] | None = None
        self._timer: asyncio.TimerHandle | None = None

    def attach(self, save: Callable[[dict[str, Any]], None], send: Send, current_text: Any) -> None:
        self.checkpoints.save = self.pending.save = save
        self.send = send
        self.current_text = current_text

    def replay(self, record: dict[str, Any]) -> None:
        self.checkpoints.replay(record)
        self.pending.replay(record)

    # --- a prompt -------------------------------------------------------------------------

    def begin(self, start: Checkpoint) -> TurnJournal:
        journal = self.checkpoints.begin(start)
        journal.on_record = self._recorded
        return journal

    def _recorded(
        self, turn: int, path: Path, before: str | None, after: str | None, first: bool
    ) -> None:
        self.checkpoints.recorded(turn, path, before, after, first)
        self.pending.wrote(path, before, after)
        self.announce()

    def touched(self) -> list[Path]:
        """Every file the agent changed in this session."""
        return sorted(self.checkpoints.touched() | set(self.pending.files))

    def note(self) -> list[dict[str, Any]]:
        """What the model's next prompt ends with: what the user undid since its last turn
        (cleared once a prompt carried it to the model)."""
        if not self.notes:
            return []
        return [{"type": "text", "text": "\n".join([NOTE_HEADER, *self.notes]) + "]"}]

    # --- changes_update -------------------------------------------------------------------

    def announce(self, *, force: bool = False) -> None:
        """Tell clients the summary of the pending set, if it changed (or `force`)."""
        if self.send is None:
            return
        summary = self.pending.summary(self.current_text)
        if summary != self._sent or force:
            self._sent = summary
            self.send({"sessionUpdate": "changes_update", "files": summary})

    def document_changed(self, path: Path) -> None:
        """The user edited `path`: tell clients soon, if that changed the set."""
        if path in self.pending.files and self._timer is None:

            def fire() -> None:
                self._timer = None
                self.announce()

            self._timer = asyncio.get_running_loop().call_later(ANNOUNCE_DELAY, fire)

    # --- agentls/changes --------------------------------------------------------------------

    async def listing(self, target: EditTarget, holding: Holding) -> dict[str, Any]:
        files = []
        async with _held(holding, self.pending.files):
            for path, state in self.pending.files.items():
                text = target.current_text(path)
                hunks = self.pending.hunks(path, text)
                if hunks:
                    files.append(
                        {
                            "path": str(path),
                            "uri": path.as_uri(),
                            "status": state.status(text),
                            "baseline": state.baseline,
                            "hunks": [hunk.to_wire() for hunk in hunks],
                        }
                    )
        return {"files": files}

    # --- agentls/review ---------------------------------------------------------------------

    async def review(
        self,
        target: EditTarget,
        holding: Holding,
        decision: str,
        path: Path | None,
        hunk_ids: list[str] | None,
    ) -> dict[str, Any]:
        report: dict[str, Any] = {"accepted": [], "rejected": [], "skipped": []}
        wanted = set(hunk_ids) if hunk_ids is not None else None
        paths = [path] if path is not None else list(self.pending.files)
        found: set[str] = set()
        # Every pending file is held, for the summary sent at the end (ACP fetches them).
        async with _held(holding, [*paths, *self.pending.files]):
            for file in [p for p in paths if p in self.pending.files]:
                current = target.current_text(file)
                hunks = [
                    h for h in self.pending.hunks(file, current) if wanted is None or h.id in wanted
                ]
                found.update(h.id for h in hunks)
                if not hunks:
                    continue
                if decision == "accept":
                    self._accept(file, current, hunks, report)
                else:
                    await self._reject(target, file, current, hunks, report)
            self.announce()
        for missing in sorted((wanted or set()) - found):
            report["skipped"].append({"id": missing, "reason": NOT_PENDING})
        return report

    def _accept(
        self, path: Path, current: str | None, hunks: list[Hunk], report: dict[str, Any]
    ) -> None:
        state = self.pending.files[path]
        report["accepted"].extend(h.id for h in hunks)
        if current is None or state.baseline is None:
            # A deletion or a new file is one hunk, all of the file.
            baseline = current
        else:
            baseline = apply(state.baseline, hunks)
        if baseline == current:
            self.pending.drop(path)
        else:
            self.pending.accepted(path, baseline)

    async def _reject(
        self,
        target: EditTarget,
        path: Path,
        current: str | None,
        hunks: list[Hunk],
        report: dict[str, Any],
    ) -> None:
        state = self.pending.files[path]
        rel = relative_display(self.cwd, path)

        def skip(reason: str, which: Iterable[Hunk] = hunks) -> None:
            report["skipped"].extend({"id": h.id, "reason": reason} for h in which)

        if current is None:
            return skip(DELETED)
        if state.baseline is None:
            if current != state.agent or state.user_edited:
                return skip(USER_CHANGED_NEW)
            result = await target.delete(path, current)
            if not result.applied:
                return skip(_refused(result))
            self.checkpoints.wrote(path, current, None)
            self.pending.drop(path)
            report["rejected"].extend(h.id for h in hunks)
            self.notes.append(f"- {rel}: the file you created was deleted")
            return None
        by_key = {h.key: h for h in diff(path, state.baseline, state.agent)}
        clean = [h for h in hunks if h.key in by_key]
        skip(USER_CHANGED, [h for h in hunks if h.key not in by_key])
        if not clean:
            return None
        reverted = revert(current, clean)
        result = await target.write(path, current, reverted)
        if not result.applied:
            return skip(_refused(result), clean)
        self.checkpoints.wrote(path, current, reverted)
        self.pending.reverted(path, revert(state.agent, [by_key[h.key] for h in clean]), reverted)
        report["rejected"].extend(h.id for h in clean)
        for hunk in clean:
            self.notes.append(
                f"- {rel}, line {hunk.new_from + 1}: your change {_quote(hunk.new_text)} was "
                f"undone; it reads {_quote(hunk.old_text)} again"
            )
        return None

    # --- agentls/rewind, agentls/undoTurn ---------------------------------------------------

    async def restore_files(
        self, target: EditTarget, holding: Holding, from_turn: int, told: str | None
    ) -> UndoReport:
        """Files changed by turn `from_turn` and later, back to their text before it. `told`
        (why, for the model's next prompt) is None when the conversation goes back too: the
        model never sees those turns again."""
        report = UndoReport()
        paths = [
            p for t, j in self.checkpoints.journals.items() if t >= from_turn for p in j.changes
        ]
        async with _held(holding, [*paths, *self.pending.files]):
            restores, skipped = self.checkpoints.plan(from_turn, target.current_text)
            report.skipped.extend(skipped)
            for item in restores:
                if item.target is None:
                    assert item.expected is not None  # a no-op restore is not planned
                    result = await target.delete(item.path, item.expected)
                else:
                    result = await target.write(item.path, item.expected, item.target)
                if not result.applied:
                    report.skipped.append({"path": str(item.path), "reason": _refused(result)})
                    continue
                report.restored.append(str(item.path))
                self.pending.wrote(item.path, item.expected, item.target)
                if told is not None:
                    rel = relative_display(self.cwd, item.path)
                    what = "deleted" if item.target is None else "restored"
                    self.notes.append(f"- {rel}: {what} as it was before ({told})")
            self.checkpoints.done_from(from_turn)
            self.announce()
        return report


def _refused(result: EditResult) -> str:
    return f"not written: {result.failure_reason or 'the editor refused the edit'}"


@contextlib.asynccontextmanager
async def _held(holding: Holding, paths: Iterable[Path]) -> AsyncIterator[None]:
    """While open, reads of `paths` see what the editor holds now (ACP fetches it)."""
    async with contextlib.AsyncExitStack() as stack:
        for path in dict.fromkeys(paths):
            await stack.enter_async_context(holding(path))
        yield None

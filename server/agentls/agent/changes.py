"""Pending changes: per session, each file the agent changed and the user has not reviewed
yet, against its baseline (its text before the agent's first unreviewed change), as hunks.

Per file two texts are kept: the baseline, and `agent`, the text as the agent (or a review
or rewind) last wrote it. The pending hunks are baseline → what the user has now; a hunk
may be rejected only if it is also, verbatim, a hunk of baseline → agent: then none of its
lines are the user's, and undoing it clobbers nothing. When the agent writes a file the
user changed since the agent's last write, the user's changes are folded into the baseline
(`rebase`), so `agent` never passes the user's text off as the agent's.
"""

from __future__ import annotations

import difflib
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Save = Callable[[dict[str, Any]], None]


def lines_of(text: str | None) -> list[str]:
    """Lines with their line ends (the last may have none): joined, they are the text."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


@dataclass(frozen=True)
class Hunk:
    """One change, as in a unified diff without context; `*_from`/`*_to` are 0-based line
    slices of the old (baseline) and new texts."""

    id: str
    old_from: int
    old_to: int
    new_from: int
    new_to: int
    old_text: str
    new_text: str

    @property
    def key(self) -> tuple[int, int, str, str]:
        """What makes two hunks over the same baseline the same change."""
        return self.old_from, self.old_to, self.old_text, self.new_text

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "oldStart": _unified_start(self.old_from, self.old_to),
            "oldLines": self.old_to - self.old_from,
            "newStart": _unified_start(self.new_from, self.new_to),
            "newLines": self.new_to - self.new_from,
            "oldText": self.old_text,
            "newText": self.new_text,
        }


def _unified_start(start: int, end: int) -> int:
    # As `diff -u`: 1-based, and for an empty side the line after which the change sits.
    return start + 1 if end > start else start


def diff(path: Path, baseline: str | None, current: str | None, epoch: str = "") -> list[Hunk]:
    """The hunks baseline → current. A hunk's id is its text, numbered among hunks of the
    same text, in the file's `epoch` (its time in the pending set): a review of other
    hunks, or an edit elsewhere in the file, leaves it as it is."""
    old, new = lines_of(baseline), lines_of(current)
    if baseline is None or current is None:
        # A created or deleted file is one hunk: all of it.
        spans = [(0, len(old), 0, len(new))] if baseline != current else []
    else:
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        spans = [
            (i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
        ]
    hunks = []
    seen: dict[tuple[str, str], int] = {}
    for i1, i2, j1, j2 in spans:
        old_text, new_text = "".join(old[i1:i2]), "".join(new[j1:j2])
        occurrence = seen[old_text, new_text] = seen.get((old_text, new_text), -1) + 1
        seed = f"{path}\0{epoch}\0{occurrence}\0{old_text}\0{new_text}"
        hunk_id = "h" + hashlib.sha1(seed.encode()).hexdigest()[:12]
        hunks.append(Hunk(hunk_id, i1, i2, j1, j2, old_text, new_text))
    return hunks


def revert(text: str | None, hunks: list[Hunk]) -> str:
    """`text` (the new side of `hunks`) with those hunks put back to their old lines."""
    lines = lines_of(text)
    for hunk in sorted(hunks, key=lambda h: h.new_from, reverse=True):
        lines[hunk.new_from : hunk.new_to] = lines_of(hunk.old_text)
    return "".join(lines)


def apply(text: str | None, hunks: list[Hunk]) -> str:
    """`text` (the old side of `hunks`) with those hunks applied."""
    lines = lines_of(text)
    for hunk in sorted(hunks, key=lambda h: h.old_from, reverse=True):
        lines[hunk.old_from : hunk.old_to] = lines_of(hunk.new_text)
    return "".join(lines)


def rebase(baseline: str, agent: str, user: str) -> str:
    """The baseline with the user's changes (agent → user) folded in: a three-way merge
    over `agent` where, wherever the user changed something, the user's text wins (inside
    an agent hunk too: the user has made that hunk theirs)."""
    base, ours, theirs = lines_of(agent), lines_of(baseline), lines_of(user)
    out: list[str] = []
    at_base = at_ours = at_theirs = 0
    end = (len(base), len(base), len(ours), len(theirs))
    for b0, b1, o0, t0 in [*_sync_regions(base, ours, theirs), end]:
        base_chunk, their_chunk = base[at_base:b0], theirs[at_theirs:t0]
        out += ours[at_ours:o0] if their_chunk == base_chunk else their_chunk
        out += base[b0:b1]  # the same in all three
        at_base, at_ours, at_theirs = b1, o0 + (b1 - b0), t0 + (b1 - b0)
    return "".join(out)


def _sync_regions(
    base: list[str], ours: list[str], theirs: list[str]
) -> list[tuple[int, int, int, int]]:
    """Runs of `base` lines matched in both others: (base start, base end, ours start,
    theirs start), in order."""
    with_ours = difflib.SequenceMatcher(None, base, ours, autojunk=False).get_matching_blocks()
    with_theirs = difflib.SequenceMatcher(None, base, theirs, autojunk=False).get_matching_blocks()
    regions = []
    i = j = 0
    while i < len(with_ours) and j < len(with_theirs):
        a1, o1, n1 = with_ours[i]
        a2, t2, n2 = with_theirs[j]
        low, high = max(a1, a2), min(a1 + n1, a2 + n2)
        if low < high:
            regions.append((low, high, o1 + low - a1, t2 + low - a2))
        if a1 + n1 < a2 + n2:
            i += 1
        else:
            j += 1
    return regions


@dataclass
class FileState:
    baseline: str | None  # None: the file did not exist
    agent: str | None  # as the agent (or a review or rewind) last wrote it
    epoch: str = field(default_factory=lambda: secrets.token_hex(4))  # for hunk ids
    # A file the agent created that the user edited between two of the agent's writes:
    # deleting it would delete the user's text too.
    user_edited: bool = False

    def status(self, current: str | None) -> str:
        if self.baseline is None:
            return "created"
        return "deleted" if current is None else "modified"


@dataclass
class PendingChanges:
    """One session's pending files, in the order the agent first changed them."""

    files: dict[Path, FileState] = field(default_factory=dict)
    save: Save | None = None  # appends a record to the session's journal

    def wrote(self, path: Path, before: str | None, after: str | None) -> None:
        """The agent's edit (or a review or rewind) turned `before` into `after`."""
        state = self.files.get(path)
        if state is None:
            if before == after:
                return
            state = self.files[path] = FileState(before, after)
        else:
            if before != state.agent:
                if state.baseline is None:
                    state.user_edited = state.user_edited or before is not None
                elif state.agent is not None and before is not None:
                    state.baseline = rebase(state.baseline, state.agent, before)
            state.agent = after
        if state.baseline == after:
            self.drop(path)
        else:
            self._save(path, state)

    def accepted(self, path: Path, baseline: str | None) -> None:
        state = self.files[path]
        state.baseline = baseline
        if baseline is not None:
            state.user_edited = False
        self._save(path, state)

    def reverted(self, path: Path, agent: str | None, current: str | None) -> None:
        """Hunks were rejected: the agent's text no longer has them, and the file is
        `current` now."""
        state = self.files[path]
        state.agent = agent
        if state.baseline == current:
            self.drop(path)
        else:
            self._save(path, state)

    def drop(self, path: Path) -> None:
        if self.files.pop(path, None) is not None and self.save is not None:
            self.save({"type": "pending", "path": str(path), "done": True})

    def _save(self, path: Path, state: FileState) -> None:
        if self.save is not None:
            self.save(
                {
                    "type": "pending",
                    "path": str(path),
                    "baseline": state.baseline,
                    "agent": state.agent,
                    "userEdited": state.user_edited,
                    "epoch": state.epoch,
                }
            )

    def replay(self, record: dict[str, Any]) -> None:
        if record.get("type") != "pending" or not isinstance(record.get("path"), str):
            return
        path = Path(record["path"])
        if record.get("done"):
            self.files.pop(path, None)
            return
        baseline, agent = record.get("baseline"), record.get("agent")
        if (baseline is None or isinstance(baseline, str)) and (
            agent is None or isinstance(agent, str)
        ):
            state = FileState(baseline, agent, user_edited=record.get("userEdited") is True)
            if isinstance(record.get("epoch"), str):
                state.epoch = record["epoch"]
            self.files[path] = state

    def hunks(self, path: Path, current: str | None) -> list[Hunk]:
        state = self.files.get(path)
        return diff(path, state.baseline, current, state.epoch) if state is not None else []

    def summary(self, current_text: Callable[[Path], str | None]) -> list[dict[str, Any]]:
        """What `changes_update` carries: per file with hunks, its counts."""
        out = []
        for path, state in self.files.items():
            current = current_text(path)
            hunks = diff(path, state.baseline, current, state.epoch)
            if hunks:
                out.append(
                    {
                        "path": str(path),
                        "uri": path.as_uri(),
                        "status": state.status(current),
                        "added": sum(h.new_to - h.new_from for h in hunks),
                        "removed": sum(h.old_to - h.old_from for h in hunks),
                        "hunks": len(hunks),
                    }
                )
        return out

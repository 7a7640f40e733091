"""Pending changes: hunks as a unified diff numbers them, ids that survive other edits, and
the rebase that keeps the user's text out of what the agent wrote."""

from __future__ import annotations

from pathlib import Path

from agentls.agent.changes import PendingChanges, apply, diff, lines_of, rebase, revert

PATH = Path("/w/a.py")
BASE = "a\nb\nc\nd\ne\n"


def test_lines_keep_their_ends_and_join_back() -> None:
    for text in ("", "x", "x\n", "x\ny", "x\r\ny\r\n", "\n\n"):
        assert "".join(lines_of(text)) == text


def test_hunks_are_numbered_as_in_a_unified_diff() -> None:
    new = "A\nb\nc\nd\ne\nf\n"
    changed, added = (h.to_wire() for h in diff(PATH, BASE, new))
    assert {k: changed[k] for k in ("oldStart", "oldLines", "newStart", "newLines")} == {
        "oldStart": 1,
        "oldLines": 1,
        "newStart": 1,
        "newLines": 1,
    }
    assert (changed["oldText"], changed["newText"]) == ("a\n", "A\n")
    # An insertion after line 5: the empty old side starts at the line before it.
    assert (added["oldStart"], added["oldLines"], added["newStart"], added["newLines"]) == (
        5,
        0,
        6,
        1,
    )
    created = diff(PATH, None, "x\ny")[0].to_wire()
    assert (created["oldStart"], created["oldLines"], created["newStart"], created["newLines"]) == (
        0,
        0,
        1,
        2,
    )
    deleted = diff(PATH, BASE, None)[0].to_wire()
    assert (deleted["oldLines"], deleted["newStart"], deleted["newLines"]) == (5, 0, 0)


def test_a_hunk_keeps_its_id_when_the_file_changes_elsewhere() -> None:
    (first,) = diff(PATH, BASE, "a\nB\nc\nd\ne\n", "epoch")
    both = diff(PATH, BASE, "a\nB\nc\nd\nE\n", "epoch")
    assert both[0].id == first.id and both[1].id != first.id
    assert diff(PATH, BASE, "a\nBB\nc\nd\ne\n", "epoch")[0].id != first.id
    assert diff(PATH, BASE, "a\nB\nc\nd\ne\n", "another epoch")[0].id != first.id
    # The same change twice in a file: two ids.
    twice = diff(PATH, "x\ny\nx\n", "z\ny\nz\n", "epoch")
    assert len({h.id for h in twice}) == 2


def test_apply_and_revert_are_each_others_inverse() -> None:
    new = "A\nb\nd\ne\nf\n"
    hunks = diff(PATH, BASE, new)
    assert apply(BASE, hunks) == new
    assert revert(new, hunks) == BASE
    assert revert(new, hunks[1:]) == apply(BASE, hunks[:1])


def test_rebase_folds_the_users_changes_into_the_baseline() -> None:
    agent = "a\nB\nc\nd\ne\n"  # the agent changed line 2
    user = "a\nB\nc\nd\ne!\n"  # then the user changed line 5
    assert rebase(BASE, agent, user) == "a\nb\nc\nd\ne!\n"
    # Inside the agent's hunk the user's text wins: that hunk is the user's now.
    assert rebase(BASE, agent, "a\nB?\nc\nd\ne\n") == "a\nB?\nc\nd\ne\n"
    assert rebase(BASE, agent, agent) == BASE


def test_the_agents_text_never_carries_the_users_typing() -> None:
    saved: list[dict[str, object]] = []
    pending = PendingChanges(save=saved.append)
    pending.wrote(PATH, BASE, "a\nB\nc\nd\ne\n")
    # The user edits line 5; the agent then edits line 4 on top of it.
    pending.wrote(PATH, "a\nB\nc\nd\ne!\n", "a\nB\nc\nD\ne!\n")
    state = pending.files[PATH]
    assert state.baseline == "a\nb\nc\nd\ne!\n"
    assert [h.new_text for h in diff(PATH, state.baseline, state.agent)] == ["B\n", "D\n"]
    # Writing the baseline back ends the file's pending changes.
    pending.wrote(PATH, state.agent, state.baseline)
    assert pending.files == {} and saved[-1] == {"type": "pending", "path": str(PATH), "done": True}
    replayed = PendingChanges()
    for record in saved[:2]:
        replayed.replay(record)
    assert replayed.files[PATH].baseline == "a\nb\nc\nd\ne!\n"
    assert replayed.files[PATH].epoch == saved[1]["epoch"]

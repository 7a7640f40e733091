"""What the user does with the agent's file changes: list them, accept or reject hunks,
rewind files and conversation to a prompt, undo the last turn that changed files. Each
holds its session while it writes, so a prompt meanwhile is refused rather than computed
against text about to change."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentls.agent.editor import Editor
from agentls.agent.journal import UndoReport

if TYPE_CHECKING:
    from agentls.agent.session import Session


class RewindError(ValueError):
    """`toPrompt` names no prompt of the session, or one whose conversation is gone."""


async def changes(editor: Editor, session: Session) -> dict[str, Any]:
    return await session.files.listing(
        editor.edit_target(session.id, session.cwd), _holding(editor, session)
    )


async def review(
    editor: Editor, session: Session, decision: str, path: Path | None, hunk_ids: list[str] | None
) -> dict[str, Any]:
    """Accepting only moves baselines, so it may happen while a prompt runs; rejecting
    writes files the running turn may be editing, so it waits for the turn."""
    target, holding = editor.edit_target(session.id, session.cwd), _holding(editor, session)
    if decision == "accept":
        if session.operation is not None:
            session.check_idle()
        return await session.files.review(target, holding, "accept", path, hunk_ids)
    async with _operation(session, "a review"):
        return await session.files.review(target, holding, "reject", path, hunk_ids)


async def rewind(
    editor: Editor, session: Session, to_prompt: int, *, files: bool, conversation: bool
) -> UndoReport:
    session.check_idle()
    prompts = session.files.checkpoints.prompts
    if not 0 <= to_prompt < len(prompts):
        raise RewindError(
            f"`toPrompt` {to_prompt} names no prompt of this session: it has "
            + (f"prompts 0 to {len(prompts) - 1}" if prompts else "no prompts yet")
        )
    point = prompts[to_prompt]
    start = point.start
    if conversation and start is None:
        raise RewindError(
            f"the conversation up to prompt {to_prompt} was compacted into a summary, so "
            "it can no longer be rewound to before that prompt: rewind its files only "
            '("conversation": false), or rewind to a later prompt'
        )
    report = UndoReport()
    async with _operation(session, "a rewind"):
        if files:
            told = None if conversation else "the user rewound the files to an earlier prompt"
            report = await _restore(editor, session, point.turn, told)
        if conversation and start is not None:
            session.conversation.rollback(start)
            session.files.checkpoints.rolled_back(start)
    return report


async def undo_last_turn(editor: Editor, session: Session) -> UndoReport:
    """A files-only rewind to the last prompt that changed files (and was not rewound)."""
    session.check_idle()
    turn = session.files.checkpoints.last_changed_turn()
    if turn is None:
        return UndoReport()
    async with _operation(session, "an undo"):
        return await _restore(editor, session, turn, "the user undid your turn")


async def _restore(editor: Editor, session: Session, turn: int, told: str | None) -> UndoReport:
    target = editor.edit_target(session.id, session.cwd)
    return await session.files.restore_files(target, _holding(editor, session), turn, told)


def _holding(
    editor: Editor, session: Session
) -> Callable[[Path], AbstractAsyncContextManager[None]]:
    return lambda path: editor.holding(session.id, path)


@contextlib.asynccontextmanager
async def _operation(session: Session, activity: str) -> AsyncIterator[None]:
    """While it runs, the session refuses prompts (and other such operations): they
    would compute edits against text about to change."""
    session.check_idle()
    session.operation = activity
    try:
        yield
    finally:
        session.operation = None

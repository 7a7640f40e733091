"""Which records of a damaged session journal can still be replayed, and how.

A journal can be damaged: a line cut by a crash, a flipped byte, a record of the wrong
shape from a bug or a hand edit. Loading keeps every record it can use, in order, and says
which it skipped and why. What it keeps always replays (`Conversation.replay`) without
error into messages the Messages API accepts: the first is the user's, and every
`tool_use` is answered first thing in the next message, once. Where a skipped record
leaves a tool call without its result, the result is written as lost (an error result);
a result whose call is gone is dropped. The same records always give the same messages,
so what a server appends after loading a damaged journal replays onto the same state
next time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agentls.agent.conversation import (
    Checkpoint,
    Message,
    append_assistant,
    append_user,
    can_keep_from,
    compacted,
    rollback,
    tool_result,
)

Record = dict[str, Any]
LOST_RESULT_TEXT = "Lost: this tool call's result could not be read back from the saved session."

# Fields each block type needs, as replay, the panels and the API read them.
_BLOCK_FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "text": {"text": str},
    "thinking": {"thinking": str},
    "redacted_thinking": {"data": str},
    "tool_use": {"id": str, "name": str, "input": dict},
    "tool_result": {"tool_use_id": str},
    "image": {"source": dict},
}
_ROLE_ONLY = {"tool_use": "assistant", "tool_result": "user"}


def usable_records(numbered: Iterable[tuple[int, Any]]) -> tuple[list[Record], list[str]]:
    """The records to replay (in order; some may be adjusted copies), and one line per
    problem ("line 7: `content` is not a list; skipped")."""
    checker = _Checker()
    for line, record in numbered:
        problem = checker.add(record)
        if problem is not None:
            checker.problems.append(f"line {line}: {problem}")
    return checker.kept, checker.problems


class _Checker:
    def __init__(self) -> None:
        self.kept: list[Record] = []
        self.problems: list[str] = []
        self.messages: list[Message] = []  # what the kept records replay into
        self.tool_ids: set[str] = set()

    def add(self, record: Any) -> str | None:
        if not isinstance(record, dict):
            return f"not a JSON object but {type(record).__name__}; skipped"
        kind = record.get("type")
        if kind in ("user", "assistant"):
            content = record.get("content")
            if not isinstance(content, list) or not content:
                return "`content` is not a non-empty list; skipped"
            for position, block in enumerate(content):
                problem = _block_problem(kind, block)
                if problem is not None:
                    return f"content[{position}] {problem}; skipped"
            return self._user(content) if kind == "user" else self._assistant(content)
        if kind == "rollback":
            return self._rollback(record)
        if kind == "compaction":
            return self._compaction(record)
        # A record type from a newer version: replay ignores it, so it does no harm.
        self.kept.append(record)
        return None

    def _user(self, content: list[dict[str, Any]]) -> str | None:
        pending = self._pending()
        answered: dict[str, dict[str, Any]] = {}
        others: list[dict[str, Any]] = []
        dropped = 0
        for block in content:
            if block["type"] != "tool_result":
                others.append(block)
            elif block["tool_use_id"] in pending and block["tool_use_id"] not in answered:
                answered[block["tool_use_id"]] = block
            else:
                dropped += 1
        lost = [tool_id for tool_id in pending if tool_id not in answered]
        results = [
            answered.get(tool_id) or tool_result(tool_id, LOST_RESULT_TEXT, is_error=True)
            for tool_id in pending
        ]
        blocks = results + others
        if not blocks:
            return "only tool results that answer no tool call before them; skipped"
        self._keep_user(blocks)
        notes = []
        if dropped:
            notes.append(f"dropped {dropped} tool result(s) that answer no tool call before them")
        if lost:
            notes.append(f"{len(lost)} tool call(s) had no readable result; marked as lost")
        return "; ".join(notes) if notes else None

    def _assistant(self, content: list[dict[str, Any]]) -> str | None:
        if not self.messages:
            return "a reply of the model before any prompt; skipped"
        ids = [block["id"] for block in content if block["type"] == "tool_use"]
        if len(set(ids)) != len(ids) or self.tool_ids.intersection(ids):
            return "repeats a tool call id; skipped"
        note = None
        pending = self._pending()
        if pending:
            # The results of the previous reply's tool calls were in a skipped record.
            lost = [tool_result(tool_id, LOST_RESULT_TEXT, is_error=True) for tool_id in pending]
            self._keep_user(lost)
            note = f"{len(pending)} tool call(s) before it had no readable result; marked as lost"
        self.kept.append({"type": "assistant", "content": content})
        append_assistant(self.messages, content)
        self.tool_ids.update(ids)
        return note

    def _rollback(self, record: Record) -> str | None:
        length, last = record.get("length"), record.get("lastContentLength")
        if not _count(length) or not (last is None or (_count(last) and last >= 1)):
            return "a rollback without valid `length` and `lastContentLength`; skipped"
        assert isinstance(length, int)
        if length > len(self.messages):
            return "a rollback past the end of the conversation; skipped"
        if last is not None:
            if length == 0 or self.messages[length - 1]["role"] != "user":
                return "a rollback into a message that is not a prompt; skipped"
            kept = self.messages[length - 1]["content"][:last]
            earlier = self.messages[length - 2] if length >= 2 else None
            if earlier is not None and earlier["role"] == "assistant":
                needed = {b["id"] for b in earlier["content"] if b["type"] == "tool_use"}
                if not needed <= {b.get("tool_use_id") for b in kept}:
                    return "a rollback that would cut tool results off their calls; skipped"
        self.kept.append(record)
        rollback(self.messages, Checkpoint(length, last))
        self._recount_tool_ids()
        return None

    def _compaction(self, record: Record) -> str | None:
        keep_from, summary = record.get("keepFrom"), record.get("summary")
        if not (
            _count(keep_from)
            and record.get("length") == len(self.messages)
            and isinstance(summary, str)
            and can_keep_from(self.messages, keep_from)  # type: ignore[arg-type]
        ):
            return "a compaction that does not fit the conversation before it; skipped"
        assert isinstance(keep_from, int) and isinstance(summary, str)
        self.kept.append(record)
        self.messages[:] = compacted(self.messages, keep_from, summary)
        self._recount_tool_ids()
        return None

    def _recount_tool_ids(self) -> None:
        self.tool_ids = {
            block["id"]
            for message in self.messages
            if message["role"] == "assistant"
            for block in message["content"]
            if block["type"] == "tool_use"
        }

    def _pending(self) -> list[str]:
        """Tool calls of the last message that the next one must answer first."""
        if not self.messages or self.messages[-1]["role"] != "assistant":
            return []
        return [b["id"] for b in self.messages[-1]["content"] if b["type"] == "tool_use"]

    def _keep_user(self, blocks: list[dict[str, Any]]) -> None:
        self.kept.append({"type": "user", "content": blocks})
        append_user(self.messages, blocks)


def _block_problem(role: str, block: Any) -> str | None:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return "is not a content block"
    kind = block["type"]
    if _ROLE_ONLY.get(kind, role) != role:
        return f"is a {kind} block in a {role} message"
    for name, expected in _BLOCK_FIELDS.get(kind, {}).items():
        if not isinstance(block.get(name), expected):
            return f"is a {kind} block without a valid `{name}`"
    if kind == "tool_result" and not isinstance(block.get("content", ""), str | list):
        return "is a tool_result block whose `content` is neither text nor a list"
    return None


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0

"""Rules that span messages: tool_use / tool_result pairing and thinking continuity."""

from __future__ import annotations

from typing import Any

from .errors import THINKING_DOCS, bad


def check_tool_pairing(roles: list[str], blocks_of: list[list[dict[str, Any]]]) -> None:
    seen: set[str] = set()
    for i, (role, blocks) in enumerate(zip(roles, blocks_of, strict=True)):
        if role == "assistant":
            ids: list[str] = []
            for j, block in enumerate(blocks):
                if block["type"] == "tool_use":
                    if block["id"] in seen:
                        raise bad(f"messages.{i}.content.{j}: `tool_use` ids must be unique")
                    seen.add(block["id"])
                    ids.append(block["id"])
            if not ids:
                continue
            following = blocks_of[i + 1] if i + 1 < len(roles) and roles[i + 1] == "user" else []
            leading: set[str] = set()
            for block in following:
                if block["type"] != "tool_result":
                    break
                leading.add(block["tool_use_id"])
            missing = [tid for tid in ids if tid not in leading]
            if missing:
                later = {b.get("tool_use_id") for b in following if b["type"] == "tool_result"}
                hint = (
                    " `tool_result` blocks must come first in the user message content."
                    if any(tid in later for tid in missing)
                    else ""
                )
                raise bad(
                    f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {', '.join(missing)}. Each `tool_use` block must have "
                    f"a corresponding `tool_result` block in the next message.{hint}"
                )
        else:
            previous = blocks_of[i - 1] if i > 0 and roles[i - 1] == "assistant" else []
            offered = {b["id"] for b in previous if b["type"] == "tool_use"}
            answered: set[str] = set()
            for j, block in enumerate(blocks):
                if block["type"] != "tool_result":
                    continue
                tid = block["tool_use_id"]
                if tid not in offered:
                    raise bad(
                        f"messages.{i}.content.{j}: unexpected `tool_use_id` found in "
                        f"`tool_result` blocks: {tid}. Each `tool_result` block must have a "
                        "corresponding `tool_use` block in the previous message."
                    )
                if tid in answered:
                    raise bad(
                        f"messages.{i}.content.{j}: more than one `tool_result` block answers "
                        f"`tool_use` id {tid}"
                    )
                answered.add(tid)


def check_thinking_first(roles: list[str], blocks_of: list[list[dict[str, Any]]]) -> None:
    # Like the API, only the last assistant turn (the one the current tool loop continues)
    # must keep its thinking; earlier turns may have had theirs dropped.
    last = max((i for i, r in enumerate(roles) if r == "assistant"), default=None)
    if last is None:
        return
    blocks = blocks_of[last]
    if not any(b["type"] == "tool_use" for b in blocks):
        return
    first = blocks[0]["type"]
    if first not in ("thinking", "redacted_thinking"):
        raise bad(
            f"messages.{last}.content.0.type: Expected `thinking` or `redacted_thinking`, but "
            f"found `{first}`. When `thinking` is enabled, a final `assistant` message must "
            "start with a thinking block (preceeding the lastmost set of `tool_use` and "
            "`tool_result` blocks). We recommend you include thinking blocks from previous "
            "turns. To avoid this requirement, disable `thinking`. Please consult our "
            f"documentation at {THINKING_DOCS}"
        )

"""The plan tool: the model's checklist for multi-step work, shown to the user as ACP
`plan` updates (each call replaces the whole list, as ACP's plan does)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentls.protocol import payloads
from agentls.tools.base import ToolContext, ToolError, ToolOutcome

STATUSES = ("pending", "in_progress", "completed")
PRIORITIES = ("high", "medium", "low")
MAX_ENTRIES = 50


class PlanTool:
    name = "update_plan"
    kind = "think"

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": (
                "Keep a checklist for work of several steps, visible to the user. Call it "
                "with the whole list when you start such work and again whenever an entry "
                "changes status; exactly one entry is in_progress while you work on it. "
                "Skip it for a single quick step."
            ),
            "input_schema": {
                "type": "object",
                "properties": {
                    "entries": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "content": {"type": "string", "description": "the step"},
                                "status": {"type": "string", "enum": list(STATUSES)},
                                "priority": {"type": "string", "enum": list(PRIORITIES)},
                            },
                            "required": ["content", "status"],
                        },
                    }
                },
                "required": ["entries"],
            },
        }

    def title(self, tool_input: dict[str, Any], root: Path | None = None) -> str:
        entries = tool_input.get("entries")
        if isinstance(entries, list) and entries:
            done = sum(1 for e in entries if isinstance(e, dict) and e.get("status") == "completed")
            return f"Plan: {done} of {len(entries)} done"
        return "Plan"

    def kind_for(self, tool_input: dict[str, Any]) -> str:
        return self.kind

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        entries = tool_input.get("entries")
        if not isinstance(entries, list) or len(entries) > MAX_ENTRIES:
            raise ToolError(f"`entries` must be an array of at most {MAX_ENTRIES} steps")
        plan = [_entry(position, entry) for position, entry in enumerate(entries)]
        if ctx.notify is not None:
            ctx.notify(payloads.plan(plan))
        lines = [f"[{'x' if e['status'] == 'completed' else ' '}] {e['content']}" for e in plan]
        return ToolOutcome("Plan updated:\n" + "\n".join(lines) if lines else "Plan cleared.")


def _entry(position: int, entry: object) -> dict[str, str]:
    where = f"entries[{position}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("content"), str):
        raise ToolError(f"{where} must be an object with a `content` string")
    status = entry.get("status", "pending")
    priority = entry.get("priority", "medium")
    if status not in STATUSES:
        raise ToolError(f"{where}.status must be one of {', '.join(STATUSES)}")
    if priority not in PRIORITIES:
        raise ToolError(f"{where}.priority must be one of {', '.join(PRIORITIES)}")
    return {"content": entry["content"], "status": status, "priority": priority}

"""Request validation for the request's tools and context management, with the real API's
rules and (close to) its error messages: custom tools, the API's own tool types (some only
with their beta header), `context_management` edits (only with theirs)."""

from __future__ import annotations

import re
from typing import cast

from .errors import bad

_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_SERVER_TOOLS = {
    "bash_20250124": "bash",
    "text_editor_20250124": "str_replace_based_edit_tool",
    "text_editor_20250429": "str_replace_based_edit_tool",
    "text_editor_20250728": "str_replace_based_edit_tool",
    "web_search_20250305": "web_search",
    "web_fetch_20250910": "web_fetch",
    "code_execution_20250825": "code_execution",
}
# Tool types a request may use only with a beta header naming them.
_BETA_TOOLS = {"web_fetch_20250910": "web-fetch-2025-09-10"}
CONTEXT_MANAGEMENT_BETA = "context-management-2025-06-27"
_CONTEXT_EDITS = ("clear_tool_uses_20250919", "clear_thinking_20251015")


def check_context_management(value: object, beta: set[str]) -> None:
    if value is None:
        return
    if CONTEXT_MANAGEMENT_BETA not in beta:
        raise bad("context_management: Extra inputs are not permitted")
    edits = value.get("edits") if isinstance(value, dict) else None
    if not isinstance(edits, list):
        raise bad("context_management.edits: Input should be a valid list")
    for i, edit in enumerate(cast(list[object], edits)):
        kind = edit.get("type") if isinstance(edit, dict) else None
        if kind not in _CONTEXT_EDITS:
            tags = ", ".join(f"'{t}'" for t in _CONTEXT_EDITS)
            raise bad(
                f"context_management.edits.{i}: Input tag '{kind}' found using 'type' does not "
                f"match any of the expected tags: {tags}"
            )


def check_tools(tools: object, beta: set[str]) -> set[str]:
    if tools is None:
        return set()
    if not isinstance(tools, list):
        raise bad("tools: Input should be a valid list")
    names: set[str] = set()
    for i, tool in enumerate(cast(list[object], tools)):
        if not isinstance(tool, dict):
            raise bad(f"tools.{i}: Input should be a valid dictionary")
        kind = tool.get("type") or "custom"
        name = tool.get("name")
        if kind == "custom":
            if not isinstance(name, str) or not _TOOL_NAME.match(name):
                raise bad(
                    f"tools.{i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
                )
            schema = tool.get("input_schema")
            if schema is None:
                raise bad(f"tools.{i}.custom.input_schema: Field required")
            if not isinstance(schema, dict) or schema.get("type") != "object":
                raise bad(f"tools.{i}.custom.input_schema.type: Input should be 'object'")
        elif kind in _SERVER_TOOLS and _BETA_TOOLS.get(kind, "") in (beta | {""}):
            if name != _SERVER_TOOLS[kind]:
                raise bad(f"tools.{i}.{kind}.name: Input should be '{_SERVER_TOOLS[kind]}'")
        else:
            known = [t for t in _SERVER_TOOLS if _BETA_TOOLS.get(t, "") in (beta | {""})]
            tags = ", ".join(f"'{t}'" for t in sorted([*known, "custom"]))
            raise bad(
                f"tools.{i}: Input tag '{kind}' found using 'type' does not match any of the "
                f"expected tags: {tags}"
            )
        if name in names:
            raise bad(f"tools: Tool names must be unique. Duplicate name: {name}")
        names.add(cast(str, name))
    return names

"""The content blocks a scripted turn can hold, parsed from JSON-able data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias, cast

from .checks import ScriptError, mapping, no_unknown_keys, string

# Result blocks of the API's own tools, answering a server_tool_use by its id.
SERVER_RESULT_TYPES = (
    "web_search_tool_result",
    "web_fetch_tool_result",
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result",
)
SERVER_TOOL_NAMES = ("web_search", "web_fetch", "code_execution", "bash_code_execution")


@dataclass(frozen=True)
class TextBlock:
    text: str
    citations: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class ThinkingBlock:
    thinking: str


@dataclass(frozen=True)
class RedactedThinkingBlock:
    data: str


@dataclass(frozen=True)
class ToolUseBlock:
    name: str
    input: Mapping[str, Any]
    id: str | None = None


@dataclass(frozen=True)
class ServerToolUseBlock:
    """A call of one of the API's own tools (web search, web fetch, code execution)."""

    name: str
    input: Mapping[str, Any]
    id: str | None = None


@dataclass(frozen=True)
class ServerToolResultBlock:
    """Its result; `tool_use_id` defaults to the closest server_tool_use before it."""

    type: str
    content: Any
    tool_use_id: str | None = None


@dataclass(frozen=True)
class OpaqueBlock:
    """Any other block (container_upload, compaction, a type that does not exist yet), sent
    whole in its content_block_start, as the API sends blocks without deltas."""

    block: Mapping[str, Any] = field(default_factory=dict)


Block: TypeAlias = (
    TextBlock
    | ThinkingBlock
    | RedactedThinkingBlock
    | ToolUseBlock
    | ServerToolUseBlock
    | ServerToolResultBlock
    | OpaqueBlock
)
BLOCK_TYPES = (
    "text",
    "thinking",
    "redacted_thinking",
    "tool_use",
    "server_tool_use",
    *SERVER_RESULT_TYPES,
    "opaque",
)


def parse_block(spec: object, where: str) -> Block:
    obj = mapping(spec, where)
    kind = obj.get("type")
    if kind == "text":
        no_unknown_keys(obj, where, {"type", "text", "citations"})
        citations = obj.get("citations", [])
        if not isinstance(citations, list) or not all(
            isinstance(c, Mapping) and isinstance(c.get("type"), str) for c in citations
        ):
            raise ScriptError(f"{where}: 'citations' must be a list of objects with a type")
        text = string(obj.get("text"), f"{where}, text", non_empty=True)
        return TextBlock(text, tuple(cast(list[Mapping[str, Any]], citations)))
    if kind == "thinking":
        no_unknown_keys(obj, where, {"type", "thinking"})
        return ThinkingBlock(string(obj.get("thinking"), f"{where}, thinking"))
    if kind == "redacted_thinking":
        no_unknown_keys(obj, where, {"type", "data"})
        return RedactedThinkingBlock(string(obj.get("data"), f"{where}, data", non_empty=True))
    if kind in ("tool_use", "server_tool_use"):
        no_unknown_keys(obj, where, {"type", "name", "input", "id"})
        tool_input = obj.get("input", {})
        if not isinstance(tool_input, Mapping):
            raise ScriptError(f"{where}: {kind} 'input' must be a JSON object")
        tool_id = obj.get("id")
        if tool_id is not None:
            tool_id = string(tool_id, f"{where}, id", non_empty=True)
        name = string(obj.get("name"), f"{where}, name", non_empty=True)
        if kind == "server_tool_use" and name not in SERVER_TOOL_NAMES:
            raise ScriptError(
                f"{where}: name {name!r} is not one of {', '.join(SERVER_TOOL_NAMES)}"
            )
        cls = ToolUseBlock if kind == "tool_use" else ServerToolUseBlock
        return cls(name=name, input=dict(cast(Mapping[str, Any], tool_input)), id=tool_id)
    if kind in SERVER_RESULT_TYPES:
        no_unknown_keys(obj, where, {"type", "content", "tool_use_id"})
        if "content" not in obj:
            raise ScriptError(f"{where}: {kind} needs 'content'")
        tool_use_id = obj.get("tool_use_id")
        if tool_use_id is not None:
            tool_use_id = string(tool_use_id, f"{where}, tool_use_id", non_empty=True)
        return ServerToolResultBlock(str(kind), obj["content"], tool_use_id)
    if kind == "opaque":
        no_unknown_keys(obj, where, {"type", "block"})
        block = mapping(obj.get("block"), f"{where}, block")
        string(block.get("type"), f"{where}, block, type", non_empty=True)
        return OpaqueBlock(dict(block))
    raise ScriptError(f"{where}: block type {kind!r} is not one of {', '.join(BLOCK_TYPES)}")

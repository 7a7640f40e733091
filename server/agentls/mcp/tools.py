"""An MCP server's tool as one of the agent's tools: `mcp__<server>__<tool>` with the server's
input schema; its result (text, images, embedded resources, structured content, `isError`)
as the tool_result the model reads."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from agentls.mcp.connection import McpCallError, McpConnection
from agentls.tools.base import ToolContext, ToolError, ToolOutcome

if TYPE_CHECKING:
    import mcp_types


class Trust(Protocol):
    async def check_trust(self, connection: McpConnection, tool_call: dict[str, Any]) -> None: ...


PREFIX = "mcp__"
# The API's rule for tool names; server and tool names outside it are cleaned to fit.
_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")
MAX_NAME = 64
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


def api_name(server: str, tool: str) -> str:
    return f"{PREFIX}{_UNSAFE.sub('_', server)}__{_UNSAFE.sub('_', tool)}"[:MAX_NAME]


class McpTool:
    def __init__(self, connection: McpConnection, tool: mcp_types.Tool, trust: Trust) -> None:
        self.connection = connection
        self.trust = trust
        self.tool = tool
        self.name = api_name(connection.spec.name, tool.name)
        annotations = tool.annotations
        self.read_only = bool(annotations and annotations.read_only_hint)
        # ACP kind: a read-only tool runs like a read; any other is `other` and asks.
        self.kind = "read" if self.read_only else "other"

    def definition(self) -> dict[str, Any]:
        description = self.tool.description or self.tool.title or self.tool.name
        return {
            "name": self.name,
            "description": f"{description}\n(MCP server `{self.connection.spec.name}`)",
            "input_schema": self.tool.input_schema or {"type": "object"},
        }

    def title(self, tool_input: dict[str, Any], root: Path | None = None) -> str:
        shown = self.tool.title or (self.tool.annotations and self.tool.annotations.title)
        return f"{shown or self.tool.name} ({self.connection.spec.name})"

    def kind_for(self, tool_input: dict[str, Any]) -> str:
        return self.kind

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        call = {
            "toolCallId": ctx.tool_call_id or "",
            "title": self.title(tool_input),
            "kind": self.kind,
            "status": "pending",
            "rawInput": tool_input,
        }
        await self.trust.check_trust(self.connection, call)
        try:
            result = await self.connection.call(self.tool.name, tool_input)
        except McpCallError as exc:
            raise ToolError(str(exc)) from None
        return outcome_of(result)


def outcome_of(result: mcp_types.CallToolResult) -> ToolOutcome:
    from mcp_types import EmbeddedResource, ImageContent, ResourceLink, TextContent

    texts: list[str] = []
    images: list[dict[str, Any]] = []
    for item in result.content:
        if isinstance(item, TextContent):
            texts.append(item.text)
        elif isinstance(item, ImageContent) and item.mime_type in IMAGE_TYPES:
            source = {"type": "base64", "media_type": item.mime_type, "data": item.data}
            images.append({"type": "image", "source": source})
        elif isinstance(item, ImageContent):
            texts.append(f"[an image of type {item.mime_type}, which the model cannot read]")
        elif isinstance(item, EmbeddedResource):
            resource = item.resource
            body = getattr(resource, "text", None)
            texts.append(
                f"[resource {resource.uri}]\n{body}"
                if isinstance(body, str)
                else f"[resource {resource.uri}: binary, {resource.mime_type or 'unknown type'}]"
            )
        elif isinstance(item, ResourceLink):
            texts.append(f"[resource link {item.uri}: {item.name}]")
        else:
            texts.append(f"[{getattr(item, 'type', 'content')} content]")
    if result.structured_content is not None and not texts:
        texts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return ToolOutcome("\n".join(texts), is_error=bool(result.is_error), blocks=images)

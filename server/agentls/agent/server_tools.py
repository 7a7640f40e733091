"""Calls the API runs itself (web search, web fetch, code execution, MCP connector) shown as
tool calls: a `tool_call` when the model begins one, its query or URL once the input is
complete, and a final status from the result block the API streams after it. The blocks
themselves are kept in the conversation as sent; this only draws them."""

from __future__ import annotations

from typing import Any

from agentls.agent.stream import CompletedBlock
from agentls.agent.tool_runner import ToolRunner
from agentls.protocol import payloads

RESULT_LINES = 20

# name -> (kind, title before the input is known)
_KINDS = {
    "web_search": ("search", "Web search"),
    "web_fetch": ("fetch", "Fetch a web page"),
    "code_execution": ("execute", "Run code (API sandbox)"),
    "bash_code_execution": ("execute", "Run a command (API sandbox)"),
    "text_editor_code_execution": ("edit", "Edit a file (API sandbox)"),
}


def begin(runner: ToolRunner, block: dict[str, Any]) -> None:
    name = str(block.get("name", block.get("type")))
    kind, title = _KINDS.get(name, ("other", name))
    runner.announce(str(block["id"]), title, kind, server=True)


def input_complete(runner: ToolRunner, done: CompletedBlock) -> None:
    block = done.block
    tool_input = block.get("input") if isinstance(block.get("input"), dict) else {}
    assert isinstance(tool_input, dict)
    runner.updates.send(
        payloads.tool_call_update(
            str(block["id"]), title=_title(str(block.get("name")), tool_input), rawInput=tool_input
        )
    )


def result(runner: ToolRunner, block: dict[str, Any]) -> None:
    """A result block (`web_search_tool_result`, …): the final status of its call."""
    content = block.get("content")
    error = _error_code(content)
    if error is not None:
        text = f"The API's {block.get('type')} failed: {error}."
        runner.finish(str(block["tool_use_id"]), "failed", content=[payloads.content(text)])
        return
    runner.finish(
        str(block["tool_use_id"]), "completed", content=[payloads.content(_summary(block))]
    )


def _title(name: str, tool_input: dict[str, Any]) -> str:
    if name == "web_search" and isinstance(tool_input.get("query"), str):
        return f"Web search: {tool_input['query']}"
    if name == "web_fetch" and isinstance(tool_input.get("url"), str):
        return f"Fetch {tool_input['url']}"
    return _KINDS.get(name, ("other", name))[1]


def _error_code(content: Any) -> str | None:
    if isinstance(content, dict) and str(content.get("type", "")).endswith("_error"):
        return str(content.get("error_code", "unknown error"))
    return None


def _summary(block: dict[str, Any]) -> str:
    content = block.get("content")
    kind = block.get("type")
    if kind == "web_search_tool_result" and isinstance(content, list):
        lines = [
            f"- {item.get('title') or item.get('url')} <{item.get('url')}>"
            for item in content
            if isinstance(item, dict)
        ]
        more = len(lines) - RESULT_LINES
        shown = lines[:RESULT_LINES] + ([f"- … {more} more"] if more > 0 else [])
        return "\n".join([f"{len(lines)} results", *shown]) if lines else "No results."
    if kind == "web_fetch_tool_result" and isinstance(content, dict):
        document = content.get("content") if isinstance(content.get("content"), dict) else {}
        title = document.get("title") if isinstance(document, dict) else None
        return f"Fetched {content.get('url', '')}" + (f": {title}" if title else "")
    if isinstance(content, dict) and ("stdout" in content or "return_code" in content):
        return (
            f"exit code {content.get('return_code')}\n{content.get('stdout', '')}"
            f"{content.get('stderr', '')}"
        ).rstrip()
    return f"{kind}: done."

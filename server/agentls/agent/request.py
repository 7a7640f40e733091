"""The parts of a Messages-API request that every request of a session shares: model,
system prompt, tools (ours and the API's server tools), thinking, context management, and
the beta headers they need."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agentls.config import DEFAULT_SYSTEM_PROMPT, Config
from agentls.tools.base import Tool

WEB_SEARCH_TOOL = {"type": "web_search_20250305", "name": "web_search"}
WEB_FETCH_TOOL = {"type": "web_fetch_20250910", "name": "web_fetch"}
WEB_FETCH_BETA = "web-fetch-2025-09-10"
CONTEXT_EDITING = {"edits": [{"type": "clear_tool_uses_20250919"}]}
CONTEXT_EDITING_BETA = "context-management-2025-06-27"


def server_tools(config: Config) -> list[dict[str, Any]]:
    tools: list[dict[str, Any]] = []
    if config.web_search:
        tools.append(dict(WEB_SEARCH_TOOL))
    if config.web_fetch:
        tools.append(dict(WEB_FETCH_TOOL))
    return tools


def betas(config: Config) -> list[str]:
    names = []
    if config.web_fetch:
        names.append(WEB_FETCH_BETA)
    if config.context_editing:
        names.append(CONTEXT_EDITING_BETA)
    return names


def system_prompt(config: Config, root: Path) -> str:
    return config.system_prompt or DEFAULT_SYSTEM_PROMPT.format(cwd=root)


def base_params(config: Config, tools: Iterable[Tool], root: Path) -> dict[str, Any]:
    """Everything but `messages`."""
    params: dict[str, Any] = {
        "model": config.model,
        "max_tokens": config.max_tokens,
        # The breakpoint on the system prompt caches tools and system, the stable prefix.
        "system": [
            {
                "type": "text",
                "text": system_prompt(config, root),
                "cache_control": {"type": "ephemeral"},
            }
        ],
        "tools": [*(tool.definition() for tool in tools), *server_tools(config)],
    }
    if config.thinking is not None:
        params["thinking"] = config.thinking
    if config.context_editing:
        params["context_management"] = CONTEXT_EDITING
    return params

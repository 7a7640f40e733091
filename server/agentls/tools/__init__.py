"""Tools the model can call: the text editor, search, bash, and the plan."""

from agentls.tools.base import Tool, ToolContext, ToolError, ToolLocation, ToolOutcome
from agentls.tools.registry import default_tools, find_tool, run_tool, tool_definitions

__all__ = [
    "Tool",
    "ToolContext",
    "ToolError",
    "ToolLocation",
    "ToolOutcome",
    "default_tools",
    "find_tool",
    "run_tool",
    "tool_definitions",
]

"""A Messages API simulator: a real HTTP + SSE server the anthropic SDK can talk to.

Tests and demos point ``ANTHROPIC_BASE_URL`` at it and script what the "model" replies.
"""

from .script import (
    NO_TURN_LEFT_TEXT,
    Expect,
    Hold,
    HttpFault,
    OpaqueBlock,
    RedactedThinkingBlock,
    ScriptError,
    ServerToolResultBlock,
    ServerToolUseBlock,
    StreamFault,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
    Turn,
    UsageOverride,
    parse_script,
    parse_turn,
)
from .server import Simulator
from .signing import thinking_signature

__all__ = [
    "NO_TURN_LEFT_TEXT",
    "Expect",
    "Hold",
    "HttpFault",
    "OpaqueBlock",
    "RedactedThinkingBlock",
    "ScriptError",
    "ServerToolResultBlock",
    "ServerToolUseBlock",
    "Simulator",
    "StreamFault",
    "TextBlock",
    "ThinkingBlock",
    "ToolUseBlock",
    "Turn",
    "UsageOverride",
    "parse_script",
    "parse_turn",
    "thinking_signature",
]

"""Request validation with the real API's rules and (close to) its error messages.

Only what an agent loop can plausibly get wrong is checked: message structure, tool_use /
tool_result pairing, thinking-block provenance, tool definitions and cache_control limits.
Messages name the offending location first (``messages.3.content.0: ...``) like the API.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from .errors import THINKING_DOCS, RequestRejectedError, bad
from .history import check_thinking_first, check_tool_pairing
from .signing import Provenance
from .validate_tools import check_context_management, check_tools

_TOOL_ID = re.compile(r"^[a-zA-Z0-9_-]+$")
_USER_BLOCKS = ("text", "image", "document", "search_result", "tool_result")
_ASSISTANT_BLOCKS = ("text", "thinking", "redacted_thinking", "tool_use")
# Blocks the API writes itself and takes back only unchanged (their content is signed or
# encrypted): accepted in an assistant message when this simulator sent them.
_API_BLOCKS = (
    "server_tool_use",
    "web_search_tool_result",
    "web_fetch_tool_result",
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result",
    "mcp_tool_use",
    "mcp_tool_result",
    "container_upload",
    "compaction",
)
_TOOL_RESULT_BLOCKS = ("text", "image", "document", "search_result")
MAX_CACHE_CONTROL = 4


def check_headers(headers: Mapping[str, str]) -> None:
    # The SDK sends its api_key as `Authorization: Bearer ...` in recent versions and as
    # `x-api-key` in older ones; the API accepts both.
    api_key = headers.get("x-api-key", "").strip()
    auth = headers.get("authorization", "")
    bearer = auth[len("bearer ") :].strip() if auth.lower().startswith("bearer ") else ""
    if not api_key and not bearer:
        raise RequestRejectedError(401, "authentication_error", "x-api-key header is required")
    if not headers.get("anthropic-version", "").strip():
        raise bad("anthropic-version: header is required")


def betas(headers: Mapping[str, str]) -> set[str]:
    value = headers.get("anthropic-beta", "")
    return {name.strip() for name in value.split(",") if name.strip()}


def validate_request(
    body: object, provenance: Provenance, beta: set[str] | None = None
) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise bad("body: Input should be a valid dictionary")
    req = cast(dict[str, Any], body)
    for name in ("model", "max_tokens", "messages"):
        if name not in req:
            raise bad(f"{name}: Field required")
    model = req["model"]
    if not isinstance(model, str) or not model.strip():
        raise bad("model: String should have at least 1 character")
    max_tokens = req["max_tokens"]
    if not _is_int(max_tokens):
        raise bad("max_tokens: Input should be a valid integer")
    if max_tokens < 1:
        raise bad("max_tokens: Input should be greater than or equal to 1")
    if "stream" in req and not isinstance(req["stream"], bool):
        raise bad("stream: Input should be a valid boolean")
    _check_system(req.get("system"))
    tool_names = check_tools(req.get("tools"), beta or set())
    check_context_management(req.get("context_management"), beta or set())
    thinking = _check_thinking(req.get("thinking"), max_tokens)
    _check_tool_choice(req.get("tool_choice"), tool_names, thinking)
    _check_messages(req["messages"], thinking, provenance)
    count = _count_cache_control(req)
    if count > MAX_CACHE_CONTROL:
        raise bad(
            f"A maximum of {MAX_CACHE_CONTROL} blocks with cache_control may be provided. "
            f"Found {count}."
        )
    return req


def last_user_text(body: Mapping[str, Any]) -> str:
    """The last user message's text and tool_result contents, flattened."""
    for message in reversed(body.get("messages", [])):
        if isinstance(message, dict) and message.get("role") == "user":
            return "\n".join(_texts(message.get("content")))
    return ""


def _texts(content: object) -> list[str]:
    if isinstance(content, str):
        return [content]
    out: list[str] = []
    if isinstance(content, list):
        for block in content:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text" and isinstance(block.get("text"), str):
                out.append(block["text"])
            elif block.get("type") == "tool_result":
                out.extend(_texts(block.get("content")))
    return out


def _check_system(system: object) -> None:
    if system is None or isinstance(system, str):
        return
    if not isinstance(system, list):
        raise bad("system: Input should be a valid string or a valid list")
    for j, block in enumerate(cast(list[object], system)):
        if not isinstance(block, dict) or block.get("type") != "text":
            raise bad(f"system.{j}.type: Input should be 'text'")
        _check_text(block, f"system.{j}")


def _check_thinking(thinking: object, max_tokens: int) -> bool:
    """Whether thinking is on for this request."""
    if thinking is None:
        return False
    if not isinstance(thinking, dict):
        raise bad("thinking: Input should be a valid dictionary")
    kind = thinking.get("type")
    if kind == "disabled":
        return False
    if kind == "adaptive":
        return True
    if kind != "enabled":
        raise bad(
            f"thinking: Input tag '{kind}' found using 'type' does not match any of the expected "
            "tags: 'adaptive', 'disabled', 'enabled'"
        )
    budget = thinking.get("budget_tokens")
    if budget is None:
        raise bad("thinking.enabled.budget_tokens: Field required")
    if not _is_int(budget):
        raise bad("thinking.enabled.budget_tokens: Input should be a valid integer")
    if budget < 1024:
        raise bad("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
    if budget >= max_tokens:
        raise bad(
            "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
            f"documentation at {THINKING_DOCS}#max-tokens-and-context-window-size"
        )
    return True


def _check_tool_choice(choice: object, tool_names: set[str], thinking: bool) -> None:
    if choice is None:
        return
    if not isinstance(choice, dict) or choice.get("type") not in ("auto", "any", "tool", "none"):
        raise bad(
            "tool_choice: Input tag found using 'type' does not match any of the expected tags: "
            "'auto', 'any', 'tool', 'none'"
        )
    kind = choice["type"]
    if kind != "none" and not tool_names:
        raise bad("tool_choice may only be specified while providing tools.")
    if kind == "tool" and choice.get("name") not in tool_names:
        raise bad(f"tool_choice.tool.name: Tool '{choice.get('name')}' not found in `tools`")
    if thinking and kind in ("any", "tool"):
        raise bad("Thinking may not be enabled when tool_choice forces tool use.")


def _check_messages(messages: object, thinking: bool, provenance: Provenance) -> None:
    if not isinstance(messages, list):
        raise bad("messages: Input should be a valid list")
    if not messages:
        raise bad("messages: at least one message is required")
    msgs = cast(list[object], messages)
    blocks_of: list[list[dict[str, Any]]] = []
    for i, message in enumerate(msgs):
        if not isinstance(message, dict):
            raise bad(f"messages.{i}: Input should be a valid dictionary")
        role = message.get("role")
        if role not in ("user", "assistant"):
            raise bad(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        if i == 0 and role != "user":
            raise bad('messages: first message must use the "user" role')
        blocks_of.append(_check_content(message, i, i == len(msgs) - 1, provenance))
    roles = [cast(dict[str, Any], m)["role"] for m in msgs]
    check_tool_pairing(roles, blocks_of)
    if thinking:
        check_thinking_first(roles, blocks_of)


def _check_content(
    message: dict[str, Any], i: int, is_last: bool, provenance: Provenance
) -> list[dict[str, Any]]:
    role = message["role"]
    if "content" not in message:
        raise bad(f"messages.{i}.content: Field required")
    content = message["content"]
    final_assistant = is_last and role == "assistant"
    empty_msg = (
        f"messages.{i}: all messages must have non-empty content except for the optional "
        "final assistant message"
    )
    if isinstance(content, str):
        if not content and not final_assistant:
            raise bad(empty_msg)
        if final_assistant and content != content.rstrip():
            raise bad("final assistant content cannot end with trailing whitespace")
        return []
    if not isinstance(content, list):
        raise bad(f"messages.{i}.content: Input should be a valid string or a valid list")
    if not content and not final_assistant:
        raise bad(empty_msg)
    allowed = _USER_BLOCKS if role == "user" else _ASSISTANT_BLOCKS
    blocks: list[dict[str, Any]] = []
    for j, block in enumerate(cast(list[object], content)):
        where = f"messages.{i}.content.{j}"
        if not isinstance(block, dict):
            raise bad(f"{where}: Input should be a valid dictionary")
        kind = block.get("type")
        if role == "assistant" and kind not in allowed and provenance.block_ok(block):
            blocks.append(block)  # the API's own block, sent back unchanged
            continue
        if role == "assistant" and kind in _API_BLOCKS:
            raise bad(
                f"{where}: this `{kind}` block is not one the API sent, or it was changed: "
                "blocks the API writes must be sent back exactly as received"
            )
        if kind not in allowed:
            raise bad(
                f"{where}: Input tag '{kind}' found using 'type' does not match any of the "
                f"expected tags for a `{role}` message: " + ", ".join(f"'{t}'" for t in allowed)
            )
        _check_block(block, where, provenance)
        blocks.append(block)
    last = blocks[-1] if blocks else None
    if (
        final_assistant
        and last
        and last["type"] == "text"
        and last["text"] != last["text"].rstrip()
    ):
        raise bad("final assistant content cannot end with trailing whitespace")
    return blocks


def _check_block(block: dict[str, Any], where: str, provenance: Provenance) -> None:
    kind = block["type"]
    if kind == "text":
        _check_text(block, where)
    elif kind in ("image", "document"):
        if not isinstance(block.get("source"), dict):
            raise bad(f"{where}.{kind}.source: Field required")
    elif kind == "tool_use":
        if not isinstance(block.get("id"), str) or not _TOOL_ID.match(block["id"]):
            raise bad(f"{where}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'")
        if not isinstance(block.get("name"), str) or not block["name"]:
            raise bad(f"{where}.tool_use.name: String should have at least 1 character")
        if not isinstance(block.get("input"), dict):
            raise bad(f"{where}.tool_use.input: Input should be a valid dictionary")
    elif kind == "tool_result":
        if not isinstance(block.get("tool_use_id"), str):
            raise bad(f"{where}.tool_result.tool_use_id: Field required")
        _check_tool_result_content(block.get("content"), where)
    elif kind == "thinking":
        thinking = block.get("thinking")
        if not isinstance(thinking, str) or not provenance.thinking_ok(
            thinking, block.get("signature")
        ):
            raise bad(f"{where}: Invalid `signature` in `thinking` block")
    elif kind == "redacted_thinking":
        data = block.get("data")
        if not isinstance(data, str) or not provenance.redacted_ok(data):
            raise bad(f"{where}: Invalid `data` in `redacted_thinking` block")


def _check_text(block: Mapping[str, Any], where: str) -> None:
    citations = block.get("citations")
    if citations is not None and not isinstance(citations, list):
        raise bad(f"{where}.text.citations: Input should be a valid list")
    text = block.get("text")
    if not isinstance(text, str):
        raise bad(f"{where}.text: Input should be a valid string")
    if not text:
        raise bad(f"{where}.text: text content blocks must be non-empty")
    if not text.strip():
        raise bad(f"{where}.text: text content blocks must contain non-whitespace text")


def _check_tool_result_content(content: object, where: str) -> None:
    if content is None or isinstance(content, str):
        return
    if not isinstance(content, list):
        raise bad(f"{where}.tool_result.content: Input should be a valid string or a valid list")
    for k, inner in enumerate(cast(list[object], content)):
        inner_where = f"{where}.tool_result.content.{k}"
        if not isinstance(inner, dict) or inner.get("type") not in _TOOL_RESULT_BLOCKS:
            raise bad(
                f"{inner_where}: Input tag found using 'type' does not match any of the expected "
                "tags: " + ", ".join(f"'{t}'" for t in _TOOL_RESULT_BLOCKS)
            )
        if inner["type"] == "text":
            _check_text(inner, inner_where)


def _count_cache_control(req: Mapping[str, Any]) -> int:
    count = 0

    def visit(block: object) -> None:
        nonlocal count
        if not isinstance(block, dict):
            return
        if block.get("cache_control") is not None:
            count += 1
        nested = block.get("content")
        if isinstance(nested, list):
            for inner in nested:
                visit(inner)

    for key in ("system", "tools"):
        value = req.get(key)
        if isinstance(value, list):
            for block in value:
                visit(block)
    for message in req.get("messages", []):
        visit(message)
    return count


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)

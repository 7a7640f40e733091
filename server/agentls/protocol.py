"""The wire vocabulary (docs/protocol.md): method names, errors, and request parsing.

Incoming ACP params are validated with the pydantic types of `acp.schema`. That module is
large, so it is imported on the first request (and warmed in the background after
`initialized`), never at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cattrs import Converter
from lsprotocol import converters
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage

SESSION_NEW = "session/new"
SESSION_PROMPT = "session/prompt"
SESSION_CANCEL = "session/cancel"
SESSION_LIST = "session/list"
SESSION_LOAD = "session/load"
SESSION_UPDATE = "session/update"
SESSION_REQUEST_PERMISSION = "session/request_permission"
UNDO_TURN = "agentls/undoTurn"

PROTOCOL_VERSION = 1

SESSION_ERROR_CODE = -32002
MODEL_ERROR_CODE = -32000


class SessionError(JsonRpcException):
    """Unknown or busy session."""

    CODE = SESSION_ERROR_CODE


class ModelError(JsonRpcException):
    """The model request failed; the message says why and what to do."""

    CODE = MODEL_ERROR_CODE


def invalid_params(method: str, problem: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(message=f"Invalid params for {method}: {problem}")


def plain_json_converter() -> Converter:
    """pygls's default converter turns the params of non-LSP methods into namedtuples
    (renaming keys such as `_meta`, and building a class per object). ACP params stay
    plain JSON objects here."""
    converter = converters.get_converter()
    for message_type in (JsonRPCRequestMessage, JsonRPCResponseMessage, JsonRPCNotification):
        converter.register_structure_hook(message_type, lambda obj, cls: cls(**obj))
    return converter


@dataclass
class PromptParams:
    session_id: str
    content: list[dict[str, Any]]  # user content blocks, in Messages-API form
    work_done_token: str | int | None


def parse_new_session(params: Any, default_cwd: Path | None) -> Path:
    from acp.schema import NewSessionRequest

    data = _as_dict(SESSION_NEW, params)
    data.setdefault("mcpServers", [])
    if default_cwd is not None:
        data.setdefault("cwd", str(default_cwd))
    if "cwd" not in data:
        raise invalid_params(SESSION_NEW, "`cwd` is required (the client sent no workspace root)")
    request = _validate(SESSION_NEW, NewSessionRequest, data)
    cwd = Path(request.cwd)
    if not cwd.is_absolute():
        raise invalid_params(SESSION_NEW, f"`cwd` must be an absolute path, got {request.cwd!r}")
    if not cwd.is_dir():
        raise invalid_params(SESSION_NEW, f"`cwd` {request.cwd!r} is not a directory")
    return cwd.resolve()


def parse_prompt(params: Any) -> PromptParams:
    from acp.schema import PromptRequest

    data = _as_dict(SESSION_PROMPT, params)
    token = data.pop("workDoneToken", None)
    if token is not None and (isinstance(token, bool) or not isinstance(token, str | int)):
        raise invalid_params(SESSION_PROMPT, "`workDoneToken` must be a string or an integer")
    request = _validate(SESSION_PROMPT, PromptRequest, data)
    content: list[dict[str, Any]] = []
    for position, block in enumerate(request.prompt):
        text = _block_text(block.model_dump(by_alias=True, exclude_none=True), position)
        if text:
            content.append({"type": "text", "text": text})
    if not content:
        raise invalid_params(SESSION_PROMPT, "`prompt` has no text: send at least one text block")
    return PromptParams(request.session_id, content, token)


def parse_list(params: Any) -> Path | None:
    data = _as_dict(SESSION_LIST, params if params is not None else {})
    cwd = data.get("cwd")
    if cwd is None:
        return None
    if not isinstance(cwd, str) or not Path(cwd).is_absolute():
        raise invalid_params(SESSION_LIST, "`cwd` must be an absolute path")
    return Path(cwd).resolve()


def parse_load(params: Any, default_cwd: Path | None) -> tuple[str, Path | None]:
    session_id = parse_session_id(SESSION_LOAD, params)
    cwd = params.get("cwd")
    if cwd is None:
        return session_id, default_cwd
    if not isinstance(cwd, str) or not Path(cwd).is_absolute():
        raise invalid_params(SESSION_LOAD, "`cwd` must be an absolute path")
    return session_id, Path(cwd).resolve()


def parse_session_id(method: str, params: Any) -> str:
    data = _as_dict(method, params)
    session_id = data.get("sessionId")
    if not isinstance(session_id, str) or not session_id:
        raise invalid_params(method, "`sessionId` must be a non-empty string")
    return session_id


def _block_text(block: dict[str, Any], position: int) -> str:
    kind = block.get("type")
    if kind == "text":
        return str(block.get("text", ""))
    if kind == "resource":
        resource = block.get("resource", {})
        if "text" not in resource:
            raise invalid_params(
                SESSION_PROMPT,
                f"prompt[{position}] is a binary resource; only text resources are supported",
            )
        where = _range_note(block)
        return (
            f'<editor-context uri="{resource.get("uri", "")}"{where}>\n'
            f"{resource['text']}\n</editor-context>"
        )
    if kind == "resource_link":
        return f'<resource-link uri="{block.get("uri", "")}" name="{block.get("name", "")}"/>'
    raise invalid_params(
        SESSION_PROMPT,
        f"prompt[{position}] has type {kind!r}; this agent accepts text, resource and "
        "resource_link blocks",
    )


def _range_note(block: dict[str, Any]) -> str:
    meta = block.get("_meta") or {}
    selection: Any = meta.get("agentls", {}).get("range") if isinstance(meta, dict) else None
    try:
        start = selection["start"]["line"] + 1
        end = selection["end"]["line"] + 1
    except (TypeError, KeyError):
        return ""
    return f' lines="{start}-{end}"'


def _as_dict(method: str, params: Any) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise invalid_params(method, f"params must be an object, got {type(params).__name__}")
    return dict(params)


def _validate(method: str, model: Any, data: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"`{'.'.join(str(part) for part in error['loc'])}`: {error['msg']}"
            for error in exc.errors()[:5]
        )
        raise invalid_params(method, problems) from None

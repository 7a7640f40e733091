"""Incoming params, checked by hand against ACP v1's shapes.

Plain checks rather than `acp.schema`'s pydantic models: importing those costs hundreds of
milliseconds, which `session/new` may not spend. Every problem names the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentls.protocol import names
from agentls.protocol.errors import invalid_params

MAX_SESSION_ID = 128
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]+")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


@dataclass
class PromptParams:
    session_id: str
    content: list[dict[str, Any]]  # user content blocks, in Messages-API form
    work_done_token: str | int | None = None
    text: str = ""  # the prompt's own text blocks joined, for slash commands


@dataclass
class SessionSetup:
    """What session/new, session/load and session/resume share."""

    cwd: Path | None
    mcp_servers: list[dict[str, Any]] = field(default_factory=list)
    session_id: str | None = None


def as_dict(method: str, params: Any) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise invalid_params(method, f"params must be an object, got {type(params).__name__}")
    return params


def session_id(method: str, params: Any) -> str:
    value = as_dict(method, params).get("sessionId")
    if not isinstance(value, str) or not value:
        raise invalid_params(method, "`sessionId` must be a non-empty string")
    if len(value) > MAX_SESSION_ID or not _SESSION_ID.fullmatch(value):
        raise invalid_params(
            method,
            f"`sessionId` must be at most {MAX_SESSION_ID} letters, digits, '_' or '-' "
            "(as session/new returns them)",
        )
    return value


def string(method: str, data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise invalid_params(method, f"`{key}` must be a non-empty string")
    return value


def absolute_dir(method: str, value: Any, key: str = "cwd") -> Path:
    if not isinstance(value, str) or not Path(value).is_absolute():
        raise invalid_params(method, f"`{key}` must be an absolute path, got {value!r}")
    path = Path(value)
    if not path.is_dir():
        raise invalid_params(method, f"`{key}` {value!r} is not a directory")
    return path.resolve()


def session_setup(
    method: str, params: Any, default_cwd: Path | None, *, with_id: bool
) -> SessionSetup:
    data = as_dict(method, params)
    cwd_value = data.get("cwd")
    if cwd_value is None:
        cwd = default_cwd
        if cwd is None and method == names.SESSION_NEW:
            raise invalid_params(method, "`cwd` is required (the client sent no workspace root)")
    else:
        cwd = absolute_dir(method, cwd_value)
    servers = data.get("mcpServers", [])
    if not isinstance(servers, list):
        raise invalid_params(method, "`mcpServers` must be an array")
    checked = [_mcp_server(method, position, server) for position, server in enumerate(servers)]
    return SessionSetup(cwd, checked, session_id(method, data) if with_id else None)


def _mcp_server(method: str, position: int, server: Any) -> dict[str, Any]:
    where = f"mcpServers[{position}]"
    if not isinstance(server, dict) or not isinstance(server.get("name"), str):
        raise invalid_params(method, f"{where} must be an object with a `name`")
    kind = server.get("type", "stdio")
    if kind == "stdio":
        if not isinstance(server.get("command"), str):
            raise invalid_params(method, f"{where}.command must be a string")
        args = server.get("args", [])
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise invalid_params(method, f"{where}.args must be an array of strings")
        _name_values(method, f"{where}.env", server.get("env", []))
    elif kind in ("http", "sse"):
        if not isinstance(server.get("url"), str):
            raise invalid_params(method, f"{where}.url must be a string")
        _name_values(method, f"{where}.headers", server.get("headers", []))
    else:
        raise invalid_params(method, f"{where}.type must be stdio, http or sse, got {kind!r}")
    return server


def _name_values(method: str, where: str, value: Any) -> None:
    if not isinstance(value, list) or not all(
        isinstance(item, dict)
        and isinstance(item.get("name"), str)
        and isinstance(item.get("value"), str)
        for item in value
    ):
        raise invalid_params(method, f"{where} must be an array of {{name, value}} strings")


def list_filter(params: Any) -> Path | None:
    cwd = as_dict(names.SESSION_LIST, params).get("cwd")
    if cwd is None:
        return None
    if not isinstance(cwd, str) or not Path(cwd).is_absolute():
        raise invalid_params(names.SESSION_LIST, "`cwd` must be an absolute path")
    return Path(cwd).resolve()


def prompt(params: Any) -> PromptParams:
    method = names.SESSION_PROMPT
    data = as_dict(method, params)
    sid = session_id(method, data)
    token = data.get("workDoneToken")
    if token is not None and (isinstance(token, bool) or not isinstance(token, str | int)):
        raise invalid_params(method, "`workDoneToken` must be a string or an integer")
    blocks = data.get("prompt")
    if not isinstance(blocks, list):
        raise invalid_params(method, "`prompt` must be an array of content blocks")
    content: list[dict[str, Any]] = []
    texts: list[str] = []
    for position, block in enumerate(blocks):
        converted = _block(block, position)
        if converted is None:
            continue
        if isinstance(block, dict) and block.get("type") == "text":
            texts.append(str(block.get("text", "")))
        content.append(converted)
    if not any(block["type"] == "text" for block in content):
        raise invalid_params(method, "`prompt` has no text: send at least one text block")
    return PromptParams(sid, content, token, "\n".join(texts))


def _block(block: Any, position: int) -> dict[str, Any] | None:
    method = names.SESSION_PROMPT
    where = f"prompt[{position}]"
    if not isinstance(block, dict):
        raise invalid_params(method, f"{where} must be a content block object")
    kind = block.get("type")
    if kind == "text":
        text = block.get("text")
        if not isinstance(text, str):
            raise invalid_params(method, f"{where}.text must be a string")
        return {"type": "text", "text": text} if text else None
    if kind == "image":
        return _image(block, where)
    if kind == "resource":
        resource = block.get("resource")
        if not isinstance(resource, dict) or not isinstance(resource.get("uri"), str):
            raise invalid_params(method, f"{where}.resource must be an object with a `uri`")
        if not isinstance(resource.get("text"), str):
            if resource.get("mimeType") in IMAGE_TYPES and isinstance(resource.get("blob"), str):
                return _image({"mimeType": resource["mimeType"], "data": resource["blob"]}, where)
            raise invalid_params(
                method,
                f"{where} is a binary resource; only text resources and images are supported",
            )
        return {
            "type": "text",
            "text": f'<editor-context uri="{resource["uri"]}"{_range_note(block)}>\n'
            f"{resource['text']}\n</editor-context>",
        }
    if kind == "resource_link":
        uri, name = block.get("uri"), block.get("name", "")
        if not isinstance(uri, str):
            raise invalid_params(method, f"{where}.uri must be a string")
        return {"type": "text", "text": f'<resource-link uri="{uri}" name="{name}"/>'}
    raise invalid_params(
        method,
        f"{where} has type {kind!r}; this agent accepts text, image, resource and "
        "resource_link blocks",
    )


def _image(block: dict[str, Any], where: str) -> dict[str, Any]:
    mime, data = block.get("mimeType"), block.get("data")
    if mime not in IMAGE_TYPES or not isinstance(data, str) or not data:
        raise invalid_params(
            names.SESSION_PROMPT,
            f"{where} must be an image with base64 `data` and a `mimeType` of "
            f"{', '.join(IMAGE_TYPES)}",
        )
    return {"type": "image", "source": {"type": "base64", "media_type": mime, "data": data}}


def _range_note(block: dict[str, Any]) -> str:
    meta = block.get("_meta") or {}
    selection: Any = meta.get("agentls", {}).get("range") if isinstance(meta, dict) else None
    try:
        start = selection["start"]["line"] + 1
        end = selection["end"]["line"] + 1
    except (TypeError, KeyError):
        return ""
    return f' lines="{start}-{end}"'


def set_mode(params: Any) -> tuple[str, str]:
    method = names.SESSION_SET_MODE
    data = as_dict(method, params)
    return session_id(method, data), string(method, data, "modeId")


def set_config_option(params: Any) -> tuple[str, str, Any]:
    method = names.SESSION_SET_CONFIG_OPTION
    data = as_dict(method, params)
    if "value" not in data:
        raise invalid_params(method, "`value` is required")
    return session_id(method, data), string(method, data, "configId"), data["value"]


@dataclass
class ReviewParams:
    session_id: str
    decision: str  # "accept" or "reject"
    path: Path | None
    hunk_ids: list[str] | None


def review(params: Any) -> ReviewParams:
    method = names.REVIEW
    data = as_dict(method, params)
    decision = data.get("decision")
    if decision not in ("accept", "reject"):
        raise invalid_params(method, f'`decision` must be "accept" or "reject", got {decision!r}')
    path = data.get("path")
    if path is not None and (not isinstance(path, str) or not Path(path).is_absolute()):
        raise invalid_params(method, f"`path` must be an absolute path, got {path!r}")
    ids = data.get("hunkIds")
    if ids is not None and (
        not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids)
    ):
        raise invalid_params(method, "`hunkIds` must be an array of hunk ids (strings)")
    return ReviewParams(
        session_id(method, data), decision, Path(path) if path is not None else None, ids
    )


@dataclass
class RewindParams:
    session_id: str
    to_prompt: int
    files: bool
    conversation: bool


def rewind(params: Any) -> RewindParams:
    method = names.REWIND
    data = as_dict(method, params)
    to_prompt = data.get("toPrompt")
    if isinstance(to_prompt, bool) or not isinstance(to_prompt, int) or to_prompt < 0:
        raise invalid_params(
            method, f"`toPrompt` must be a prompt index (an integer >= 0), got {to_prompt!r}"
        )
    flags = {}
    for key in ("files", "conversation"):
        value = data.get(key)
        if not isinstance(value, bool):
            raise invalid_params(method, f"`{key}` must be true or false, got {value!r}")
        flags[key] = value
    return RewindParams(session_id(method, data), to_prompt, flags["files"], flags["conversation"])

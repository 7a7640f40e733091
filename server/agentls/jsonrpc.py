"""JSON-RPC 2.0 envelopes, checked the same way on both transports."""

from __future__ import annotations

from typing import Any


def invalid_request(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return f"a message must be a JSON object, got {type(raw).__name__}"
    if raw.get("jsonrpc") != "2.0":
        return '"jsonrpc" must be "2.0"'
    if "method" in raw:
        if not isinstance(raw["method"], str):
            return '"method" must be a string'
        if "id" in raw and (isinstance(raw["id"], bool) or not isinstance(raw["id"], str | int)):
            return '"id" must be a string or an integer'
        if "params" in raw and not isinstance(raw["params"], dict | list | None):
            return '"params" must be an object or an array'
        return None
    if "id" in raw and ("result" in raw or "error" in raw):
        error = raw.get("error")
        if error is not None and not (
            isinstance(error, dict) and isinstance(error.get("code"), int)
        ):
            return '"error" must be an object with an integer "code"'
        return None
    return 'a message needs a "method" (request, notification) or a "result"/"error" (response)'

"""JSON-RPC errors the agent answers with, transport-neutral.

Each carries `data.type` where a client may want to act on it (offer to set a key, cancel a
busy session, start a new one), so clients never match message text.
"""

from __future__ import annotations

from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
# ACP: -32000 is "authentication required"; agentls also uses it for a failed model request.
MODEL_ERROR = -32000
SESSION_ERROR = -32002  # LSP's ServerNotInitialized and ACP's "resource not found" share it


class RpcError(Exception):
    """A JSON-RPC error answer: what happened and what to do, in `message`."""

    def __init__(self, code: int, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def invalid_params(method: str, problem: str) -> RpcError:
    return RpcError(INVALID_PARAMS, f"Invalid params for {method}: {problem}")


def unknown_session(message: str) -> RpcError:
    return RpcError(SESSION_ERROR, message, {"type": "unknown_session"})


def session_busy(message: str) -> RpcError:
    return RpcError(SESSION_ERROR, message, {"type": "session_busy"})


def no_api_key(message: str) -> RpcError:
    return RpcError(MODEL_ERROR, message, {"type": "no_api_key"})


def model_error(message: str, data: dict[str, Any] | None = None) -> RpcError:
    """`data.type` is the API's error type where it sent one (e.g. `overloaded_error`)."""
    return RpcError(MODEL_ERROR, message, data or {"type": "model_error"})

"""Model-request failures as the editor sees them: what happened and what to do."""

from __future__ import annotations

from typing import Any

from agentls.agent import retry as retry_policy


class ModelRequestError(Exception):
    """A model request failed in a way retrying will not fix; the message says why."""

    def __init__(self, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.data = data or {}


def exhausted(exc: retry_policy.RetriesExhaustedError) -> ModelRequestError:
    return ModelRequestError(
        f"The model request failed {exc.attempts} times; the last error: {exc.reason}. "
        "Try again later.",
        {"type": "retries_exhausted", "attempts": exc.attempts},
    )


def is_prompt_too_long(exc: BaseException) -> bool:
    """The API refused the request because the conversation no longer fits the context
    window (or the request body limit): compacting it may fix that."""
    import anthropic

    if not isinstance(exc, anthropic.APIStatusError):
        return False
    if exc.status_code == 413:
        return True
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    return exc.status_code == 400 and "prompt is too long" in message.lower()


def context_exhausted(detail: str) -> ModelRequestError:
    return ModelRequestError(
        f"The conversation does not fit the model's context window even after compacting it "
        f"({detail}). Start a new session, or use a model with a larger window "
        "(option contextWindow for a 1M-context beta).",
        {"type": "context_window_exceeded"},
    )


def as_model_error(exc: Exception) -> Exception:
    import anthropic

    from agentls.agent.stream import StreamProtocolError

    if isinstance(exc, ModelRequestError):
        return exc
    if isinstance(exc, retry_policy.RetriesExhaustedError):
        return exhausted(exc)
    if isinstance(exc, StreamProtocolError):
        return ModelRequestError(
            f"The Messages API sent an event stream that breaks its own rules ({exc}); the "
            "turn was stopped. Try again; if it persists, check ANTHROPIC_BASE_URL and any "
            "proxy in between.",
            {"type": "malformed_stream"},
        )

    if retry_policy.is_malformed_stream(exc):
        return ModelRequestError(
            f"The Messages API sent a malformed event stream ({exc}); the turn was stopped. "
            "Try again; if it persists, check ANTHROPIC_BASE_URL and any proxy in between.",
            {"type": "malformed_stream"},
        )

    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        kind = (
            error.get("type", type(exc).__name__) if isinstance(error, dict) else type(exc).__name__
        )
        message = error.get("message", str(exc)) if isinstance(error, dict) else str(exc)
        request_id = exc.request_id or body.get("request_id")
        hint = _HINTS.get(exc.status_code, "")
        text = f"The model request failed ({exc.status_code} {kind}): {message}.{hint}"
        return ModelRequestError(
            text, {"status": exc.status_code, "type": kind, "requestId": request_id}
        )
    if isinstance(exc, anthropic.APIConnectionError):
        return ModelRequestError(
            f"Could not reach the Messages API: {exc}. Check the network and ANTHROPIC_BASE_URL.",
            {"type": "connection_error"},
        )
    if isinstance(exc, anthropic.APIError):
        return ModelRequestError(f"The model request failed: {exc}", {"type": "api_error"})
    return exc


_HINTS = {
    400: " The request was refused; check the model name and the thinking settings.",
    401: " Check ANTHROPIC_API_KEY.",
    403: " The API key may not have access to this model.",
    404: " Check the model name.",
    429: " Rate limited; try again shortly.",
    529: " The API is overloaded; try again shortly.",
}

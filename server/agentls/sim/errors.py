"""The error a request is answered with instead of a reply."""

from __future__ import annotations

THINKING_DOCS = "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"


class RequestRejectedError(Exception):
    """The request is answered with an HTTP error instead of a reply."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def bad(message: str) -> RequestRejectedError:
    return RequestRejectedError(400, "invalid_request_error", message)

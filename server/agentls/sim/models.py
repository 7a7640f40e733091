"""``GET /v1/models``: the model list as the real API pages it (newest first)."""

from __future__ import annotations

from aiohttp import web

from .errors import RequestRejectedError
from .validate import check_headers

MODELS = (
    ("claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-01T00:00:00Z"),
    ("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-01T00:00:00Z"),
    ("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
)


async def list_models(request: web.Request) -> web.Response:
    try:
        check_headers(request.headers)
    except RequestRejectedError as exc:
        return web.json_response(
            {"type": "error", "error": {"type": exc.error_type, "message": exc.message}},
            status=exc.status,
        )
    limit = int(request.query.get("limit", "20"))
    page = [
        {"type": "model", "id": model, "display_name": name, "created_at": created}
        for model, name, created in MODELS[:limit]
    ]
    return web.json_response(
        {
            "data": page,
            "has_more": len(MODELS) > limit,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
        }
    )

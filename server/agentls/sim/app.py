"""The aiohttp application: ``POST /v1/messages`` plus the ``/_sim/*`` control API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from . import replay
from .errors import RequestRejectedError
from .models import list_models
from .render import render_turn
from .script import (
    DEFAULT_ERROR_MESSAGES,
    HTTP_ERROR_TYPES,
    HttpFault,
    ScriptError,
    StreamFault,
    Turn,
)
from .sse import MALFORMED_EVENT, RenderedTurn, encode_event, error_body, new_id
from .state import SimState
from .tokens import apply_override
from .validate import betas, check_headers, last_user_text, validate_request

STATE_KEY = web.AppKey("agentls_sim_state", SimState)
_STATUS_FOR_ERROR_TYPE = {t: s for s, t in HTTP_ERROR_TYPES.items()}
_SECRET_HEADERS = {"x-api-key", "authorization"}
# Events after which a hold or fault can trigger; see `_stream`.
_CHECKPOINT_EXEMPT = {"message_start", "ping", "content_block_start", "message_stop"}
MAX_HELD_WAIT = 600.0


def build_app(state: SimState) -> web.Application:
    # Agent histories with file contents get large; the real API accepts 32 MB.
    app = web.Application(client_max_size=32 * 1024 * 1024)
    app[STATE_KEY] = state
    app.router.add_post("/v1/messages", _messages)
    app.router.add_get("/v1/models", list_models)
    app.router.add_post("/_sim/script", _load_script)
    app.router.add_post("/_sim/append", _append_script)
    app.router.add_post("/_sim/release/{name}", _release)
    app.router.add_get("/_sim/held/{name}", _held)
    app.router.add_get("/_sim/requests", _requests)
    app.router.add_route("*", "/{tail:.*}", _not_found)
    return app


def _error_response(
    status: int,
    error_type: str,
    message: str,
    request_id: str,
    *,
    retry_after: float | None = None,
) -> web.Response:
    headers = {"request-id": request_id}
    if retry_after is not None:
        headers["retry-after"] = f"{retry_after:g}"
    return web.json_response(
        error_body(error_type, message, request_id), status=status, headers=headers
    )


async def _not_found(request: web.Request) -> web.Response:
    return _error_response(
        404, "not_found_error", f"{request.method} {request.path}: not found", new_id("req")
    )


def _check_expect(turn: Turn, req: Mapping[str, Any]) -> None:
    needle = turn.expect.last_user_contains if turn.expect else None
    if needle is None:
        return
    text = last_user_text(req)
    if needle not in text:
        raise RequestRejectedError(
            400,
            "invalid_request_error",
            f"simulator expectation failed: the last user message does not contain {needle!r}; "
            f"it was {text[:400]!r}. The turn was not consumed.",
        )


async def _messages(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    request_id = new_id("req")
    headers = {
        k.lower(): ("<redacted>" if k.lower() in _SECRET_HEADERS else v)
        for k, v in request.headers.items()
    }
    raw = await request.read()
    body: object = None
    try:
        check_headers(request.headers)
        try:
            body = json.loads(raw)
        except ValueError as exc:
            body = raw.decode("utf-8", errors="replace")
            raise RequestRejectedError(
                400,
                "invalid_request_error",
                f"There was an error parsing the body of your request as JSON: {exc}",
            ) from exc
        req = validate_request(body, state.provenance, betas(request.headers))
        turn = state.next_turn(lambda t: _check_expect(t, req))
    except RequestRejectedError as rej:
        state.record(body, headers, rej.status, rej.message)
        return _error_response(rej.status, rej.error_type, rej.message, request_id)

    if turn.replay is not None:
        replay.note_provenance(turn.replay, state.provenance)
        state.record(body, headers, 200, None)
        return await _replay(request, turn.replay, request_id, stream=req.get("stream") is True)
    fault = turn.fault
    if isinstance(fault, HttpFault):
        message = fault.message or DEFAULT_ERROR_MESSAGES[fault.error_type]
        state.record(body, headers, fault.status, message)
        return _error_response(
            fault.status, fault.error_type, message, request_id, retry_after=fault.retry_after
        )
    usage = apply_override(state.cache.input_usage(req), turn.usage)
    rendered = render_turn(turn, model=req["model"], usage=usage, provenance=state.provenance)
    error = None if fault is None else f"scripted {fault.kind} fault"
    state.record(body, headers, 200, error, exhausted=turn.exhausted)
    if req.get("stream") is True:
        return await _stream(request, state, turn, rendered, request_id)
    return await _complete(request, state, turn, rendered, request_id)


async def _complete(
    request: web.Request, state: SimState, turn: Turn, rendered: RenderedTurn, request_id: str
) -> web.StreamResponse:
    if turn.hold is not None:
        await state.holds.reach(turn.hold.name)
    fault = turn.fault
    if isinstance(fault, StreamFault):
        if fault.kind == "drop":
            _drop(request)
            return web.Response(status=200)
        if fault.kind == "json_body":
            return web.json_response(rendered.message, headers={"request-id": request_id})
        if fault.kind in ("malformed", "eof"):
            return web.Response(
                body=b'{"id":"msg_01',
                content_type="application/json",
                headers={"request-id": request_id},
            )
        status = _STATUS_FOR_ERROR_TYPE.get(fault.error_type, 500)
        message = fault.message or DEFAULT_ERROR_MESSAGES[fault.error_type]
        return _error_response(status, fault.error_type, message, request_id)
    return web.json_response(rendered.message, headers={"request-id": request_id})


async def _replay(
    request: web.Request, captured: bytes, request_id: str, *, stream: bool
) -> web.StreamResponse:
    if not stream:
        return web.json_response(replay.message(captured), headers={"request-id": request_id})
    resp = web.StreamResponse(status=200, headers=_stream_headers(request_id))
    await resp.prepare(request)
    try:
        await resp.write(captured)
        await resp.write_eof()
    except ConnectionResetError:
        pass
    return resp


def _stream_headers(request_id: str) -> dict[str, str]:
    return {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache",
        "request-id": request_id,
        "x-robots-tag": "none",
    }


def _drop(request: web.Request) -> None:
    # close() (not abort()) so bytes already written still reach the client before EOF;
    # the client then sees a body that ends in the middle of the stream.
    transport = request.transport
    if transport is not None:
        transport.close()


async def _stream(
    request: web.Request, state: SimState, turn: Turn, rendered: RenderedTurn, request_id: str
) -> web.StreamResponse:
    if isinstance(turn.fault, StreamFault) and turn.fault.kind == "json_body":
        # A buffering proxy's answer: the whole reply, as JSON, to a streaming request.
        return web.json_response(rendered.message, headers={"request-id": request_id})
    resp = web.StreamResponse(status=200, headers=_stream_headers(request_id))
    await resp.prepare(request)
    loop = asyncio.get_running_loop()
    fault = turn.fault if isinstance(turn.fault, StreamFault) else None
    hold = turn.hold
    held = False
    deltas = 0
    started: float | None = None
    try:
        for event in rendered.events:
            # Holds and faults trigger at the first checkpoint after `after_deltas` deltas:
            # before a delta, a content_block_stop or the message_delta, so that 0 means
            # "right after the first content_block_start".
            if event.name not in _CHECKPOINT_EXEMPT:
                if hold is not None and not held and deltas >= hold.after_deltas:
                    held = True
                    await state.holds.reach(hold.name)
                    started = None
                if fault is not None and deltas >= fault.after_deltas:
                    await _stream_fault(request, resp, fault, request_id)
                    return resp
            if event.is_delta and turn.pace is not None:
                now = loop.time()
                if started is None:
                    started = now - deltas / turn.pace
                delay = started + deltas / turn.pace - now
                if delay > 0:
                    await asyncio.sleep(delay)
            await resp.write(event.encode())
            if event.is_delta:
                deltas += 1
        await resp.write_eof()
    except ConnectionResetError:
        pass  # The client went away mid-stream; nothing is left to answer.
    return resp


async def _stream_fault(
    request: web.Request, resp: web.StreamResponse, fault: StreamFault, request_id: str
) -> None:
    if fault.kind == "drop":
        _drop(request)
        return
    if fault.kind == "eof":
        pass  # the body ends cleanly here, without message_stop
    elif fault.kind == "malformed":
        await resp.write(MALFORMED_EVENT)
    else:
        message = fault.message or DEFAULT_ERROR_MESSAGES[fault.error_type]
        await resp.write(encode_event("error", error_body(fault.error_type, message, request_id)))
    await resp.write_eof()


# ---- control API -------------------------------------------------------------------------


def _control_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _script_body(request: web.Request) -> object:
    try:
        return await request.json()
    except ValueError as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"the body is not JSON ({exc}); send a list of turns"}),
            content_type="application/json",
        ) from exc


async def _load_script(request: web.Request) -> web.Response:
    return await _change_script(request, replace=True)


async def _append_script(request: web.Request) -> web.Response:
    return await _change_script(request, replace=False)


async def _change_script(request: web.Request, *, replace: bool) -> web.Response:
    state = request.app[STATE_KEY]
    body = await _script_body(request)
    try:
        remaining = state.load(body) if replace else state.append(body)
    except ScriptError as exc:
        return _control_error(400, str(exc))
    return web.json_response({"remaining": remaining})


async def _release(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    released = state.holds.release(request.match_info["name"])
    return web.json_response({"released": released})


async def _held(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    name = request.match_info["name"]
    try:
        timeout = float(request.query.get("timeout", "10"))
    except ValueError:
        return _control_error(400, "timeout must be a number of seconds, e.g. ?timeout=5")
    timeout = min(max(timeout, 0.0), MAX_HELD_WAIT)
    if await state.holds.wait_held_async(name, timeout):
        return web.json_response({"held": name})
    return _control_error(408, f"no stream reached hold point {name!r} within {timeout:g}s")


async def _requests(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE_KEY].requests())

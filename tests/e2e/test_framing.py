"""LSP framing that goes wrong, end to end: raw bytes into a real `agentls serve`. A frame
whose Content-Length is negative, not a number, or off by a few bytes (a client counting
characters instead of bytes) must cost at most that frame: the server finds the next
`Content-Length:` header and answers everything after it. And the LSP lifecycle: a request
before `initialize` gets -32002."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import RawServer

SERVER_NOT_INITIALIZED = -32002
PARSE_ERROR = -32700


def frame(message: dict[str, Any], length: int | str | None = None) -> bytes:
    body = json.dumps(message, ensure_ascii=False).encode()
    declared = len(body) if length is None else length
    return b"Content-Length: %s\r\n\r\n%s" % (str(declared).encode(), body)


def session_new(msg_id: str, cwd: Path) -> dict[str, Any]:
    # A non-ASCII cwd makes characters and bytes differ, as an editor's paths often do.
    return {
        "jsonrpc": "2.0",
        "id": msg_id,
        "method": "session/new",
        "params": {"cwd": str(cwd), "mcpServers": []},
    }


def answer(server: RawServer, msg_id: str) -> dict[str, Any] | None:
    return next((m for m in server.messages if m.get("id") == msg_id and "method" not in m), None)


def parse_errors(server: RawServer) -> list[dict[str, Any]]:
    return [
        m
        for m in server.messages
        if m.get("id") is None and m.get("error", {}).get("code") == PARSE_ERROR
    ]


@pytest.fixture
async def server(workspace: Path, sim_env: dict[str, str], tmp_path: Path) -> Any:
    raw = await RawServer.start(workspace, sim_env, tmp_path / "server-stderr.log")
    await raw.initialize(workspace)
    yield raw
    assert await raw.close() == 0, raw.stderr()[-3000:]


@pytest.fixture
def unicode_dir(workspace: Path) -> Path:
    path = workspace / "données-日本"
    path.mkdir()
    return path


async def assert_serving(server: RawServer, cwd: Path, tag: str) -> None:
    """A well-framed request after the damage gets its own, right answer."""
    reply = await server.request("session/new", {"cwd": str(cwd), "mcpServers": []})
    assert reply.get("result", {}).get("sessionId", "").startswith("sess_"), (tag, reply)


@pytest.mark.parametrize("length", ["-5", "abc", "12abc", ""])
async def test_a_bad_content_length_followed_by_a_body_costs_only_that_frame(
    server: RawServer, unicode_dir: Path, length: str
) -> None:
    server.send_raw(frame(session_new("broken", unicode_dir), length))
    server.send_raw(frame(session_new("after", unicode_dir)))
    reply = await server.wait_for(lambda: answer(server, "after"), what="the next request")
    assert reply["result"]["sessionId"].startswith("sess_"), reply
    errors = parse_errors(server)
    assert len(errors) == 1 and "Content-Length" in errors[0]["error"]["message"], errors
    for round_ in range(3):  # and it stays in step
        await assert_serving(server, unicode_dir, f"round {round_}")


@pytest.mark.parametrize("delta", [-1, +1, -7, +7])
async def test_a_content_length_off_by_a_few_bytes_is_recovered(
    server: RawServer, unicode_dir: Path, delta: int
) -> None:
    message = session_new("off", unicode_dir)
    size = len(json.dumps(message, ensure_ascii=False).encode())
    server.send_raw(frame(message, size + delta))
    server.send_raw(frame(session_new("after", unicode_dir)))
    after = await server.wait_for(lambda: answer(server, "after"), what="the next request")
    assert after["result"]["sessionId"].startswith("sess_"), after
    # The misframed message itself is taken too: its JSON was whole, only the count was off.
    off = await server.wait_for(lambda: answer(server, "off"), what="the misframed request")
    assert off["result"]["sessionId"].startswith("sess_"), off
    assert parse_errors(server) == []
    await assert_serving(server, unicode_dir, "after")


async def test_a_client_counting_characters_instead_of_bytes_keeps_working(
    server: RawServer, unicode_dir: Path
) -> None:
    """Every frame is short by its non-ASCII bytes: each must be answered, in order."""
    for n in range(5):
        message = session_new(f"chars-{n}", unicode_dir)
        text = json.dumps(message, ensure_ascii=False)
        assert len(text) < len(text.encode())
        server.send_raw(frame(message, len(text)))
    for n in range(5):
        msg_id = f"chars-{n}"
        reply = await server.wait_for(partial(answer, server, msg_id), what=msg_id)
        assert reply["result"]["sessionId"].startswith("sess_"), reply
    assert parse_errors(server) == []
    await assert_serving(server, unicode_dir, "after")


async def test_an_overstated_length_on_the_last_frame_is_answered_after_a_short_wait(
    server: RawServer, unicode_dir: Path
) -> None:
    """Nothing follows the frame (the client waits for the answer): the bytes that never
    come must not hold the request forever."""
    message = session_new("last", unicode_dir)
    size = len(json.dumps(message, ensure_ascii=False).encode())
    server.send_raw(frame(message, size + 3))
    reply = await server.wait_for(lambda: answer(server, "last"), 5, "the overstated request")
    assert reply["result"]["sessionId"].startswith("sess_"), reply
    await assert_serving(server, unicode_dir, "after")


async def test_junk_between_frames_is_skipped(server: RawServer, unicode_dir: Path) -> None:
    server.send_raw(b'garbage without a newline {"id": 1}')
    server.send_raw(frame(session_new("after", unicode_dir)))
    reply = await server.wait_for(lambda: answer(server, "after"), what="the next request")
    assert reply["result"]["sessionId"].startswith("sess_"), reply
    await assert_serving(server, unicode_dir, "after")


async def test_a_request_before_initialize_gets_server_not_initialized(
    workspace: Path, sim_env: dict[str, str], tmp_path: Path
) -> None:
    raw = await RawServer.start(workspace, sim_env, tmp_path / "server-stderr.log")
    try:
        for method, params in [
            ("session/new", {"cwd": str(workspace), "mcpServers": []}),
            ("session/list", {}),
            ("shutdown", None),
        ]:
            reply = await raw.request(method, params)
            assert reply.get("error", {}).get("code") == SERVER_NOT_INITIALIZED, (method, reply)
            assert "initialize" in reply["error"]["message"]
        # Notifications before initialize are dropped, not answered.
        raw.notify("session/cancel", {"sessionId": "sess_x"})
        await raw.initialize(workspace)
        assert (await raw.new_session()).startswith("sess_")
        unanswered = [m for m in raw.messages if "id" in m and m.get("id") is None]
        assert unanswered == [], unanswered
    finally:
        assert await raw.close() == 0, raw.stderr()[-3000:]

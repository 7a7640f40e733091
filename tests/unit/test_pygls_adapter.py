"""The contract of lsp/pygls_adapter.py with pygls's internals: an upgrade of pygls that
moves or renames what the adapter reaches for fails here first."""

from __future__ import annotations

import asyncio
from typing import Any

from pygls.protocol import JsonRPCProtocol

from agentls.lsp import pygls_adapter
from agentls.lsp.server import AgentServer


class Capture:
    def __init__(self) -> None:
        self.data: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.data.append(data)


def _protocol() -> tuple[JsonRPCProtocol, Capture]:
    server = AgentServer()
    writer = Capture()
    server.protocol.set_writer(writer)  # type: ignore[arg-type]
    return server.protocol, writer


def test_send_raw_writes_one_framed_message() -> None:
    protocol, writer = _protocol()
    pygls_adapter.send_raw(protocol, {"jsonrpc": "2.0", "method": "x", "params": {"_meta": 1}})
    [frame] = writer.data
    header, _, body = frame.partition(b"\r\n\r\n")
    lines = dict(line.split(b": ", 1) for line in header.split(b"\r\n"))
    assert int(lines[b"Content-Length"]) == len(body)
    assert b'"_meta": 1' in body or b'"_meta":1' in body


def test_converter_keeps_plain_params() -> None:
    protocol, _ = _protocol()
    converter = pygls_adapter.converter(protocol)
    message: Any = protocol.structure_message(
        {"jsonrpc": "2.0", "id": 1, "method": "session/new", "params": {"_meta": {"a": 1}}}
    )
    assert message.params == {"_meta": {"a": 1}}
    assert converter is not None


async def test_forget_request_drops_the_pending_future() -> None:
    protocol, _ = _protocol()
    future = protocol.send_request_async("client/method", {}, msg_id="m-1")
    assert "m-1" in protocol._request_futures
    pygls_adapter.forget_request(protocol, "m-1")
    assert "m-1" not in protocol._request_futures
    future.cancel()
    await asyncio.sleep(0)


def test_shutdown_is_seen() -> None:
    protocol, _ = _protocol()
    assert pygls_adapter.is_shut_down(protocol) is False
    protocol._shutdown = True
    assert pygls_adapter.is_shut_down(protocol) is True

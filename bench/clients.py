"""Raw clients for the servers under test: `agentls serve` over LSP framing, `agentls acp`
(or any ACP agent) over newline-delimited JSON-RPC. No client library in the measurement:
`json.loads` and the framing, every message timestamped (CLOCK_MONOTONIC) as it is parsed."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lib import PYTHON, Chunk

Transport = str  # "lsp" or "acp"
TRANSPORTS: tuple[Transport, ...] = ("lsp", "acp")


def server_argv(transport: Transport = "lsp") -> list[str]:
    return [PYTHON, "-m", "agentls", "serve" if transport == "lsp" else "acp"]


class RawClient:
    """What both framings share: request ids, answers, session updates, server requests."""

    def __init__(self, process: asyncio.subprocess.Process, root: Path | None) -> None:
        self.process = process
        self.root = root
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.chunks: list[Chunk] = []  # agent_message_chunk arrivals
        self.first_chunk: asyncio.Future[float] | None = None
        self.updates = 0
        self._timed: set[str] = set()  # ids of the requests timed()
        self._answered_at: dict[str, float] = {}  # their answers' arrival
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def spawn(
        cls, argv: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> RawClient:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            limit=1 << 24,
            # Its own process group, so that whatever it starts goes with it at close.
            start_new_session=True,
        )
        return cls(process, cwd)

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, message: dict[str, Any]) -> None:
        raise NotImplementedError

    async def _read(self) -> None:
        raise NotImplementedError

    def request(self, method: str, params: Any) -> asyncio.Future[dict[str, Any]]:
        return self._request(method, params)[1]

    def _request(self, method: str, params: Any) -> tuple[str, asyncio.Future[dict[str, Any]]]:
        msg_id = f"b{next(self._ids)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return msg_id, future

    async def timed(self, method: str, params: Any) -> tuple[float, dict[str, Any]]:
        """(milliseconds from sending the request to parsing its answer, the answer)."""
        started = time.monotonic()
        msg_id, future = self._request(method, params)
        self._timed.add(msg_id)
        response = await asyncio.wait_for(future, 60)
        return (self._answered_at.pop(msg_id) - started) * 1000, response

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    async def initialize(self, root: Path, options: dict[str, Any] | None = None) -> Any:
        raise NotImplementedError

    def session_params(self) -> dict[str, Any]:
        raise NotImplementedError

    async def new_session(self) -> str:
        response = await self.request("session/new", self.session_params())
        if "error" in response:
            raise RuntimeError(f"session/new failed: {response['error']}")
        return str(response["result"]["sessionId"])

    def prompt(self, session_id: str, text: str) -> asyncio.Future[dict[str, Any]]:
        self.first_chunk = asyncio.get_running_loop().create_future()
        return self.request(
            "session/prompt", {"sessionId": session_id, "prompt": [{"type": "text", "text": text}]}
        )

    def _received(self, message: dict[str, Any], t: float) -> None:
        method = message.get("method")
        if method is None:
            msg_id = message.get("id")
            future = self._pending.pop(msg_id, None)  # type: ignore[arg-type]
            if future is not None and not future.done():
                if msg_id in self._timed:
                    self._timed.discard(msg_id)
                    self._answered_at[msg_id] = t
                future.set_result(message)
        elif method == "session/update":
            self.updates += 1
            update = message["params"]["update"]
            if update.get("sessionUpdate") == "agent_message_chunk":
                self.chunks.append(Chunk(t, len(update["content"]["text"])))
                if self.first_chunk is not None and not self.first_chunk.done():
                    self.first_chunk.set_result(t)
        elif "id" in message:
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": self._answer(message)})

    def _answer(self, message: dict[str, Any]) -> Any:
        if message["method"] == "session/request_permission":
            options = message["params"]["options"]
            allow = next((o for o in options if o["kind"].startswith("allow")), options[0])
            return {"outcome": {"outcome": "selected", "optionId": allow["optionId"]}}
        return None

    async def close(self) -> None:
        await self._goodbye()
        try:
            await asyncio.wait_for(self.process.wait(), 5)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()
        self._reader.cancel()

    async def _goodbye(self) -> None:
        raise NotImplementedError


class RawLsp(RawClient):
    """LSP framing (Content-Length headers), LSP's initialize and shutdown."""

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    async def initialize(self, root: Path, options: dict[str, Any] | None = None) -> Any:
        response = await asyncio.wait_for(
            self.request(
                "initialize",
                {
                    "processId": os.getpid(),
                    "rootUri": root.as_uri(),
                    "capabilities": {},
                    "initializationOptions": options or {},
                },
            ),
            60,
        )
        self.notify("initialized", {})
        return response["result"]

    def session_params(self) -> dict[str, Any]:
        return {"mcpServers": []}  # the workspace root is the cwd

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        loads = json.loads
        try:
            while True:
                header = await stdout.readuntil(b"\r\n\r\n")
                length = 0
                for line in header.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                message = loads(await stdout.readexactly(length))
                self._received(message, time.monotonic())
        except (asyncio.IncompleteReadError, ConnectionError):
            pass

    async def _goodbye(self) -> None:
        with contextlib.suppress(TimeoutError, ConnectionError, BrokenPipeError):
            await asyncio.wait_for(self.request("shutdown", None), 5)
            self.notify("exit", None)


class RawAcp(RawClient):
    """ACP's stdio transport: one JSON-RPC message a line; the agent exits when stdin closes."""

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")

    async def initialize(self, root: Path, options: dict[str, Any] | None = None) -> Any:
        self.root = root
        params: dict[str, Any] = {"protocolVersion": 1, "clientCapabilities": {}}
        if options:
            params["_meta"] = {"agentls": options}
        response = await asyncio.wait_for(self.request("initialize", params), 60)
        if "error" in response:
            raise RuntimeError(f"initialize failed: {response['error']}")
        return response["result"]

    def session_params(self) -> dict[str, Any]:
        assert self.root is not None
        return {"cwd": str(self.root), "mcpServers": []}

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        loads = json.loads
        try:
            while line := await stdout.readline():
                if line.strip():
                    self._received(loads(line), time.monotonic())
        except (ValueError, ConnectionError):
            pass

    async def _goodbye(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()


def client_class(transport: Transport) -> type[RawClient]:
    return RawLsp if transport == "lsp" else RawAcp


async def start_server(
    transport: Transport, root: Path, env: dict[str, str] | None = None
) -> RawClient:
    """`agentls serve` or `agentls acp` in root, initialized."""
    client = await client_class(transport).spawn(server_argv(transport), env=env, cwd=root)
    await client.initialize(root)
    return client

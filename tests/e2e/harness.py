"""Drives a real `agentls serve` subprocess through the LSP client, against the simulator."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentls.client.connection import AgentClient, server_command

Update = dict[str, Any]


# agentls extensions to session/update (docs/protocol.md); every other update must be ACP's.
EXTENSION_UPDATES = {"retry", "notice", "compaction", "changes_update", "mcp_servers_update"}


def acp_problem(params: Update) -> str | None:
    """Why a session/update is not a valid ACP SessionNotification, if it is not."""
    from acp.schema import SessionNotification
    from pydantic import ValidationError

    if params.get("update", {}).get("sessionUpdate") in EXTENSION_UPDATES:
        return None
    try:
        parsed = SessionNotification.model_validate(params)
    except ValidationError as exc:
        return f"{params}: {exc}"
    # acp.schema salvages some bad fields to None instead of failing: a field that does not
    # survive the round trip unchanged (or is unknown to the schema) is a problem too.
    again = parsed.model_dump(mode="json", by_alias=True, exclude_none=True)
    if again != _without_nulls(params):
        return f"{params} does not round-trip through ACP's schema: {again}"
    return None


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


async def wait_until(
    condition: Callable[[], Any],
    changed: asyncio.Event,
    timeout: float,
    what: str,
    state: Callable[[], str],
) -> Any:
    """Wait until `condition()` is true, re-checking whenever `changed` is set (as messages
    arrive) and at least every 0.1 s (for conditions on the outside world)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; {state()}")
        changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), min(remaining, 0.1))


@dataclass
class Agent:
    client: AgentClient
    root: Path
    stderr_path: Path
    updates: list[Update] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)  # monotonic time of each update
    acp_problems: list[str] = field(default_factory=list)  # updates that break ACP's schema
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_update(self, params: Update) -> None:
        # Raising here would only be logged by the client library: collect, assert later.
        problem = acp_problem(params)
        if problem is not None:
            self.acp_problems.append(problem)
        self.updates.append(params)
        self.arrivals.append(time.monotonic())
        self._changed.set()

    async def wait_for(
        self, condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition"
    ) -> Any:
        def state() -> str:
            return f"updates so far: {[u['update'].get('sessionUpdate') for u in self.updates]}"

        return await wait_until(condition, self._changed, timeout, what, state)

    def of_kind(self, kind: str, session_id: str | None = None) -> list[dict[str, Any]]:
        return [
            u["update"]
            for u in self.updates
            if u["update"].get("sessionUpdate") == kind
            and (session_id is None or u["sessionId"] == session_id)
        ]

    def text(self, session_id: str | None = None, kind: str = "agent_message_chunk") -> str:
        return "".join(u["content"]["text"] for u in self.of_kind(kind, session_id))

    def tool_updates(self, tool_call_id: str) -> list[dict[str, Any]]:
        return [u["update"] for u in self.updates if u["update"].get("toolCallId") == tool_call_id]

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""


# ---- a raw client --------------------------------------------------------------------------


def vm_kb(pid: int, field_name: str = "VmRSS") -> int:
    """A memory figure of a live process from /proc (VmRSS now, VmHWM its peak), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1])
    raise AssertionError(f"/proc/{pid}/status has no {field_name}")


def process_alive(pid: int) -> bool:
    """Whether `pid` runs; a zombie counts as dead (PID 1 in a container may never reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


class RawServer:
    """`agentls serve` over raw LSP framing, without pygls in between: the test decides when
    stdout is read (`pause_reading`), sees every message in wire order, and measures the
    server rather than a client library."""

    def __init__(self, process: asyncio.subprocess.Process, stderr_path: Path) -> None:
        self.process = process
        self.stderr_path = stderr_path
        self.messages: list[dict[str, Any]] = []  # everything received, in wire order
        self.text_chars: dict[str, int] = {}  # agent_message_chunk characters per session
        self.chunks: dict[str, int] = {}  # agent_message_chunk notifications per session
        self._ids = itertools.count(1)
        self._pending: dict[int | str, asyncio.Future[dict[str, Any]]] = {}
        self._reading = asyncio.Event()
        self._reading.set()
        self._changed = asyncio.Event()
        self.eof = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, root: Path, env: dict[str, str], stderr_path: Path) -> RawServer:
        with stderr_path.open("w") as stderr:
            process = await asyncio.create_subprocess_exec(
                *server_command(),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
                env={**os.environ, **env},
                cwd=root,
            )
        return cls(process, stderr_path)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    # ---- sending -------------------------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def next_id(self) -> str:
        return f"raw-{next(self._ids)}"

    def request_nowait(
        self, method: str, params: Any, msg_id: str | None = None
    ) -> asyncio.Future[dict[str, Any]]:
        """Send a request; the future resolves to its whole response message."""
        msg_id = msg_id or self.next_id()
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return future

    async def request(self, method: str, params: Any, timeout: float = 10.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.request_nowait(method, params), timeout)

    async def result(self, method: str, params: Any, timeout: float = 10.0) -> Any:
        response = await self.request(method, params, timeout)
        assert "error" not in response, f"{method} failed: {response['error']}"
        return response["result"]

    async def initialize(
        self, root: Path, options: dict[str, Any] | None = None, process_id: int | None = None
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self.result(
            "initialize",
            {
                "processId": process_id,
                "rootUri": root.as_uri(),
                "capabilities": {},
                "initializationOptions": options or {},
            },
            timeout=30,
        )
        self.notify("initialized", {})
        return result

    async def new_session(self) -> str:
        return str((await self.result("session/new", {"mcpServers": []}))["sessionId"])

    def prompt(
        self, session_id: str, text: str, msg_id: str | None = None
    ) -> asyncio.Future[dict[str, Any]]:
        params = {"sessionId": session_id, "prompt": [{"type": "text", "text": text}]}
        return self.request_nowait("session/prompt", params, msg_id)

    def cancel(self, session_id: str) -> None:
        self.notify("session/cancel", {"sessionId": session_id})

    # ---- receiving -----------------------------------------------------------------------

    def pause_reading(self) -> None:
        """Stop reading stdout, as a busy editor does; the pipe and then the server fill up."""
        self._reading.clear()

    def resume_reading(self) -> None:
        self._reading.set()

    async def _read(self) -> None:
        assert self.process.stdout is not None
        stdout = self.process.stdout
        try:
            while True:
                await self._reading.wait()
                header = await stdout.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in header.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                self._received(json.loads(await stdout.readexactly(length)))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.eof.set()
            self._changed.set()

    def _received(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        if "method" not in message:
            future = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
            if future is not None and not future.done():
                future.set_result(message)
        elif "id" in message:
            # A request from the server (progress tokens, permissions): the plainest answer.
            answer: Any = None
            if message["method"] == "session/request_permission":
                answer = {"outcome": {"outcome": "cancelled"}}
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": answer})
        elif message["method"] == "session/update":
            params = message["params"]
            update = params["update"]
            if update.get("sessionUpdate") == "agent_message_chunk":
                session = params["sessionId"]
                self.text_chars[session] = self.text_chars.get(session, 0) + len(
                    update["content"]["text"]
                )
                self.chunks[session] = self.chunks.get(session, 0) + 1
        self._changed.set()

    def updates(self, session_id: str | None = None) -> list[dict[str, Any]]:
        return [
            m["params"]["update"]
            for m in self.messages
            if m.get("method") == "session/update"
            and (session_id is None or m["params"]["sessionId"] == session_id)
        ]

    def text(self, session_id: str) -> str:
        return "".join(
            u["content"]["text"]
            for u in self.updates(session_id)
            if u.get("sessionUpdate") == "agent_message_chunk"
        )

    async def wait_for(
        self, condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition"
    ) -> Any:
        """Wait until `condition()` is true, re-checking as messages arrive."""

        def state() -> str:
            return f"{len(self.messages)} messages received; stderr tail:\n{self.stderr()[-2000:]}"

        return await wait_until(condition, self._changed, timeout, what, state)

    async def close(self, timeout: float = 10.0) -> int:
        """shutdown + exit if the server still runs (then kill); returns its exit code."""
        self.resume_reading()
        stdin = self.process.stdin
        open_stdin = stdin is not None and not stdin.is_closing()
        if self.process.returncode is None and not self.eof.is_set() and open_stdin:
            with contextlib.suppress(Exception):
                await self.request("shutdown", None, timeout)
                self.notify("exit", None)
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        if self.process.stdin is not None:
            self.process.stdin.close()
        return self.process.returncode if self.process.returncode is not None else -1

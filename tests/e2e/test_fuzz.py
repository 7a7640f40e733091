"""Bad input, fuzzed: JSON-RPC messages with random and near-valid params for every method,
bodies that are not JSON, headers that are wrong. One long-lived `agentls serve` takes them
all; after each one it must still answer a valid request, and every request that carries an
id must get a response with that id."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentls.client.connection import server_command
from agentls.sim import Simulator
from tests.conftest import SAMPLE_FILES
from tests.e2e.harness import RawServer

# Moderate, so the suite stays fast; every example is a round trip to the real server.
MESSAGE_EXAMPLES = 250
RAW_EXAMPLES = 120


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,  # a shared, busy machine: time per example says nothing here
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


ANSWER_TIMEOUT = 15.0
SESSIONS: list[str] = []  # real sessions of the fuzz server, for params to name
NOT_FOUND = -32601
INTERNAL_ERROR = -32603


class FramedServer:
    """`agentls serve` with a plain blocking LSP client: hypothesis drives it synchronously.

    A reader thread takes every message off stdout (answering the server's own requests),
    so the server is never slowed by an unread pipe."""

    def __init__(self, root: Path, env: dict[str, str], stderr_path: Path) -> None:
        self.stderr_path = stderr_path
        with stderr_path.open("w") as stderr:
            self.process = subprocess.Popen(
                server_command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env={**os.environ, **env},
                cwd=root,
            )
        self._write_lock = threading.Lock()
        self._cond = threading.Condition()
        self.received: list[dict[str, Any]] = []
        self.eof = False
        self.reader_error: BaseException | None = None
        self._ids = 0
        self._reader = threading.Thread(target=self._read, name="fuzz-reader", daemon=True)
        self._reader.start()

    # ---- wire ----------------------------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        with self._write_lock:
            self.process.stdin.write(data)
            self.process.stdin.flush()

    def send(self, message: Any) -> None:
        body = json.dumps(message).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                length = None
                while True:
                    line = stdout.readline()
                    if not line:
                        return
                    if line == b"\r\n":
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                assert length is not None, "a message from the server without Content-Length"
                message = json.loads(stdout.read(length))
                assert message.get("jsonrpc") == "2.0", message
                if "method" in message and "id" in message:
                    self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                with self._cond:
                    self.received.append(message)
                    self._cond.notify_all()
        except BaseException as exc:  # reported by the test, not lost in a thread
            self.reader_error = exc
        finally:
            with self._cond:
                self.eof = True
                self._cond.notify_all()

    # ---- exchanges -----------------------------------------------------------------------

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def mark(self) -> int:
        with self._cond:
            return len(self.received)

    def wait(
        self, condition: Callable[[], Any], timeout: float = ANSWER_TIMEOUT, what: str = ""
    ) -> Any:
        with self._cond:
            found = self._cond.wait_for(lambda: condition() or self.eof, timeout)
            if not found:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            value = condition()
        assert value, f"the server closed stdout while waiting for {what}: {self.stderr_tail()}"
        return value

    def responses(self, msg_id: Any, since: int = 0) -> list[dict[str, Any]]:
        with self._cond:
            return [
                m
                for m in self.received[since:]
                if "method" not in m and m.get("id") == msg_id and type(m.get("id")) is type(msg_id)
            ]

    def response(self, msg_id: Any, since: int = 0) -> dict[str, Any]:
        found: list[dict[str, Any]] = self.wait(
            lambda: self.responses(msg_id, since), what=f"the response to {msg_id!r}"
        )
        return found[0]

    def request(self, method: str, params: Any) -> dict[str, Any]:
        msg_id = self.next_id()
        since = self.mark()
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return self.response(msg_id, since)

    def assert_alive(self) -> None:
        """The server still answers a valid request, with the right error, in time."""
        assert self.reader_error is None, repr(self.reader_error)
        answer = self.request("agentls/noSuchMethod", {})
        assert answer["error"]["code"] == NOT_FOUND, answer
        assert self.process.poll() is None

    def stderr_tail(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-3000:]

    def close(self) -> int:
        with self._cond:
            alive = not self.eof
        if alive and self.process.poll() is None:
            self.request("shutdown", None)
            self.send({"jsonrpc": "2.0", "method": "exit"})
        try:
            return self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
        finally:
            if self.process.stdin is not None:
                self.process.stdin.close()


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "workspace"
    for name, text in SAMPLE_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture(scope="module")
def fuzz_server(fuzz_root: Path) -> Iterator[FramedServer]:
    # With no script, the simulator answers every request with a short text: a prompt that
    # the fuzzer gets right ends quickly, with end_turn.
    with Simulator() as sim:
        env = {"ANTHROPIC_BASE_URL": sim.base_url, "ANTHROPIC_API_KEY": "test-key"}
        server = FramedServer(fuzz_root, env, fuzz_root.parent / "server-stderr.log")
        try:
            answer = server.request(
                "initialize",
                {"processId": os.getpid(), "rootUri": fuzz_root.as_uri(), "capabilities": {}},
            )
            assert "result" in answer, answer
            server.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
            for _ in range(2):
                SESSIONS.append(server.request("session/new", {})["result"]["sessionId"])
            yield server
            server.assert_alive()
        finally:
            code = server.close()
        assert code == 0, server.stderr_tail()


# ---- strategies ------------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
ABSENT = object()
# Options that change how long a request may take (timeouts, retries, commands) are left
# out: a fuzzed readTimeout of a microsecond would only make examples slow, not find bugs.
OPTION_KEYS = ["model", "maxTokens", "maxTurnRequests", "thinking", "systemPrompt"]
OPTION_KEYS += ["permissionMode", "edits"]
OPTIONS = st.dictionaries(st.sampled_from(OPTION_KEYS) | st.text(max_size=8), JSON, max_size=3)
# Ending the server is not bad input.
RESERVED = {"shutdown", "exit"}


def valid_params(root: Path) -> dict[str, st.SearchStrategy[Any]]:
    """Params each method accepts, for the fuzzer to start from and then break."""
    files = [(root / name).as_uri() for name in SAMPLE_FILES]
    uri = st.sampled_from([*files, (root / "new.txt").as_uri()])
    session = st.sampled_from([0, 1]).map(lambda i: SESSIONS[i])
    text = st.text(max_size=30)
    position = st.fixed_dictionaries({"line": st.integers(0, 5), "character": st.integers(0, 5)})
    block = st.one_of(
        st.fixed_dictionaries({"type": st.just("text"), "text": text}),
        st.fixed_dictionaries(
            {
                "type": st.just("resource"),
                "resource": st.fixed_dictionaries({"uri": uri, "text": text}),
            },
            optional={"_meta": st.just({"agentls": {"range": {"start": {"line": 1}}}})},
        ),
        st.fixed_dictionaries(
            {"type": st.just("resource_link"), "uri": uri, "name": st.text(max_size=8)}
        ),
    )
    return {
        "initialize": st.fixed_dictionaries(
            {
                # Only live pids: a dead one would (rightly) end the server.
                "processId": st.sampled_from([None, os.getpid()]),
                "rootUri": st.just(root.as_uri()),
                "capabilities": st.just({}),
            },
            optional={"initializationOptions": OPTIONS},
        ),
        "initialized": st.just({}),
        "session/new": st.fixed_dictionaries(
            {"cwd": st.sampled_from([str(root), str(root / "src")]), "mcpServers": st.just([])}
        ),
        "session/prompt": st.fixed_dictionaries(
            {"sessionId": session, "prompt": st.lists(block, min_size=1, max_size=3)},
            optional={"workDoneToken": st.text(max_size=5) | st.integers()},
        ),
        "session/cancel": st.fixed_dictionaries({"sessionId": session}),
        "agentls/undoTurn": st.fixed_dictionaries({"sessionId": session}),
        "$/cancelRequest": st.fixed_dictionaries({"id": st.integers(0, 10_000) | text}),
        "$/setTrace": st.fixed_dictionaries({"value": st.sampled_from(["off", "verbose"])}),
        "textDocument/didOpen": st.fixed_dictionaries(
            {
                "textDocument": st.fixed_dictionaries(
                    {
                        "uri": uri,
                        "languageId": st.just("python"),
                        "version": st.integers(0, 100),
                        "text": text,
                    }
                )
            }
        ),
        "textDocument/didChange": st.fixed_dictionaries(
            {
                "textDocument": st.fixed_dictionaries({"uri": uri, "version": st.integers(0, 100)}),
                "contentChanges": st.lists(
                    st.fixed_dictionaries(
                        {"text": text},
                        optional={
                            "range": st.fixed_dictionaries({"start": position, "end": position})
                        },
                    ),
                    max_size=2,
                ),
            }
        ),
        "textDocument/didClose": st.fixed_dictionaries(
            {"textDocument": st.fixed_dictionaries({"uri": uri})}
        ),
        "textDocument/didSave": st.fixed_dictionaries(
            {"textDocument": st.fixed_dictionaries({"uri": uri})}, optional={"text": text}
        ),
        "workspace/didChangeConfiguration": st.fixed_dictionaries(
            {"settings": st.fixed_dictionaries({"agentls": OPTIONS})}
        ),
    }


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value: dict keys and list indices, at any depth."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


@st.composite
def broken(draw: st.DrawFn, valid: st.SearchStrategy[Any]) -> Any:
    """Valid params with one place replaced by anything, or removed."""
    params = copy.deepcopy(draw(valid))  # st.just values are shared between examples
    places = paths(params)
    if not places:
        return draw(JSON)
    place = draw(st.sampled_from(places))
    parent = params
    for step in place[:-1]:
        parent = parent[step]
    if draw(st.booleans()):
        del parent[place[-1]]
    else:
        parent[place[-1]] = draw(JSON)
    return params


@st.composite
def messages(draw: st.DrawFn, root: Path) -> tuple[dict[str, Any], str]:
    """A message without its id, and what kind of id the test should give it."""
    shapes = valid_params(root)
    known = st.sampled_from(sorted(shapes))
    method = draw(
        st.one_of(
            known,
            known,
            known,
            st.text(max_size=24).filter(lambda name: name not in RESERVED),
            st.text(max_size=12).map(lambda name: "$/" + name),
        )
    )
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    valid = shapes.get(method, st.dictionaries(st.text(max_size=8), JSON, max_size=3))
    params = draw(st.one_of(valid, broken(valid), broken(valid), JSON, st.just(ABSENT)))
    if params is not ABSENT:
        message["params"] = params
    # Now and then, a broken envelope.
    envelope = draw(st.sampled_from(["ok"] * 8 + ["jsonrpc", "method", "response"]))
    if envelope == "jsonrpc":
        message["jsonrpc"] = draw(st.sampled_from(["1.0", 2, None]))
    elif envelope == "method":
        message["method"] = draw(JSON.filter(lambda value: not isinstance(value, str)))
    elif envelope == "response":
        del message["method"]
        message[draw(st.sampled_from(["result", "error"]))] = draw(JSON)
    id_kind = draw(st.sampled_from(["int", "str", "int", "str", "none", "bad"]))
    return message, id_kind


# ---- the properties --------------------------------------------------------------------------


def give_id(server: FramedServer, message: dict[str, Any], id_kind: str, bad: Any) -> Any:
    """Give the message a fresh id of the drawn kind; returns the id a response must carry
    (None when no response is owed)."""
    if id_kind == "none":
        return None
    if id_kind == "bad":
        message["id"] = bad
        return None
    n = server.next_id()
    message["id"] = n if id_kind == "int" else f"fz-{n}"
    return message["id"]


@fuzz_settings(MESSAGE_EXAMPLES)
@given(data=st.data())
def test_fuzzed_messages_never_crash_and_requests_always_get_an_answer(
    fuzz_server: FramedServer, fuzz_root: Path, data: st.DataObject
) -> None:
    message, id_kind = data.draw(messages(fuzz_root), label="message")
    bad_id = data.draw(
        JSON.filter(lambda v: v is None or isinstance(v, bool | float | list | dict))
    )
    msg_id = give_id(fuzz_server, message, id_kind, bad_id)
    since = fuzz_server.mark()
    fuzz_server.send(message)
    if msg_id is not None and "method" in message:
        answer = fuzz_server.response(msg_id, since)
        if "error" in answer:
            error = answer["error"]
            assert isinstance(error.get("code"), int) and isinstance(error.get("message"), str)
            assert error["message"], answer
            assert error["code"] != INTERNAL_ERROR, f"a handler crashed: {answer}"
        else:
            assert "result" in answer, answer
    fuzz_server.assert_alive()
    if msg_id is not None and "method" in message:
        assert len(fuzz_server.responses(msg_id, since)) == 1, "answered more than once"


BODIES = st.one_of(
    st.binary(max_size=64),
    st.text(max_size=64).map(str.encode),
    JSON.filter(lambda v: not isinstance(v, dict)).map(lambda v: json.dumps(v).encode()),
    st.integers(min_value=1, max_value=100_000).map(lambda n: b"[" * n),
    st.integers(min_value=1, max_value=100_000).map(lambda n: b'{"a":' * n),
    st.just(b"\xff\xfe{}"),
    st.just(b'{"jsonrpc": "2.0", "id": 1, "method": "session/new", "params": {"cwd": "\\ud800"}}'),
)


@st.composite
def frames(draw: st.DrawFn) -> tuple[bytes, bool]:
    """Bytes to write, and whether they are one complete frame the server must answer with
    an error (a body that is not a valid request)."""
    body = draw(BODIES)
    style = draw(
        st.sampled_from(["plain", "lower", "spaces", "lf", "extra", "no-colon", "unframed"])
    )
    n = len(body)
    if style == "unframed":
        # A header block that says no length (or a bad one), with no body after it.
        header = draw(
            st.sampled_from(
                [b"Content-Type: x\r\n", b"Content-Length: abc\r\n", b"Content-Length: -5\r\n"]
            )
        )
        return header + b"\r\n", True
    header = {
        "plain": b"Content-Length: %d\r\n\r\n" % n,
        "lower": b"content-length:%d\r\n\r\n" % n,
        "spaces": b"Content-Length :   %d  \r\n\r\n" % n,
        "lf": b"Content-Length: %d\n\n" % n,
        "extra": b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nX: \xff\r\n"
        b"Content-Length: %d\r\n\r\n" % n,
        "no-colon": b"garbage line\r\nContent-Length: %d\r\n\r\n" % n,
    }[style]
    try:
        valid = isinstance(json.loads(body), dict)
    except (ValueError, RecursionError):
        valid = False
    return header + body, not valid


@fuzz_settings(RAW_EXAMPLES)
@given(frame=frames())
def test_bad_bodies_and_headers_get_parse_errors_and_the_server_keeps_serving(
    fuzz_server: FramedServer, frame: tuple[bytes, bool]
) -> None:
    data, needs_error = frame
    since = fuzz_server.mark()
    fuzz_server.send_raw(data)
    fuzz_server.assert_alive()
    if needs_error:
        errors = [
            m
            for m in fuzz_server.received[since:]
            if "method" not in m and m.get("id") is None and "error" in m
        ]
        assert errors and errors[0]["error"]["code"] in (-32700, -32600), errors


def test_a_message_over_the_size_limit_is_skipped_and_framing_holds(
    fuzz_server: FramedServer,
) -> None:
    size = (64 << 20) + 1
    since = fuzz_server.mark()
    fuzz_server.send_raw(b"Content-Length: %d\r\n\r\n" % size)
    chunk = b" " * (1 << 20)
    for _ in range(size // len(chunk)):
        fuzz_server.send_raw(chunk)
    fuzz_server.send_raw(b" " * (size % len(chunk)))
    fuzz_server.assert_alive()
    errors = [m for m in fuzz_server.received[since:] if m.get("id") is None and "error" in m]
    assert errors and "over the limit" in errors[0]["error"]["message"], errors


# ---- single cases the fuzzer keeps away from -------------------------------------------------


async def test_a_huge_claimed_length_does_not_end_the_server(
    sim: Any, sim_env: dict[str, str], workspace: Path, tmp_path: Path
) -> None:
    sim.load([{"blocks": [{"type": "text", "text": "after"}], "hold": {"name": "h"}}])
    server = await RawServer.start(workspace, sim_env, tmp_path / "server-stderr.log")
    try:
        await server.initialize(workspace)
        session = await server.new_session()
        prompt = server.prompt(session, "hello")
        await asyncio.to_thread(sim.wait_held, "h", 10)
        # 100 GB promised and never sent: before, reading it allocated it all (MemoryError)
        # and the server exited, cancelling the turn.
        server.send_raw(b"Content-Length: 100000000000\r\n\r\n{}")
        await server.wait_for(
            lambda: any(m.get("id") is None and "error" in m for m in server.messages),
            what="the error for the oversized message",
        )
        sim.release("h")
        answer = await asyncio.wait_for(prompt, 30)
        assert answer["result"]["stopReason"] == "end_turn"
        assert server.text(session) == "after"
        assert server.process.returncode is None
    finally:
        assert server.process.stdin is not None
        server.process.stdin.close()  # the promised bytes never come: EOF ends it cleanly
        assert await server.close() == 0


async def test_a_second_initialize_is_refused_and_the_server_stays(
    workspace: Path, sim_env: dict[str, str], tmp_path: Path
) -> None:
    server = await RawServer.start(workspace, sim_env, tmp_path / "server-stderr.log")
    try:
        await server.initialize(workspace, process_id=os.getpid())
        gone = await asyncio.create_subprocess_exec("true")
        await gone.wait()  # a pid that no longer exists
        again = await server.request(
            "initialize", {"processId": gone.pid, "capabilities": {}}, timeout=10
        )
        assert again.get("error", {}).get("code") == -32600, again
    finally:
        code = await server.close()
    assert code == 0

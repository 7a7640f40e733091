"""Running the simulator: in a background thread (tests) or on the caller's loop (CLI)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from aiohttp import web

from .app import build_app
from .script import TurnSpec
from .state import SimState

# Unpaced replies finish well within this; a paced stream still running at stop() is cut
# off rather than making every test teardown wait for it.
SHUTDOWN_TIMEOUT = 0.1


async def start_site(state: SimState, host: str = "127.0.0.1", port: int = 0) -> web.AppRunner:
    """Start serving `state` on host:port (0 = ephemeral); the caller cleans the runner up."""
    runner = web.AppRunner(build_app(state), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


def bound_port(runner: web.AppRunner) -> int:
    return int(runner.addresses[0][1])


class Simulator:
    """A Messages API simulator serving on 127.0.0.1 from a daemon thread.

    All methods are thread-safe; the server keeps running while a test blocks in
    `wait_held` or `wait_requests`.
    """

    def __init__(
        self, script: Iterable[TurnSpec] | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._state = SimState(script)
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> Simulator:
        """Start serving; returns once the port is listening."""
        if self._thread is not None:
            raise RuntimeError("this Simulator was already started; create a new one instead")
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                self._runner = loop.run_until_complete(
                    start_site(self._state, self._host, self._requested_port)
                )
                self._port = bound_port(self._runner)
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._runner.cleanup())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="agentls-sim", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise TimeoutError(f"the simulator did not start listening within {timeout}s")
        if failure:
            raise RuntimeError(
                f"the simulator could not listen on {self._host}:{self._requested_port}: "
                f"{failure[0]}"
            ) from failure[0]
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving; parked streams are released first so that nothing hangs."""
        self._state.holds.release_all()
        thread, loop = self._thread, self._loop
        if thread is None or loop is None or not thread.is_alive():
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        if thread.is_alive():
            raise TimeoutError(f"the simulator thread did not stop within {timeout}s")

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- addresses ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the simulator is not listening yet; call start() first")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    # ---- script ------------------------------------------------------------------------

    def load(self, script: Iterable[TurnSpec]) -> None:
        """Replace the turns not yet consumed (raises ScriptError for a bad script)."""
        self._state.load(script)

    def append(self, turns: Iterable[TurnSpec]) -> None:
        """Add turns after the ones not yet consumed (raises ScriptError for bad turns)."""
        self._state.append(turns)

    @property
    def remaining(self) -> int:
        """How many scripted turns have not been consumed yet."""
        return self._state.remaining

    # ---- holds -------------------------------------------------------------------------

    def wait_held(self, name: str, timeout: float = 10.0) -> None:
        """Block until a stream is parked at hold point `name`."""
        if not self._state.holds.wait_held(name, timeout):
            raise TimeoutError(
                f"simulator: no stream reached hold point {name!r} within {timeout:g}s "
                f"({len(self.requests)} request(s) received, {self.remaining} scripted turn(s) "
                "left). Check that the client sent the request and the turn's "
                "hold.after_deltas is within its stream."
            )

    def release(self, name: str) -> int:
        """Let streams parked at `name` go on; if none is parked yet, the next one passes."""
        return self._state.holds.release(name)

    def is_held(self, name: str) -> bool:
        return self._state.holds.is_held(name)

    # ---- request log -------------------------------------------------------------------

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every /v1/messages request so far, oldest first (a copy).

        Each entry: body (parsed JSON, or the raw text if it was not JSON), headers
        (lower-cased, credentials redacted), status, error (message or None) and exhausted
        (True when no scripted turn was left for it).
        """
        return self._state.requests()

    def wait_requests(self, n: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until at least `n` requests were received; returns the request log."""
        if not self._state.wait_requests(n, timeout):
            got = len(self.requests)
            raise TimeoutError(
                f"simulator: expected {n} request(s) within {timeout:g}s but received {got}"
            )
        return self.requests

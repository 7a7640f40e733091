"""Simulator state shared between the server's event loop and test threads.

Everything here is guarded by plain threading primitives so that test code can call it
from any thread, while coroutines on the simulator's loop wait through asyncio futures
(woken with ``call_soon_threadsafe``) and so never block the loop.
"""

from __future__ import annotations

import asyncio
import copy
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import Any

from .script import Turn, exhausted_turn, parse_script
from .signing import Provenance
from .tokens import CacheTracker


def _wake(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _wake_all(futs: Iterable[asyncio.Future[None]]) -> None:
    for fut in futs:
        fut.get_loop().call_soon_threadsafe(_wake, fut)


class Holds:
    """Named hold points that streams park at until a test releases them.

    A release that arrives while nothing is parked at that name is remembered and lets
    the next stream reaching it pass straight through, so a test cannot deadlock by
    releasing "too early".
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._parked: dict[str, list[asyncio.Future[None]]] = {}
        self._watchers: dict[str, list[asyncio.Future[None]]] = {}
        self._pending: Counter[str] = Counter()
        self._closed = False

    async def reach(self, name: str) -> None:
        loop = asyncio.get_running_loop()
        with self._cond:
            if self._closed:
                return
            if self._pending[name] > 0:
                self._pending[name] -= 1
                return
            fut: asyncio.Future[None] = loop.create_future()
            self._parked.setdefault(name, []).append(fut)
            watchers = self._watchers.pop(name, [])
            self._cond.notify_all()
        _wake_all(watchers)
        try:
            await fut
        finally:
            with self._cond:
                parked = self._parked.get(name, [])
                if fut in parked:
                    parked.remove(fut)

    def release(self, name: str) -> int:
        """Let streams parked at `name` go on; returns how many were parked."""
        with self._cond:
            parked = self._parked.pop(name, [])
            if not parked:
                self._pending[name] += 1
        _wake_all(parked)
        return len(parked)

    def release_all(self) -> None:
        with self._cond:
            self._closed = True
            parked = [f for futs in self._parked.values() for f in futs]
            self._parked.clear()
            watchers = [f for futs in self._watchers.values() for f in futs]
            self._watchers.clear()
        _wake_all([*parked, *watchers])

    def is_held(self, name: str) -> bool:
        with self._cond:
            return bool(self._parked.get(name))

    def wait_held(self, name: str, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: bool(self._parked.get(name)), timeout)

    async def wait_held_async(self, name: str, seconds: float) -> bool:
        loop = asyncio.get_running_loop()
        with self._cond:
            if self._parked.get(name):
                return True
            fut: asyncio.Future[None] = loop.create_future()
            self._watchers.setdefault(name, []).append(fut)
        try:
            await asyncio.wait_for(fut, seconds)
        except TimeoutError:
            return False
        finally:
            with self._cond:
                watchers = self._watchers.get(name, [])
                if fut in watchers:
                    watchers.remove(fut)
        return self.is_held(name)


class SimState:
    def __init__(self, script: object = None) -> None:
        self._cond = threading.Condition()
        self._turns: deque[Turn] = deque(parse_script([] if script is None else script))
        self._log: list[dict[str, Any]] = []
        self.holds = Holds()
        self.provenance = Provenance()
        self.cache = CacheTracker()

    def load(self, script: object) -> int:
        turns = parse_script(script)
        with self._cond:
            self._turns = deque(turns)
            return len(self._turns)

    def append(self, script: object) -> int:
        turns = parse_script(script)
        with self._cond:
            self._turns.extend(turns)
            return len(self._turns)

    def next_turn(self, check: Callable[[Turn], None]) -> Turn:
        """The next turn, consumed only if `check` accepts it (it raises to refuse)."""
        with self._cond:
            if not self._turns:
                turn = exhausted_turn()
                check(turn)
                return turn
            check(self._turns[0])
            return self._turns.popleft()

    @property
    def remaining(self) -> int:
        with self._cond:
            return len(self._turns)

    def record(
        self,
        body: object,
        headers: dict[str, str],
        status: int,
        error: str | None,
        *,
        exhausted: bool = False,
    ) -> None:
        entry = {
            "body": body,
            "headers": headers,
            "status": status,
            "error": error,
            "exhausted": exhausted,
        }
        with self._cond:
            self._log.append(entry)
            self._cond.notify_all()

    def requests(self) -> list[dict[str, Any]]:
        with self._cond:
            return copy.deepcopy(self._log)

    def wait_requests(self, n: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            return self._cond.wait_for(
                lambda: len(self._log) >= n, max(0.0, deadline - time.monotonic())
            )

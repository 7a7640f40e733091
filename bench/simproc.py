"""The Messages-API simulator in its own process, instrumented for the benchmarks.

`python bench/simproc.py` serves `agentls.sim` on 127.0.0.1 (any port) and prints
`PORT <n>`; the parent then talks to it on stdin, one command a line:

- `times` -> one JSON line: every request's arrival and every delta's write time since the
  last `times` (CLOCK_MONOTONIC seconds, the same clock in every process on the machine),
  then the log is cleared.
- `cpu` -> one line: this process's CPU seconds so far.

The simulator itself is not changed: aiohttp's `StreamResponse.write` and the
`/v1/messages` handler are wrapped here, in this process only.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from aiohttp import web

import agentls.sim.app as sim_app
from agentls.sim.server import bound_port, start_site
from agentls.sim.state import SimState

_DELTA = b"event: content_block_delta"
requests: list[float] = []
deltas: list[float] = []

_write = web.StreamResponse.write


async def _timed_write(self: web.StreamResponse, data: bytes | bytearray | memoryview) -> None:
    await _write(self, data)
    if bytes(data[: len(_DELTA)]) == _DELTA:
        deltas.append(time.monotonic())


web.StreamResponse.write = _timed_write  # type: ignore[method-assign]
_messages = sim_app._messages


async def _timed_messages(request: web.Request) -> web.StreamResponse:
    requests.append(time.monotonic())
    return await _messages(request)


sim_app._messages = _timed_messages


async def main() -> None:
    runner = await start_site(SimState(), "127.0.0.1", 0)
    print(f"PORT {bound_port(runner)}", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).strip():
        if line == b"times":
            print(json.dumps({"requests": requests, "deltas": deltas}), flush=True)
            requests.clear()
            deltas.clear()
        elif line == b"cpu":
            print(time.process_time(), flush=True)
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())

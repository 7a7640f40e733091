"""Child processes that never outlive their call: each program runs under a guard (guard.py)
that is its subreaper and dies with the server, in its own session, with its output read
from a pipe of our own, so the call ends when the program does, not when the last process
holding the pipe lets go."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

GUARD = Path(__file__).with_name("guard.py")
# How long a stopped program gets between SIGTERM and SIGKILL.
KILL_GRACE = 2.0
# Once the program is over, its output is whatever is already in the pipe.
DRAIN_TIMEOUT = 2.0
READ_SIZE = 1 << 16
# The server's own credentials are not a child's business.
_SECRET_ENV = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")

OnOutput = Callable[[bytes], None]


def child_env() -> dict[str, str]:
    """The server's environment, less its secrets."""
    return {key: value for key, value in os.environ.items() if key not in _SECRET_ENV}


@dataclass(frozen=True)
class Finished:
    returncode: int | None  # None: stopped before it ended (time limit)
    timed_out: bool


async def run_guarded(
    argv: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    on_output: OnOutput,
    on_error: OnOutput | None = None,
    pass_fds: Collection[int] = (),
) -> Finished:
    """Run `argv` to its end or `timeout`, feeding its stdout (and stderr, unless `on_error`
    takes it) to `on_output`. However this returns (cancelled too), the program and every
    process it started have been told to stop; SIGKILL follows after KILL_GRACE."""
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe() if on_error is not None else (-1, out_write)
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",
            "-S",
            str(GUARD),
            str(os.getpid()),
            str(KILL_GRACE),
            *argv,
            cwd=cwd,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out_write,
            stderr=err_write,
            start_new_session=True,
            pass_fds=tuple(pass_fds),
        )
    except BaseException:
        for fd in (out_read, err_read):
            if fd >= 0:
                os.close(fd)
        raise
    finally:
        os.close(out_write)
        if on_error is not None:
            os.close(err_write)
    readers = [asyncio.create_task(_drain(out_read, on_output))]
    if on_error is not None:
        readers.append(asyncio.create_task(_drain(err_read, on_error)))
    try:
        try:
            code = await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            await _stop(process)
            return Finished(None, timed_out=True)
        return Finished(code, timed_out=False)
    except BaseException:
        # Cancelled: the stop must finish even if we are cancelled again meanwhile.
        await asyncio.shield(_stop(process))
        raise
    finally:
        # The guard is gone, so is everything it watched: the pipe is at its end, unless
        # something escaped the guard's tree (another subreaper); never wait on that.
        _done, pending = await asyncio.wait(readers, timeout=DRAIN_TIMEOUT)
        for reader in pending:
            reader.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Ask the guard to stop its program (it escalates to SIGKILL itself); kill the guard if
    it does not manage within the grace period."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), KILL_GRACE + 3.0)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


async def _drain(fd: int, on_output: OnOutput) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=READ_SIZE)
    # Wraps a pipe end we own (no I/O here); the transport owns and closes it.
    pipe = open(fd, "rb", buffering=0)  # noqa: SIM115, ASYNC230
    transport, _protocol = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), pipe
    )
    try:
        while chunk := await reader.read(READ_SIZE):
            on_output(chunk)
    finally:
        transport.close()

"""Runs one program so that nothing it starts outlives it. Executed as a script, with the
standard library only: `python -I -S guard.py SERVER_PID GRACE PROGRAM [ARG...]`.

On Linux the guard is a child subreaper (PR_SET_CHILD_SUBREAPER): every process the program
starts, even one that leaves its process group and session (`setsid`, a double fork), is
reparented to the guard when its own parent exits, so it stays in the guard's tree. The
program is over when it exits; then the guard kills everything left in its tree and exits
with the program's status (128 + N for a signal N, as shells report it).

SIGTERM, SIGHUP or SIGINT to the guard, or the server's death (PR_SET_PDEATHSIG, so even a
SIGKILL of the server), stops the program: SIGTERM to the whole tree, SIGKILL to what is
left after GRACE seconds. Elsewhere (no prctl, no /proc) it degrades to the program's
process group.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
# What Python ignores or blocks for itself, put back for the program (as subprocess does).
RESTORED_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGPIPE", "SIGXFSZ", "SIGXFZ") if hasattr(signal, name)
)
SPAWN_FAILED = 127


class StopRequestedError(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0)) == 0
    except (AttributeError, OSError):
        return False  # not Linux: the process group is all we can do


def _raise_stop(signum: int, _frame: object) -> None:
    raise StopRequestedError(signum)


def _tree(root: int) -> list[int]:
    """Live (non-zombie) processes below `root`, from /proc; empty where there is none."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rfind(b")") + 2 :].split()
        if fields and fields[0] not in (b"Z", b"X"):
            children.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _signal_all(program: int, signum: int) -> list[int]:
    targets = _tree(os.getpid())
    for pid in targets:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(program, signum)  # the group too, for systems without /proc
    return targets


def _reap() -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _end_tree(program: int, grace: float) -> None:
    """SIGTERM first if there is a grace period, then SIGKILL until nothing is left."""
    if grace > 0 and _signal_all(program, signal.SIGTERM):
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            _reap()
            if not _tree(os.getpid()):
                return
            time.sleep(0.02)
    for _attempt in range(500):  # a fork bomb loses: each pass kills what the last missed
        if not _signal_all(program, signal.SIGKILL):
            break
        _reap()
        time.sleep(0.002)
    _reap()


def _spawn(argv: list[str]) -> int:
    return os.posix_spawnp(
        argv[0],
        argv,
        os.environ,
        setpgroup=0,  # its own group: `kill 0` in the program does not reach the guard
        setsigdef=(*STOP_SIGNALS, *RESTORED_SIGNALS),
        setsigmask=(),
    )


def _silence() -> None:
    """The guard writes nothing: only the program's own output reaches the pipe, which
    closes once the program and everything it started are gone."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def main(argv: list[str]) -> int:
    server, grace, program_argv = int(argv[1]), float(argv[2]), argv[3:]
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_stop)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != server:
        return SPAWN_FAILED  # the server died before the parent-death signal was armed
    try:
        program = _spawn(program_argv)
    except OSError as exc:
        sys.stderr.write(f"agentls: cannot run {program_argv[0]!r}: {exc.strerror}\n")
        return SPAWN_FAILED
    _silence()
    status: int | None = None
    stopping = False
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        while status is None:
            pid, raw = os.waitpid(-1, 0)  # also reaps what was reparented to the guard
            if pid == program:
                status = raw
    except StopRequestedError:
        stopping = True
    except ChildProcessError:
        pass
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)  # a second stop must not cut the cleanup short
    _end_tree(program, grace if stopping else 0.0)
    if status is None:
        return 128 + signal.SIGTERM
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv))

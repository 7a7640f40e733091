"""Shared pieces of the benchmarks: the simulator process, statistics, stream text.
The raw LSP and ACP clients are in clients.py."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PYTHON = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- statistics --------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# ---- processes ---------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process, all its threads, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        "unknown",
    )
    mhz = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "cpu MHz" in line),
        "?",
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    load = Path("/proc/loadavg").read_text().split()[:3]
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "mhz": mhz,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": sys.version.split()[0],
        "kernel": os.uname().release,
        "load": " ".join(load),
    }


# ---- the simulator in its own process ----------------------------------------------------


class SimProc:
    """bench/simproc.py: the simulator in a separate process, with write timestamps."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._http: aiohttp.ClientSession | None = None

    @classmethod
    async def start(cls) -> SimProc:
        process = await asyncio.create_subprocess_exec(
            PYTHON,
            str(BENCH / "simproc.py"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 26,
        )
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        if not line.startswith("PORT "):
            raise RuntimeError(f"simproc did not start: {line!r}")
        return cls(process, int(line.split()[1]))

    async def _command(self, command: bytes) -> bytes:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + b"\n")
        return await asyncio.wait_for(self.process.stdout.readline(), 30)

    async def times(self) -> dict[str, list[float]]:
        result: dict[str, list[float]] = json.loads(await self._command(b"times"))
        return result

    async def cpu(self) -> float:
        return float(await self._command(b"cpu"))

    async def load(self, turns: list[dict[str, Any]]) -> None:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        async with self._http.post(f"{self.url}/_sim/script", json=turns) as response:
            body = await response.json()
            if response.status != 200:
                raise RuntimeError(f"script refused: {body}")

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 5)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def sdk_env(sim: SimProc) -> dict[str, str]:
    return {"ANTHROPIC_BASE_URL": sim.url, "ANTHROPIC_API_KEY": "sk-bench"}


class Chunk:
    """An agent_message_chunk as the client parsed it: when, and how many characters."""

    __slots__ = ("chars", "t")

    def __init__(self, t: float, chars: int) -> None:
        self.t = t
        self.chars = chars


def delta_arrivals(chunks: Sequence[Chunk], chunk_chars: int, n_deltas: int) -> list[float]:
    """The time each delta reached the client: the chunk carrying its last character.
    The server joins deltas queued in one event-loop turn, so characters, not chunks,
    map back to deltas."""
    arrivals: list[float] = []
    total = 0
    i = 0
    for chunk in chunks:
        total += chunk.chars
        while i < n_deltas and (i + 1) * chunk_chars <= total:
            arrivals.append(chunk.t)
            i += 1
    return arrivals


def text_of(n_deltas: int, chunk: int) -> str:
    """ASCII text of exactly n_deltas * chunk characters."""
    unit = "The quick brown fox jumps over the lazy dog; streams flow. "
    text = unit * (n_deltas * chunk // len(unit) + 1)
    return text[: n_deltas * chunk]


async def settled(pid: int, deadline: float = 20.0) -> None:
    """Until the process has used under 5 ms of CPU in 250 ms: what it started in the
    background (imports, a first request) has finished."""
    end = time.monotonic() + deadline
    before = cpu_seconds(pid)
    while time.monotonic() < end:
        await asyncio.sleep(0.25)
        now = cpu_seconds(pid)
        if now - before < 0.005:
            return
        before = now
    raise TimeoutError(f"process {pid} still busy after {deadline} s")

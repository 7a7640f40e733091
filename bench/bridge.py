"""Bridge latency, throughput and time to first chunk: simulator -> agentls serve -> client,
against the raw SDK consuming the same stream in-process.

The simulator runs in its own process (bench/simproc.py) and timestamps each delta as it
writes it; the client timestamps each chunk as it parses it (one clock, CLOCK_MONOTONIC,
for both processes). A delta's latency is its arrival minus its write; the server's
added latency at a percentile is the server path's figure less the SDK's in the same run.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from clients import TRANSPORTS, RawClient, Transport, start_server
from lib import SimProc, delta_arrivals, median, pct, sdk_env, settled, text_of

MODEL = "claude-sonnet-4-5"


def text_turn(n: int, chunk: int, pace: float | None = None) -> dict[str, Any]:
    turn: dict[str, Any] = {"blocks": [{"type": "text", "text": text_of(n, chunk)}], "chunk": chunk}
    if pace is not None:
        turn["pace"] = pace
    return turn


class SdkPath:
    """The baseline: the anthropic SDK in this process, `messages.create(stream=True)` (what
    the server calls), each content_block_delta timestamped as the SDK yields it."""

    def __init__(self, sim: SimProc) -> None:
        import anthropic

        env = sdk_env(sim)
        self.client = anthropic.AsyncAnthropic(
            base_url=env["ANTHROPIC_BASE_URL"], api_key=env["ANTHROPIC_API_KEY"], max_retries=0
        )
        self.sim = sim

    async def run(self, turn: dict[str, Any]) -> tuple[float, float | None, list[float]]:
        """Returns (request sent, first delta, every delta's arrival)."""
        await self.sim.load([turn])
        arrivals: list[float] = []
        sent = time.monotonic()
        stream = await self.client.messages.create(
            model=MODEL,
            max_tokens=8192,
            messages=[{"role": "user", "content": "go"}],
            stream=True,
        )
        async with stream:
            async for event in stream:
                if event.type == "content_block_delta":
                    arrivals.append(time.monotonic())
        return sent, (arrivals[0] if arrivals else None), arrivals

    async def close(self) -> None:
        await self.client.close()


class ServerPath:
    """`agentls serve` or `agentls acp` as a subprocess, driven by the raw client."""

    def __init__(self, sim: SimProc, lsp: RawClient, root: Path) -> None:
        self.sim, self.lsp, self.root = sim, lsp, root

    @classmethod
    async def start(
        cls, sim: SimProc, root: Path, state: Path | None = None, transport: Transport = "lsp"
    ) -> ServerPath:
        env = {**sdk_env(sim), "AGENTLS_STATE_DIR": str(state or root / ".state")}
        return cls(sim, await start_server(transport, root, env), root)

    async def run(self, turn: dict[str, Any]) -> tuple[float, float | None, list[float]]:
        await self.sim.load([turn])
        session = await self.lsp.new_session()
        self.lsp.chunks.clear()
        sent = time.monotonic()
        response = await self.lsp.prompt(session, "go")
        if "error" in response:
            raise RuntimeError(f"prompt failed: {response['error']}")
        chunks = list(self.lsp.chunks)
        n = len(turn["blocks"][0]["text"]) // turn["chunk"]
        arrivals = delta_arrivals(chunks, turn["chunk"], n)
        return sent, (chunks[0].t if chunks else None), arrivals


async def _latency_once(path: Any, sim: SimProc, n: int, pace: float) -> list[float]:
    await sim.times()
    _sent, _first, arrivals = await path.run(text_turn(n, 4, pace))
    writes = (await sim.times())["deltas"]
    assert len(writes) == len(arrivals) == n, (len(writes), len(arrivals), n)
    return [(a - w) * 1000 for a, w in zip(arrivals, writes, strict=True)]


async def _throughput_once(path: Any, sim: SimProc, n: int) -> dict[str, float]:
    await sim.times()
    _sent, _first, arrivals = await path.run(text_turn(n, 4))
    writes = (await sim.times())["deltas"]
    assert len(writes) == len(arrivals) == n
    return {
        "end_to_end": n / (arrivals[-1] - writes[0]),
        "sim_writes": n / (writes[-1] - writes[0]),
    }


async def _ttfc_once(path: Any, sim: SimProc) -> float:
    """Prompt sent -> first chunk at the client, less the simulator's request -> first delta."""
    await sim.times()
    sent, first, _arrivals = await path.run(text_turn(40, 4))
    times = await sim.times()
    assert first is not None
    sim_own: float = times["deltas"][0] - times["requests"][0]
    return float((first - sent - sim_own) * 1000)


async def _first_prompt_once(sim: SimProc, root: Path, transport: Transport, idle: bool) -> float:
    """The first prompt of a fresh server: after its first session/new and the background
    work it starts have finished (idle), or at once."""
    fresh = await ServerPath.start(sim, root, transport=transport)
    try:
        if idle:
            await fresh.lsp.new_session()
            await settled(fresh.lsp.pid)
        return await _ttfc_once(fresh, sim)
    finally:
        await fresh.lsp.close()


async def _sdk_first_once(sim: SimProc) -> float:
    """The SDK's first request on a new client (it opens the connection)."""
    fresh = SdkPath(sim)
    try:
        return await _ttfc_once(fresh, sim)
    finally:
        await fresh.close()


def _latency(runs: dict[str, list[dict[str, float]]], n: int, repeats: int) -> dict[str, float]:
    figures: dict[str, float] = {"deltas": n, "repeats": repeats}
    for q in ("p50", "p99"):
        figures[f"server_{q}_ms"] = median([r[q] for r in runs["server"]])
        figures[f"sdk_{q}_ms"] = median([r[q] for r in runs["sdk"]])
        figures[f"added_{q}_ms"] = median(
            [s[q] - b[q] for s, b in zip(runs["server"], runs["sdk"], strict=True)]
        )
    return figures


def _throughput(runs: dict[str, list[dict[str, float]]], n: int) -> dict[str, float]:
    return {
        "deltas": n,
        "server_per_s": median([r["end_to_end"] for r in runs["server"]]),
        "sdk_per_s": median([r["end_to_end"] for r in runs["sdk"]]),
        "ratio": median(
            [
                s["end_to_end"] / b["end_to_end"]
                for s, b in zip(runs["server"], runs["sdk"], strict=True)
            ]
        ),
        "repeats": len(runs["server"]),
    }


async def run(repeats: int = 3, quick: bool = False) -> dict[str, Any]:
    """Per transport ("lsp", "acp"): ttfc, latency and throughput, each against the SDK
    alone measured alongside (the same SDK runs serve both transports' pairs)."""
    sim = await SimProc.start()
    sdk = SdkPath(sim)
    results: dict[str, Any] = {t: {} for t in TRANSPORTS}
    with tempfile.TemporaryDirectory(prefix="agentls-bench-") as tmp:
        root = Path(tmp)
        # --- time to first chunk: the first prompt of a fresh server ---------------------
        first: dict[str, list[float]] = {"sdk": []}
        for _ in range(repeats if quick else 2 * repeats):
            first["sdk"].append(await _sdk_first_once(sim))
            for t in TRANSPORTS:
                first.setdefault(t, []).append(await _first_prompt_once(sim, root, t, True))
        at_once: dict[str, list[float]] = {t: [] for t in TRANSPORTS}
        for _ in range(repeats):
            for t in TRANSPORTS:
                at_once[t].append(await _first_prompt_once(sim, root, t, False))
        # --- warm: one server per transport for everything below -------------------------
        servers = {t: await ServerPath.start(sim, root, transport=t) for t in TRANSPORTS}
        for server in servers.values():
            await server.lsp.new_session()
            await settled(server.lsp.pid)
        for _ in range(3):  # warm every path: imports, connections
            await sdk.run(text_turn(200, 4))
            for server in servers.values():
                await server.run(text_turn(200, 4))
        samples = 10 if quick else 30
        # Interleaved, so that a change in the machine's load falls on every path alike.
        sdk_warm: list[float] = []
        warm: dict[str, list[float]] = {t: [] for t in TRANSPORTS}
        for _ in range(samples):
            sdk_warm.append(await _ttfc_once(sdk, sim))
            for t, server in servers.items():
                warm[t].append(await _ttfc_once(server, sim))
        # The same on tmpfs, where fsync is free: the session journal's share of the above.
        shm = Path("/dev/shm") if os.path.isdir("/dev/shm") else root  # noqa: ASYNC240 - one stat, in a benchmark
        with tempfile.TemporaryDirectory(prefix="agentls-bench-", dir=shm) as state:
            tmpfs = await ServerPath.start(sim, root, Path(state))
            for _ in range(3):
                await tmpfs.run(text_turn(200, 4))
            warm_tmpfs = [await _ttfc_once(tmpfs, sim) for _ in range(samples)]
            await tmpfs.lsp.close()
        results["sdk_first_prompt_ms"] = median(first["sdk"])
        results["sdk_warm_p50_ms"] = median(sdk_warm)
        for t in TRANSPORTS:
            results[t]["ttfc"] = {
                "first_prompt_ms": median(first[t]),
                "first_prompt_at_once_ms": median(at_once[t]),
                "warm_p50_ms": median(warm[t]),
                "warm_p90_ms": pct(warm[t], 90),
                "sdk_warm_p50_ms": median(sdk_warm),
                "samples": len(warm[t]),
                "first_samples": len(first[t]),
            }
        results["lsp"]["ttfc"]["warm_tmpfs_p50_ms"] = median(warm_tmpfs)
        # --- latency at 100 and 1,000 deltas/s ------------------------------------------
        for pace, n in ((100, 200 if quick else 500), (1000, 1000 if quick else 3000)):
            runs: dict[str, list[dict[str, float]]] = {"sdk": [], **{t: [] for t in TRANSPORTS}}
            for _ in range(repeats):
                for name, path in (("sdk", sdk), *servers.items()):
                    values = await _latency_once(path, sim, n, pace)
                    runs[name].append({"p50": pct(values, 50), "p99": pct(values, 99)})
            for t in TRANSPORTS:
                results[t].setdefault("latency", {})[str(pace)] = _latency(
                    {"server": runs[t], "sdk": runs["sdk"]}, n, repeats
                )
        # --- throughput -----------------------------------------------------------------
        n = 30_000 if quick else 100_000
        through: dict[str, list[dict[str, float]]] = {"sdk": [], **{t: [] for t in TRANSPORTS}}
        for _ in range(repeats):
            for name, path in (("sdk", sdk), *servers.items()):
                through[name].append(await _throughput_once(path, sim, n))
        for t in TRANSPORTS:
            results[t]["throughput"] = _throughput({"server": through[t], "sdk": through["sdk"]}, n)
        for server in servers.values():
            await server.lsp.close()
    await sdk.close()
    await sim.close()
    return results


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(asyncio.run(run(quick="--quick" in sys.argv)), indent=2))

"""Cold start: spawn -> `initialize` result, and idle RSS before the first prompt, for
`agentls serve` and a bare pygls server started the same way (this Python, stdio pipes)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from lib import BENCH, PYTHON, RawLsp, median, rss_mb, server_argv

IDLE = 2.0  # seconds after `initialized`: background imports have finished


async def _once(argv: list[str], root: Path) -> tuple[float, float, float]:
    started = time.monotonic()
    lsp = await RawLsp.spawn(argv, cwd=root, env={"ANTHROPIC_API_KEY": "sk-bench"})
    await lsp.initialize(root)
    elapsed = time.monotonic() - started
    rss_init = rss_mb(lsp.pid)
    await asyncio.sleep(IDLE)
    rss_idle = rss_mb(lsp.pid)
    await lsp.close()
    return elapsed * 1000, rss_init, rss_idle


async def run(repeats: int = 7, quick: bool = False) -> dict[str, Any]:
    bare = [PYTHON, str(BENCH / "bare_pygls.py")]
    samples: dict[str, list[tuple[float, float, float]]] = {"agentls": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="agentls-bench-") as tmp:
        root = Path(tmp)
        await _once(server_argv(), root)  # page cache
        await _once(bare, root)
        for _ in range(3 if quick else repeats):
            samples["agentls"].append(await _once(server_argv(), root))
            samples["bare"].append(await _once(bare, root))
    out: dict[str, Any] = {"repeats": len(samples["agentls"])}
    for name, rows in samples.items():
        out[f"{name}_init_ms"] = median([r[0] for r in rows])
        out[f"{name}_rss_init_mb"] = median([r[1] for r in rows])
        out[f"{name}_rss_idle_mb"] = median([r[2] for r in rows])
    out["ratio"] = median(
        [a[0] / b[0] for a, b in zip(samples["agentls"], samples["bare"], strict=True)]
    )
    return out


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(asyncio.run(run(quick="--quick" in sys.argv)), indent=2))

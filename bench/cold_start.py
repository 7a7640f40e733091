"""Cold start: spawn -> `initialize` result, and idle RSS before any session, per transport
against its baseline started the same way (stdio pipes, alternating):

- LSP: `agentls serve` and a bare pygls server (this Python);
- ACP: `agentls acp` and Zed's Claude adapter (`@zed-industries/claude-agent-acp`, Node),
  if it could be installed (zed_acp.py); otherwise the row says why.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import zed_acp
from clients import RawAcp, RawClient, RawLsp, server_argv
from lib import BENCH, PYTHON, median, rss_mb

IDLE = 2.0  # seconds after `initialize`: background work, if any, has finished


async def _once(
    kind: type[RawClient], argv: list[str], root: Path, env: dict[str, str]
) -> tuple[float, float, float]:
    started = time.monotonic()
    client = await kind.spawn(argv, cwd=root, env=env)
    await client.initialize(root)
    elapsed = time.monotonic() - started
    rss_init = rss_mb(client.pid)
    await asyncio.sleep(IDLE)
    rss_idle = rss_mb(client.pid)
    await client.close()
    return elapsed * 1000, rss_init, rss_idle


async def run(repeats: int = 7, quick: bool = False) -> dict[str, Any]:
    zed = zed_acp.install()
    with tempfile.TemporaryDirectory(prefix="agentls-bench-") as tmp:
        root = Path(tmp)
        env = {"ANTHROPIC_API_KEY": "sk-bench", "CLAUDE_CONFIG_DIR": str(root / ".claude")}
        servers: dict[str, tuple[type[RawClient], list[str]]] = {
            "agentls": (RawLsp, server_argv("lsp")),
            "bare": (RawLsp, [PYTHON, str(BENCH / "bare_pygls.py")]),
            "acp": (RawAcp, server_argv("acp")),
        }
        if isinstance(zed, list):
            servers["zed"] = (RawAcp, zed)
        samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in servers}
        for kind, argv in servers.values():  # page cache
            await _once(kind, argv, root, env)
        for _ in range(3 if quick else repeats):
            for name, (kind, argv) in servers.items():
                samples[name].append(await _once(kind, argv, root, env))
    out: dict[str, Any] = {"repeats": len(samples["agentls"])}
    for name, rows in samples.items():
        out[f"{name}_init_ms"] = median([r[0] for r in rows])
        out[f"{name}_rss_init_mb"] = median([r[1] for r in rows])
        out[f"{name}_rss_idle_mb"] = median([r[2] for r in rows])
    out["ratio"] = _ratio(samples["agentls"], samples["bare"])
    if "zed" in samples:
        out["zed_version"] = zed_acp.VERSION
        out["acp_ratio"] = _ratio(samples["acp"], samples["zed"])
    else:
        out["zed_missing"] = zed
    return out


def _ratio(ours: list[tuple[float, float, float]], base: list[tuple[float, float, float]]) -> float:
    return median([a[0] / b[0] for a, b in zip(ours, base, strict=True)])


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(asyncio.run(run(quick="--quick" in sys.argv)), indent=2))

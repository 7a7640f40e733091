"""`session/new` on a fresh server, both transports: request sent -> result parsed.

Each repeat starts a new server (`agentls serve` or `agentls acp`, the simulator as its
API), initializes it and at once (as an editor opening its agent panel does) sends, in
turn: a request with no work (an unknown method, answered with an error: the server's own
round trip, the baseline), the server's first `session/new`, then a second `session/new`
and a `session/set_mode` (what follows while the work the first session started, loading
the SDK and fetching the model list, runs in the background).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from clients import TRANSPORTS, RawClient, Transport, start_server
from lib import SimProc, median, sdk_env

NOOP = "agentls/benchNoop"  # no server answers it but with "method not found"


async def _once(transport: Transport, root: Path, env: dict[str, str]) -> dict[str, float]:
    started = time.monotonic()
    server = await start_server(transport, root, env)
    init_ms = (time.monotonic() - started) * 1000
    try:
        figures = await _measure(server)
    finally:
        await server.close()
    # What the user waits for: the agent started and its first session open.
    return {**figures, "ready": init_ms + figures["first"]}


async def _measure(server: RawClient) -> dict[str, float]:
    noop_ms, response = await server.timed(NOOP, {})
    assert "error" in response, response
    first_ms, response = await server.timed("session/new", server.session_params())
    if "error" in response:
        raise RuntimeError(f"session/new failed: {response['error']}")
    session_id = response["result"]["sessionId"]
    second_ms, response = await server.timed("session/new", server.session_params())
    assert "result" in response, response
    mode_ms, response = await server.timed(
        "session/set_mode", {"sessionId": session_id, "modeId": "default"}
    )
    assert "result" in response, response
    return {"noop": noop_ms, "first": first_ms, "second": second_ms, "set_mode": mode_ms}


async def run(repeats: int = 9, quick: bool = False) -> dict[str, Any]:
    samples: dict[str, list[dict[str, float]]] = {t: [] for t in TRANSPORTS}
    sim = await SimProc.start()
    with tempfile.TemporaryDirectory(prefix="agentls-bench-") as tmp:
        root = Path(tmp)
        # The state folder found as for a user (platformdirs), in the temporary folder.
        env = {**sdk_env(sim), "XDG_STATE_HOME": str(root / ".state")}
        for transport in TRANSPORTS:  # page cache
            await _once(transport, root, env)
        for _ in range(3 if quick else repeats):
            for transport in TRANSPORTS:
                samples[transport].append(await _once(transport, root, env))
    await sim.close()
    out: dict[str, Any] = {"repeats": len(samples["lsp"])}
    for transport, rows in samples.items():
        out[transport] = {f"{key}_ms": median([r[key] for r in rows]) for key in rows[0]}
    return out


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(asyncio.run(run(quick="--quick" in sys.argv)), indent=2))

"""Large tool input: a `create` carrying 10 KB, 100 KB and 1 MB of file text, streamed in
small input_json_delta chunks.

Server: CPU time of the `agentls serve` and `agentls acp` processes (/proc, all threads)
across the whole prompt (both model requests, the tool, every update). Baselines, in this
process over the same simulated stream: the SDK's `messages.stream()` helper (which
re-parses the partial JSON on every delta), and the raw `messages.create(stream=True)` the
server consumes.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from clients import TRANSPORTS, RawClient, client_class, server_argv
from lib import SimProc, cpu_seconds, median, sdk_env, settled

CHUNK = 16  # characters of JSON per input_json_delta
SIZES = {"10 KB": 10 * 1024, "100 KB": 100 * 1024, "1 MB": 1024 * 1024}
HELPER_SIZES = ("10 KB", "100 KB")  # the helper is quadratic: 1 MB is extrapolated
MODEL = "claude-sonnet-4-5"


def file_text(size: int) -> str:
    line = 'def f(x):  # "quoted", tabs\tand\\slashes\n    return x * 2\n'
    return (line * (size // len(line) + 1))[:size]


def turns(size: int, name: str) -> list[dict[str, Any]]:
    tool_input = {"command": "create", "path": name, "file_text": file_text(size)}
    return [
        {
            "blocks": [
                {"type": "tool_use", "name": "str_replace_based_edit_tool", "input": tool_input}
            ],
            "chunk": CHUNK,
        },
        {"blocks": [{"type": "text", "text": "Created."}]},
    ]


def n_deltas(size: int) -> int:
    tool_input = {"command": "create", "path": "x", "file_text": file_text(size)}
    return -(-len(json.dumps(tool_input, ensure_ascii=False)) // CHUNK)


async def _server_once(sim: SimProc, lsp: RawClient, size: int, i: int) -> float:
    """CPU seconds of the server process across one prompt that creates f{i}.py."""
    await sim.load(turns(size, f"f{i}.py"))
    session = await lsp.new_session()
    before = cpu_seconds(lsp.pid)
    response = await lsp.prompt(session, "create it")
    after = cpu_seconds(lsp.pid)
    if "error" in response or response["result"]["stopReason"] != "end_turn":
        raise RuntimeError(f"prompt failed: {response}")
    return after - before


async def _sdk_once(client: Any, sim: SimProc, size: int, helper: bool) -> float:
    await sim.load(turns(size, "x.py")[:1])
    params: dict[str, Any] = {
        "model": MODEL,
        "max_tokens": 8192,
        "messages": [{"role": "user", "content": "create it"}],
    }
    before = time.process_time()
    if helper:
        async with client.messages.stream(**params) as stream:
            async for _event in stream:
                pass
            message = await stream.get_final_message()
        assert len(message.content[0].input["file_text"]) == size
    else:
        stream = await client.messages.create(**params, stream=True)
        async with stream:
            async for _event in stream:
                pass
    return time.process_time() - before


async def run(repeats: int = 3, quick: bool = False) -> dict[str, Any]:
    import anthropic

    sim = await SimProc.start()
    env = sdk_env(sim)
    client = anthropic.AsyncAnthropic(
        base_url=env["ANTHROPIC_BASE_URL"], api_key=env["ANTHROPIC_API_KEY"], max_retries=0
    )
    results: dict[str, Any] = {"chunk_chars": CHUNK, "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="agentls-bench-") as tmp:
        root = Path(tmp)
        servers: dict[str, RawClient] = {}
        for transport in TRANSPORTS:
            server = await client_class(transport).spawn(server_argv(transport), env=env, cwd=root)
            await server.initialize(root, {"edits": "disk"})
            servers[transport] = server
        files = itertools.count()  # every prompt creates a new file
        for server in servers.values():  # warm
            await server.new_session()
            await settled(server.pid)
            await _server_once(sim, server, 10 * 1024, next(files))
        await _sdk_once(client, sim, 10 * 1024, helper=True)
        for label, size in SIZES.items():
            deltas = n_deltas(size)
            reps = 1 if (quick and size > 200_000) else repeats
            cpu: dict[str, list[float]] = {t: [] for t in TRANSPORTS}
            for _ in range(reps):
                for transport, server in servers.items():
                    cpu[transport].append(await _server_once(sim, server, size, next(files)))
            raw = [await _sdk_once(client, sim, size, helper=False) for _ in range(reps)]
            figures: dict[str, Any] = {
                "deltas": deltas,
                "server_cpu_s": median(cpu["lsp"]),
                "server_us_per_delta": median(cpu["lsp"]) / deltas * 1e6,
                "acp_server_cpu_s": median(cpu["acp"]),
                "acp_server_us_per_delta": median(cpu["acp"]) / deltas * 1e6,
                "raw_sdk_cpu_s": median(raw),
                "raw_sdk_us_per_delta": median(raw) / deltas * 1e6,
            }
            if label in HELPER_SIZES:
                helper = [await _sdk_once(client, sim, size, helper=True) for _ in range(reps)]
                figures["helper_cpu_s"] = median(helper)
                figures["helper_us_per_delta"] = median(helper) / deltas * 1e6
            results["sizes"][label] = figures
        for server in servers.values():
            await server.close()
    extrapolate(results)
    await client.close()
    await sim.close()
    return results


def extrapolate(results: dict[str, Any]) -> None:
    """The helper re-parses the partial JSON so far on every delta: its cost per delta is
    a + b * (position), so a whole input of n deltas costs a*n + b*n^2/2. a and b come from
    the two sizes measured; 1 MB (tens of seconds of CPU) is extrapolated, not run."""
    sizes = results["sizes"]
    small, large, big = sizes["10 KB"], sizes["100 KB"], sizes["1 MB"]
    n1, n2, n3 = small["deltas"], large["deltas"], big["deltas"]
    # per-delta means: m = a + b*n/2
    b = 2 * (large["helper_cpu_s"] / n2 - small["helper_cpu_s"] / n1) / (n2 - n1)
    a = small["helper_cpu_s"] / n1 - b * n1 / 2
    big["helper_cpu_s_extrapolated"] = a * n3 + b * n3 * n3 / 2
    for figures in sizes.values():
        helper_cpu = figures.get("helper_cpu_s", figures.get("helper_cpu_s_extrapolated"))
        figures["helper_over_server"] = helper_cpu / figures["server_cpu_s"]
        if "acp_server_cpu_s" in figures:
            figures["helper_over_acp_server"] = helper_cpu / figures["acp_server_cpu_s"]


if __name__ == "__main__":
    import sys

    print(json.dumps(asyncio.run(run(quick="--quick" in sys.argv)), indent=2))

"""The search tool against `rg` alone, same query, same generated workspace, one run.

The workspace: FILES source-like text files of about SIZE_MB in all, in nested folders,
with a .gitignore'd build folder and one file in a hundred defining a function the query
looks for. It is generated once per size into the temp folder and reused. Size:
`AGENTLS_BENCH_SEARCH=files,megabytes` (default 30000,2000; `--quick` 3000,60).

Tool: `SearchTool().run` in this process (guard, rg, output reduced to the first 100
matches in path order, the report), as the server runs it. Baseline: `rg --no-require-git
-n PATTERN .` (the same files) in the same folder with its output read whole, as fast as
ripgrep goes (several threads, no sorting). Alternating, after a warm-up of each, medians.
A second, broad query (every `return`, millions of lines) shows the cost of the tool's own
reading of rg's output.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lib import median

from agentls.tools import ToolContext, ripgrep
from agentls.tools.search import SearchTool

PATTERN = r"def needle_\w+\("
BROAD_PATTERN = "return"
WORDS = (
    *("self", "value", "result", "index", "count", "items", "buffer", "handler", "request"),
    *("response", "config", "session", "update", "stream", "token", "message", "error"),
    *("retry", "path", "root", "file", "line", "text"),
)


def size(quick: bool) -> tuple[int, int]:
    configured = os.environ.get("AGENTLS_BENCH_SEARCH")
    if configured:
        files, megabytes = (int(part) for part in configured.split(","))
        return files, megabytes
    return (3_000, 60) if quick else (30_000, 2_000)


def _block(rng: random.Random, target: int) -> bytes:
    lines: list[str] = []
    length = 0
    while length < target:
        a, b, c = rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS)
        line = rng.choice(
            [
                f"def {a}_{b}(self, {c}):",
                f"    {a} = self.{b}.{c}({a}, {rng.randint(0, 999)})",
                f"    if {a} is None or len({b}) > {rng.randint(1, 99)}:",
                f"        return {c}_{a}",
                f"# {a} {b} {c}: see the {c} of the {b}",
            ]
        )
        lines.append(line)
        length += len(line) + 1
    return ("\n".join(lines) + "\n").encode()


def workspace(files: int, megabytes: int) -> Path:
    root = Path(tempfile.gettempdir()) / f"agentls-bench-search-{files}-{megabytes}"
    stamp = root / ".complete"
    if stamp.exists():
        return root
    rng = random.Random(7)
    per_file = max(200, megabytes * 1_000_000 // files)
    blocks = [_block(rng, per_file) for _ in range(64)]
    root.mkdir(parents=True, exist_ok=True)
    (root / ".gitignore").write_text("build/\n*.log\n")
    for n in range(files):
        folder = root / ("build" if n % 50 == 49 else f"pkg{n % 40:02d}") / f"mod{n % 13:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        data = blocks[n % len(blocks)]
        if n % 100 == 7:
            cut = len(data) // 2
            cut = data.index(b"\n", cut) + 1
            data = data[:cut] + f"def needle_{n}(self):\n".encode() + data[cut:]
        (folder / f"f{n:05d}.py").write_bytes(data)
    stamp.write_text("")
    return root


async def _tool_once(root: Path, pattern: str) -> tuple[float, str]:
    ctx = ToolContext(root=root, documents=None)
    started = time.perf_counter()
    outcome = await SearchTool().run({"pattern": pattern}, ctx)
    return time.perf_counter() - started, outcome.text


def _rg_once(root: Path, pattern: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    completed = subprocess.run(
        # --no-require-git: .gitignore applies outside a repository, as in the tool.
        [ripgrep.rg_path(), "--no-config", "--no-require-git", "-n", pattern, "."],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - started, completed.stdout


async def _compare(root: Path, pattern: str, repeats: int) -> dict[str, Any]:
    _rg_once(root, pattern)  # page cache, both ways
    await _tool_once(root, pattern)
    tool_s: list[float] = []
    rg_s: list[float] = []
    rg_lines = 0
    for _ in range(repeats):
        elapsed, output = _rg_once(root, pattern)
        rg_s.append(elapsed)
        rg_lines = output.count(b"\n")
        elapsed, _text = await _tool_once(root, pattern)
        tool_s.append(elapsed)
    return {
        "pattern": pattern,
        "matches": rg_lines,
        "repeats": repeats,
        "tool_ms": median(tool_s) * 1000,
        "rg_ms": median(rg_s) * 1000,
        "ratio": median([t / r for t, r in zip(tool_s, rg_s, strict=True)]),
    }


async def run(quick: bool = False, repeats: int = 7) -> dict[str, Any]:
    files, megabytes = size(quick)
    started = time.monotonic()
    root = workspace(files, megabytes).resolve()
    generated_s = time.monotonic() - started
    total_bytes = sum(f.stat().st_size for f in root.rglob("*.py"))
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "files": files,
        "bytes": total_bytes,
        "generated_s": generated_s,
        # What a model looks for: a definition, a few hundred matches.
        **await _compare(root, PATTERN, 3 if quick else repeats),
        # The worst case for the tool's own work: millions of matching lines to count.
        "broad": await _compare(root, BROAD_PATTERN, 1 if quick else 3),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(run(quick="--quick" in sys.argv)), indent=2))

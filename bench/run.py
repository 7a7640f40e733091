"""`make bench`: every measurement, side by side in one run, written to docs/performance.md.

The figures go between the `bench:begin` and `bench:end` markers of docs/performance.md
(the prose around them is kept) and, in full, to bench/results.json.
Usage: python bench/run.py [--quick]
    [--only bridge,tool_input,cold_start,session_new,search,panels]
(`AGENTLS_BENCH_SEARCH=files,megabytes` sizes the search workspace; see bench/search.py)
"""

from __future__ import annotations

import asyncio
import compileall
import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
warnings.filterwarnings("ignore", category=DeprecationWarning)

import bridge  # noqa: E402
import cold_start  # noqa: E402
import search  # noqa: E402
import session_new  # noqa: E402
import tool_input  # noqa: E402
from lib import BENCH, REPO, machine  # noqa: E402

DOC = REPO / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def node_version() -> str:
    node = shutil.which("node")
    if node is None:
        return "none"
    return subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()


def panels(quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    nvim = Path(sys.executable).parent / "nvim"
    completed = subprocess.run(
        [
            str(nvim if nvim.exists() else "nvim"),
            "--headless",
            "-u",
            "NONE",
            "-i",
            "NONE",
            "--cmd",
            f"set rtp^={REPO / 'editors' / 'nvim'}",
            "-l",
            str(BENCH / "nvim_panel.lua"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=True,
    )
    out["nvim"] = json.loads(completed.stdout.strip().splitlines()[-1])
    if (REPO / "editors/vscode/node_modules/playwright-core").is_dir() and not quick:
        completed = subprocess.run(
            ["node", str(BENCH / "vscode_panel.mjs")],
            capture_output=True,
            text=True,
            timeout=400,
            check=True,
        )
        out["vscode"] = json.loads(completed.stdout.strip().splitlines()[-1])
    return out


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


NAMES = {"lsp": "LSP", "acp": "ACP"}


def _bridge_rows(b: dict[str, Any]) -> list[str]:
    lines = []
    for t in ("lsp", "acp"):
        for pace in ("100", "1000"):
            lat = b[t]["latency"][pace]
            lines.append(
                f"| 1 | {NAMES[t]} | latency per delta at {int(pace):,}/s, p50 "
                f"| {lat['server_p50_ms']:.3f} ms | SDK {lat['sdk_p50_ms']:.3f} ms "
                f"| {lat['added_p50_ms']:+.3f} ms | | |"
            )
            target = ok = ""
            if pace == "1000":
                target, ok = "< 1 ms added", verdict(lat["added_p99_ms"] < 1.0)
            lines.append(
                f"| 1 | {NAMES[t]} | latency per delta at {int(pace):,}/s, p99 "
                f"| {lat['server_p99_ms']:.3f} ms | SDK {lat['sdk_p99_ms']:.3f} ms "
                f"| {lat['added_p99_ms']:+.3f} ms | {target} | {ok} |"
            )
    for t in ("lsp", "acp"):
        tp = b[t]["throughput"]
        lines.append(
            f"| 2 | {NAMES[t]} | throughput, end to end ({tp['deltas']:,} deltas) "
            f"| {tp['server_per_s']:,.0f}/s | SDK {tp['sdk_per_s']:,.0f}/s | {tp['ratio']:.2f}× "
            f"| ≥ 40,000/s | {verdict(tp['server_per_s'] >= 40_000)} |"
        )
    return lines


def _tool_input_rows(ti: dict[str, Any]) -> list[str]:
    lines = []
    for label, f in ti["sizes"].items():
        helper = f.get("helper_cpu_s")
        helper_text = (
            f"helper {helper:.2f} s"
            if helper is not None
            else f"helper ≈{f['helper_cpu_s_extrapolated']:.0f} s (extrapolated)"
        )
        target, ok = "", ""
        if label == "1 MB":
            target = "≤ 2 s CPU, ≥ 20× helper"
            ok = verdict(f["server_cpu_s"] <= 2.0 and f["helper_over_server"] >= 20)
        lines.append(
            f"| 3 | LSP | `create` of {label} ({f['deltas']:,} deltas of {ti['chunk_chars']} "
            f"chars): server CPU | {f['server_cpu_s']:.2f} s ({f['server_us_per_delta']:.1f} "
            f"µs/delta) | {helper_text}; raw SDK {f['raw_sdk_cpu_s']:.2f} s "
            f"({f['raw_sdk_us_per_delta']:.1f} µs/delta) | {f['helper_over_server']:.0f}× "
            f"faster than helper | {target} | {ok} |"
        )
    big = ti["sizes"]["1 MB"]
    if "acp_server_cpu_s" in big:
        ok = verdict(big["acp_server_cpu_s"] <= 2.0 and big["helper_over_acp_server"] >= 20)
        lines.append(
            f"| 3 | ACP | `create` of 1 MB: server CPU | {big['acp_server_cpu_s']:.2f} s "
            f"({big['acp_server_us_per_delta']:.1f} µs/delta) | as above "
            f"| {big['helper_over_acp_server']:.0f}× faster than helper "
            f"| ≤ 2 s CPU, ≥ 20× helper | {ok} |"
        )
    return lines


def _cold_start_rows(c: dict[str, Any]) -> list[str]:
    lines = [
        f"| 4 | LSP | spawn → `initialize` result | {c['agentls_init_ms']:.0f} ms | bare pygls "
        f"{c['bare_init_ms']:.0f} ms | {c['ratio']:.2f}× | ≤ 1.3× | {verdict(c['ratio'] <= 1.3)} |",
        f"| 4 | LSP | idle RSS before the first session | {c['agentls_rss_idle_mb']:.1f} MB | bare "
        f"pygls {c['bare_rss_idle_mb']:.1f} MB | | ≤ 50 MB "
        f"| {verdict(c['agentls_rss_idle_mb'] <= 50)} |",
    ]
    if "zed_init_ms" in c:
        zed = f"Zed's Claude adapter {c['zed_version']}"
        init_base = f"{zed}: {c['zed_init_ms']:.0f} ms"
        rss_base = f"{zed}: {c['zed_rss_idle_mb']:.1f} MB"
        ratio = f"{c['acp_ratio']:.2f}×"
    else:
        init_base = rss_base = f"Zed's Claude adapter {c['zed_missing']}"
        ratio = ""
    lines += [
        f"| 4 | ACP | spawn → `initialize` result | {c['acp_init_ms']:.0f} ms | {init_base} "
        f"| {ratio} | ≤ 150 ms | {verdict(c['acp_init_ms'] <= 150)} |",
        f"| 4 | ACP | idle RSS before the first session | {c['acp_rss_idle_mb']:.1f} MB "
        f"| {rss_base} | | ≤ 45 MB | {verdict(c['acp_rss_idle_mb'] <= 45)} |",
    ]
    return lines


def _ttfc_rows(b: dict[str, Any]) -> list[str]:
    lines = []
    for t in ("lsp", "acp"):
        tt = b[t]["ttfc"]
        lines.append(
            f"| 5 | {NAMES[t]} | time to first chunk, warm, less the simulator's own "
            f"| {tt['warm_p50_ms']:.2f} ms (p90 {tt['warm_p90_ms']:.2f}) | SDK alone "
            f"{b['sdk_warm_p50_ms']:.2f} ms | | < 5 ms | {verdict(tt['warm_p50_ms'] < 5)} |"
        )
    lines.append(
        "| 5 | LSP | … same, session journal on tmpfs (fsync free) "
        f"| {b['lsp']['ttfc']['warm_tmpfs_p50_ms']:.2f} ms | | | | |"
    )
    for t in ("lsp", "acp"):
        tt = b[t]["ttfc"]
        lines.append(
            f"| 5 | {NAMES[t]} | … first prompt of a new server, after its first session/new "
            f"| {tt['first_prompt_ms']:.1f} ms | SDK alone, a new client's first request "
            f"{b['sdk_first_prompt_ms']:.1f} ms | | ≤ 30 ms "
            f"| {verdict(tt['first_prompt_ms'] <= 30)} |"
        )
    for t in ("lsp", "acp"):
        lines.append(
            f"| 5 | {NAMES[t]} | … first prompt sent at once after the first session/new "
            f"(waits for the SDK's import) | {b[t]['ttfc']['first_prompt_at_once_ms']:.0f} ms "
            "| | | | |"
        )
    return lines


def _search_rows(r: dict[str, Any]) -> list[str]:
    se = r["search"]
    # The target is for the full size; a small tree shows the fixed cost of the guard.
    full = se["files"] >= 30_000
    # Re-rendered results may hold a search row measured apart from the others.
    when = f", run {se['date']}" if se.get("date", r["date"]) != r["date"] else ""
    broad = se["broad"]
    return [
        f"| 7 | core | `search` /{se['pattern']}/ over {se['files']:,} files{when}, "
        f"{se['bytes'] / 1e9:.2f} GB ({se['matches']} matches) | {se['tool_ms']:,.0f} ms | "
        f"`rg` alone {se['rg_ms']:,.0f} ms | {se['ratio']:.2f}× | "
        + ("≤ 1.5× | " + verdict(se["ratio"] <= 1.5) if full else "(≤ 1.5× at 30,000) |")
        + " |",
        f"| 7 | core | … a broad query, /{broad['pattern']}/ ({broad['matches']:,} matches) | "
        f"{broad['tool_ms']:,.0f} ms | `rg` alone {broad['rg_ms']:,.0f} ms | "
        f"{broad['ratio']:.2f}× | | |",
    ]


def _session_new_rows(s: dict[str, Any]) -> list[str]:
    lines = []
    for t in ("lsp", "acp"):
        f = s[t]
        lines.append(
            f"| 8 | {NAMES[t]} | first `session/new` of a new server, sent at once after "
            f"`initialize` | {f['first_ms']:.1f} ms | a request with no work "
            f"{f['noop_ms']:.1f} ms | {f['first_ms'] - f['noop_ms']:+.1f} ms | ≤ 50 ms "
            f"| {verdict(f['first_ms'] <= 50)} |"
        )
    for t in ("lsp", "acp"):
        f = s[t]
        lines.append(
            f"| 8 | {NAMES[t]} | … then a second `session/new`; `session/set_mode` "
            f"| {f['second_ms']:.1f} ms; {f['set_mode_ms']:.1f} ms | | | | |"
        )
    for t in ("lsp", "acp"):
        lines.append(
            f"| 8 | {NAMES[t]} | spawn → first session open (`initialize` + `session/new`) "
            f"| {s[t]['ready_ms']:.0f} ms | | | | |"
        )
    return lines


def _panel_rows(p: dict[str, Any]) -> list[str]:
    lines = []
    if "vscode" in p:
        v = p["vscode"]
        quarters = ", ".join(f"{x:.2f}" for x in v["render_mean_by_quarter_ms"])
        lines.append(
            f"| 6 | LSP | VS Code panel: render per chunk, {v['chars'] / 1024:.0f} KB answer, "
            f"{v['chunks']:,} chunks | p50 {v['render_p50_ms']:.2f} ms, p99 "
            f"{v['render_p99_ms']:.2f} ms (mean by quarter: {quarters}) | | | p99 < 16 ms "
            f"| {verdict(v['render_p99_ms'] < 16)} |"
        )
    n = p["nvim"]
    tenths = ", ".join(f"{x:.0f}" for x in n["mean_us_by_tenth"])
    flat = max(n["mean_us_by_tenth"][-3:]) < 3 * max(1.0, min(n["mean_us_by_tenth"][:3]))
    lines.append(
        f"| 6 | LSP | Neovim panel: append per chunk, {n['chars'] / 1024 / 1024:.0f} MB answer, "
        f"{n['chunks']:,} chunks | p50 {n['p50_us']:.0f} µs, p99 {n['p99_us']:.0f} µs "
        f"(mean by tenth, µs: {tenths}) | | | flat | {verdict(flat)} |"
    )
    return lines


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        BEGIN,
        "",
        f"Run {r['date']} (`make bench`, {r['seconds']:.0f} s"
        + (", quick" if r["quick"] else "")
        + f"). Machine: {m['nproc']} cores, {m['cpu']} ({m['mhz']} MHz), {m['ram_gb']} GB RAM, "
        f"Linux {m['kernel']}, Python {m['python']}, Node {m['node']}; load average at the "
        f"start {m['load']} (shared with other test runs).",
        "",
        "| # | transport | measurement | agentls | baseline (same run) | ratio / added "
        "| target | |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    if "bridge" in r:
        lines += _bridge_rows(r["bridge"])
    if "tool_input" in r:
        lines += _tool_input_rows(r["tool_input"])
    if "cold_start" in r:
        lines += _cold_start_rows(r["cold_start"])
    if "bridge" in r:
        lines += _ttfc_rows(r["bridge"])
    if "panels" in r:
        lines += _panel_rows(r["panels"])
    if "search" in r:
        lines += _search_rows(r)
    if "session_new" in r:
        lines += _session_new_rows(r["session_new"])
    lines += ["", END]
    return "\n".join(lines)


def write_doc(section: str) -> None:
    text = DOC.read_text() if DOC.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(head + section + tail)


async def main(quick: bool, only: set[str]) -> dict[str, Any]:
    # Start-up is measured with bytecode cached, as an installed package runs, also where
    # PYTHONDONTWRITEBYTECODE keeps the interpreter from writing it (an editable install
    # compiles nothing); the baselines' packages were compiled by pip.
    compileall.compile_dir(REPO / "server" / "agentls", quiet=1)
    started = time.monotonic()
    results: dict[str, Any] = {
        "machine": {**machine(), "node": node_version()},
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "quick": quick,
    }
    steps: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        ("cold_start", lambda: cold_start.run(quick=quick)),
        ("session_new", lambda: session_new.run(quick=quick)),
        ("bridge", lambda: bridge.run(quick=quick)),
        ("tool_input", lambda: tool_input.run(quick=quick)),
        ("search", lambda: search.run(quick=quick)),
    ]
    for name, step in steps:
        if name in only:
            print(f"bench: {name}…", file=sys.stderr, flush=True)
            results[name] = await step()
    if "search" in results:
        # Dated as this run (no "run <date>" in its row); copied into another run's
        # results, it keeps this date and its row says so.
        results["search"]["date"] = results["date"]
    if "panels" in only:
        print("bench: panels…", file=sys.stderr, flush=True)
        results["panels"] = panels(quick)
    results["seconds"] = time.monotonic() - started
    return results


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    only = {"bridge", "tool_input", "cold_start", "session_new", "search", "panels"}
    if "--only" in sys.argv:
        only = set(sys.argv[sys.argv.index("--only") + 1].split(","))
    os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    if "--render" in sys.argv:  # re-render the last results.json into the doc
        results = json.loads((BENCH / "results.json").read_text())
        if "tool_input" in results:
            tool_input.extrapolate(results["tool_input"])
    else:
        results = asyncio.run(main(quick, only))
    (BENCH / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    section = render(results)
    write_doc(section)
    print(section)

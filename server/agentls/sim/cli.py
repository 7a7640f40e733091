"""``python -m agentls.sim`` / ``agentls sim``: serve the simulator until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path

from .script import ScriptError
from .server import bound_port, start_site
from .state import SimState


def build_parser(prog: str = "python -m agentls.sim") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve a scripted Anthropic Messages API on 127.0.0.1. Point the SDK at it "
        "with ANTHROPIC_BASE_URL=http://127.0.0.1:PORT (any ANTHROPIC_API_KEY works).",
    )
    parser.add_argument("--script", type=Path, help="JSON file holding a list of turns")
    parser.add_argument(
        "--replay",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a captured SSE stream (the body of a real /v1/messages response) to serve "
        "verbatim to one request; repeat for several requests, served in order after the "
        "--script turns",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any)")
    return parser


def main(argv: list[str] | None = None, *, prog: str = "python -m agentls.sim") -> int:
    """Entry point; `prog` lets a host CLI present this as its own subcommand."""
    args = build_parser(prog).parse_args(argv)
    state = SimState()
    if args.script is not None:
        try:
            state = SimState(json.loads(args.script.read_text(encoding="utf-8")))
        except OSError as exc:
            return _fail(f"{args.script} cannot be read: {exc}")
        except json.JSONDecodeError as exc:
            return _fail(f"{args.script} is not valid JSON: {exc}")
        except ScriptError as exc:
            return _fail(f"{args.script} is not a valid script: {exc}")
    for path in args.replay:
        try:
            state.append([{"replay": path.read_bytes()}])
        except OSError as exc:
            return _fail(f"{path} cannot be read: {exc}")
        except ScriptError as exc:
            return _fail(f"{path} cannot be replayed: {exc}")
    try:
        asyncio.run(_serve(state, args.port))
    except OSError as exc:
        _fail(f"cannot listen on 127.0.0.1:{args.port}: {exc}")
        return 1
    return 0


def _fail(message: str) -> int:
    print(f"agentls-sim: {message}", file=sys.stderr)
    return 2


async def _serve(state: SimState, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runner = await start_site(state, "127.0.0.1", port)
    try:
        print(f"agentls-sim listening on http://127.0.0.1:{bound_port(runner)}", flush=True)
        await stop.wait()
    finally:
        state.holds.release_all()
        await runner.cleanup()

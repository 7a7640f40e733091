"""Command line: `agentls serve | ask | demo | sim`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from agentls import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentls", description="A language server that runs a Claude agent for your editor."
    )
    parser.add_argument("--version", action="version", version=f"agentls {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the language server on stdio (what editors launch)")
    acp = commands.add_parser("acp", help="run the ACP agent on stdio (Zed, JetBrains, ...)")
    acp.add_argument(
        "--options", default=None, metavar="JSON", help="server options as JSON (docs/protocol.md)"
    )
    schema = commands.add_parser("config-schema", help="print the server's options")
    schema.add_argument("--format", choices=("json", "markdown", "lua"), default="json")
    ask = commands.add_parser("ask", help="ask the agent once, from the terminal")
    ask.add_argument("prompt", help="what to ask")
    ask.add_argument("--root", type=Path, default=Path.cwd(), help="workspace root (default: .)")
    ask.add_argument(
        "--options",
        type=json.loads,
        default=None,
        metavar="JSON",
        help='server options as JSON, e.g. \'{"model": "claude-opus-5"}\'',
    )
    demo = commands.add_parser("demo", help="a scripted session on the built-in simulator")
    demo.add_argument("--pace", type=float, default=40.0, help="simulated tokens per second")
    commands.add_parser("sim", help="run the Messages-API simulator", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    if args_list[:1] == ["sim"]:
        from agentls.sim.cli import main as sim_main

        return sim_main(args_list[1:])
    args = _parser().parse_args(args_list)
    if args.command == "serve":
        from agentls.lsp.runner import serve

        return serve()
    if args.command == "acp":
        from agentls.acp.runner import serve as serve_acp

        return serve_acp(args.options)
    if args.command == "config-schema":
        from agentls import config_render
        from agentls.config import schema

        if args.format == "json":
            print(json.dumps(schema(), indent=2))
        else:
            print(getattr(config_render, args.format)(), end="")
        return 0
    if args.command == "ask":
        from agentls.client.terminal import ask

        root = args.root.resolve()
        if not root.is_dir():
            print(f"agentls: --root {root} is not a directory", file=sys.stderr)
            return 2
        return asyncio.run(ask(args.prompt, root=root, options=args.options))
    if args.command == "demo":
        from agentls.client.demo import run_demo

        return run_demo(pace=args.pace)
    return 2

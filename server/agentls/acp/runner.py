"""The `agentls acp` process: stdio, the main loop, and a clean exit when the client goes."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import BinaryIO

log = logging.getLogger(__name__)


def serve(options_json: str | None = None) -> int:
    from agentls.log import configure_logging
    from agentls.stdio import stdin_stdout

    configure_logging()
    options = None
    raw = options_json or os.environ.get("AGENTLS_OPTIONS")
    if raw:
        try:
            options = json.loads(raw)
        except ValueError as exc:
            print(f"agentls acp: --options is not JSON ({exc})", file=sys.stderr)
            return 2
    stdin, stdout = stdin_stdout()
    try:
        code = asyncio.run(_run(stdin, stdout, options))
    except KeyboardInterrupt:
        code = 1
    logging.shutdown()
    os._exit(code)


async def _run(stdin: BinaryIO, stdout: BinaryIO, options: object) -> int:
    from agentls.acp.agent import AcpAgent
    from agentls.agent.store import wait_for_syncs
    from agentls.stdio import PipeWriter

    writer = PipeWriter()
    await writer.open(stdout)
    agent = AcpAgent(writer, options)
    reader = await _reader(stdin)
    try:
        await agent.connection.serve(reader)
    finally:
        # The client is gone: stop every turn (and the commands they run), then exit.
        await agent.close()
        await asyncio.to_thread(wait_for_syncs, 1.0)
        await writer.drain(0.3)
        writer.close()
    return 0


async def _reader(stdin: BinaryIO) -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 16)
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    except ValueError:
        # Not a pipe (a file): read it on a thread instead.
        def pump() -> None:
            while chunk := stdin.read1(1 << 16) if hasattr(stdin, "read1") else stdin.read(1 << 16):
                loop.call_soon_threadsafe(reader.feed_data, chunk)
            loop.call_soon_threadsafe(reader.feed_eof)

        loop.run_in_executor(None, pump)
    return reader

"""The server process: stdio, the main loop, and a clean exit however the editor leaves."""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

from agentls.agent.store import wait_for_syncs
from agentls.lsp import pygls_adapter
from agentls.lsp.server import AgentServer, ClientLogHandler, OneLineClientErrors, build_server
from agentls.lsp.transport import read_messages
from agentls.stdio import stdin_stdout

log = logging.getLogger(__name__)


def serve() -> int:
    from agentls.log import configure_logging

    configure_logging()
    for handler in logging.getLogger().handlers:
        handler.addFilter(OneLineClientErrors())
    server = build_server()
    logging.getLogger().addHandler(ClientLogHandler(server))
    stdin, stdout = stdin_stdout()
    try:
        code = asyncio.run(_run(server, stdin, stdout))
    except KeyboardInterrupt:
        code = 1
    logging.shutdown()
    # A reader thread may still be blocked on stdin (the parent died without closing it);
    # it must not keep the process alive.
    os._exit(code)


async def _run(server: AgentServer, stdin: BinaryIO, stdout: BinaryIO) -> int:
    await server.writer.open(stdout)
    server.protocol.set_writer(server.writer)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stdin")
    ending = [
        asyncio.create_task(
            read_messages(server.protocol, stdin, executor, ready=lambda: server.initialized_once),
            name="read",
        ),
        asyncio.create_task(server.exit_requested.wait(), name="exit"),
        asyncio.create_task(_watch_parent(server), name="parent"),
    ]
    await asyncio.wait(ending, return_when=asyncio.FIRST_COMPLETED)
    for task in ending:
        task.cancel()
    # The editor is gone or asked to exit: stop every turn (and the commands they run).
    await server.sessions.cancel_all()
    await asyncio.to_thread(wait_for_syncs, 1.0)
    await server.model.close()
    await server.writer.drain(0.3)
    server.writer.close()
    executor.shutdown(wait=False, cancel_futures=True)
    return (
        0
        if pygls_adapter.is_shut_down(server.protocol) or not server.exit_requested.is_set()
        else 1
    )


async def _watch_parent(server: AgentServer) -> None:
    """Return once the editor process named in `initialize` (processId) is gone."""
    while True:
        await asyncio.sleep(0.5)
        pid = server.process_id
        if pid is None:
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            log.warning("The editor (process %s) is gone; shutting down", pid)
            return
        except PermissionError:
            continue

"""ModelClient.ready(): the first call imports the SDK and builds the client on a worker
thread, never on the event loop's (importing the SDK takes about a second on a slow machine:
a loop doing it would hold every other request of every session, session/new included)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# A fresh interpreter: the SDK must not be loaded yet when ready() is first called.
SCRIPT = """
import asyncio, json, sys, threading

importers = []

def hook(event, args):
    if event == "import" and args[0] in ("anthropic", "httpx2"):
        importers.append((args[0], threading.current_thread() is threading.main_thread()))

sys.addaudithook(hook)
from agentls.agent.model import ModelClient

async def main():
    loaded_before = "anthropic" in sys.modules
    model = ModelClient()
    first, second = await asyncio.gather(model.ready(), model.ready())
    third = await model.ready()
    await model.close()
    print(json.dumps({
        "loaded_before": loaded_before,
        "importers": importers,
        "one_client": first is second is third,
        "client": type(first).__name__,
    }))

asyncio.run(main())
"""


def test_ready_imports_the_sdk_off_the_event_loop() -> None:
    env = {**os.environ, "ANTHROPIC_API_KEY": "sk-test"}
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["loaded_before"] is False
    assert result["client"] == "AsyncAnthropic"
    assert result["one_client"] is True
    assert result["importers"], "the SDK was never imported"
    on_main = [name for name, main in result["importers"] if main]
    assert on_main == [], f"imported on the event loop's thread: {on_main}"

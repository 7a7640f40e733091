from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from agentls.client.connection import AgentClient
from tests.e2e.harness import Agent

SAMPLE_FILES = {
    "README.md": "# sample\n\nA sample project.\n",
    "src/app.py": "def greet(name):\n    return f'Hello, {name}!'\n\n\nprint(greet('world'))\n",
    "src/util.py": "def add(a, b):\n    return a + b\n",
}


@pytest.fixture
def sim() -> Iterator[Any]:
    from agentls.sim import Simulator

    with Simulator() as simulator:
        yield simulator


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    for name, text in SAMPLE_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


async def start_agent(
    root: Path,
    env: dict[str, str],
    options: dict[str, Any] | None = None,
    *,
    stderr_path: Path,
    apply_edit: bool = True,
) -> Agent:
    client = AgentClient()
    stderr = stderr_path.open("w")
    await client.start(env=env, cwd=root, stderr=stderr)
    stderr.close()
    agent = Agent(client, root, stderr_path)
    client.update_handlers.append(agent.on_update)
    await client.initialize_agent(root, options, apply_edit=apply_edit)
    return agent


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def sim_env(sim: Any, state_dir: Path) -> dict[str, str]:
    return {
        "ANTHROPIC_BASE_URL": sim.base_url,
        "ANTHROPIC_API_KEY": "test-key",
        "AGENTLS_STATE_DIR": str(state_dir),
    }


@pytest.fixture
async def agent(
    workspace: Path, sim_env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Agent]:
    marker = request.node.get_closest_marker("options")
    options = marker.args[0] if marker else None
    started = await start_agent(
        workspace, sim_env, options, stderr_path=tmp_path / "server-stderr.log"
    )
    yield started
    code = await started.client.close()
    assert code == 0, f"server exited with {code}; stderr:\n{started.stderr()}"
    assert started.acp_problems == [], "session/update outside ACP's schema"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "options(dict): initializationOptions for the agent")
    # The server under test must never reach the real API, whatever the developer's shell has.
    os.environ.pop("ANTHROPIC_API_KEY", None)
    os.environ.pop("ANTHROPIC_AUTH_TOKEN", None)
    os.environ.pop("ANTHROPIC_BASE_URL", None)
    # Saved sessions of servers under test never land in the developer's own state dir.
    os.environ["AGENTLS_STATE_DIR"] = tempfile.mkdtemp(prefix="agentls-test-state-")

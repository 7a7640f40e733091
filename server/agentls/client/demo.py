"""`agentls demo`: the terminal client on the built-in simulator, in a copy of a sample
project. No key, no network: the model is simulated and says so."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Any

from agentls.client.terminal import ask

DEMO_PROJECT = Path(__file__).with_name("demo_project")
DEMO_PROMPT = "Where does tinytodo keep its todos, and what happens when that file is missing?"

_ANSWER = """\
**tinytodo keeps its todos in one JSON file: `~/.tinytodo.json`.**

- `todo/store.py` sets `DEFAULT_PATH = Path.home() / ".tinytodo.json"`, and every \
function (`load`, `save`, `add`, `mark_done`) takes a `path` argument that defaults to it, \
so the tests can point it at a temporary file.
- `save()` opens the file with `"w"` and `json.dump`s the whole list: each change rewrites \
the file.

**When the file is missing**, `load()` checks `path.exists()` first and returns an empty \
list, so `python -m todo list` prints nothing and the first `add` creates the file \
(`tests/test_store.py::test_missing_file_is_empty` covers this).

One thing worth knowing: `save()` is not atomic. If the process dies mid-write the file is \
left truncated, and the next `load()` fails with a `JSONDecodeError`. Writing to a temporary \
file and `os.replace`-ing it over the old one would fix that.
"""


def demo_script(pace: float) -> list[dict[str, Any]]:
    """The simulated model's side of the demo: it reads, searches, then answers.

    Each later turn checks that the real tool output reached the model.
    """
    return [
        {
            "blocks": [
                {"type": "text", "text": "I'll start with the project layout."},
                {
                    "type": "tool_use",
                    "name": "str_replace_based_edit_tool",
                    "input": {"command": "view", "path": "."},
                },
            ],
            "pace": pace,
        },
        {
            "blocks": [
                {
                    "type": "text",
                    "text": "The storage code is probably in `todo/store.py`; "
                    "let me find where todos are read and written.",
                },
                {
                    "type": "tool_use",
                    "name": "search",
                    "input": {"pattern": r"def (load|save)\(", "glob": "*.py"},
                },
            ],
            "pace": pace,
            "expect": {"last_user_contains": "store.py"},
        },
        {
            "blocks": [
                {
                    "type": "tool_use",
                    "name": "str_replace_based_edit_tool",
                    "input": {"command": "view", "path": "todo/store.py"},
                },
            ],
            "pace": pace,
            "expect": {"last_user_contains": "def load("},
        },
        {
            "blocks": [{"type": "text", "text": _ANSWER}],
            "pace": pace,
            "expect": {"last_user_contains": "json.dump"},
        },
    ]


def run_demo(pace: float = 40.0) -> int:
    from agentls.sim import Simulator

    with tempfile.TemporaryDirectory(prefix="agentls-demo-") as scratch:
        root = Path(scratch) / "tinytodo"
        shutil.copytree(DEMO_PROJECT, root)
        with Simulator(script=demo_script(pace)) as simulator:
            env = {"ANTHROPIC_BASE_URL": simulator.base_url, "ANTHROPIC_API_KEY": "simulated"}
            banner = (
                "agentls demo: a SIMULATED model (agentls.sim, scripted, no network) in a copy "
                f"of a sample project at {root}\n> {DEMO_PROMPT}"
            )
            return asyncio.run(ask(DEMO_PROMPT, root=root, env=env, banner=banner))

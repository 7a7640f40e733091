"""Helpers for the replay suites: fixtures, and what a request sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "streams"


def replay(name: str) -> dict[str, Any]:
    """A script turn that serves the fixture `name` verbatim."""
    return {"replay": (FIXTURES / name).read_text(encoding="utf-8")}


def sent_messages(sim: Any, request: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = sim.requests[request]["body"]["messages"]
    return messages


def without_cache_control(message: dict[str, Any]) -> dict[str, Any]:
    """A message as stored: the loop adds a cache breakpoint to the last one it sends."""
    return {
        **message,
        "content": [
            {k: v for k, v in block.items() if k != "cache_control"} for block in message["content"]
        ],
    }


def same_bytes(left: Any, right: Any) -> bool:
    """Equal as JSON text, key order included: what "byte for byte" means for a block."""
    return json.dumps(left, ensure_ascii=False) == json.dumps(right, ensure_ascii=False)

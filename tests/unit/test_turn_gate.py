"""A turn runs only behind a permission gate: without one, readOnly would refuse nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentls.agent.conversation import Conversation
from agentls.agent.model import ModelClient
from agentls.agent.turn import PromptTurn
from agentls.agent.updates import SessionUpdates
from agentls.agent.usage import SessionTotals
from agentls.config import Config
from agentls.tools.base import ToolContext


def build(tmp_path: Path, **permissions: Any) -> PromptTurn:
    return PromptTurn(
        conversation=Conversation(),
        config=Config(),
        model=ModelClient(),
        tools=[],
        tool_context=ToolContext(root=tmp_path, documents=None),
        updates=SessionUpdates("s", lambda _params: None),
        totals=SessionTotals(),
        **permissions,
    )


def test_a_turn_without_a_permission_gate_cannot_be_built(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="permissions"):
        build(tmp_path)
    with pytest.raises(TypeError, match="PermissionGate"):
        build(tmp_path, permissions=None)

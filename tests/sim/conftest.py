from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from anthropic import AsyncAnthropic

from agentls.sim import Simulator

USER: list[Any] = [{"role": "user", "content": "hi"}]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as simulator:
        yield simulator


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[AsyncAnthropic]:
    # max_retries=0 so that scripted faults reach the test instead of being retried.
    async with AsyncAnthropic(
        base_url=sim.base_url, api_key="test", max_retries=0, timeout=20
    ) as c:
        yield c

"""The API's model list, for the model picker: fetched once in the background (the SDK's
`models.list()`), never awaited by a request; until it arrives, or if it cannot be had,
the built-in list stands."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from agentls.agent.model import ModelClient

log = logging.getLogger(__name__)

FETCH_TIMEOUT = 10.0


class ModelList:
    def __init__(self, model: ModelClient) -> None:
        self._model = model
        self._models: list[tuple[str, str]] | None = None
        self._task: asyncio.Task[None] | None = None

    def known(self) -> list[tuple[str, str]] | None:
        return self._models

    def fetch_once(self, on_change: Callable[[], None]) -> None:
        """Start fetching, once per server life, if there is a key to fetch with."""
        if self._task is not None:
            return
        try:
            self._model.check_credentials()
        except Exception:
            return  # no key yet: the built-in list stands
        self._task = asyncio.create_task(self._fetch(on_change), name="models.list")

    async def _fetch(self, on_change: Callable[[], None]) -> None:
        try:
            async with asyncio.timeout(FETCH_TIMEOUT):
                client = await self._model.ready()  # the SDK's import: off the event loop
                page = await client.models.list(limit=100)
                models = [(m.id, m.display_name or m.id) for m in page.data]
        except Exception as exc:  # any failure leaves the built-in list: never the user's problem
            log.info("Could not list the API's models (%s); offering the built-in list", exc)
            return
        if models:
            self._models = models
            on_change()

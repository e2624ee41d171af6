"""Long-running tasks each worker process runs beside the HTTP server.

Each domain that needs one (audit sealing, mail sending, event listening) lists a starter in
the domain manifest (app/domains.py): an async function taking the app and returning a
`Stoppable` the lifespan stops on shutdown, in reverse order.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from fastapi import FastAPI

log = logging.getLogger(__name__)


class Stoppable(Protocol):
    async def stop(self) -> None: ...


Starter = Callable[[FastAPI], Awaitable[Stoppable]]


async def start_all(app: FastAPI, starters: list[Starter]) -> list[Stoppable]:
    if not app.state.settings.run_background_tasks:
        return []
    running: list[Stoppable] = []
    try:
        for starter in starters:
            running.append(await starter(app))
    except BaseException:
        # A starter that refuses (a malformed key setting) must not leave the others running.
        await stop_all(running)
        raise
    return running


async def stop_all(running: list[Stoppable]) -> None:
    for task in reversed(running):
        try:
            await task.stop()
        except Exception:
            log.exception("background task failed to stop cleanly")

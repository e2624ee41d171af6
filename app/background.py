"""Long-running tasks each worker process runs beside the HTTP server.

Each domain that needs one (audit sealing, mail sending, event listening) adds one starter
to STARTERS: an async function taking the app and returning a `Stoppable` the lifespan stops
on shutdown. Kept explicit, so what runs in a worker reads off one list.
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

STARTERS: list[Starter] = []


def _register_core_starters() -> None:
    # Imported here, not at module top: background is imported by app.main before the domains.
    from app.audit.tasks import start_audit_sealer
    from app.core.mail import start_mail_sender
    from app.notifications.background import start_notifications
    from app.realtime.service import start_realtime

    STARTERS.append(start_mail_sender)
    from app.identity.maintenance import start_identity_maintenance

    STARTERS.append(start_identity_maintenance)
    STARTERS.append(start_realtime)
    STARTERS.append(start_notifications)
    STARTERS.append(start_audit_sealer)

    from app.directory.staleness import start_stale_reminder

    STARTERS.append(start_stale_reminder)

    from app.cases.tasks import start_deadline_monitor

    STARTERS.append(start_deadline_monitor)


_register_core_starters()


async def start_all(app: FastAPI) -> list[Stoppable]:
    if not app.state.settings.run_background_tasks:
        return []
    return [await starter(app) for starter in STARTERS]


async def stop_all(running: list[Stoppable]) -> None:
    for task in reversed(running):
        try:
            await task.stop()
        except Exception:
            log.exception("background task failed to stop cleanly")

"""The notifications work of one worker: derive from the stream, send daily digests."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from app.notifications.derive import Deriver
from app.notifications.digest import send_digests

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
DIGEST_CHECK_SECONDS = 600.0


class NotificationWorker:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.deriver = Deriver(app.state.db, app.state.settings, poll_seconds=POLL_SECONDS)
        self._digests: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.deriver.start()
        realtime = getattr(self.app.state, "realtime", None)
        if realtime is not None:
            # Derive as soon as this worker's hub sees new positions.
            realtime.hub.on_advance.append(self.deriver.wake)
        self._digests = asyncio.create_task(self._digest_loop(), name="canet-digests")

    async def _digest_loop(self) -> None:
        while True:
            try:
                await send_digests(self.app.state.db, self.app.state.settings)
            except Exception:
                log.exception("digest pass failed")
            await asyncio.sleep(DIGEST_CHECK_SECONDS)

    async def stop(self) -> None:
        realtime = getattr(self.app.state, "realtime", None)
        if realtime is not None and self.deriver.wake in realtime.hub.on_advance:
            realtime.hub.on_advance.remove(self.deriver.wake)
        if self._digests is not None:
            self._digests.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._digests
        await self.deriver.stop()


async def start_notifications(app: FastAPI) -> NotificationWorker:
    """The STARTERS entry (after the realtime one, whose hub wakes the deriver)."""
    worker = NotificationWorker(app)
    worker.start()
    app.state.notifications = worker
    return worker

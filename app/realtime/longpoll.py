"""GET /events: the long-poll fallback, with the same events and checks as the socket."""

from __future__ import annotations

import asyncio

from app.auth.actor import Actor
from app.core.errors import AppError
from app.realtime.hub import fetch_events, head_position, pruned_through
from app.realtime.service import RealtimeService
from app.realtime.stream import StreamEvent


class PositionExpired(AppError):
    status, code, title = 410, "position-expired", "Position outside the retention window"


async def poll(
    service: RealtimeService, actor: Actor, after: int | None, wait: float
) -> tuple[list[StreamEvent], int]:
    """Visible events after `after` (waiting up to `wait` s for some) and the next cursor."""
    hub = service.hub
    if after is None:
        return [], hub.position
    if after < await pruned_through(service.database):
        raise PositionExpired(
            "Events after this position were deleted; reload, then poll from last_id.",
            extra={"last_id": hub.position},
        )
    if after > hub.position and after > await head_position(service.database):
        raise PositionExpired(
            "This position was never handed out here; reload, then poll from last_id.",
            code="position-unknown",
            extra={"last_id": hub.position},
        )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    cursor = after
    while True:
        upto = hub.position
        while cursor < upto:
            batch = hub.recent_after(cursor, upto)
            if batch is None:
                batch = await fetch_events(service.database, cursor, upto)
            if not batch:
                cursor = upto
                break
            visible = await service.policy.visible(actor, batch)
            cursor = batch[-1].position
            if visible:
                return visible, cursor
        cursor = max(cursor, upto)
        remaining = deadline - loop.time()
        if remaining <= 0 or service.stopping:
            return [], cursor
        await hub.wait_beyond(cursor, remaining)

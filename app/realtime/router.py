"""HTTP endpoints of the realtime domain: the websocket `/ws` and the long-poll `/events`."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, WebSocket

from app.auth.actor import Actor
from app.auth.dependencies import authenticate
from app.core.errors import AppError
from app.core.fields import INT8_MAX
from app.core.openapi import SIGN_IN_MARKER
from app.realtime import longpoll
from app.realtime.connection import serve_websocket
from app.realtime.schemas import EventBatch, EventOut
from app.realtime.service import RealtimeService

router = APIRouter(tags=["realtime"])


class RealtimeUnavailable(AppError):
    status, code, title = 503, "realtime-unavailable", "Real-time delivery is not running"


def _service(app_state: object) -> RealtimeService:
    service = getattr(app_state, "realtime", None)
    if service is None:
        raise RealtimeUnavailable("This worker runs without background tasks.")
    return service


async def _caller(request: Request) -> Actor:
    # Its own short session: a long-poll must not hold a pooled connection while it waits.
    async with request.app.state.db.sessionmaker() as session:
        actor = await authenticate(request, session)
        await session.rollback()
    return actor


@router.websocket("/ws")
async def websocket_events(websocket: WebSocket) -> None:
    """Live events: authenticate with the first message, optionally resume, then receive."""
    service = getattr(websocket.app.state, "realtime", None)
    if service is None:
        await websocket.close(1013, "real-time delivery is not running")
        return
    await serve_websocket(websocket, service)


@router.get(
    "/events",
    summary="Long-poll for the events the caller may see after a position.",
    responses={410: {"description": "the position is outside the retention window"}},
    # It authenticates in its body (to hold no pooled connection while waiting).
    openapi_extra={SIGN_IN_MARKER: True},
)
async def poll_events(
    request: Request,
    after: Annotated[
        int | None,
        Query(ge=0, le=INT8_MAX, description="last event id seen; omit to learn the head"),
    ] = None,
    timeout: Annotated[  # noqa: ASYNC109 -- the documented query parameter name
        float, Query(ge=0, le=60, description="seconds to wait")
    ] = 25.0,
) -> EventBatch:
    """Long-poll for the events the caller may see after a position."""
    actor = await _caller(request)
    service = _service(request.app.state)
    events, last_id = await longpoll.poll(service, actor, after, timeout)
    return EventBatch(
        events=[EventOut(id=e.position, event=e.name, data=e.data) for e in events],
        last_id=last_id,
    )

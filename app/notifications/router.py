"""HTTP endpoints of the notifications domain (thin: parse, call one service function, shape)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth.dependencies import CurrentUserAllowExpired
from app.core.pagination import Cursor, Limit
from app.core.responses import FieldsResponse
from app.db import DbSession
from app.notifications import service
from app.notifications.schemas import (
    MarkRead,
    MarkReadResult,
    NotificationPage,
    Preferences,
    PreferencesUpdate,
)

router = APIRouter(tags=["notifications"])


@router.get("/notifications", response_model=NotificationPage)
async def list_notifications(
    session: DbSession,
    actor: CurrentUserAllowExpired,
    cursor: Cursor = None,
    limit: Limit = 50,
    unread: Annotated[bool, Query(description="only unread ones")] = False,
) -> Response:
    """My notifications, newest first, with the unread count."""
    return FieldsResponse(
        await service.list_notifications(
            session, actor=actor, unread=unread, cursor=cursor, limit=limit
        )
    )


@router.post("/notifications/read", response_model=MarkReadResult)
async def mark_notifications_read(
    body: MarkRead, session: DbSession, actor: CurrentUserAllowExpired
) -> MarkReadResult:
    """Mark notifications read: `{ids: [...]}`, `{all: true}` or, for every unread one about
    a subject, `{subject_type, subject_id}` (what a page marks once the member has it open)."""
    return await service.mark_read(
        session, actor=actor, ids=body.ids, everything=body.all, subject=body.subject()
    )


@router.get("/me/notification-preferences", response_model=Preferences)
async def get_notification_preferences(
    session: DbSession, actor: CurrentUserAllowExpired
) -> Preferences:
    """My delivery mode per notification type: in_app, email, digest or off."""
    return await service.get_preferences(session, actor=actor)


@router.put("/me/notification-preferences", response_model=Preferences)
async def set_notification_preferences(
    body: PreferencesUpdate, session: DbSession, actor: CurrentUserAllowExpired
) -> Preferences:
    """Change my delivery mode for some notification types (others keep theirs)."""
    return await service.set_preferences(session, actor=actor, changes=dict(body.preferences))

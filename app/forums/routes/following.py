"""The threads a member follows, across the forums they may read."""

from __future__ import annotations

from fastapi import APIRouter

from app.core.pagination import Cursor, Limit, Page
from app.db import DbSession
from app.forums import service
from app.forums.routes.dependencies import Reader
from app.forums.schemas import FollowedThreadRead

router = APIRouter()


@router.get("/me/followed-threads", response_model=Page[FollowedThreadRead])
async def list_followed_threads(
    session: DbSession, actor: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[FollowedThreadRead]:
    """Threads I follow and may still read, unread ones first, with unread counts."""
    items, next_cursor = await service.list_followed_threads(
        session, actor=actor, limit=limit, cursor=cursor
    )
    return Page(items=items, next_cursor=next_cursor)

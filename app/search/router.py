"""HTTP endpoints of the search domain (thin: parse, call one service function, shape)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from app.auth.actor import Actor
from app.auth.dependencies import RequirePermission
from app.auth.permissions import Permission
from app.db import DbSession
from app.search import service
from app.search.schemas import SearchResults

router = APIRouter(tags=["search"])

Searcher = Annotated[Actor, RequirePermission(Permission.SEARCH)]


@router.get("/search", response_model=SearchResults)
async def search(
    request: Request,
    session: DbSession,
    actor: Searcher,
    q: Annotated[str, Query(min_length=1, max_length=200, description="words to find")],
    scope: Literal["forums", "cases", "directory", "all"] = "all",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    forum_id: Annotated[uuid.UUID | None, Query(description="forums: only this forum")] = None,
    author_id: Annotated[uuid.UUID | None, Query(description="forums: only this author")] = None,
    tag: Annotated[str | None, Query(max_length=40, description="forums: threads tagged")] = None,
    since: Annotated[datetime | None, Query(description="forums: posts written from")] = None,
    until: Annotated[datetime | None, Query(description="forums: posts written before")] = None,
) -> SearchResults:
    """Permission-filtered full-text search with highlighted snippets, best first."""
    forum_filters = {
        key: value
        for key, value in {
            "forum_id": forum_id,
            "author_id": author_id,
            "tag": tag,
            "since": since,
            "until": until,
        }.items()
        if value is not None
    }
    hits = await service.search(
        session,
        actor=actor,
        providers=request.app.state.search_providers,
        q=q,
        scope=scope,
        limit=limit,
        forum_filters=forum_filters,
    )
    return SearchResults(q=q, scope=scope, items=hits)

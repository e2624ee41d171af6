"""Cross-domain search: each domain searches what the caller may read; hits are merged here.

Domains provide `search_text(session, *, actor, q, limit) -> list[SearchHit]`, listed in the
domain manifest (app/domains.py); create_app hands them to this module through the app's
state, so search imports no domain.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core.errors import NotFound
from app.search.schemas import SearchHit

log = logging.getLogger(__name__)

Scope = Literal["forums", "cases", "directory", "all"]
SCOPES: tuple[str, ...] = ("forums", "cases", "directory")

SearchFn = Callable[..., Awaitable[list[SearchHit]]]


async def search(
    session: AsyncSession,
    *,
    actor: Actor,
    providers: Mapping[str, SearchFn],
    q: str,
    scope: Scope,
    limit: int,
    forum_filters: dict[str, Any] | None = None,
) -> list[SearchHit]:
    """Hits for `q` in one scope or all, best first, each already filtered by permission."""
    scopes = SCOPES if scope == "all" else (scope,)
    if forum_filters and scope == "all":
        # Filters by forum, author, tag or date only make sense for forum posts.
        scopes = ("forums",)
    if actor.service_account:
        # A service account never reads forums: for it, searching them does not exist.
        scopes = tuple(name for name in scopes if name != "forums")
        if not scopes:
            raise NotFound()
    hits: list[SearchHit] = []
    for name in scopes:
        searcher = providers[name]
        kwargs: dict[str, Any] = {"actor": actor, "q": q, "limit": limit}
        if name == "forums" and forum_filters:
            kwargs.update(forum_filters)
        # Sequential on purpose: one session is one connection, which runs one query at a time.
        hits.extend(await searcher(session, **kwargs))
    # Ranks are ts_rank values in every domain that uses PostgreSQL text search; across
    # domains they are only roughly comparable, which is good enough to interleave.
    hits.sort(key=lambda hit: hit.rank, reverse=True)
    return hits[:limit]

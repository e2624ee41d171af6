"""Cross-domain search: each domain searches what the caller may read; hits are merged here.

Domains expose `search_text(session, *, actor, q, limit) -> list[SearchHit]` in their
service module; a domain without one (not yet built) simply contributes nothing.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.search.schemas import SearchHit

log = logging.getLogger(__name__)

Scope = Literal["forums", "cases", "directory", "all"]
SCOPES: tuple[str, ...] = ("forums", "cases", "directory")
_MODULES = {
    "forums": "app.forums.service",
    "cases": "app.cases.service",
    "directory": "app.directory.service",
}

SearchFn = Callable[..., Awaitable[list[SearchHit]]]


def _searcher(scope: str) -> SearchFn | None:
    try:
        module = importlib.import_module(_MODULES[scope])
    except ImportError:
        return None
    fn = getattr(module, "search_text", None)
    return fn if callable(fn) else None


async def search(
    session: AsyncSession,
    *,
    actor: Actor,
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
    hits: list[SearchHit] = []
    for name in scopes:
        searcher = _searcher(name)
        if searcher is None:
            continue
        kwargs: dict[str, Any] = {"actor": actor, "q": q, "limit": limit}
        if name == "forums" and forum_filters:
            kwargs.update(forum_filters)
        # Sequential on purpose: one session is one connection, which runs one query at a time.
        hits.extend(await searcher(session, **kwargs))
    # Ranks are ts_rank values in every domain that uses PostgreSQL text search; across
    # domains they are only roughly comparable, which is good enough to interleave.
    hits.sort(key=lambda hit: hit.rank, reverse=True)
    return hits[:limit]

"""API shapes of the cross-domain search (`GET /search`).

`SearchHit` is the one shape every domain's `search_text(session, *, actor, q, limit)` returns,
so the search endpoint can merge hits from forums, cases and the directory by `rank`.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

SearchScope = Literal["forums", "cases", "directory"]


class SearchHit(BaseModel):
    """One search result, already filtered by what the caller may read."""

    scope: SearchScope
    type: str = Field(description="kind of object: post, case, case_message, authority ...")
    id: UUID
    thread_id: UUID | None = Field(
        default=None, description="forum hits: the thread the post belongs to"
    )
    title: str
    snippet: str = Field(
        description="a short excerpt of the text as readers see it (no markdown); matched terms "
        "wrapped in <mark>...</mark>, everything else HTML-escaped"
    )
    url: str = Field(
        description="API path to read the hit, e.g. /api/v1/threads/{id} for a forum post"
    )
    link: str = Field(
        description="browser client route that shows the hit, as in notifications, e.g. "
        "/threads/{thread_id}#post-{id}"
    )
    rank: float = Field(description="relevance; higher is better (comparable within a scope)")


class SearchResults(BaseModel):
    """Hits of one search, best first."""

    q: str
    scope: Literal["forums", "cases", "directory", "all"]
    items: list[SearchHit]

"""API shapes of the forums domain (separate from the tables)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, field_validator

from app.core.fields import Int4, NotNull

# A post body is capped well below the renderer's own cap: a giant body is refused (422)
# before any work is done on it.
MAX_BODY_CHARS = 50_000
MAX_TAGS = 8
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


Trimmed = Annotated[str, BeforeValidator(_strip)]
Body = Annotated[Trimmed, Field(min_length=1, max_length=MAX_BODY_CHARS)]
Reason = Annotated[Trimmed, Field(min_length=1, max_length=500)]


class Author(BaseModel):
    id: uuid.UUID | None
    handle: str | None
    full_name: str | None
    authority_name: str | None = Field(
        None, description="the author's authority (on posts), as named in the directory"
    )


# --- groups -------------------------------------------------------------------------------


class GroupCreate(BaseModel):
    name: Annotated[Trimmed, Field(min_length=2, max_length=120)]
    description: Annotated[str, Field(max_length=2000)] = ""
    region: Annotated[Trimmed, Field(min_length=1, max_length=80)] | None = Field(
        default=None,
        description="UN M49 region or sub-region (as in GET /states): every member whose "
        "authority's state lies in it belongs to the group",
    )


class GroupRead(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    region: str | None
    explicit_member_count: int
    created_at: datetime


class GroupMemberRead(BaseModel):
    user: Author
    added_at: datetime


# --- forums -------------------------------------------------------------------------------


class Audience(BaseModel):
    kind: Literal["network", "group", "moderators"]
    group_id: uuid.UUID | None = None


class AudienceRead(Audience):
    group_name: str | None = None
    group_region: str | None = None
    authority_count: int | None = Field(
        None,
        description="group audiences: the authorities whose members read the forum (those "
        "of the group's region and of its explicit members)",
    )


class ForumCreate(BaseModel):
    name: Annotated[Trimmed, Field(min_length=2, max_length=120)]
    description: Annotated[str, Field(max_length=2000)] = ""
    audience: Audience = Field(default_factory=lambda: Audience(kind="network"))
    position: Int4 = 0


class ForumUpdate(BaseModel):
    """Only the fields sent change; none of them can be cleared."""

    name: Annotated[Annotated[Trimmed, Field(min_length=2, max_length=120)] | None, NotNull] = None
    description: Annotated[Annotated[str, Field(max_length=2000)] | None, NotNull] = None
    audience: Annotated[Audience | None, NotNull] = None
    position: Annotated[Int4 | None, NotNull] = None


class ForumRead(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    audience: AudienceRead
    position: int
    thread_count: int = 0
    last_activity_at: datetime | None = None
    unread_threads: int = Field(0, description="threads with posts the caller has not read")
    unread_count: int = Field(0, description="posts the caller has not read")
    following: bool = False
    allowed_actions: list[str] = Field(
        default_factory=list,
        description="what the caller may do here: start_thread, follow, mark_read",
    )
    created_at: datetime


# --- threads ------------------------------------------------------------------------------


class ThreadCreate(BaseModel):
    title: Annotated[Trimmed, Field(min_length=3, max_length=200)]
    body: Body
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)

    @field_validator("tags")
    @classmethod
    def _normalise_tags(cls, tags: list[str]) -> list[str]:
        out: list[str] = []
        for raw in tags:
            tag = raw.strip().lower()
            if not _TAG.match(tag):
                raise ValueError(
                    "a tag is 1-40 lowercase letters, digits or hyphens, starting with a "
                    "letter or digit"
                )
            if tag not in out:
                out.append(tag)
        return out


class ThreadRead(BaseModel):
    id: uuid.UUID
    forum_id: uuid.UUID
    title: str
    tags: list[str]
    author: Author
    pinned: bool
    locked: bool
    post_count: int
    unread_count: int
    first_unread_post_id: uuid.UUID | None = Field(
        None, description="where the caller left off: their first unread post, if any"
    )
    following: bool
    allowed_actions: list[str] = Field(
        default_factory=list,
        description="what the caller may do to the thread: follow, reply, lock or unlock, "
        "pin or unpin, move",
    )
    created_at: datetime
    last_activity_at: datetime


class ThreadCreated(ThreadRead):
    first_post: PostRead


class ThreadMove(BaseModel):
    forum_id: uuid.UUID
    reason: Reason


class ModerationReason(BaseModel):
    reason: Annotated[Trimmed, Field(max_length=500)] | None = None


class HideRequest(BaseModel):
    reason: Reason


class ReadMarker(BaseModel):
    last_read_post_id: uuid.UUID


class ReadState(BaseModel):
    thread_id: uuid.UUID
    unread_count: int


class Following(BaseModel):
    following: bool


class MarkedRead(BaseModel):
    threads_marked: int


# --- posts --------------------------------------------------------------------------------


class PostCreate(BaseModel):
    body: Body
    reply_to_post_id: uuid.UUID | None = None


class PostUpdate(BaseModel):
    body: Body


class Quote(BaseModel):
    post_id: uuid.UUID
    author: Author
    excerpt: str = Field(description="start of the quoted post, plain markdown; empty if hidden")


class PostRead(BaseModel):
    id: uuid.UUID
    thread_id: uuid.UUID
    author: Author
    body: str = Field(description="markdown; empty when hidden or deleted (except to moderators)")
    body_html: str
    reply_to_post_id: uuid.UUID | None
    quote: Quote | None = None
    mentions: list[uuid.UUID] = Field(default_factory=list)
    version: int
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    hidden: bool
    hidden_reason: str | None = Field(
        None, description="shown to moderators and to the post's author"
    )
    allowed_actions: list[str] = Field(
        default_factory=list,
        description="what the caller may do to the post: quote, edit, delete, history, flag, "
        "hide or unhide",
    )


class PostPreview(BaseModel):
    body: Body


class RenderedBody(BaseModel):
    body_html: str


class Mentionable(BaseModel):
    handle: str
    full_name: str
    authority_name: str | None


class PostRevisionRead(BaseModel):
    version: int
    body: str
    body_html: str
    written_by: uuid.UUID | None
    written_at: datetime
    current: bool


# --- moderation ---------------------------------------------------------------------------


class FlagCreate(BaseModel):
    reason: Annotated[Trimmed, Field(min_length=1, max_length=1000)]


class FlagResolve(BaseModel):
    resolution: Literal["actioned", "dismissed"]
    note: Annotated[str, Field(max_length=1000)] | None = None


class FlagRead(BaseModel):
    id: uuid.UUID
    post_id: uuid.UUID
    thread_id: uuid.UUID
    thread_title: str
    post_author: Author
    post_excerpt: str
    post_hidden: bool
    reporter_id: uuid.UUID | None
    reason: str
    status: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: uuid.UUID | None
    resolution_note: str | None


# --- settings -----------------------------------------------------------------------------


class ForumSettings(BaseModel):
    auto_follow: bool = Field(
        True, description="follow the threads one starts or replies to (default on)"
    )


ThreadCreated.model_rebuild()


# --- threads a member follows ---------------------------------------------------------------


class FollowedThreadRead(BaseModel):
    """A thread the caller follows (itself or through its forum), as the home page lists it."""

    id: uuid.UUID
    forum_id: uuid.UUID
    forum_name: str
    title: str
    pinned: bool
    locked: bool
    post_count: int
    unread_count: int
    last_activity_at: datetime

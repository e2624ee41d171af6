"""Forum tables: groups, forums with an audience, threads, posts, follows, read state, flags.

Posts carry a global, monotonic `seq` (an identity column). Read state is "the highest seq
this member has read in this thread", so unread counts are index range counts and a new post
never has to touch other members' rows or lock a counter shared by the whole thread before it
is written.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlmodel import Field, SQLModel

from app.models.base import Timestamps, UUIDPrimaryKey, utcnow


def _now(*, index: bool = False) -> Any:
    """A timestamptz column that defaults to now (in Python and on the server)."""
    return Field(
        default_factory=utcnow,
        index=index,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )


class ForumGroup(UUIDPrimaryKey, Timestamps, table=True):
    """A set of members: explicit members, plus (if `region` is set) every member whose
    authority's state lies in that UN M49 region or sub-region."""

    __tablename__ = "forum_groups"

    name: str = Field(sa_column=sa.Column(sa.String(120), nullable=False, unique=True))
    description: str = Field(default="", sa_column_kwargs={"server_default": ""})
    region: str | None = Field(default=None, max_length=80)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class ForumGroupMember(SQLModel, table=True):
    __tablename__ = "forum_group_members"

    group_id: uuid.UUID = Field(foreign_key="forum_groups.id", primary_key=True, ondelete="CASCADE")
    # Second in the key and indexed alone: "which groups is this member in" runs per request.
    user_id: uuid.UUID = Field(
        foreign_key="users.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    added_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    added_at: datetime = _now()


class Forum(UUIDPrimaryKey, Timestamps, table=True):
    __tablename__ = "forums"
    __table_args__ = (
        sa.CheckConstraint(
            "audience_kind IN ('network', 'group', 'moderators')", name="audience_kind"
        ),
        sa.CheckConstraint(
            "(audience_kind = 'group') = (group_id IS NOT NULL)", name="group_audience"
        ),
    )

    name: str = Field(max_length=120)
    description: str = Field(default="", sa_column_kwargs={"server_default": ""})
    audience_kind: str = Field(default="network", max_length=16)
    group_id: uuid.UUID | None = Field(
        default=None, foreign_key="forum_groups.id", index=True, ondelete="RESTRICT"
    )
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class Thread(UUIDPrimaryKey, SQLModel, table=True):
    __tablename__ = "forum_threads"
    __table_args__ = (
        # The forum's thread list: pinned first, then most recent activity.
        sa.Index(
            "ix_forum_threads_forum_listing",
            "forum_id",
            sa.text("pinned DESC"),
            sa.text("last_activity_at DESC"),
            sa.text("id DESC"),
        ),
        # Threads with a tag only: every reply rewrites its thread's index entries, and most
        # threads have no tag. A tag query says `tags <> '{}'` too, to be able to use it
        # (app/forums/repository/threads.py `tagged`, migration 0019).
        sa.Index(
            "ix_forum_threads_tags",
            "tags",
            postgresql_using="gin",
            postgresql_where=sa.text("tags <> '{}'"),
        ),
    )

    forum_id: uuid.UUID = Field(foreign_key="forums.id", ondelete="RESTRICT")
    author_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="SET NULL"
    )
    title: str = Field(max_length=200)
    tags: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.String(40)), nullable=False, server_default="{}"),
    )
    pinned: bool = Field(default=False, sa_column_kwargs={"server_default": sa.text("false")})
    locked: bool = Field(default=False, sa_column_kwargs={"server_default": sa.text("false")})
    post_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # seq of the newest post: "has unread posts" is last_post_seq > the reader's last_read_seq.
    last_post_seq: int = Field(
        default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default="0")
    )
    created_at: datetime = _now()
    last_activity_at: datetime = _now()


class Post(UUIDPrimaryKey, SQLModel, table=True):
    __tablename__ = "forum_posts"
    __table_args__ = (
        sa.Index("ix_forum_posts_thread_seq", "thread_id", "seq"),
        sa.Index("ix_forum_posts_search", "search_vector", postgresql_using="gin"),
    )

    seq: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.BigInteger, sa.Identity(), nullable=False, unique=True),
    )
    thread_id: uuid.UUID = Field(foreign_key="forum_threads.id", ondelete="CASCADE")
    author_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="SET NULL"
    )
    reply_to_post_id: uuid.UUID | None = Field(
        default=None, foreign_key="forum_posts.id", ondelete="SET NULL"
    )
    body: str
    body_html: str
    # body_html's text as a reader sees it (no markup, entities decoded): what search indexes
    # and highlights.
    body_text: str
    # Title (weight A) and plain text (weight B) of this post: one GIN index answers searches
    # over both, and the thread title is the same for every post of the thread (titles are
    # fixed).
    search_vector: str = Field(sa_column=sa.Column(TSVECTOR(), nullable=False))
    mentioned_user_ids: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.Uuid()), nullable=False, server_default="{}"),
    )
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = _now(index=True)
    edited_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    edited_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    deleted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    hidden_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    hidden_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    hidden_reason: str | None = Field(default=None, max_length=500)


class PostRevision(UUIDPrimaryKey, SQLModel, table=True):
    """A superseded version of a post (the current version lives on the post)."""

    __tablename__ = "forum_post_revisions"
    __table_args__ = (sa.UniqueConstraint("post_id", "version"),)

    post_id: uuid.UUID = Field(foreign_key="forum_posts.id", ondelete="CASCADE")
    version: int
    body: str
    written_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    written_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    replaced_at: datetime = _now()


class ThreadFollow(SQLModel, table=True):
    """A member's explicit choice for a thread: following, or not (overrides a forum follow)."""

    __tablename__ = "forum_thread_follows"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    thread_id: uuid.UUID = Field(
        foreign_key="forum_threads.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    following: bool = Field(default=True)
    updated_at: datetime = _now()


class ForumFollow(SQLModel, table=True):
    __tablename__ = "forum_forum_follows"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    forum_id: uuid.UUID = Field(
        foreign_key="forums.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    created_at: datetime = _now()


class ThreadRead(SQLModel, table=True):
    __tablename__ = "forum_thread_reads"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    thread_id: uuid.UUID = Field(
        foreign_key="forum_threads.id", primary_key=True, ondelete="CASCADE"
    )
    last_read_seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    updated_at: datetime = _now()


class PostFlag(UUIDPrimaryKey, SQLModel, table=True):
    __tablename__ = "forum_post_flags"
    __table_args__ = (
        # One open flag per member and post; a resolved flag may be raised again.
        sa.Index(
            "uq_forum_post_flags_open",
            "post_id",
            "reporter_id",
            unique=True,
            postgresql_where=sa.text("status = 'open'"),
        ),
        sa.Index("ix_forum_post_flags_status_created", "status", "created_at"),
    )

    post_id: uuid.UUID = Field(foreign_key="forum_posts.id", ondelete="CASCADE")
    reporter_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    reason: str = Field(max_length=1000)
    status: str = Field(default="open", max_length=16)  # open | actioned | dismissed
    created_at: datetime = _now()
    resolved_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    resolved_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    resolution_note: str | None = Field(default=None, max_length=1000)


class ForumUserSettings(SQLModel, table=True):
    __tablename__ = "forum_user_settings"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    # Follow the threads one starts or replies to (Discourse's default).
    auto_follow: bool = Field(default=True)
    updated_at: datetime = _now()

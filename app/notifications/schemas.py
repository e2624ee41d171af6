"""API shapes of the notifications domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

from app.notifications.kinds import Mode


class NotificationRead(BaseModel):
    id: uuid.UUID
    type: str
    title: str = Field(description="content-free summary, e.g. 'New message in case MLA-...'")
    subject_type: str = Field(description="thread | case | user | application | post")
    subject_id: str
    data: dict[str, Any] = Field(description="the ids involved")
    url: str = Field(description="where the client shows it")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationRead]
    next_cursor: str | None = None
    unread_count: int


class MarkRead(BaseModel):
    ids: list[uuid.UUID] | None = Field(default=None, max_length=500)
    all: bool = False
    subject_type: str | None = Field(
        default=None, max_length=16, description="with subject_id: every unread one about it"
    )
    subject_id: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _one_of(self) -> MarkRead:
        subject = (self.subject_type, self.subject_id)
        if None in subject and subject != (None, None):
            raise ValueError("send subject_type and subject_id together")
        ways = (self.all, bool(self.ids), self.subject_type is not None)
        if sum(ways) == 0:
            raise ValueError("send {ids: [...]}, {all: true} or {subject_type, subject_id}")
        if self.subject_type is not None and sum(ways) > 1:
            raise ValueError("a subject cannot be combined with ids or all")
        return self

    def subject(self) -> tuple[str, str] | None:
        if self.subject_type is None or self.subject_id is None:
            return None
        return (self.subject_type, self.subject_id)


class MarkReadResult(BaseModel):
    updated: int
    unread_count: int


class Preferences(BaseModel):
    preferences: dict[str, Mode] = Field(
        description="per type: in_app, email (in app and an email now), digest (in app and "
        "the daily digest email) or off"
    )
    types: dict[str, str] = Field(default_factory=dict, description="what each type is")
    modes: dict[str, list[Mode]] = Field(
        default_factory=dict, description="the modes each type offers (some offer no email)"
    )


class PreferencesUpdate(BaseModel):
    preferences: dict[str, Mode]

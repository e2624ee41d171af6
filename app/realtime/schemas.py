"""API shapes of the realtime domain."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class EventOut(BaseModel):
    type: Literal["event"] = "event"
    id: int = Field(description="stream position; resume after it")
    event: str = Field(description="event name, e.g. post.created")
    data: dict[str, Any] = Field(description="ids involved, never content")


class EventBatch(BaseModel):
    events: list[EventOut]
    last_id: int = Field(description="pass as `after` in the next poll")

"""Cursor pagination: `{"items": [...], "next_cursor": "..." | null}`.

A cursor is an opaque, url-safe encoding of the sort key of the last item returned; the
next page continues strictly after it, so pages stay stable while rows are added.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from app.core.errors import BadRequest

T = TypeVar("T")

MAX_LIMIT = 100
DEFAULT_LIMIT = 50


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError) as exc:
        raise BadRequest("The cursor is not valid.", code="invalid-cursor") from exc
    if not isinstance(values, list):
        raise BadRequest("The cursor is not valid.", code="invalid-cursor")
    return values


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size (at most 100)")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]

"""Keyset pagination: `{"items": [...], "next_cursor": "..." | null}`.

A cursor is an opaque, url-safe encoding of the sort key of the last item returned; the
next page continues strictly after it, so pages stay stable while rows are added.

A cursor comes back from the client, so it is input like any other: `decode_cursor` checks
that it holds exactly the key a listing sorts by, each value of the right kind and within
what its column can hold, and answers 400 `invalid-cursor` otherwise. Without that, a value
of the wrong type or range reaches the database driver and the request fails with a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, NoReturn, TypeVar, overload

import sqlalchemy as sa
from fastapi import Query
from pydantic import BaseModel
from sqlalchemy.sql.sqltypes import NullType

from app.core.errors import BadRequest

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
R = TypeVar("R")
S = TypeVar("S", bound=sa.Select[*tuple[Any, ...]])

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
# Generous for the longest real key (two 1,000-character names, 4 bytes a character in
# UTF-8, in base64); refusing longer ones first bounds the work of decoding.
MAX_CURSOR_CHARS = 16_384
MAX_TEXT_CHARS = 1_000
_INT8 = (-(2**63), 2**63 - 1)
_INT4 = (-(2**31), 2**31 - 1)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        # `Page[PostRead]` is named `PostReadPage` in the OpenAPI document: pydantic's own
        # `Page[PostRead]` becomes `Page_PostRead_`, no name a generated client can use.
        (item,) = params
        if isinstance(item, type):
            return f"{item.__name__}Page"
        return super().model_parametrized_name(params)


class InvalidCursor(BadRequest):
    code, title = "invalid-cursor", "Invalid cursor"

    def __init__(self) -> None:
        super().__init__("The cursor is not valid: pass next_cursor of the previous page as is.")


def _wrong() -> NoReturn:
    raise ValueError("wrong cursor value")


def _int_within(low: int, high: int) -> Callable[[object], int]:
    def convert(value: object) -> int:
        # bool is an int in Python; JSON `true` is no integer key.
        if type(value) is not int or not low <= value <= high:
            _wrong()
        return value

    return convert


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        _wrong()
    return value


def _float(value: object) -> float:
    # A float key (a rank) is always written with a fraction or exponent, so JSON gives a float.
    if type(value) is not float or not math.isfinite(value):
        _wrong()
    return value


def _text(value: object) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT_CHARS or "\x00" in value:
        _wrong()
    value.encode()  # a lone surrogate from a \ud800 escape cannot be sent to PostgreSQL
    return value


def _uuid(value: object) -> uuid.UUID:
    if not isinstance(value, str) or len(value) > 64:
        _wrong()
    return uuid.UUID(value)


def _datetime(value: object) -> datetime:
    if not isinstance(value, str) or len(value) > 64:
        _wrong()
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        _wrong()
    # In UTC every Python datetime is within timestamptz's range; the conversion itself
    # overflows near year 1 and year 9999 (OverflowError, caught by the caller).
    return moment.astimezone(UTC)


def _date(value: object) -> date:
    if not isinstance(value, str) or len(value) > 32:
        _wrong()
    return date.fromisoformat(value)


class Key:
    """The kinds of value a cursor's key holds; each converts one decoded JSON value."""

    bool = staticmethod(_bool)
    int = staticmethod(_int_within(*_INT8))  # bigint columns
    int4 = staticmethod(_int_within(*_INT4))  # integer columns
    float = staticmethod(_float)
    str = staticmethod(_text)
    uuid = staticmethod(_uuid)
    datetime = staticmethod(_datetime)  # timezone-aware ISO 8601, returned in UTC
    date = staticmethod(_date)


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=_plain, ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a cursor value")


def _json_values(cursor: str) -> list[Any]:
    if len(cursor) > MAX_CURSOR_CHARS:
        raise InvalidCursor()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
        values = json.loads(raw.decode(), parse_constant=_no_constant)
    except (ValueError, binascii.Error, RecursionError) as exc:
        # ValueError covers bad UTF-8, bad JSON and integers too long to parse.
        raise InvalidCursor() from exc
    if not isinstance(values, list):
        raise InvalidCursor()
    return values


@overload
def decode_cursor(cursor: str | None, a: Callable[[Any], A], /) -> tuple[A] | None: ...
@overload
def decode_cursor(
    cursor: str | None, a: Callable[[Any], A], b: Callable[[Any], B], /
) -> tuple[A, B] | None: ...
@overload
def decode_cursor(
    cursor: str | None, a: Callable[[Any], A], b: Callable[[Any], B], c: Callable[[Any], C], /
) -> tuple[A, B, C] | None: ...
def decode_cursor(cursor: str | None, *kinds: Callable[[Any], Any]) -> tuple[Any, ...] | None:
    """The key a cursor holds, one value per kind (`Key.datetime`, `Key.uuid`...), or None
    without a cursor; 400 `invalid-cursor` unless it is exactly that key."""
    if not cursor:
        return None
    values = _json_values(cursor)
    if len(values) != len(kinds):
        raise InvalidCursor()
    try:
        return tuple(kind(value) for kind, value in zip(kinds, values, strict=True))
    except (ValueError, TypeError, OverflowError, UnicodeError) as exc:
        raise InvalidCursor() from exc


def _bound(column: Any, value: Any) -> Any:
    kind = getattr(column, "type", None)
    if kind is None or isinstance(kind, NullType):
        return sa.literal(value)
    return sa.literal(value, kind)


def after(
    columns: Sequence[Any], key: Sequence[Any], *, descending: bool | Sequence[bool] = False
) -> sa.ColumnElement[bool]:
    """Rows strictly after `key` in the order of `columns` (each ascending unless descending)."""
    directions = [descending] * len(columns) if isinstance(descending, bool) else list(descending)
    bounds = [_bound(c, v) for c, v in zip(columns, key, strict=True)]
    if len(set(directions)) == 1:
        # One direction: a row comparison, which an index on the same columns serves.
        row, at = sa.tuple_(*columns), sa.tuple_(*bounds)
        return row < at if directions[0] else row > at
    # Mixed directions: beyond the key in the first column that differs.
    clauses = []
    for i, (column, bound) in enumerate(zip(columns, bounds, strict=True)):
        equal = [columns[j] == bounds[j] for j in range(i)]
        beyond = column < bound if directions[i] else column > bound
        clauses.append(sa.and_(*equal, beyond))
    return sa.or_(*clauses)


def apply(
    stmt: S,
    columns: Sequence[Any],
    key: Sequence[Any] | None,
    *,
    descending: bool | Sequence[bool] = False,
) -> S:
    """`stmt` limited to the rows after a decoded cursor's `key` (unchanged without one)."""
    if key is None:
        return stmt
    return stmt.where(after(columns, key, descending=descending))


def page(
    rows: Sequence[R], limit: int, *, key: Callable[[R], Sequence[Any]]
) -> tuple[list[R], str | None]:
    """The first `limit` of `rows` (fetched with one more, to learn whether another page
    follows) and the cursor after the last of them, or None on the last page."""
    items = list(rows[:limit])
    return items, encode_cursor(key(items[-1])) if len(rows) > limit else None


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size (at most 100)")]
Cursor = Annotated[
    str | None,
    Query(description="next_cursor of the previous page, as is (else 400 invalid-cursor)"),
]

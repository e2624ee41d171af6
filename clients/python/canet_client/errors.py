"""Errors: every problem+json answer becomes a typed exception carrying its members.

canet answers errors as RFC 9457 problem details (`application/problem+json`):
`{"type", "title", "status", "detail", "errors"?: [{"field", "message"}], "request_id"?}`.
`CanetError` keeps each member; a subclass per status lets callers catch what they handle
(`except NotFound:`) without reading numbers. A 404 means missing OR not visible to you.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

PROBLEM_TYPE_PREFIX = "urn:canet:problem:"


@dataclass(frozen=True)
class FieldError:
    """One field-level problem of an invalid request."""

    field: str
    message: str


class CanetError(Exception):
    """An error answered by the API (problem+json), or raised by the client itself."""

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        type: str = "about:blank",
        title: str = "",
        errors: list[FieldError] | None = None,
        request_id: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.type = type
        self.title = title or detail
        self.errors = list(errors or [])
        self.request_id = request_id
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    @property
    def code(self) -> str:
        """The stable machine-readable code (`not-found`, `invalid-transition` ...)."""
        if self.type.startswith(PROBLEM_TYPE_PREFIX):
            return self.type[len(PROBLEM_TYPE_PREFIX) :]
        return self.type

    def __str__(self) -> str:
        head = f"{self.status} {self.title}" if self.status else self.title
        text = self.detail if self.detail and self.detail != self.title else ""
        fields = "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        return " - ".join(part for part in (head, text, fields) if part)

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(status={self.status!r}, type={self.type!r}, detail={self.detail!r})"


class BadRequest(CanetError):
    """400: the request is malformed (a forged cursor, malformed JSON ...)."""


class Unauthorized(CanetError):
    """401: not signed in, a token the server no longer accepts, or sign-in refused."""


class Forbidden(CanetError):
    """403: you may see the object but not do this (e.g. the other side's transition)."""


class NotFound(CanetError):
    """404: missing, or not visible to you (the two are indistinguishable on purpose)."""


class Conflict(CanetError):
    """409: not allowed in the object's current state (e.g. submitting a submitted case)."""


class Gone(CanetError):
    """410: e.g. an event position outside the retention window."""


class PayloadTooLarge(CanetError):
    """413: the body (an attachment) is over the server's limit."""


class UnsupportedMediaType(CanetError):
    """415: a file type the server does not accept (judged by content)."""


class ValidationFailed(CanetError):
    """422: invalid input; `errors` lists the fields and what is wrong with each."""


class Throttled(CanetError):
    """429: too many attempts; `retry_after` says how many seconds to wait (or None)."""

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("retry-after"))


class ServerError(CanetError):
    """5xx: the server failed or is unavailable (after the client's own retries)."""


class ServiceUnavailable(ServerError):
    """503: temporarily unavailable (database outage, shutting down); retried by the client."""


class TransportError(CanetError):
    """The server could not be reached or the connection broke (after retries)."""


class IntegrityError(CanetError):
    """Bytes sent or received do not match the SHA-256 digest the server reports."""

    def __init__(self, detail: str, *, expected: str, actual: str) -> None:
        super().__init__(detail, title="Digest mismatch", type="urn:canet-client:digest-mismatch")
        self.expected = expected
        self.actual = actual


class ConfigurationError(CanetError):
    """The client is missing something it needs (a key file, a TOTP callback ...)."""


_BY_STATUS: dict[int, type[CanetError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: ValidationFailed,
    429: Throttled,
    503: ServiceUnavailable,
}


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (a number or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_class(status: int) -> type[CanetError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return CanetError


def error_from_response(response: httpx.Response) -> CanetError:
    """The typed exception for an error answer (the body must have been read)."""
    body: Any = None
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    cls = error_class(response.status_code)
    headers = {k.lower(): v for k, v in response.headers.items()}
    if not isinstance(body, dict):
        text = response.text[:500] if response.content else ""
        return cls(
            text or response.reason_phrase or f"HTTP {response.status_code}",
            status=response.status_code,
            title=response.reason_phrase or f"HTTP {response.status_code}",
            headers=headers,
        )
    errors = [
        FieldError(field=str(e.get("field", "")), message=str(e.get("message", "")))
        for e in body.get("errors") or []
        if isinstance(e, dict)
    ]
    standard = {"type", "title", "status", "detail", "errors", "request_id"}
    status = body.get("status")
    return cls(
        str(body.get("detail") or body.get("title") or response.reason_phrase),
        status=status if isinstance(status, int) else response.status_code,
        type=str(body.get("type") or "about:blank"),
        title=str(body.get("title") or response.reason_phrase),
        errors=errors,
        request_id=body.get("request_id"),
        extra={k: v for k, v in body.items() if k not in standard},
        headers=headers,
    )

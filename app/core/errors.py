"""RFC 9457 problem details: one renderer for every error a client can see.

Domains raise AppError subclasses; validation errors, unknown routes and crashes are turned
into the same shape here. No stack trace reaches a client: a 500 carries only the request id
under which the traceback was logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:canet:problem:"
# The members every problem carries; an extension of the same name would make a client read
# the wrong status or title (a case's status once came out as the HTTP status).
RESERVED_MEMBERS = frozenset({"type", "title", "status", "detail", "errors", "request_id"})


def _check_extensions(extra: dict[str, Any] | None) -> dict[str, Any]:
    clash = sorted(RESERVED_MEMBERS.intersection(extra or {}))
    if clash:
        raise ValueError(f"problem extensions may not redefine standard members: {clash}")
    return dict(extra or {})


class AppError(Exception):
    """An error with a status and a stable machine-readable code."""

    status: int = 400
    code: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: Sequence[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail or self.title
        if code is not None:
            self.code = code
        self.errors = list(errors) if errors else None
        self.headers = headers or {}
        self.extra = _check_extensions(extra)
        super().__init__(self.detail)


class BadRequest(AppError):
    status, code, title = 400, "bad-request", "Bad request"


class Unauthorized(AppError):
    status, code, title = 401, "not-authenticated", "Not authenticated"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(AppError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict with the current state"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload-too-large", "Request body too large"


class ValidationFailed(AppError):
    status, code, title = 422, "validation-failed", "Invalid input"


class TooManyRequests(AppError):
    status, code, title = 429, "too-many-requests", "Too many requests"


def problem_body(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: Sequence[dict[str, str]] | None = None,
    request_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = list(errors)
    if request_id:
        body["request_id"] = request_id
    if extra:
        # Standard members win even if a caller slipped past AppError's check.
        body.update({k: v for k, v in extra.items() if k not in RESERVED_MEMBERS})
    return body


def problem_response(
    request: Request | None,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: Sequence[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None) if request is not None else None
    return JSONResponse(
        problem_body(
            status=status,
            code=code,
            title=title,
            detail=detail,
            errors=errors,
            request_id=request_id,
            extra=extra,
        ),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_JSON,
    )


def _field_name(loc: Sequence[Any]) -> str:
    # ("body", "email") -> "email"; ("query", "limit") -> "limit"; nested -> "a.b.0"
    parts = (
        [str(p) for p in loc[1:]]
        if loc and loc[0] in ("body", "query", "path", "header", "cookie")
        else [str(p) for p in loc]
    )
    return ".".join(parts) or str(loc[0] if loc else "body")


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
        extra=exc.extra,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    if any(err.get("type") == "json_invalid" for err in raw):
        return problem_response(
            request,
            status=400,
            code="malformed-json",
            title="Malformed JSON",
            detail="The request body is not valid JSON.",
        )
    errors = [
        {"field": _field_name(err.get("loc", ())), "message": str(err.get("msg", "invalid"))}
        for err in raw
    ]
    return problem_response(
        request,
        status=422,
        code="validation-failed",
        title="Invalid input",
        detail="; ".join(f"{e['field']}: {e['message']}" for e in errors)[:500],
        errors=errors,
    )


_HTTP_CODES = {
    400: ("bad-request", "Bad request"),
    401: ("not-authenticated", "Not authenticated"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, title = _HTTP_CODES.get(exc.status_code, ("http-error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) and exc.status_code != 404 else title
    return problem_response(
        request,
        status=exc.status_code,
        code=code,
        title=title,
        detail=detail,
        headers=dict(exc.headers or {}),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)

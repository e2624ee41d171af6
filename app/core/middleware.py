"""One pure-ASGI middleware for what every HTTP response needs.

Request id, security headers, the request-size limit, the refusal of NUL characters (see
app.core.nul) and the access log. Written as raw ASGI
rather than BaseHTTPMiddleware: it sits on every request, and streamed bodies (uploads,
exports) must pass through without being buffered.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import PROBLEM_JSON, problem_body
from app.core.logging import request_id_var
from app.core.nul import body_scanner, nul_in_url

access_log = logging.getLogger("canet.access")

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The interactive API docs: Swagger UI's files and its start script, all from this origin
# (app.core.apidocs); its icons are data: URIs in its stylesheet.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; "
    "form-action 'none'"
)
# How long a client should wait before retrying while the database is unavailable.
RETRY_AFTER_SECONDS = 5
WEB_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; "
    "form-action 'self'"
)


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        large_body_paths: Sequence[tuple[re.Pattern[str], int]] = (),
        hsts: bool = False,
        unavailable: Callable[[BaseException], bool] | None = None,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.large_body_paths = list(large_body_paths)
        self.hsts = hsts
        # Tells an outage of the database from a bug (core does not know the driver).
        self.unavailable = unavailable

    def _limit_for(self, path: str) -> int:
        for pattern, limit in self.large_body_paths:
            if pattern.match(path):
                return limit
        return self.max_body

    def _csp_for(self, path: str) -> str:
        if path.startswith("/api/"):
            return API_CSP
        if path in ("/docs", "/redoc") or path.startswith("/docs/"):
            return DOCS_CSP
        return WEB_CSP

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)

        path: str = scope.get("path", "")
        limit = self._limit_for(path)
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}

        extra_headers = [
            (b"x-request-id", request_id.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
            (b"content-security-policy", self._csp_for(path).encode()),
        ]
        if path.startswith("/api/"):
            # Case content must not linger in shared or browser caches.
            extra_headers.append((b"cache-control", b"no-store"))
        if self.hsts:
            extra_headers.append((b"strict-transport-security", b"max-age=31536000"))

        # Set once this middleware has answered for the app (413, or a NUL in the body).
        answered = False

        async def send_wrapper(message: Message) -> None:
            if answered:
                return  # our answer has gone out; whatever the app says next is moot
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                existing = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in extra_headers if k not in existing
                ]
            await send(message)

        declared = headers.get(b"content-length")
        scanner = body_scanner(headers.get(b"content-type"))
        try:
            if declared is not None and declared.isdigit() and int(declared) > limit:
                await self._too_large(send_wrapper, request_id, limit)
                return
            nul_at = nul_in_url(scope)
            if nul_at is not None:
                await self._invalid_characters(send_wrapper, request_id, nul_at)
                return

            received = 0

            async def receive_wrapper() -> Message:
                # A chunked body that outgrows the limit, or a NUL in it: answer at once and
                # tell the app the client went away (raising instead would be caught as a
                # parse error). The app reads a body whole before acting on it.
                nonlocal received, answered
                if answered:
                    return {"type": "http.disconnect"}
                message = await receive()
                if message["type"] == "http.request":
                    chunk = message.get("body", b"")
                    received += len(chunk)
                    if received > limit and not status_holder["started"]:
                        await self._too_large(send_wrapper, request_id, limit)
                        answered = True
                        return {"type": "http.disconnect"}
                    nul = scanner is not None and scanner.feed(chunk)
                    if nul and not status_holder["started"]:
                        await self._invalid_characters(send_wrapper, request_id, "body")
                        answered = True
                        return {"type": "http.disconnect"}
                return message

            try:
                await self.app(scope, receive_wrapper, send_wrapper)
            except Exception as exc:
                if answered:
                    return  # the app noticed the "disconnect" we fed it after answering
                if self.unavailable is not None and self.unavailable(exc):
                    # One line, not a traceback per request for as long as the outage lasts.
                    access_log.warning("database unavailable (%s)", type(exc).__name__)
                    if status_holder["started"]:
                        raise
                    await self._send_problem(
                        send_wrapper,
                        request_id,
                        503,
                        "database-unavailable",
                        "Database unavailable",
                        "The database cannot be reached right now; try again shortly.",
                        headers=[(b"retry-after", str(RETRY_AFTER_SECONDS).encode())],
                        close=False,
                    )
                    return
                # Here rather than in an exception handler: Starlette runs those outside all
                # middleware, so the 500 would miss the request id and security headers.
                access_log.exception("unhandled error")
                if status_holder["started"]:
                    raise
                await self._send_problem(
                    send_wrapper,
                    request_id,
                    500,
                    "internal-error",
                    "Internal error",
                    "Something went wrong on our side; quote the request id when reporting it.",
                    close=False,
                )
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            state: dict[str, Any] = scope.get("state", {})
            access_log.info(
                "%s %s %s",
                scope.get("method"),
                path,
                status_holder["status"],
                extra={
                    "method": scope.get("method"),
                    "path": path,
                    "status": status_holder["status"],
                    "duration_ms": duration_ms,
                    "user_id": str(state["user_id"]) if state.get("user_id") else None,
                },
            )
            request_id_var.reset(token)

    @classmethod
    async def _too_large(cls, send: Send, request_id: str, limit: int) -> None:
        await cls._send_problem(
            send,
            request_id,
            413,
            "payload-too-large",
            "Request body too large",
            f"The request body exceeds the limit of {limit} bytes.",
        )

    @classmethod
    async def _invalid_characters(cls, send: Send, request_id: str, field: str) -> None:
        await cls._send_problem(
            send,
            request_id,
            400,
            "invalid-characters",
            "Invalid characters",
            f"The request holds a NUL character (in {field}); no text may contain one.",
            errors=[{"field": field, "message": "contains a NUL character"}],
        )

    @staticmethod
    async def _send_problem(
        send: Send,
        request_id: str,
        status: int,
        code: str,
        title: str,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: Sequence[tuple[bytes, bytes]] = (),
        close: bool = True,
    ) -> None:
        """The problem, sent by this middleware.

        `close` ends the connection: right for a body refused for what it is (too large, a
        NUL), which is not worth reading on. Not for an outage or a bug met before the app
        read the body (an upload refused while the caller's session is checked): closing a
        socket the client is still writing to makes the kernel answer it with a reset, and
        the reset destroys the answer before the client reads it. Left open, the server reads
        the rest of the body and drops it, and the client gets its 503 and Retry-After.
        """
        body = json.dumps(
            problem_body(
                status=status,
                code=code,
                title=title,
                detail=detail,
                errors=errors,
                request_id=request_id,
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                    *([(b"connection", b"close")] if close else []),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

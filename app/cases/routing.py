"""CaseRoute: audits every refusal on a case that exists (in its own transaction).

The request's transaction rolls back on the error, so the denial is written separately.
A 404 for a case that does not exist is not a refusal and is not recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.auth.actor import Actor
from app.auth.dependencies import request_actor_context
from app.cases.access import CaseNotVisible
from app.core import audit
from app.core.audit import Target
from app.core.errors import AppError, Forbidden

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


async def _record_denial(request: Request, exc: AppError) -> None:
    case_id = getattr(exc, "case_id", None) or request.path_params.get("case_id")
    context = request_actor_context(request)
    actor = Actor(
        user_id=getattr(request.state, "user_id", None),
        client_ip=context["client_ip"],
        user_agent=context["user_agent"],
        request_id=context["request_id"],
    )
    route = request.scope.get("route")
    await audit.record_separately(
        request.app.state.db,
        actor=actor,
        action="case.access.denied",
        target=Target("case", case_id) if case_id else None,
        details={
            "method": request.method,
            "route": getattr(route, "path", request.url.path),
            "code": exc.code,
        },
    )


class CaseRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def audited(request: Request) -> Response:
            try:
                return await handler(request)
            except (CaseNotVisible, Forbidden) as exc:
                await _record_denial(request, exc)
                raise

        return audited

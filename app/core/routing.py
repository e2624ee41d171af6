"""A router that turns away at once the paths none of its routes can match.

FastAPI matches a request by trying every route of every included router in turn, and each
level of inclusion tries its routes again when it hands the request on: with about 170 API
routes, matching alone was a fifth of the CPU of GET /me. A domain's routes all start with a
handful of literal first segments (`/forums`, `/threads`, ...), so a router that knows them
answers "not mine" for every other path with one set lookup, and only the right domain's
routes are tried.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import Match, get_route_path
from starlette.types import Scope


def walk_included(
    routes: Iterable[Any], prefix: str | None = ""
) -> Iterator[tuple[str | None, Any]]:
    """(prefix, route) for every route below `routes`, included routers walked as included
    (their prefixes added, without building FastAPI's per-route contexts); the prefix is None
    below an inclusion whose prefix cannot be read."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is None:
            yield prefix, route
            continue
        context = getattr(route, "include_context", None)
        inner = None if prefix is None or context is None else prefix + context.prefix
        yield from walk_included(included.routes, inner)


def _paths(routes: Iterable[Any]) -> Iterable[str] | None:
    """Every route's path, or None when a route is of a kind not understood (then the router
    never turns anything away: slower, never wrong)."""
    found: list[str] = []
    for prefix, route in walk_included(routes):
        path = getattr(route, "path", None)
        if prefix is None or not isinstance(path, str):
            return None
        found.append(prefix + path)
    return found


def first_segments(router: APIRouter) -> frozenset[str] | None:
    """The literal first path segments of the router's routes; None if any may start with a
    parameter or cannot be read."""
    paths = _paths(router.routes)
    if paths is None:
        return None
    segments = {path.split("/", 2)[1] for path in paths}
    if any(not s or "{" in s for s in segments):
        return None
    return frozenset(segments)


class SegmentRouter(APIRouter):
    """An APIRouter included under `mounted_at` whose `matches` first checks the path's first
    segment below that prefix against its routes' (computed once, after all routes are in).
    `include_dependencies` are for its inclusion to add to every route."""

    def __init__(
        self, *, mounted_at: str, include_dependencies: Sequence[Any] = (), **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.mounted_at = mounted_at.rstrip("/")
        self.include_dependencies = list(include_dependencies)
        self._segments: frozenset[str] | None = None
        self._known = False

    def _may_match(self, path: str) -> bool:
        if not self._known:
            self._segments = first_segments(self)
            self._known = True
        if self._segments is None:
            return True
        if not path.startswith(self.mounted_at + "/"):
            return False
        segment = path[len(self.mounted_at) + 1 :].split("/", 1)[0]
        return segment in self._segments

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not self._may_match(get_route_path(scope)):
            return Match.NONE, {}
        return super().matches(scope)


def by_first_segment(
    router: APIRouter, *, mounted_at: str, dependencies: Sequence[Any]
) -> list[SegmentRouter]:
    """The router's routes, nested routers flattened, as one SegmentRouter per first path
    segment, each to be included with `dependencies` (its `include_dependencies`), which
    then come before a route's own, as when the router itself is included.

    Depth and breadth both cost: FastAPI matches a request once per level of inclusion on
    the way down and again when it hands the request on, trying each route in turn. Grouped
    by first segment, a request is matched against the few routes that share its segment,
    at one level. Two routes under different literal first segments never match the same
    path, so the regrouping changes no answer (within a segment their order is kept). A
    router with a route of another kind (websockets) or a parameter as first segment is
    included whole, as before.
    """
    groups: dict[str, SegmentRouter] = {}

    def group_for(segment: str) -> SegmentRouter:
        group = groups.get(segment)
        if group is None:
            # The dependencies are added where the group is included (app.main), as an
            # inclusion of the domain's router would add them: the domain's own routes then
            # join a group as they are, not rebuilt (each APIRoute holds its dependant,
            # response fields and validators: two copies of every route cost 2 MB a worker).
            group = groups[segment] = SegmentRouter(
                mounted_at=mounted_at, include_dependencies=dependencies
            )
        return group

    for route in router.routes:
        contexts = (
            [RouteContext(route)] if isinstance(route, APIRoute) else iter_route_contexts([route])
        )
        for context in contexts:
            path, endpoint = context.path or "", context.endpoint
            segment = path.split("/", 2)[1] if path.startswith("/") else ""
            if (
                not isinstance(context.original_route, APIRoute)
                or endpoint is None
                or not segment
                or "{" in segment
            ):
                whole = SegmentRouter(mounted_at=mounted_at, include_dependencies=dependencies)
                whole.include_router(router)
                return [whole]
            group = group_for(segment)
            if context.original_route is route:
                group.routes.append(route)  # a route of the domain's router itself
            else:  # from a nested router: rebuilt with what its inclusion resolves
                group.add_api_route(path, endpoint, **_route_options(context))
    return list(groups.values())


def _route_options(context: RouteContext) -> dict[str, Any]:
    """What an inclusion resolves for a route (its effective tags, dependencies, responses
    ...), to add it again as the same route."""
    return {
        "response_model": context.response_model,
        "status_code": context.status_code,
        "tags": context.tags,
        "dependencies": context.dependencies,
        "summary": context.summary,
        "description": context.description,
        "response_description": context.response_description,
        "responses": context.responses,
        "deprecated": context.deprecated,
        "methods": context.methods,
        "operation_id": context.operation_id,
        "response_model_include": context.response_model_include,
        "response_model_exclude": context.response_model_exclude,
        "response_model_by_alias": context.response_model_by_alias,
        "response_model_exclude_unset": context.response_model_exclude_unset,
        "response_model_exclude_defaults": context.response_model_exclude_defaults,
        "response_model_exclude_none": context.response_model_exclude_none,
        "include_in_schema": context.include_in_schema,
        "response_class": context.response_class,
        "name": context.name,
        "callbacks": context.callbacks,
        "openapi_extra": context.openapi_extra,
        "generate_unique_id_function": context.generate_unique_id_function,
        "strict_content_type": context.strict_content_type,
        "max_body_size": context.max_body_size,
    }

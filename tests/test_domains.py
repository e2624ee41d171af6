"""The domain manifest is the one place that assembles the process."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Match

from app import domains
from app.auth.scopes import service_access_guard
from app.cli import build_parser
from app.core.openapi import operation_id
from app.core.routing import SegmentRouter, first_segments
from app.main import API_PREFIX
from app.search.service import SCOPES

APP = Path(__file__).resolve().parents[1] / "app"


def test_every_domain_with_a_router_is_in_the_manifest() -> None:
    packages = {p.parent.name for p in APP.glob("*/router.py")}
    assert packages == {d.name for d in domains.DOMAINS if d.router is not None}


def test_every_search_scope_has_a_provider() -> None:
    assert set(domains.search_providers()) == set(SCOPES)


def test_demo_steps_seed_authorities_before_their_members() -> None:
    names = [name for name, _ in domains.demo_steps()]
    assert names.index("directory") < names.index("identity") < names.index("cases")


def test_the_app_mounts_every_manifest_router(app: FastAPI) -> None:
    mounted = {context.path_format for context in iter_route_contexts(app.routes)}
    for router in domains.routers():
        own = {API_PREFIX + context.path_format for context in iter_route_contexts(router.routes)}
        assert own <= mounted
    assert app.state.search_providers == domains.search_providers()


def test_the_command_line_has_every_domains_commands() -> None:
    parser = build_parser()
    choices = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"serve", "db", "admin", "audit", "directory", "demo"} <= set(choices)


def test_each_domain_router_knows_its_first_segments_and_turns_others_away() -> None:
    # Without its segments a router would try every path (correct, but the speed-up lost).
    seen: set[str] = set()
    for router in domains.routers(API_PREFIX):
        assert isinstance(router, SegmentRouter)
        segments = first_segments(router)
        assert segments, "a domain router whose routes start with a parameter"
        seen |= segments
        assert router.matches({"type": "http", "path": "/api/v1/no-such-thing"})[0] == Match.NONE
        assert router.matches({"type": "http", "path": "/elsewhere"})[0] == Match.NONE
    assert {"me", "forums", "threads", "cases", "authorities"} <= seen
    # Regrouped: one segment per router (only realtime, with its websocket, stays whole).
    several = [r for r in domains.routers(API_PREFIX) if len(first_segments(r) or ()) > 1]
    assert [sorted(first_segments(r) or ()) for r in several] == [["events", "ws"]]


def _routes(app: FastAPI) -> dict[tuple[str, str], list[object]]:
    """Each operation's dependencies (the functions), by path and method."""
    return {
        (context.path_format, method): [d.dependency for d in getattr(context, "dependencies", ())]
        for context in iter_route_contexts(app.routes)
        for method in context.methods or ()
    }


def test_regrouping_by_first_segment_changes_no_route() -> None:
    """The same operations, documented alike and guarded by the same dependencies, as when
    each domain's router is included whole."""
    grouped, whole = (FastAPI(generate_unique_id_function=operation_id) for _ in range(2))
    for router in domains.routers(API_PREFIX):
        grouped.include_router(
            router, prefix=API_PREFIX, dependencies=list(router.include_dependencies)
        )
    for domain in domains.DOMAINS:
        if domain.router is not None:
            guarded = APIRouter(dependencies=[service_access_guard(domain.service_access)])
            guarded.include_router(domain.router)
            whole.include_router(guarded, prefix=API_PREFIX)
    assert grouped.openapi()["paths"] == whole.openapi()["paths"]
    grouped_routes, whole_routes = _routes(grouped), _routes(whole)
    assert grouped_routes.keys() == whole_routes.keys()
    for key, dependencies in grouped_routes.items():
        # Each guard is built per domain: compare them by their domain's access rules.
        assert [getattr(d, "__qualname__", d) for d in dependencies] == [
            getattr(d, "__qualname__", d) for d in whole_routes[key]
        ], key


async def test_routes_of_every_domain_still_answer(client: httpx.AsyncClient) -> None:
    # Anonymous: each domain's route answers with its own refusal, never the catch-all's 404.
    for path in ("/api/v1/me", "/api/v1/forums", "/api/v1/cases", "/api/v1/authorities"):
        response = await client.get(path)
        assert response.status_code == 401, (path, response.text)
    missing = await client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")

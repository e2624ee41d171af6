"""create_app(): routers, error handlers, middleware, lifespan."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app import background, domains, migrate
from app.auth.actor_cache import ActorCache
from app.auth.dependencies import SIGN_IN_DEPENDENCIES
from app.config import Settings, get_settings
from app.core import metrics
from app.core.apidocs import docs_router
from app.core.errors import install_error_handlers, problem_response
from app.core.logging import configure_logging
from app.core.metrics import MetricsMiddleware
from app.core.middleware import EdgeMiddleware
from app.core.openapi import install_openapi, operation_id
from app.core.query import single_valued_query
from app.core.webclient import client_dir, web_client_router
from app.db import Database, database_unavailable, log_database_in_use, resolve_database

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive.")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="The database is reachable and at this code's migration (or a newer release's).",
    )
    async def readyz(request: Request) -> JSONResponse:
        database: Database = request.app.state.db
        expected = request.app.state.schema_head
        try:
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                current = await migrate.current_revisions(connection)
        except Exception as exc:
            log.warning("readiness check: database unreachable: %s", type(exc).__name__)
            metrics.readiness_answered(False)
            return problem_response(
                request,
                status=503,
                code="not-ready",
                title="Not ready",
                detail="The database is unreachable.",
            )
        if not migrate.serves(current, expected):
            metrics.readiness_answered(False)
            return problem_response(
                request,
                status=503,
                code="not-ready",
                title="Not ready",
                detail=(
                    f"The schema is at {migrate.describe(current)}, expected "
                    f"{migrate.describe(expected)}: run `canet db upgrade`."
                ),
            )
        metrics.readiness_answered(True)
        return JSONResponse({"status": "ready", "schema": migrate.describe(current)})

    return router


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """Build the application; `database` lets tests share one engine across app instances."""
    settings = settings or get_settings()
    if settings.env != "test":
        configure_logging(settings.log_format, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        embedded = None
        owns_database = database is None
        if database is None:
            url, embedded = resolve_database(settings)
            log_database_in_use(url, embedded is not None)
            app.state.db = Database(
                url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
            )
        else:
            app.state.db = database
        running = await background.start_all(app, domains.starters())
        # What is running, for the lifespan's end and for whoever must look (tests).
        app.state.background = running
        try:
            yield
        finally:
            await background.stop_all(running)
            if owns_database:
                await app.state.db.dispose()
            if embedded is not None:
                embedded.release()

    app = FastAPI(
        title="canet",
        summary="Central Authorities Network: secure messaging for MLA and extradition requests",
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        # /docs is served by app.core.apidocs from pinned local files, not FastAPI's CDN page.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.schema_head = migrate.head_revisions()
    # Trusted only while the realtime listener hears changes (started with the workers).
    app.state.actor_cache = ActorCache() if settings.actor_cache else None

    install_error_handlers(app)
    install_openapi(app, sign_in_dependencies=SIGN_IN_DEPENDENCIES)
    app.include_router(_health_router())
    app.include_router(docs_router(openapi_url=f"{API_PREFIX}/openapi.json", title="canet API"))
    for router in domains.routers(API_PREFIX):
        app.include_router(
            router,
            prefix=API_PREFIX,
            dependencies=[Depends(single_valued_query), *router.include_dependencies],
        )
    app.state.search_providers = domains.search_providers()
    # Last: its catch-all answers the client's page for every other GET outside /api.
    app.include_router(web_client_router(client_dir(), reload=settings.env == "development"))

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(
        EdgeMiddleware,
        max_body=settings.max_request_bytes,
        large_body_paths=[
            (
                re.compile(rf"^{API_PREFIX}/cases/[^/]+/attachments/?$"),
                settings.max_attachment_bytes + 65_536,
            ),
            (
                re.compile(rf"^{API_PREFIX}/library/documents/[^/]+/file$"),
                settings.max_attachment_bytes + 65_536,
            ),
            (re.compile(rf"^{API_PREFIX}/directory/import$"), 20 * 1_048_576),
        ],
        hsts=settings.base_url.startswith("https://"),
        unavailable=database_unavailable,
    )
    # Outermost: it counts the status the client got, also from the edge middleware.
    app.add_middleware(MetricsMiddleware)
    return app

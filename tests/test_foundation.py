"""The skeleton: health, readiness, problem+json for every kind of bad request, headers."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from app.config import Settings
from app.db import Database, DbSession, on_commit
from app.main import create_app


class Echo(BaseModel):
    name: str
    count: int


@pytest.fixture
async def echo_client(settings: Settings, db: Database) -> httpx.AsyncClient:
    app: FastAPI = create_app(settings, database=db)
    app.state.hooks = []

    @app.post("/api/v1/_echo")
    async def echo(body: Echo, session: DbSession) -> Echo:
        on_commit(session, lambda: _remember(app, "committed"))
        if body.name == "boom":
            raise RuntimeError("internal details that must not leak")
        return body

    app.state.db = db
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _remember(app: FastAPI, what: str) -> None:
    app.state.hooks.append(what)


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_schema_head(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["schema"] == "+".join(app.state.schema_head)


async def test_unknown_route_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:canet:problem:not-found"
    assert body["status"] == 404
    assert body["request_id"] == response.headers["x-request-id"]


async def test_malformed_json_is_400(echo_client: httpx.AsyncClient) -> None:
    response = await echo_client.post(
        "/api/v1/_echo", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:canet:problem:malformed-json"


async def test_wrong_types_are_422_with_field_errors(echo_client: httpx.AsyncClient) -> None:
    response = await echo_client.post("/api/v1/_echo", json={"name": "x", "count": "many"})
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:canet:problem:validation-failed"
    assert body["errors"][0]["field"] == "count"


async def test_oversized_body_is_413(echo_client: httpx.AsyncClient, settings: Settings) -> None:
    big = b'{"name": "' + b"x" * (settings.max_request_bytes + 10) + b'", "count": 1}'
    response = await echo_client.post(
        "/api/v1/_echo", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["type"] == "urn:canet:problem:payload-too-large"


async def test_oversized_chunked_body_is_413(
    echo_client: httpx.AsyncClient, settings: Settings
) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(settings.max_request_bytes // 65536 + 2):
            yield b"x" * 65536

    response = await echo_client.post(
        "/api/v1/_echo", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_crash_is_500_without_details(echo_client: httpx.AsyncClient) -> None:
    response = await echo_client.post("/api/v1/_echo", json={"name": "boom", "count": 1})
    assert response.status_code == 500
    body = response.json()
    assert "internal details" not in response.text
    assert body["request_id"] == response.headers["x-request-id"]


async def test_after_commit_hooks_run_only_on_commit(echo_client: httpx.AsyncClient) -> None:
    transport = echo_client._transport
    assert isinstance(transport, httpx.ASGITransport)
    app = transport.app
    ok = await echo_client.post("/api/v1/_echo", json={"name": "fine", "count": 1})
    assert ok.status_code == 200
    assert app.state.hooks == ["committed"]  # type: ignore[attr-defined]
    await echo_client.post("/api/v1/_echo", json={"name": "boom", "count": 1})
    assert app.state.hooks == ["committed"]  # type: ignore[attr-defined]


async def test_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    assert "access-control-allow-origin" not in headers


async def test_request_id_is_echoed_when_sane(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"x-request-id": "abc-123-def-456"})
    assert response.headers["x-request-id"] == "abc-123-def-456"
    response = await client.get("/healthz", headers={"x-request-id": "bad id\n"})
    assert response.headers["x-request-id"] != "bad id\n"


def test_production_refuses_missing_secrets() -> None:
    from app.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="CANET_SECRET_KEY"):
        Settings(_env_file=None, env="production", database_url="postgresql://x@y/z")  # type: ignore[call-arg]


def test_secret_key_generated_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = Settings(_env_file=None, data_dir=tmp_path).resolved_secret_key()  # type: ignore[call-arg]
    second = Settings(_env_file=None, data_dir=tmp_path).resolved_secret_key()  # type: ignore[call-arg]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


async def test_database_errors_do_not_carry_parameters(db: Database) -> None:
    """A failed statement's text (logged with tracebacks) never holds the values bound to it."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError) as raised:
        async with db.transaction() as session:
            await session.execute(text("SELECT CAST(:v AS text), 1 / 0"), {"v": "case body 7f3a"})
    assert "case body 7f3a" not in str(raised.value)

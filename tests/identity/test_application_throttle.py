"""Applications per client address: a configured burst, then 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.identity.settings import identity_settings
from app.models.identity import LoginThrottle
from tests.factories import make_authority
from tests.identity.helpers import application_body, audit_actions

APPLY = "/api/v1/auth/applications"


@pytest.fixture
def per_address(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CANET_APPLICATIONS_PER_ADDRESS", "2")
    identity_settings.cache_clear()
    yield
    monkeypatch.delenv("CANET_APPLICATIONS_PER_ADDRESS")
    identity_settings.cache_clear()


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 429
    assert int(response.headers["retry-after"]) >= 1


async def test_the_limit_comes_from_settings_and_429_says_when_to_retry(
    client: httpx.AsyncClient, session: AsyncSession, per_address: None
) -> None:
    authority = await make_authority(session)
    await session.commit()
    for n in range(2):
        r = await client.post(APPLY, json=application_body(authority.id, f"a{n}@example.org"))
        assert r.status_code == 201, r.text
    assert_throttled(
        await client.post(APPLY, json=application_body(authority.id, "a2@example.org"))
    )
    assert (await audit_actions(session)).count("vetting.application.submitted") == 2
    # once the delay has passed the next one goes through, and the delay after it is longer
    await session.execute(
        update(LoginThrottle)
        .where(col(LoginThrottle.key).startswith("apply:"))
        .values(blocked_until=None)
    )
    await session.commit()
    r = await client.post(APPLY, json=application_body(authority.id, "a2@example.org"))
    assert r.status_code == 201, r.text
    r = await client.post(APPLY, json=application_body(authority.id, "a3@example.org"))
    assert_throttled(r)
    assert int(r.headers["retry-after"]) >= 2


async def test_five_in_a_row_by_default(client: httpx.AsyncClient, session: AsyncSession) -> None:
    authority = await make_authority(session)
    await session.commit()
    for n in range(5):
        r = await client.post(APPLY, json=application_body(authority.id, f"b{n}@example.org"))
        assert r.status_code == 201, r.text
    assert_throttled(
        await client.post(APPLY, json=application_body(authority.id, "b5@example.org"))
    )


async def test_the_openapi_document_declares_the_429(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    for path in ("/api/v1/auth/applications", "/api/v1/auth/password-reset"):
        assert "429" in document["paths"][path]["post"]["responses"], path

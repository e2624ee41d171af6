"""The application form's list of authorities: anyone may read it, and it holds names only."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_authority


async def test_anyone_gets_every_authority_by_state_with_names_only(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    italy = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    france = await make_authority(session, state_code="FRA", name="BEPI")
    italy.email = "secret-desk@example.org"
    await session.commit()

    response = await client.get("/api/v1/directory/authority-names")

    assert response.status_code == 200, response.text
    assert response.json() == [
        {"id": str(france.id), "name": "BEPI", "state_code": "FRA", "state_name": "France"},
        {
            "id": str(italy.id),
            "name": "Ministero della Giustizia",
            "state_code": "ITA",
            "state_name": "Italy",
        },
    ]
    assert "secret-desk" not in response.text

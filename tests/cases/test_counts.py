"""GET /cases/counts: the home page's "my open cases by status"."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.cases import Case
from tests.cases.conftest import Network, act_ok, create_case, submitted_case

COUNTS = "/api/v1/cases/counts"


async def test_counts_by_status_of_the_cases_one_takes_part_in(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    await create_case(client, net.fr, net.ita, title="Draft")
    first = await submitted_case(client, net)
    second = await submitted_case(client, net)
    done = await submitted_case(client, net)
    await act_ok(client, net.it, second["id"], "acknowledge")
    await act_ok(client, net.fr, done["id"], "withdraw")
    await create_case(client, net.br, net.ita, title="Between two others")
    await session.execute(
        update(Case)
        .where(Case.id == uuid.UUID(first["id"]))  # type: ignore[arg-type]
        .values(due_date=date.today() - timedelta(days=3))
    )
    await session.commit()

    r = await client.get(COUNTS, headers=net.fr.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "by_status": {"draft": 1, "submitted": 1, "acknowledged": 1},
        "open": 3,
        "overdue": 1,
    }
    # The requested side sees neither the other side's draft nor the withdrawn case.
    r = await client.get(COUNTS, headers=net.it.headers)
    assert r.json() == {"by_status": {"submitted": 1, "acknowledged": 1}, "open": 2, "overdue": 1}
    assert list(r.json()["by_status"]) == ["submitted", "acknowledged"]  # in lifecycle order
    # Outsiders count nothing of these cases.
    r = await client.get(COUNTS, headers=net.liaison.headers)
    assert r.json() == {"by_status": {}, "open": 0, "overdue": 0}
    for member in (net.admin, net.moderator, net.auditor):
        assert (await client.get(COUNTS, headers=member.headers)).status_code == 403

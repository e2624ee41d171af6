"""The receipt is a step of its own: reading a case never changes it."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases import service as cases_service
from app.cases.access import load_case
from tests.cases.conftest import Network, audit_rows, submitted_case


async def test_reads_leave_a_submitted_case_submitted_until_the_receipt_is_recorded(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = uuid.UUID(case["id"])

    view = await load_case(session, net.it.actor, cid)
    seen = await cases_service.get_case(session, actor=net.it.actor, view=view)
    await cases_service.get_timeline(session, actor=net.it.actor, view=view)
    await cases_service.list_messages(session, actor=net.it.actor, view=view)
    await session.commit()  # the audit entries are written as the transaction commits
    assert seen.status == "submitted"
    assert await audit_rows(session, "case.received", cid) == []

    view = await cases_service.record_receipt(session, actor=net.it.actor, case_id=cid)
    again = await cases_service.get_case(session, actor=net.it.actor, view=view)
    await session.commit()
    assert again.status == "received"
    assert [row.actor_user_id for row in await audit_rows(session, "case.received", cid)] == [
        net.it.id
    ]

    # Only once, whoever of the requested side looks next.
    await cases_service.record_receipt(session, actor=net.it2.actor, case_id=cid)
    await session.commit()
    assert len(await audit_rows(session, "case.received", cid)) == 1


async def test_the_requesting_side_records_no_receipt(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = uuid.UUID(case["id"])

    view = await cases_service.record_receipt(session, actor=net.fr.actor, case_id=cid)
    seen = await cases_service.get_case(session, actor=net.fr.actor, view=view)
    await session.commit()

    assert seen.status == "submitted"
    assert await audit_rows(session, "case.received", cid) == []

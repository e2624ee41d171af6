"""Rules for events whose producers publish them by these names (moderation, vetting, deadlines)."""

from __future__ import annotations

import httpx

from app.config import Settings
from app.core import events
from app.core.events import Audience
from app.db import Database
from tests.cases.conftest import Network, net, submitted_case  # noqa: F401 -- the fixture
from tests.factories import make_member
from tests.notifications.conftest import notifications_of, settle


async def _publish(db: Database, name: str, data: dict[str, object], audience: Audience) -> None:
    async with db.transaction() as session:
        await events.publish(session, name, data, audience=audience)


async def test_moderators_hear_of_waiting_flags_and_applications(
    db: Database, settings: Settings, session
) -> None:  # type: ignore[no-untyped-def]
    moderator = await make_member(session, roles=["moderator"])
    officer = await make_member(session)
    applicant = await make_member(session)
    await session.commit()
    await _publish(
        db,
        "post.flagged",
        {"post_id": "8e2b6a3e-0000-4000-8000-000000000001", "flag_id": "f1"},
        Audience.of("moderators"),
    )
    await _publish(
        db, "application.ready_for_review", {"application_id": "a1"}, Audience.of("moderators")
    )
    await _publish(
        db,
        "vetting.decided",
        {"application_id": "a1", "user_id": str(applicant.id), "decision": "approve"},
        Audience.of("user", applicant.id),
    )
    await settle(db, settings)
    assert [n.type for n in await notifications_of(db, moderator.id)] == [
        "moderation_flag",
        "moderation_application",
    ]
    assert await notifications_of(db, officer.id) == []
    [decision] = await notifications_of(db, applicant.id)
    assert decision.type == "vetting_decision"
    assert decision.data == {
        "application_id": "a1",
        "user_id": str(applicant.id),
        "decision": "approve",
    }


async def test_deadline_notices_reach_case_participants(
    client: httpx.AsyncClient,
    net: Network,  # noqa: F811
    db: Database,
    settings: Settings,
) -> None:
    case = await submitted_case(client, net)
    await settle(db, settings)
    await _publish(
        db,
        "case.deadline.passed",
        {"case_id": case["id"], "entry_id": "1"},
        Audience.of("case", case["id"]),
    )
    await settle(db, settings)
    notes = await notifications_of(db, net.it.id)
    assert notes[-1].type == "case_deadline"
    assert notes[-1].title == f"Deadline notice for case {case['reference']}"
    assert all(n.type != "case_deadline" for n in await notifications_of(db, net.br.id))

"""Who hears of a catalogue entry: the other side's focal points when their consent is asked,
moderators when it waits for review, its author at each decision; nobody else."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Database
from app.models.notifications import Notification
from tests.cases.conftest import Network
from tests.catalogue.conftest import closed_case, nominate, step_ok
from tests.notifications.conftest import notifications_of, settle


async def _catalogue(db: Database, user_id: uuid.UUID) -> list[Notification]:
    """The member's catalogue notifications (the case's own come and go beside them)."""
    return [n for n in await notifications_of(db, user_id) if n.type.startswith("catalogue_")]


async def test_consent_review_and_decisions_notify_who_acts_next(
    client: httpx.AsyncClient, session: AsyncSession, db: Database, settings: Settings, net: Network
) -> None:
    case = await closed_case(client, net)
    entry = await nominate(client, net.fr, case["id"])
    eid = entry["id"]
    await step_ok(client, net.fr, eid, "submit")
    await settle(db, settings)
    consent = await _catalogue(db, net.it_focal.id)
    assert [(n.type, n.delivery, n.subject_type, n.subject_id) for n in consent] == [
        ("catalogue_consent", "email", "catalogue_entry", eid)
    ]
    assert case["reference"] not in consent[0].title
    for member in (net.it, net.it2, net.fr_focal, net.br):
        assert [
            n for n in await notifications_of(db, member.id) if n.type.startswith("catalogue")
        ] == []

    await step_ok(client, net.it_focal, eid, "consent")
    await settle(db, settings)
    review = await _catalogue(db, net.moderator.id)
    assert [(n.type, n.subject_id) for n in review] == [("catalogue_review", eid)]
    decided = await _catalogue(db, net.fr.id)
    assert [(n.type, n.data.get("decision")) for n in decided] == [
        ("catalogue_decision", "consent")
    ]

    await step_ok(client, net.moderator, eid, "approve")
    await settle(db, settings)
    decided = await _catalogue(db, net.fr.id)
    assert [n.data.get("decision") for n in decided] == ["consent", "approve"]
    # Each links to the entry's page in the client, in the list as in the mail.
    listed = await client.get("/api/v1/notifications", headers=net.fr.headers)
    urls = {n["url"] for n in listed.json()["items"] if n["type"] == "catalogue_decision"}
    assert urls == {f"/catalogue/entries/{eid}"}
    consent_list = await client.get("/api/v1/notifications", headers=net.it_focal.headers)
    assert f"/catalogue/entries/{eid}" in {n["url"] for n in consent_list.json()["items"]}

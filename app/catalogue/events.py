"""The catalogue's events: which notifications they make.

Registered with app.core.event_rules on import (the domain manifest imports this module).
Events carry the entry's id only. A consent request is addressed to each focal point of the
other side's authority, a review request to moderators, a decision to the entry's author.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Permission
from app.catalogue import repository
from app.core import event_catalog, event_rules
from app.core.event_rules import Batch, Planned, StoredEvent
from app.identity import service as identity_service

_DECISIONS = {
    "consent": "The other side consented to your catalogue entry",
    "decline": "The other side declined your catalogue entry",
    "approve": "Your catalogue entry was published",
    "request_changes": "A moderator asks for changes to your catalogue entry",
    "reject": "Your catalogue entry was rejected",
    "withdraw_consent": "Consent to your catalogue entry was withdrawn",
}


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _path(entry_id: uuid.UUID) -> str:
    return f"/catalogue/entries/{entry_id}"


async def consent_requested(
    session: AsyncSession, event: StoredEvent, batch: Batch
) -> list[Planned]:
    recipient = _uuid(event.audience_id) if event.audience_kind == "user" else None
    entry_id = _uuid(event.data.get("entry_id"))
    entry = await repository.entry_by_id(session, entry_id) if entry_id else None
    if recipient is None or entry is None or entry.status != "awaiting_consent":
        return []
    title = f"Your authority's consent is asked for a catalogue entry: {entry.title}"
    ids = {"entry_id": str(entry.id)}
    return [
        Planned(recipient, "catalogue_consent", "catalogue_entry", str(entry.id), title,
                _path(entry.id), ids)
    ]  # fmt: skip


async def review_requested(
    session: AsyncSession, event: StoredEvent, batch: Batch
) -> list[Planned]:
    entry_id = _uuid(event.data.get("entry_id"))
    entry = await repository.entry_by_id(session, entry_id) if entry_id else None
    if entry is None or entry.status != "in_review":
        return []
    title = f"A catalogue entry waits for review: {entry.title}"
    ids = {"entry_id": str(entry.id)}
    return [
        Planned(user_id, "catalogue_review", "catalogue_entry", str(entry.id), title,
                _path(entry.id), ids)
        for user_id in await identity_service.active_member_ids_with(
            session, Permission.CATALOGUE_MODERATE
        )
        if user_id != entry.author_id
    ]  # fmt: skip


async def entry_decided(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    recipient = _uuid(event.audience_id) if event.audience_kind == "user" else None
    entry_id = _uuid(event.data.get("entry_id"))
    title = _DECISIONS.get(str(event.data.get("decision")))
    if recipient is None or entry_id is None or title is None:
        return []
    ids = {"entry_id": str(entry_id), "decision": str(event.data.get("decision"))}
    return [
        Planned(recipient, "catalogue_decision", "catalogue_entry", str(entry_id), title,
                _path(entry_id), ids)
    ]  # fmt: skip


event_rules.rule("catalogue.consent_requested", consent_requested)
event_rules.rule("catalogue.review_requested", review_requested)
event_rules.rule("catalogue.entry_decided", entry_decided)
event_rules.notification_type(
    "catalogue_consent", "email", "your authority's consent is asked for a catalogue entry"
)
event_rules.notification_type("catalogue_review", "in_app", "a catalogue entry waits for review")
event_rules.notification_type(
    "catalogue_decision", "in_app", "a step was taken on your catalogue entry"
)


# -- what the catalogue publishes (docs/events.md is rendered from these) ----------------------
event_catalog.declare(
    "catalogue.consent_requested",
    "An entry about a case of the focal point's authority waits for their consent.",
    audiences=("user",),
    payload={"entry_id": "the catalogue entry"},
)
event_catalog.declare(
    "catalogue.review_requested",
    "A catalogue entry waits for a moderator's review.",
    audiences=("moderators",),
    payload={"entry_id": "the catalogue entry"},
)
event_catalog.declare(
    "catalogue.entry_decided",
    "A decision on the author's catalogue entry.",
    audiences=("user",),
    payload={"entry_id": "the catalogue entry", "decision": "the step taken"},
)

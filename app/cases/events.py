"""The cases' events: who may receive them, and which notifications they make.

Registered with app.core.event_rules on import (the domain manifest imports this module).
Only a case's participants ever hear of it. Titles carry the network reference and never
content: no message text, no names of persons, no file names.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.cases import repository
from app.cases import service as cases_service
from app.cases.service import audience as case_audience_module
from app.core import event_catalog, event_rules
from app.core.event_rules import Batch, Planned, StoredEvent
from app.identity import service as identity_service

# Batch.facts: case id -> its participants. The same for every event of one batch (one
# transaction, one "now"), and a busy case has many events in a batch.
_PARTICIPANTS = "cases.participants"
_TRANSITION_TYPES = {"submit": "case_received", "acknowledge": "case_acknowledged"}


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


async def case_audience(
    session: AsyncSession, case_id: uuid.UUID, receivers: Sequence[Actor]
) -> set[uuid.UUID]:
    """The receivers who take part in the case now (read once per event, never cached)."""
    candidates = [a for a in receivers if a.can(Permission.CASE_ACCESS)]
    if not candidates:
        return set()
    members = [a for a in candidates if not a.service_account]
    found: set[uuid.UUID] = set()
    if members:
        participants = set(await cases_service.participant_user_ids(session, case_id))
        found |= {a.user_id for a in members if a.user_id in participants and a.user_id}
    # A service account's rights come with its token, not its row: judged as it connected.
    systems = [a for a in candidates if a.service_account]
    if systems:
        found |= await case_audience_module.readers_among(session, case_id, systems)
    return found


async def case_event(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    case_id = _uuid(event.data.get("case_id"))
    if case_id is None:
        return []
    case = await repository.case_by_id(session, case_id)
    if case is None:
        return []
    ref = case.reference
    ids: dict[str, Any] = {k: str(v) for k, v in event.data.items() if k.endswith("_id")}
    actor_id: uuid.UUID | None = None
    if event.name == "case.message.created":
        message = await repository.message_by_id(session, _uuid(event.data.get("message_id")))
        actor_id = message.author_id if message else None
        kind, title = "case_message", f"New message in case {ref}"
    elif event.name == "case.attachment.created":
        attachment_id = _uuid(event.data.get("attachment_id"))
        attachment = await repository.attachment_by_id(session, attachment_id)
        actor_id = attachment.uploaded_by if attachment else None
        kind, title = "case_message", f"New attachment in case {ref}"
    elif event.name == "case.transitioned":
        entry = await repository.timeline_entry_by_id(session, _uuid(event.data.get("entry_id")))
        if entry is None:
            return []
        actor_id = entry.actor_user_id
        action = entry.action or ""
        if action == "report_delay":
            kind, title = "case_cannot_meet", f"A deadline of case {ref} cannot be met"
        elif "deadline" in entry.kind or "overdue" in entry.kind:
            kind, title = "case_deadline", f"Deadline notice for case {ref}"
        elif action in _TRANSITION_TYPES:
            kind = _TRANSITION_TYPES[action]
            title = f"New case {ref} received" if action == "submit" else f"Case {ref} acknowledged"
        else:
            status = (entry.to_status or case.status).replace("_", " ")
            kind, title = "case_status", f"Case {ref} is now {status}"
    elif event.name.startswith("case.deadline"):
        kind, title = "case_deadline", f"Deadline notice for case {ref}"
    else:
        return []
    known: dict[uuid.UUID, list[uuid.UUID]] = batch.facts.setdefault(_PARTICIPANTS, {})
    participants = known.get(case_id)
    if participants is None:
        participants = await cases_service.participant_user_ids(session, case_id)
        known[case_id] = participants
    recipients = [u for u in participants if u != actor_id]
    planned = [
        Planned(user_id, kind, "case", str(case_id), title, f"/cases/{case_id}", ids)
        for user_id in recipients
    ]
    if kind == "case_received":
        # Only the requested side receives the case; for the requesting side it is a status.
        requested = await identity_service.member_ids_of_authority(
            session, case.requested_authority_id, among=recipients
        )
        for item in planned:
            if item.user_id not in requested:
                item.type, item.title = "case_status", f"Case {ref} is now submitted"
    return planned


async def case_invitation(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    recipient = _uuid(event.audience_id) if event.audience_kind == "user" else None
    case_id = _uuid(event.data.get("case_id"))
    if recipient is None or case_id is None:
        return []
    case = await repository.case_by_id(session, case_id)
    participation = await repository.participation(session, case_id, recipient)
    # An invitation already ended (or a member who lost access) makes no notification.
    if (
        case is None
        or participation is None
        or not await cases_service.is_participant(session, recipient, case_id)
    ):
        return []
    role = participation.role
    ref = case.reference
    title = (
        f"You were invited to follow case {ref}"
        if role == "observer"
        else f"You were assigned to case {ref}"
    )
    ids = {"case_id": str(case_id)}
    return [
        Planned(recipient, "case_invitation", "case", str(case_id), title, f"/cases/{case_id}", ids)
    ]


event_rules.audience("case", case_audience)
for _name in (
    "case.transitioned",
    "case.message.created",
    "case.attachment.created",
    "case.deadline.near",
    "case.deadline.passed",
):
    event_rules.rule(_name, case_event)
event_rules.rule("case.participant.invited", case_invitation)
for _type, _mode, _description in (
    ("case_received", "email", "a case submitted to your authority"),
    ("case_acknowledged", "email", "a case of yours was acknowledged"),
    ("case_message", "email", "a new message or attachment in a case"),
    ("case_status", "email", "a case changed status"),
    ("case_deadline", "email", "a case deadline is near or has passed"),
    ("case_cannot_meet", "email", "the requested side cannot meet a deadline"),
    ("case_invitation", "email", "you were invited to follow or assigned to a case"),
):
    event_rules.notification_type(_type, _mode, _description)  # type: ignore[arg-type]


# -- what cases publish (docs/events.md is rendered from these) --------------------------------
event_catalog.declare(
    "case.created",
    "A case was created (a draft: only its requesting side hears of it).",
    audiences=("case",),
    payload={"case_id": "the case"},
)
event_catalog.declare(
    "case.transitioned",
    "A case changed status, or a receipt landed on its timeline.",
    audiences=("case",),
    payload={"case_id": "the case", "entry_id": "the timeline entry"},
)
event_catalog.declare(
    "case.message.created",
    "A new message in a case.",
    audiences=("case",),
    payload={"case_id": "the case", "message_id": "the message"},
)
event_catalog.declare(
    "case.attachment.created",
    "A file was attached to a case.",
    audiences=("case",),
    payload={"case_id": "the case", "attachment_id": "the file"},
)
event_catalog.declare(
    "case.attachment.deleted",
    "A file of a case was deleted or purged (a tombstone remains).",
    audiences=("case",),
    payload={"case_id": "the case", "attachment_id": "the file"},
)
event_catalog.declare(
    "case.legal_hold.set",
    "A legal hold was put on a case: nothing of it is purged.",
    audiences=("case",),
    payload={"case_id": "the case"},
)
event_catalog.declare(
    "case.legal_hold.released",
    "A case's legal hold was released.",
    audiences=("case",),
    payload={"case_id": "the case"},
)
event_catalog.declare(
    "case.participant.invited",
    "The member was invited into a case as an observer or assigned to it.",
    audiences=("user",),
    payload={"case_id": "the case"},
)
event_catalog.declare(
    "case.deadline.near",
    "A case's due date is near.",
    audiences=("case",),
    payload={"case_id": "the case"},
)
event_catalog.declare(
    "case.deadline.passed",
    "A case's due date passed without an answer.",
    audiences=("case",),
    payload={"case_id": "the case", "entry_id": "the timeline entry"},
)

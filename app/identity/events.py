"""Identity's events: which notifications vetting makes.

Registered with app.core.event_rules on import (the domain manifest imports this module).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Permission
from app.core import event_catalog, event_rules
from app.core.event_rules import Batch, Planned, StoredEvent
from app.identity.service import active_member_ids_with


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


async def vetting_decided(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    recipient = _uuid(event.audience_id) if event.audience_kind == "user" else None
    if recipient is None:
        return []
    ids = {k: str(v) for k, v in event.data.items() if k.endswith("_id") or k == "decision"}
    title = "A decision was made on your membership"
    path = "/vetting/status"
    return [Planned(recipient, "vetting_decision", "user", str(recipient), title, path, ids)]


async def application_waiting(
    session: AsyncSession, event: StoredEvent, batch: Batch
) -> list[Planned]:
    application_id = str(event.data.get("application_id") or "")
    title = "A membership application waits for review"
    return [
        Planned(
            user_id,
            "moderation_application",
            "application",
            application_id,
            title,
            f"/vetting/applications/{application_id}",
            {"application_id": application_id},
        )
        for user_id in await active_member_ids_with(session, Permission.VETTING_REVIEW)
    ]


async def endorsement_requested(
    session: AsyncSession, event: StoredEvent, batch: Batch
) -> list[Planned]:
    recipient = _uuid(event.audience_id) if event.audience_kind == "user" else None
    application_id = str(event.data.get("application_id") or "")
    if recipient is None or not application_id:
        return []
    title = "A colleague applied to canet: please endorse or decline"
    ids = {"application_id": application_id}
    return [
        Planned(
            recipient,
            "vetting_endorsement",
            "application",
            application_id,
            title,
            f"/vetting/applications/{application_id}",
            ids,
        )
    ]


async def vetting_lapsing(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    recipient = _uuid(event.audience_id) if event.audience_kind == "user" else None
    if recipient is None:
        return []
    expires = str(event.data.get("expires") or "")
    title = f"Your membership needs re-attestation before {expires}"
    data = {"expires": expires}
    path = "/vetting/status"
    return [Planned(recipient, "vetting_lapsing", "user", str(recipient), title, path, data)]


event_rules.rule("vetting.decided", vetting_decided)
event_rules.rule("application.endorsement_requested", endorsement_requested)
event_rules.rule("vetting.lapsing", vetting_lapsing)
event_rules.rule("application.ready_for_review", application_waiting)
# The decision itself is mailed to the applicant by the vetting step (they may not be a
# member): the notification is in the app only, so nobody is mailed about it twice.
event_rules.notification_type(
    "vetting_decision", "in_app", "a decision on your membership", modes=("in_app", "off")
)
event_rules.notification_type(
    "moderation_application", "digest", "a membership application waits for review"
)
event_rules.notification_type(
    "vetting_endorsement", "email", "a colleague applied and waits for your endorsement"
)
event_rules.notification_type(
    "vetting_lapsing", "email", "your membership needs re-attestation soon"
)


# -- what identity publishes (docs/events.md is rendered from these) ---------------------------
event_catalog.declare(
    "session.revoked",
    "A session ended (signed out, revoked, or its service account's key or account revoked): "
    "its websockets close with 4003.",
    audiences=("user",),
    payload={"session_id": "the session", "user_id": "its member or service account"},
)
event_catalog.declare(
    "vetting.lapsing",
    "The member's vetting lapses soon: re-attest.",
    audiences=("user",),
    payload={"user_id": "the member", "expires": "the date it lapses (YYYY-MM-DD)"},
)
event_catalog.declare(
    "vetting.decided",
    "A decision on the member's application or re-attestation.",
    audiences=("user",),
    payload={
        "application_id": "the application",
        "user_id": "the member",
        "decision": "approve, reject, request_info or reattest",
    },
    optional=("application_id",),
)
event_catalog.declare(
    "application.endorsement_requested",
    "A colleague's application waits for the focal point's endorsement.",
    audiences=("user",),
    payload={"application_id": "the application"},
)
event_catalog.declare(
    "application.ready_for_review",
    "An application waits for a moderator's decision.",
    audiences=("moderators",),
    payload={"application_id": "the application"},
)
event_catalog.declare(
    "service_account.proposed",
    "A focal point proposed a service account: a moderator must approve or reject it.",
    audiences=("moderators",),
    payload={"service_account_id": "the account", "authority_id": "its authority"},
)

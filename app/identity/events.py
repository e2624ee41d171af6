"""Identity's events: which notifications vetting makes.

Registered with app.core.event_rules on import (the domain manifest imports this module).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Permission
from app.core import event_rules
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
    return [Planned(recipient, "vetting_decision", "user", str(recipient), title, "/me", ids)]


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


event_rules.rule("vetting.decided", vetting_decided)
event_rules.rule("application.ready_for_review", application_waiting)
# in_app: the decision itself is already mailed by the vetting step.
event_rules.notification_type("vetting_decision", "in_app", "a decision on your membership")
event_rules.notification_type(
    "moderation_application", "digest", "a membership application waits for review"
)

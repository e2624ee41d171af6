"""The directory's events: which notifications they make.

Registered with app.core.event_rules on import (the domain manifest imports this module).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Permission
from app.core import event_catalog, event_rules
from app.core.event_rules import Batch, Planned, StoredEvent
from app.directory import repository
from app.directory.members import focal_points_of
from app.identity import service as identity_service


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def sheet_path(state_code: str, request_type: str, measure: str | None = None) -> str:
    """The client's page of a requirement sheet: a measure's own sheet, not the general one."""
    path = f"/states/{state_code}/requirements/{request_type}"
    return f"{path}?measure={measure}" if measure else path


async def _focal_points(session: AsyncSession, authority_id: uuid.UUID) -> list[uuid.UUID]:
    return [u.id for u in (await focal_points_of(session, [authority_id]))[authority_id]]


async def entry_stale(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    authority_id = _uuid(event.audience_id) if event.audience_kind == "authority" else None
    authority = await repository.authority_by_id(session, authority_id) if authority_id else None
    if authority is None:
        return []
    ids = {k: str(v) for k, v in event.data.items() if k.endswith("_id")}
    sheet_id = _uuid(event.data.get("sheet_id"))
    if sheet_id is not None:
        sheet = await repository.sheet_by_id(session, sheet_id)
        if sheet is None:
            return []
        subject_type, subject_id = "sheet", str(sheet.id)
        measure = f" ({sheet.measure})" if sheet.measure else ""
        title = (
            f"The {sheet.request_type}{measure} requirement sheet of {sheet.state_code} "
            "needs verifying"
        )
        # A sheet is known by its State, type and measure: the notification's link is built
        # from them (app/notifications/service.py), the mail's from `path`.
        key = {"state_code": sheet.state_code, "request_type": sheet.request_type}
        if sheet.measure:
            key["measure"] = sheet.measure
        ids.update(key)
        path = sheet_path(**key)
    else:
        subject_type, subject_id = "authority", str(authority.id)
        title = f"The directory entry of {authority.name} needs verifying"
        path = f"/authorities/{authority.id}"
    return [
        Planned(user_id, "directory_stale", subject_type, subject_id, title, path, ids)
        for user_id in await _focal_points(session, authority.id)
    ]


async def contact_failed(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    authority_id = _uuid(event.data.get("authority_id"))
    report_id = _uuid(event.data.get("report_id"))
    authority = await repository.authority_by_id(session, authority_id) if authority_id else None
    report = await repository.report_by_id(session, report_id) if report_id else None
    if authority is None or report is None or report.resolved_at is not None:
        return []
    focal = await _focal_points(session, authority.id)
    if event.audience_kind == "authority" and event.audience_id == str(authority.id):
        recipients = focal
    elif event.audience_kind == "moderators":
        # A moderator who is also the authority's focal point hears through the authority.
        skip = set(focal)
        moderators = await identity_service.active_member_ids_with(
            session, Permission.FORUM_MODERATE
        )
        recipients = [u for u in moderators if u not in skip]
    else:
        return []
    ids = {"authority_id": str(authority.id), "report_id": str(report.id)}
    title = f"A contact of {authority.name} was reported as failing"
    path = f"/authorities/{authority.id}"
    return [
        Planned(
            user_id, "directory_contact_failed", "authority", str(authority.id), title, path, ids
        )
        for user_id in recipients
        if user_id != report.reporter_user_id
    ]


event_rules.rule("directory.stale", entry_stale)
event_rules.rule("directory.contact_failed", contact_failed)
# Mailed by default: the reminder is the whole point (and the only mail about it).
event_rules.notification_type(
    "directory_stale", "email", "a directory entry of your authority needs verifying"
)
event_rules.notification_type(
    "directory_contact_failed", "email", "a contact of an authority was reported as failing"
)


# -- what the directory publishes (docs/events.md is rendered from these) ----------------------
event_catalog.declare(
    "directory.authority.created",
    "A new authority in the directory.",
    audiences=("authority",),
    payload={"authority_id": "the authority"},
)
event_catalog.declare(
    "directory.authority.updated",
    "An authority's entry changed.",
    audiences=("authority",),
    payload={"authority_id": "the authority"},
)
event_catalog.declare(
    "directory.requirement_sheet.updated",
    "A State's requirement sheet changed.",
    audiences=("authority",),
    payload={"sheet_id": "the sheet", "state_code": "its State (ISO 3166-1 alpha-3)"},
)
event_catalog.declare(
    "directory.treaty.updated",
    "A treaty changed.",
    audiences=("authority",),
    payload={"treaty_id": "the treaty"},
)
event_catalog.declare(
    "directory.stale",
    "An entry or requirement sheet has not been verified for too long.",
    audiences=("authority",),
    payload={
        "authority_id": "the stale authority",
        "sheet_id": "the stale requirement sheet",
        "state_code": "the sheet's State",
    },
    optional=("authority_id", "sheet_id", "state_code"),
)
event_catalog.declare(
    "directory.contact_failed",
    "A member reported that a contact of an authority failed.",
    audiences=("authority", "moderators"),
    payload={"authority_id": "the authority", "report_id": "the report"},
)
event_catalog.declare(
    "directory.contact_failure.resolved",
    "A contact-failure report was handled.",
    audiences=("authority",),
    payload={"authority_id": "the authority", "report_id": "the report"},
)

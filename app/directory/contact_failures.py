""" "This contact failed": any reader reports, the focal point and moderators resolve."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit, events, idempotency, metrics
from app.core.audit import Target
from app.core.events import Audience
from app.core.pagination import Page
from app.directory import access, repository
from app.directory.exceptions import NotFailureHandler, ReportAlreadyResolved
from app.directory.schemas import ContactFailureCreate, ContactFailureRead
from app.directory.shapes import report_read
from app.models.directory import ContactFailureReport

# A small table (reports are rare and resolved): a scan at each scrape is fine.
metrics.database_gauge(
    "canet_contact_failures_open",
    "Reports of failed directory contact details not resolved yet.",
    "SELECT count(*) FROM contact_failure_reports WHERE resolved_at IS NULL",
)


async def report_contact_failure(
    session: AsyncSession,
    *,
    actor: Actor,
    authority_id: uuid.UUID,
    data: ContactFailureCreate,
    idempotency_key: str | None = None,
) -> ContactFailureRead:
    """Flag an authority whose contact details failed, for its focal point and moderators."""
    authority = await access.access_authority(session, actor, authority_id)
    new_id = uuid.uuid4()
    first = await idempotency.claim(
        session,
        user_id=actor.user_id,
        scope="directory.contact_failure",
        key=idempotency_key,
        resource_id=new_id,
    )
    existing = await repository.report_by_id(session, first) if first is not None else None
    if existing:
        return report_read(existing)
    report = ContactFailureReport(
        id=new_id,
        authority_id=authority.id,
        reporter_user_id=actor.user_id,
        channel=data.channel,
        detail=data.detail,
    )
    session.add(report)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="directory.contact_failure.report",
        target=Target("contact_failure_report", report.id),
        details={"authority_id": authority.id, "channel": data.channel},
        authority_ids=[authority.id],
    )
    data_ids = {"authority_id": authority.id, "report_id": report.id}
    # The focal point hears through the authority's audience, moderators through theirs.
    await events.publish(
        session,
        "directory.contact_failed",
        data_ids,
        audience=Audience.of("authority", authority.id),
    )
    await events.publish(
        session, "directory.contact_failed", data_ids, audience=Audience.of("moderators")
    )
    return report_read(report)


async def list_contact_failures(
    session: AsyncSession,
    *,
    actor: Actor,
    authority_id: uuid.UUID | None,
    open_only: bool,
    cursor: str | None,
    limit: int,
) -> Page[ContactFailureRead]:
    """Failure reports: moderators and admins see all, a focal point their authority's,
    other members none."""
    access.require_reader(actor)
    of_authority: uuid.UUID | None = None
    if authority_id is not None:
        authority = await access.access_authority(session, actor, authority_id)
        if not access.can_handle_failures(actor, authority.id):
            await access.refuse(
                session,
                NotFailureHandler("see these"),
                actor=actor,
                action="directory.contact_failure.list",
                target=Target("authority", authority.id),
                authority_ids=[authority.id],
            )
        of_authority = authority.id
    elif not (access.is_admin(actor) or access.is_moderator(actor)):
        # A focal point sees their authority's reports; other members have none to handle.
        if not (actor.focal_point and actor.authority_id):
            return Page(items=[], next_cursor=None)
        of_authority = actor.authority_id
    reports, next_cursor = await repository.reports_page(
        session, authority_id=of_authority, open_only=open_only, cursor=cursor, limit=limit
    )
    return Page(items=[report_read(r) for r in reports], next_cursor=next_cursor)


async def resolve_contact_failure(
    session: AsyncSession, *, actor: Actor, report_id: uuid.UUID, resolution: str | None
) -> ContactFailureRead:
    """Close a report (focal point of the authority, moderator or admin)."""
    report = await access.access_failure_report(session, actor, report_id)
    if report.resolved_at is not None:
        raise ReportAlreadyResolved()
    report.resolved_at = datetime.now(UTC)
    report.resolved_by = actor.user_id
    report.resolution = resolution
    session.add(report)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="directory.contact_failure.resolve",
        target=Target("contact_failure_report", report.id),
        details={"authority_id": report.authority_id},
        authority_ids=[report.authority_id],
    )
    await events.publish(
        session,
        "directory.contact_failure.resolved",
        {"authority_id": report.authority_id, "report_id": report.id},
        audience=Audience.of("authority", report.authority_id),
    )
    return report_read(report)

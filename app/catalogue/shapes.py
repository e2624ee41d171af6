"""What an entry looks like outside the database: the public read, the working detail, the
flags as the caller may see them, and the audit snapshot."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.catalogue.access import EntryView, allowed_actions
from app.catalogue.constants import CASE_DERIVED, UNJUSTIFIABLE
from app.catalogue.privacy import MESSAGES
from app.catalogue.schemas import (
    CatalogueAuthor,
    CatalogueEntryDetail,
    CatalogueEntryRead,
    CatalogueFlag,
    CatalogueObstacleEntry,
    CatalogueQueueItem,
    CatalogueThreadLink,
)
from app.core.markdown import render_markdown
from app.identity import service as identity_service
from app.models.catalogue import CatalogueEntry


def _thread(entry: CatalogueEntry) -> CatalogueThreadLink | None:
    if entry.discussion_thread_id is None:
        return None
    thread_id = entry.discussion_thread_id
    return CatalogueThreadLink(
        thread_id=thread_id, url=f"/api/v1/threads/{thread_id}", link=f"/threads/{thread_id}"
    )


def _public_fields(entry: CatalogueEntry) -> dict[str, Any]:
    disclosed = entry.disclosure == "states"
    return {
        "id": entry.id,
        "kind": entry.kind,
        "title": entry.title,
        "summary": entry.summary,
        "summary_html": render_markdown(entry.summary) if entry.summary else "",
        "cooperation_type": entry.cooperation_type,
        "measures": list(entry.measures),
        "crime_types": list(entry.crime_types),
        "legal_basis": entry.legal_basis,
        "disclosure": entry.disclosure,
        "requesting_state": entry.requesting_state if disclosed else None,
        "requested_state": entry.requested_state if disclosed else None,
        "requesting_region": entry.requesting_region,
        "requested_region": entry.requested_region,
        "outcome": entry.outcome,
        "weeks_to_acknowledge": entry.weeks_to_acknowledge,
        "weeks_to_execute": entry.weeks_to_execute,
        "obstacles": entry.obstacles,
        "obstacles_html": render_markdown(entry.obstacles) if entry.obstacles else "",
        "solutions": entry.solutions,
        "solutions_html": render_markdown(entry.solutions) if entry.solutions else "",
        "lessons": entry.lessons,
        "lessons_html": render_markdown(entry.lessons) if entry.lessons else "",
        "published_at": entry.published_at,
        "discussion": _thread(entry) if entry.status == "published" else None,
    }


def entry_read(entry: CatalogueEntry) -> CatalogueEntryRead:
    return CatalogueEntryRead(**_public_fields(entry))


def flag_read(flag: dict[str, Any], *, reveal: bool) -> CatalogueFlag:
    """A flag; the text of a name or reference of the case only for who sees the case."""
    shown = reveal or flag["kind"] not in CASE_DERIVED
    return CatalogueFlag(
        id=flag["id"],
        kind=flag["kind"],
        field=flag["field"],
        message=MESSAGES[flag["kind"]],
        match=flag["match"] if shown else None,
        spans=flag["spans"] if shown else [],
        justifiable=flag["kind"] not in UNJUSTIFIABLE,
        justification=flag.get("justification"),
    )


def outstanding(flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flags neither fixed nor justified (a reference of the case is never justified)."""
    return [f for f in flags if f["kind"] in UNJUSTIFIABLE or not f.get("justification")]


def consent_state(entry: CatalogueEntry) -> str:
    if entry.kind != "case":
        return "not_needed"
    if entry.status == "declined":
        return "declined"
    if entry.status == "withdrawn" and entry.withdrawal_reason is not None:
        return "withdrawn"
    if entry.consented_at is not None:
        return "given"
    return "awaiting"


async def entry_detail(session: AsyncSession, view: EntryView) -> CatalogueEntryDetail:
    entry = view.entry
    reveal = (
        await view.sees_case(session) if entry.kind == "case" else (view.author or view.moderator)
    )
    author = None
    if entry.author_id is not None:
        member = await identity_service.get_member(session, entry.author_id)
        if member is not None:
            author = CatalogueAuthor(id=member.id, handle=member.handle, full_name=member.full_name)
    return CatalogueEntryDetail(
        **_public_fields(entry),
        status=entry.status,
        version=entry.version,
        author=author,
        flags=[flag_read(f, reveal=reveal) for f in entry.flags],
        ready_to_submit=not outstanding(entry.flags),
        consent=consent_state(entry),
        declined_reason=entry.declined_reason,
        review_note=entry.review_note,
        withdrawal_reason=entry.withdrawal_reason,
        allowed_actions=allowed_actions(view),
        created_at=entry.created_at,
        updated_at=entry.updated_at,
    )


def queue_item(view: EntryView) -> CatalogueQueueItem:
    entry = view.entry
    return CatalogueQueueItem(
        id=entry.id,
        kind=entry.kind,
        status=entry.status,
        title=entry.title,
        updated_at=entry.updated_at,
        allowed_actions=allowed_actions(view),
    )


def obstacle_entry(entry: CatalogueEntry) -> CatalogueObstacleEntry:
    disclosed = entry.disclosure == "states"
    return CatalogueObstacleEntry(
        id=entry.id,
        title=entry.title,
        measures=list(entry.measures),
        requesting_state=entry.requesting_state if disclosed else None,
        requested_state=entry.requested_state if disclosed else None,
        obstacles=entry.obstacles,
        solutions=entry.solutions,
        lessons=entry.lessons,
    )


# Structured fields only: the texts are content, which audit entries never hold.
SNAPSHOT_FIELDS = (
    "status",
    "cooperation_type",
    "measures",
    "crime_types",
    "legal_basis",
    "disclosure",
    "requesting_state",
    "requested_state",
    "requesting_region",
    "requested_region",
    "outcome",
    "weeks_to_acknowledge",
    "weeks_to_execute",
)


def audit_snapshot(entry: CatalogueEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in SNAPSHOT_FIELDS}

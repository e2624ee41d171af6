"""Writing entries: a nomination of a closed case, a good-practice note, their edits, and the
personal-data check that runs on every one of them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission, Role
from app.cases import service as cases_service
from app.cases.exceptions import CaseNotFound
from app.catalogue import privacy, repository
from app.catalogue.access import EntryView, access_entry, deny, focal_sides, may_see
from app.catalogue.constants import CASE_BASIS, EDITABLE, ENTRY_MEASURES, TEXT_FIELDS
from app.catalogue.exceptions import (
    ActionNotAllowed,
    AlreadyNominated,
    CaseNotClosed,
    ContributionForbidden,
    EntryStateConflict,
    FlagNotJustifiable,
    NominationForbidden,
    NotAuthor,
    UnknownFlag,
)
from app.catalogue.schemas import (
    CatalogueEntryCreate,
    CatalogueEntryDetail,
    CatalogueEntryRead,
    CatalogueEntryUpdate,
    CatalogueNomination,
    CatalogueQueueItem,
)
from app.catalogue.shapes import audit_snapshot, entry_detail, entry_read, queue_item
from app.core import audit, idempotency
from app.core.audit import Target
from app.core.errors import AppError, ValidationFailed
from app.directory import service as directory_service
from app.models.catalogue import CatalogueCaseLink, CatalogueEntry

_CASE_FIXED = ("requesting_state", "requested_state", "outcome")


def _texts(entry: CatalogueEntry) -> dict[str, str]:
    return {name: getattr(entry, name) or "" for name in TEXT_FIELDS}


async def _state_and_region(
    session: AsyncSession, authority_id: uuid.UUID
) -> tuple[str | None, str | None]:
    authority = await directory_service.get_authority(session, authority_id)
    if authority is None:
        return None, None
    return authority.state_code, await directory_service.state_region(session, authority.state_code)


async def _place(session: AsyncSession, entry: CatalogueEntry, link: CatalogueCaseLink) -> None:
    """The two States (if disclosed) and their regions, from the case's authorities."""
    requesting, entry.requesting_region = await _state_and_region(
        session, link.requesting_authority_id
    )
    requested, entry.requested_region = await _state_and_region(
        session, link.requested_authority_id
    )
    disclosed = entry.disclosure == "states"
    entry.requesting_state = requesting if disclosed else None
    entry.requested_state = requested if disclosed else None


async def _place_note(
    session: AsyncSession, actor: Actor, entry: CatalogueEntry, sent: set[str] | None = None
) -> None:
    """A note's regions follow the States it names (any it names must exist). On an edit
    (`sent`: the fields sent), a side whose State was not sent keeps its region: a note kept to
    regions stores no State to find the region again."""
    errors = []
    sides = [s for s in ("requesting", "requested") if sent is None or f"{s}_state" in sent]
    named = [getattr(entry, f"{side}_state") for side in sides]
    regions: dict[str, str | None] = {}
    if any(named):
        states = await directory_service.list_states(session, actor=actor)
        regions = {s.code: s.region for s in states}
    for side, code in zip(sides, named, strict=True):
        if code and code not in regions:
            errors.append({"field": f"{side}_state", "message": f"unknown state {code}"})
        setattr(entry, f"{side}_region", regions.get(code) if code else None)
    if errors:
        raise ValidationFailed(errors=errors)
    if entry.disclosure == "regions":
        entry.requesting_state = entry.requested_state = None


async def run_check(
    session: AsyncSession, *, actor: Actor, entry: CatalogueEntry, link: CatalogueCaseLink | None
) -> None:
    """The personal-data check, again: flags as the texts now stand, justifications kept."""
    names: list[str] = []
    references: list[str] = []
    if link is not None:
        terms = await cases_service.sensitive_terms(session, actor=actor, case_id=link.case_id)
        names, references = terms.names, terms.references
    findings = privacy.find(_texts(entry), names=names, references=references)
    entry.flags = privacy.flags_of(findings, entry.flags)


def _apply_fields(
    entry: CatalogueEntry, data: CatalogueEntryCreate | CatalogueEntryUpdate
) -> set[str]:
    """Set the fields sent; returns their names."""
    sent = set(data.model_fields_set) - {"case_id", "justifications"}
    for name in sent:
        value = getattr(data, name)
        if name in TEXT_FIELDS and value is None:
            value = "" if name != "title" else None
            if value is None:
                raise ValidationFailed(errors=[{"field": name, "message": "cannot be empty"}])
        if name in ("measures", "crime_types"):
            value = list(value or [])
        if name == "crime_types" and not value:
            raise ValidationFailed(errors=[{"field": name, "message": "at least one"}])
        if name == "disclosure" and value is None:
            raise ValidationFailed(errors=[{"field": name, "message": "cannot be empty"}])
        setattr(entry, name, value)
    return sent


async def create_entry(
    session: AsyncSession,
    *,
    actor: Actor,
    data: CatalogueEntryCreate,
    idempotency_key: str | None = None,
) -> CatalogueEntryDetail:
    """Nominate a closed case (`case_id`) or write a good-practice note: a draft, checked."""
    if not actor.can(Permission.CATALOGUE_CONTRIBUTE):
        await deny(session, actor, ContributionForbidden(), entry_id=None)
    assert actor.user_id is not None
    entry_id = uuid.uuid4()
    first = await idempotency.claim(
        session,
        user_id=actor.user_id,
        scope="catalogue.entry",
        key=idempotency_key,
        resource_id=entry_id,
    )
    if first is not None:
        return await entry_detail(session, await access_entry(session, actor, first))
    entry = CatalogueEntry(
        id=entry_id,
        kind="case" if data.case_id is not None else "practice",
        status="draft",
        title=data.title,
        disclosure=data.disclosure,
        author_id=actor.user_id,
        author_authority_id=actor.authority_id,
    )
    _apply_fields(entry, data)
    link = None
    details: dict[str, Any] = {"kind": entry.kind}
    if data.case_id is not None:
        link = await _nominate(session, actor=actor, entry=entry, data=data)
        details["case_id"] = data.case_id
    else:
        if entry.cooperation_type is None:
            raise ValidationFailed(
                errors=[{"field": "cooperation_type", "message": "a note names its type"}]
            )
        await _place_note(session, actor, entry)
    session.add(entry)
    await session.flush()
    if link is not None:
        try:
            async with session.begin_nested():
                session.add(link)
        except IntegrityError as exc:
            # Another nomination of the case committed since the check above.
            raise AlreadyNominated() from exc
    await run_check(session, actor=actor, entry=entry, link=link)
    await session.flush()
    await repository.write_search_vector(session, entry.id, **_search_text(entry))
    view = EntryView(entry=entry, link=link, actor=actor, author=True)
    await audit.record(
        session,
        actor=actor,
        action="catalogue.entry.created",
        target=Target("catalogue_entry", entry.id),
        changes=audit.diff({}, audit_snapshot(entry)),
        details={**details, "flags": len(entry.flags)},
        authority_ids=view.authority_ids,
    )
    return await entry_detail(session, view)


async def _nomination_bar(
    session: AsyncSession, actor: Actor, outline: cases_service.CaseOutline
) -> NominationForbidden | CaseNotClosed | AlreadyNominated | None:
    """What stops the caller nominating this case now (None: nothing does)."""
    if outline.side not in ("requesting", "requested") or not actor.has_role(Role.OFFICER):
        return NominationForbidden()
    if not outline.closed:
        return CaseNotClosed(outline.status)
    if await repository.live_nomination(session, outline.case_id) is not None:
        return AlreadyNominated()
    return None


_BAR_REASONS = {
    ContributionForbidden: "not-a-contributor",
    NominationForbidden: "not-an-officer-of-the-case",
    CaseNotClosed: "case-not-closed",
    AlreadyNominated: "already-nominated",
}


async def nomination_check(
    session: AsyncSession, *, actor: Actor, case_id: uuid.UUID
) -> CatalogueNomination:
    """Whether the caller may nominate this case now, and if not, why: the same rules as the
    nomination itself (404 for a case the caller may not see). The case's live entry is named
    only to those who work on it (its author, the focal points of the case's authorities)."""
    outline = await cases_service.case_outline(session, actor=actor, case_id=case_id)
    bar: AppError | None = None
    if not actor.can(Permission.CATALOGUE_CONTRIBUTE):
        bar = ContributionForbidden()
    else:
        bar = await _nomination_bar(session, actor, outline)
    entry_id = None
    live = await repository.live_nomination(session, outline.case_id)
    entry = await repository.entry_by_id(session, live) if live is not None else None
    if entry is not None:
        link = await repository.case_link(session, entry.id)
        view = EntryView(
            entry=entry,
            link=link,
            actor=actor,
            author=actor.user_id is not None and entry.author_id == actor.user_id,
            focal_sides=focal_sides(actor, link),
            moderator=actor.can(Permission.CATALOGUE_MODERATE),
        )
        if (view.author or view.focal_sides) and may_see(view):
            entry_id = entry.id
    return CatalogueNomination(
        may_nominate=bar is None,
        reason=_BAR_REASONS[type(bar)] if bar is not None else None,
        entry_id=entry_id,
    )


async def _nominate(
    session: AsyncSession, *, actor: Actor, entry: CatalogueEntry, data: CatalogueEntryCreate
) -> CatalogueCaseLink:
    assert data.case_id is not None
    fixed = sorted(set(data.model_fields_set) & set(_CASE_FIXED))
    if fixed:
        raise ValidationFailed(
            "A case entry takes its States and outcome from the case.",
            errors=[{"field": f, "message": "set from the case"} for f in fixed],
        )
    # 404 for whoever may not see the case (the cases domain audits the probe).
    outline = await cases_service.case_outline(session, actor=actor, case_id=data.case_id)
    bar = await _nomination_bar(session, actor, outline)
    if isinstance(bar, NominationForbidden):
        await deny(session, actor, bar, entry_id=None)
    if bar is not None:
        raise bar
    if "cooperation_type" not in data.model_fields_set:
        entry.cooperation_type = outline.type
    if "measures" not in data.model_fields_set:
        entry.measures = [m for m in outline.measures if m in ENTRY_MEASURES]
    if "legal_basis" not in data.model_fields_set:
        entry.legal_basis = CASE_BASIS.get(outline.legal_basis_kind or "")
    entry.outcome = outline.outcome
    entry.weeks_to_acknowledge = outline.weeks_to_acknowledge
    entry.weeks_to_execute = outline.weeks_to_execute
    entry.consent_authority_id = (
        outline.requested_authority_id
        if outline.side == "requesting"
        else outline.requesting_authority_id
    )
    link = CatalogueCaseLink(
        entry_id=entry.id,
        case_id=outline.case_id,
        requesting_authority_id=outline.requesting_authority_id,
        requested_authority_id=outline.requested_authority_id,
    )
    await _place(session, entry, link)
    return link


async def update_entry(
    session: AsyncSession, *, actor: Actor, entry_id: uuid.UUID, data: CatalogueEntryUpdate
) -> CatalogueEntryDetail:
    """Edit a draft (or one sent back) and justify flags; the check runs again."""
    view = await access_entry(session, actor, entry_id, for_write=True)
    entry = view.entry
    if not view.author:
        await deny(session, actor, NotAuthor(), entry_id=entry.id)
    if entry.status not in EDITABLE:
        raise EntryStateConflict("edit", entry.status)
    if view.link is not None:
        fixed = sorted(set(data.model_fields_set) & set(_CASE_FIXED))
        if fixed:
            raise ValidationFailed(
                "A case entry takes its States and outcome from the case.",
                errors=[{"field": f, "message": "set from the case"} for f in fixed],
            )
        if not await view.sees_case(session):
            # The check needs the case's names, which only its insiders may be shown.
            await deny(session, actor, ActionNotAllowed("edit"), entry_id=entry.id)
    before = audit_snapshot(entry)
    sent = _apply_fields(entry, data)
    if view.link is not None:
        await _place(session, entry, view.link)
    else:
        await _place_note(session, actor, entry, sent)
    try:
        await run_check(session, actor=actor, entry=entry, link=view.link)
    except CaseNotFound:
        await deny(session, actor, ActionNotAllowed("edit"), entry_id=entry.id)
    justified = _justify(entry, data.justifications or {})
    if sent:
        entry.version += 1
    await session.flush()
    await repository.write_search_vector(session, entry.id, **_search_text(entry))
    await audit.record(
        session,
        actor=actor,
        action="catalogue.entry.updated",
        target=Target("catalogue_entry", entry.id),
        changes=audit.diff(before, audit_snapshot(entry)),
        details={
            "fields": sorted(sent),
            "flags": len(entry.flags),
            "justified_flags": justified,
        },
        authority_ids=view.authority_ids,
    )
    return await entry_detail(session, view)


def _justify(entry: CatalogueEntry, justifications: dict[str, str]) -> list[str]:
    """Record the justifications sent (by flag id); returns the ids justified."""
    flags = {f["id"]: f for f in entry.flags}
    done: list[str] = []
    for flag_id, text in justifications.items():
        flag = flags.get(flag_id)
        if flag is None:
            raise UnknownFlag(flag_id)
        if flag["kind"] == "case_reference":
            raise FlagNotJustifiable(flag_id)
        reason = text.strip()[:1000]
        flag["justification"] = reason or None
        done.append(flag_id)
    # JSONB is replaced, not mutated in place: the ORM sees the change.
    entry.flags = [dict(f) for f in flags.values()]
    return done


def _search_text(entry: CatalogueEntry) -> dict[str, str]:
    body = " ".join(getattr(entry, n) or "" for n in TEXT_FIELDS if n != "title")
    return {"title": entry.title, "text": body}


async def get_entry(
    session: AsyncSession, *, actor: Actor, entry_id: uuid.UUID
) -> CatalogueEntryDetail | CatalogueEntryRead:
    """One entry: its working detail (status, flags, author, what the caller may do) for its
    author, the focal points of its authorities and moderators; the public read for others,
    which names no author (the author's authority would give away States kept to regions)."""
    view = await access_entry(session, actor, entry_id)
    if not (view.author or view.focal_sides or view.moderator):
        return entry_read(view.entry)
    return await entry_detail(session, view)


async def my_queue(
    session: AsyncSession, *, actor: Actor, limit: int = 100
) -> list[CatalogueQueueItem]:
    """Entries I wrote, those awaiting my authority's consent, and those awaiting review."""
    assert actor.user_id is not None
    entries = await repository.queue(
        session,
        user_id=actor.user_id,
        focal_authority_id=actor.authority_id if actor.focal_point else None,
        moderator=actor.can(Permission.CATALOGUE_MODERATE),
        limit=limit,
    )
    items = []
    for entry in entries:
        link = await repository.case_link(session, entry.id) if entry.kind == "case" else None
        view = EntryView(
            entry=entry,
            link=link,
            actor=actor,
            author=entry.author_id == actor.user_id,
            focal_sides=focal_sides(actor, link),
            moderator=actor.can(Permission.CATALOGUE_MODERATE),
        )
        items.append(queue_item(view))
    return items

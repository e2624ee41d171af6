"""Who may see a catalogue entry, and what each may do to it.

A published entry is every member's. Before (and after) publication an entry is seen by its
author; a case entry by the focal points of the case's two authorities (who consent or
withdraw consent) once it is submitted; and by moderators once it reaches them. Anyone else
gets 404, and a probe of an entry that exists is recorded as a denial.

Whether the caller sees the entry's case is asked of the cases domain (`is_participant`),
never decided here: it governs who reads the names the personal-data check found.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.cases import service as cases_service
from app.catalogue import repository
from app.catalogue.constants import CONSENT_WITHDRAWABLE, EDITABLE
from app.catalogue.exceptions import EntryNotFound
from app.core.audit import Target
from app.core.errors import AppError
from app.core.refusal import refuse
from app.models.catalogue import CatalogueCaseLink, CatalogueEntry

# What a moderator sees: from the review on.
_MODERATED = ("in_review", "changes_requested", "rejected", "published", "withdrawn")


@dataclass(slots=True)
class EntryView:
    entry: CatalogueEntry
    link: CatalogueCaseLink | None
    actor: Actor
    author: bool
    # The sides (requesting, requested) whose authority the caller is a focal point of.
    focal_sides: set[str] = field(default_factory=set)
    moderator: bool = False
    _sees_case: bool | None = None

    @property
    def consenting(self) -> bool:
        """The caller is a focal point of the authority whose consent the entry awaits."""
        return (
            self.link is not None
            and self.actor.focal_point
            and self.actor.authority_id is not None
            and self.actor.authority_id == self.entry.consent_authority_id
        )

    @property
    def authority_ids(self) -> list[uuid.UUID | None]:
        if self.link is None:
            return [self.entry.author_authority_id]
        return [self.link.requesting_authority_id, self.link.requested_authority_id]

    async def sees_case(self, session: AsyncSession) -> bool:
        """Whether the caller may see the entry's case now (False for a note)."""
        if self.link is None:
            return False
        if self._sees_case is None:
            self._sees_case = await cases_service.is_participant(
                session, self.actor, self.link.case_id
            )
        return self._sees_case


def focal_sides(actor: Actor, link: CatalogueCaseLink | None) -> set[str]:
    if link is None or not actor.focal_point or actor.authority_id is None:
        return set()
    sides = set()
    if actor.authority_id == link.requesting_authority_id:
        sides.add("requesting")
    if actor.authority_id == link.requested_authority_id:
        sides.add("requested")
    return sides


def may_see(view: EntryView) -> bool:
    entry = view.entry
    if not view.actor.can(Permission.CATALOGUE_READ):
        return False
    if entry.status == "published" or view.author:
        return True
    if view.focal_sides and entry.status != "draft":
        return True
    return view.moderator and entry.status in _MODERATED


async def access_entry(
    session: AsyncSession, actor: Actor, entry_id: uuid.UUID, *, for_write: bool = False
) -> EntryView:
    """The entry as the caller may see it, or 404 (a probe of one that exists is audited)."""
    entry = await repository.entry_by_id(session, entry_id, for_update=for_write)
    if entry is None:
        raise EntryNotFound()
    link = await repository.case_link(session, entry.id) if entry.kind == "case" else None
    view = EntryView(
        entry=entry,
        link=link,
        actor=actor,
        author=actor.user_id is not None and entry.author_id == actor.user_id,
        focal_sides=focal_sides(actor, link),
        moderator=actor.can(Permission.CATALOGUE_MODERATE),
    )
    if not may_see(view):
        await deny(session, actor, EntryNotFound(), entry_id=entry.id)
    return view


async def deny(
    session: AsyncSession, actor: Actor, error: AppError, *, entry_id: uuid.UUID | None
) -> NoReturn:
    """Refuse an action on an entry: audited as `catalogue.access.denied`."""
    await refuse(
        session,
        error,
        actor=actor,
        action="catalogue.access.denied",
        target=Target("catalogue_entry", entry_id) if entry_id is not None else None,
    )


def allowed_actions(view: EntryView) -> list[str]:
    """What the caller may do to the entry now (the client shows these as buttons)."""
    entry, status = view.entry, view.entry.status
    actions: list[str] = []
    if view.author and status in EDITABLE:
        actions.append("submit")
    if status == "awaiting_consent" and view.consenting:
        actions += ["consent", "decline"]
    if (
        entry.kind == "case"
        and view.focal_sides
        and status in CONSENT_WITHDRAWABLE
        and not (status == "awaiting_consent" and view.consenting)
    ):
        actions.append("withdraw_consent")
    if view.moderator and status == "in_review" and not view.author:
        actions += ["approve", "request_changes", "reject"]
    if view.author and (
        status in EDITABLE or (entry.kind == "practice" and status in ("in_review", "published"))
    ):
        actions.append("withdraw")
    return actions

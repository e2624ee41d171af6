"""An entry's way to publication: submit, the other side's consent, a moderator's review,
and the way back out (consent withdrawn, a note withdrawn). Every step is audited.

    draft --submit--> awaiting_consent (a case entry) --consent--> in_review
                                                      --decline--> declined (author may edit)
          --submit--> in_review (a note)
    in_review --approve--> published (a discussion thread opens)
              --request_changes--> changes_requested (author edits, submits again: a case
                                   entry asks for consent again, on the text as it now is)
              --reject--> rejected
    awaiting_consent | in_review | changes_requested | published
              --withdraw_consent (a focal point of either authority)--> withdrawn
    draft | changes_requested | declined (and a note in review or published)
              --withdraw (the author)--> withdrawn

Submitting runs the personal-data check again and waits until every flag is fixed or
justified (the case's references are only ever fixed).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.catalogue import discussion
from app.catalogue.access import EntryView, access_entry, allowed_actions, deny
from app.catalogue.constants import CONSENT_WITHDRAWABLE, EDITABLE
from app.catalogue.entries import run_check
from app.catalogue.exceptions import (
    ActionNotAllowed,
    EntryStateConflict,
    FlagsOutstanding,
    OwnEntryReview,
)
from app.catalogue.schemas import CatalogueEntryDetail, CatalogueTransition
from app.catalogue.shapes import audit_snapshot, entry_detail, flag_read, outstanding
from app.core import audit, events
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.core.events import Audience
from app.identity import service as identity_service
from app.models.base import utcnow

# Which statuses each action starts from.
_SOURCES = {
    "submit": EDITABLE,
    "consent": ("awaiting_consent",),
    "decline": ("awaiting_consent",),
    "approve": ("in_review",),
    "request_changes": ("in_review",),
    "reject": ("in_review",),
    "withdraw_consent": CONSENT_WITHDRAWABLE,
    "withdraw": (*EDITABLE, "in_review", "published"),
}
_NEEDS_NOTE = {"decline", "request_changes", "reject"}


async def transition_entry(
    session: AsyncSession, *, actor: Actor, entry_id: uuid.UUID, request: CatalogueTransition
) -> CatalogueEntryDetail:
    """Take a step: 403 if it is not the caller's to take, 409 if not possible now."""
    view = await access_entry(session, actor, entry_id, for_write=True)
    entry, action = view.entry, request.action
    note = (request.note or "").strip() or None
    if action in _NEEDS_NOTE and note is None:
        raise ValidationFailed(errors=[{"field": "note", "message": f"{action} needs a reason"}])
    if entry.status not in _SOURCES[action]:
        raise EntryStateConflict(action, entry.status)
    if action not in allowed_actions(view):
        if action in ("approve", "request_changes", "reject") and view.author and view.moderator:
            await deny(session, actor, OwnEntryReview(), entry_id=entry.id)
        await deny(session, actor, ActionNotAllowed(action), entry_id=entry.id)
    before = audit_snapshot(entry)
    was_published = entry.status == "published"
    now = utcnow()
    details: dict[str, object] = {"action": action}
    if action == "submit":
        await _submit(session, view)
        details["flags"] = len(entry.flags)
        details["justified_flags"] = sum(1 for f in entry.flags if f.get("justification"))
    elif action == "consent":
        entry.status, entry.consent_by, entry.consented_at = "in_review", actor.user_id, now
    elif action == "decline":
        entry.status, entry.declined_reason = "declined", note
        entry.consent_by, entry.consented_at = actor.user_id, None
    elif action == "approve":
        entry.status, entry.published_at = "published", now
        entry.reviewed_by, entry.reviewed_at, entry.review_note = actor.user_id, now, note
        await discussion.open_thread(session, actor=actor, entry=entry)
    elif action == "request_changes":
        entry.status, entry.review_note = "changes_requested", note
        entry.reviewed_by, entry.reviewed_at = actor.user_id, now
    elif action == "reject":
        entry.status, entry.review_note = "rejected", note
        entry.reviewed_by, entry.reviewed_at = actor.user_id, now
    elif action in ("withdraw_consent", "withdraw"):
        entry.status, entry.withdrawn_by, entry.withdrawn_at = "withdrawn", actor.user_id, now
        entry.withdrawal_reason = note or (
            "consent withdrawn" if action == "withdraw_consent" else None
        )
        if action == "withdraw_consent":
            details["side"] = sorted(view.focal_sides)
        if was_published:
            await discussion.close_thread(session, actor=actor, entry=entry)
    if entry.status in ("rejected", "withdrawn", "declined") and view.link is not None:
        # The case may be nominated again (a declined entry keeps it until edited or dropped).
        view.link.live = entry.status == "declined"
    if was_published and entry.status != "published":
        details["unpublished"] = True
    if note is not None:
        details["note"] = note
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=f"catalogue.entry.{_AUDIT_VERB[action]}",
        target=Target("catalogue_entry", entry.id),
        changes=audit.diff(before, audit_snapshot(entry)),
        details=details,
        authority_ids=view.authority_ids,
    )
    await _announce(session, view, action)
    return await entry_detail(session, view)


_AUDIT_VERB = {
    "submit": "submitted",
    "consent": "consented",
    "decline": "declined",
    "approve": "published",
    "request_changes": "changes_requested",
    "reject": "rejected",
    "withdraw_consent": "consent_withdrawn",
    "withdraw": "withdrawn",
}


async def _submit(session: AsyncSession, view: EntryView) -> None:
    entry = view.entry
    if view.link is not None and not await view.sees_case(session):
        await deny(session, view.actor, ActionNotAllowed("submit"), entry_id=entry.id)
    await run_check(session, actor=view.actor, entry=entry, link=view.link)
    left = outstanding(entry.flags)
    if left:
        await session.flush()
        raise FlagsOutstanding([flag_read(f, reveal=True).model_dump() for f in left])
    entry.submitted_at = utcnow()
    # Consent is given to a text: a case entry sent back asks for it again.
    entry.consent_by = entry.consented_at = entry.declined_reason = None
    entry.status = "awaiting_consent" if view.link is not None else "in_review"


async def _announce(session: AsyncSession, view: EntryView, action: str) -> None:
    """Events (ids only) for who must act next: the other side's focal points, moderators,
    or the author."""
    entry = view.entry
    ids = {"entry_id": entry.id}
    if entry.status == "awaiting_consent" and entry.consent_authority_id is not None:
        for member in await identity_service.active_focal_points_of(
            session, [entry.consent_authority_id]
        ):
            await events.publish(
                session, "catalogue.consent_requested", ids, audience=Audience.of("user", member.id)
            )
    elif entry.status == "in_review":
        await events.publish(
            session, "catalogue.review_requested", ids, audience=Audience.of("moderators")
        )
    if entry.author_id is not None and entry.author_id != view.actor.user_id:
        await events.publish(
            session,
            "catalogue.entry_decided",
            {**ids, "decision": action},
            audience=Audience.of("user", entry.author_id),
        )

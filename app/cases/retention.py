"""The retention rules of a case's files, as data and small functions (docs/retention.md).

- A case's files are purged `retention_for(type)` years after the case ended: closed, or
  executed, partially executed, refused or withdrawn and never closed (nothing but `close`
  can follow those). The clock starts at `closed_at`, else `completed_at`.
- A legal hold stops deletion and purge alike. A focal point of either side places it (so
  does a member of either side who is also a moderator: moderators as such never see a case,
  need-to-know holds for them too); only the side that placed a hold releases it.
- A file is deleted by a focal point of the side that uploaded it (of either side for an
  observer's file), or by its uploader while the case is still under way (a draft or awaiting
  the requested side's answer). Never under a legal hold.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from app.cases.access import CaseView
from app.cases.constants import OPEN_STATUSES, OUTCOME_STATUSES
from app.models.cases import CaseAttachment

# Statuses after which a case's files start to age: only `close` can follow them.
ENDED_STATUSES: tuple[str, ...] = ("closed", *OUTCOME_STATUSES)
_UNDER_WAY = frozenset({"draft", *OPEN_STATUSES})


def years_before(now: datetime, years: int) -> datetime:
    """`now` moved back by whole calendar years (29 February becomes the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def purge_reason(years: int) -> str:
    return f"retention: {years} years after closure"


def may_hold(view: CaseView) -> bool:
    """Whether the viewer places and releases legal holds on this case at all."""
    return view.is_party and (view.focal_point or view.moderator)


def hold_actions(view: CaseView) -> list[str]:
    """What the viewer may do about the legal hold now: ["set"], ["release"] or []."""
    if not may_hold(view):
        return []
    if view.case.legal_hold_set_at is None:
        return ["set"]
    return ["release"] if view.case.legal_hold_side == view.side else []


def may_delete_file(view: CaseView, attachment: CaseAttachment, user_id: uuid.UUID | None) -> bool:
    """Whether the viewer's place in the case lets them delete the file (holds aside)."""
    if view.is_party and view.focal_point and attachment.side in (view.side, "observer", None):
        return True
    return (
        user_id is not None and attachment.uploaded_by == user_id and view.case.status in _UNDER_WAY
    )


def attachment_actions(
    view: CaseView, attachment: CaseAttachment, user_id: uuid.UUID | None
) -> list[str]:
    """["delete"] when the viewer may delete the file now, else []."""
    if attachment.deleted_at is not None or view.case.legal_hold_set_at is not None:
        return []
    return ["delete"] if may_delete_file(view, attachment, user_id) else []

"""Which events notify whom: each rule turns one stored event into planned notifications.

Rules read the other domains through their services where one exists (case participants,
thread followers, read checks) and otherwise read their rows without ever writing them.
Titles carry no content: no message text, no names of persons, no file names.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.permissions import ROLE_PERMISSIONS, Permission
from app.models.identity import User


@dataclass(frozen=True, slots=True)
class StoredEvent:
    position: int
    name: str
    audience_kind: str
    audience_id: str | None
    data: dict[str, Any]


@dataclass(slots=True)
class Planned:
    """One notification to make, for one recipient, if their access and preferences allow."""

    user_id: uuid.UUID
    type: str
    subject_type: str
    subject_id: str
    title: str
    path: str
    data: dict[str, Any] = field(default_factory=dict)
    # Recipients must still be able to read this thread (None: already checked by the rule).
    thread_id: uuid.UUID | None = None


Rule = Callable[[AsyncSession, StoredEvent, "Batch"], Awaitable[list[Planned]]]


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


# -- forums ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostFacts:
    author_id: uuid.UUID | None
    mentioned: frozenset[uuid.UUID]
    replied_author_id: uuid.UUID | None


@dataclass(slots=True)
class Batch:
    """What the rules share across one batch of events (fetched once, not per event)."""

    posts: dict[uuid.UUID, PostFacts] = field(default_factory=dict)
    # Threads whose followers were already notified in this batch: one unread
    # "new posts in a thread you follow" per member and thread is enough.
    followers_done: set[uuid.UUID] = field(default_factory=set)
    # Who may see each case: the same for every event of the batch (one transaction, one
    # "now"), and a busy case has many events in a batch.
    case_participants: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)


async def prefetch(session: AsyncSession, events: list[StoredEvent]) -> Batch:
    """Load the facts of every post the batch's thread events name, in two queries."""
    from app.models.forums import Post

    post_ids = {
        pid
        for e in events
        if e.name == "post.created" and e.audience_kind == "thread"
        for pid in [_uuid(e.data.get("post_id"))]
        if pid is not None
    }
    batch = Batch()
    if not post_ids:
        return batch
    rows = (
        await session.execute(
            select(
                col(Post.id),
                col(Post.author_id),
                col(Post.mentioned_user_ids),
                col(Post.reply_to_post_id),
            ).where(col(Post.id).in_(post_ids))
        )
    ).all()
    replied_ids = {r[3] for r in rows if r[3] is not None}
    replied_authors: dict[uuid.UUID, uuid.UUID | None] = {}
    if replied_ids:
        replied_authors = {
            r[0]: r[1]
            for r in (
                await session.execute(
                    select(col(Post.id), col(Post.author_id)).where(col(Post.id).in_(replied_ids))
                )
            ).all()
        }
    for post_id, author_id, mentioned, reply_to in rows:
        batch.posts[post_id] = PostFacts(
            author_id,
            frozenset(mentioned or ()),
            replied_authors.get(reply_to) if reply_to is not None else None,
        )
    return batch


async def _post_created(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    from app.forums import service as forums_service

    thread_id = _uuid(event.data.get("thread_id"))
    post_id = _uuid(event.data.get("post_id"))
    if thread_id is None or post_id is None:
        return []
    ids = {"thread_id": str(thread_id), "post_id": str(post_id)}
    path = f"/threads/{thread_id}#post-{post_id}"
    if event.audience_kind == "user":
        recipient = _uuid(event.audience_id)
        if not event.data.get("mention") or recipient is None:
            return []
        title = "You were mentioned in a forum post"
        return [
            Planned(recipient, "mention", "thread", str(thread_id), title, path, ids, thread_id)
        ]
    post = batch.posts.get(post_id) if event.audience_kind == "thread" else None
    if post is None:
        return []
    skip = {post.author_id, *post.mentioned}  # mentions have their own event
    planned: list[Planned] = []
    replied = post.replied_author_id
    if replied is not None and replied not in skip:
        title = "New reply to your post"
        planned.append(
            Planned(replied, "reply", "thread", str(thread_id), title, path, ids, thread_id)
        )
        skip.add(replied)
    if thread_id not in batch.followers_done:
        batch.followers_done.add(thread_id)
        # Already filtered to members who may read the thread: no per-member check needed.
        for user_id in await forums_service.thread_followers(session, thread_id):
            if user_id not in skip:
                title = "New posts in a thread you follow"
                planned.append(
                    Planned(user_id, "followed_thread", "thread", str(thread_id), title, path, ids)
                )
    return planned


async def _thread_created(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    from app.forums import service as forums_service
    from app.models.forums import Thread

    thread_id = _uuid(event.data.get("thread_id"))
    if thread_id is None:
        return []
    thread = await session.get(Thread, thread_id)
    if thread is None:
        return []
    author = thread.author_id
    ids = {"thread_id": str(thread_id), "forum_id": str(thread.forum_id)}
    title = "New thread in a forum you follow"
    return [
        Planned(
            user_id, "followed_forum", "thread", str(thread_id), title, f"/threads/{thread_id}", ids
        )
        for user_id in await forums_service.thread_followers(session, thread_id)
        if user_id != author
    ]


# -- cases -----------------------------------------------------------------------------------

_TRANSITION_TYPES = {"submit": "case_received", "acknowledge": "case_acknowledged"}


async def _case_event(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    from app.cases import service as cases_service
    from app.models.cases import Case, CaseAttachment, CaseMessage, CaseTimelineEntry

    case_id = _uuid(event.data.get("case_id"))
    if case_id is None:
        return []
    case = await session.get(Case, case_id)
    if case is None:
        return []
    ref = case.reference
    ids: dict[str, Any] = {k: str(v) for k, v in event.data.items() if k.endswith("_id")}
    actor_id: uuid.UUID | None = None
    if event.name == "case.message.created":
        message = await session.get(CaseMessage, _uuid(event.data.get("message_id")))
        actor_id = message.author_id if message else None
        kind, title = "case_message", f"New message in case {ref}"
    elif event.name == "case.attachment.created":
        attachment = await session.get(CaseAttachment, _uuid(event.data.get("attachment_id")))
        actor_id = attachment.uploaded_by if attachment else None
        kind, title = "case_message", f"New attachment in case {ref}"
    elif event.name == "case.transitioned":
        entry = await session.get(CaseTimelineEntry, _uuid(event.data.get("entry_id")))
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
    participants = batch.case_participants.get(case_id)
    if participants is None:
        participants = await cases_service.participant_user_ids(session, case_id)
        batch.case_participants[case_id] = participants
    recipients = [u for u in participants if u != actor_id]
    planned = [
        Planned(user_id, kind, "case", str(case_id), title, f"/cases/{case_id}", ids)
        for user_id in recipients
    ]
    if kind == "case_received":
        # Only the requested side receives the case; for the requesting side it is a status.
        requested = set(
            (
                await session.execute(
                    select(col(User.id)).where(
                        col(User.id).in_(recipients),
                        col(User.authority_id) == case.requested_authority_id,
                    )
                )
            ).scalars()
        )
        for item in planned:
            if item.user_id not in requested:
                item.type, item.title = "case_status", f"Case {ref} is now submitted"
    return planned


async def _case_invitation(
    session: AsyncSession, event: StoredEvent, batch: Batch
) -> list[Planned]:
    from app.cases import service as cases_service
    from app.models.cases import Case, CaseParticipant

    recipient = _uuid(event.audience_id) if event.audience_kind == "user" else None
    case_id = _uuid(event.data.get("case_id"))
    if recipient is None or case_id is None:
        return []
    case = await session.get(Case, case_id)
    role = await session.scalar(
        select(col(CaseParticipant.role)).where(
            col(CaseParticipant.case_id) == case_id, col(CaseParticipant.user_id) == recipient
        )
    )
    # An invitation already ended (or a member who lost access) makes no notification.
    if (
        case is None
        or role is None
        or not await cases_service.is_participant(session, recipient, case_id)
    ):
        return []
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


# -- directory -------------------------------------------------------------------------------


async def _focal_points(session: AsyncSession, authority_id: uuid.UUID) -> list[uuid.UUID]:
    from app.directory.revisions import focal_points_of

    return [u.id for u in (await focal_points_of(session, [authority_id]))[authority_id]]


async def _directory_stale(
    session: AsyncSession, event: StoredEvent, batch: Batch
) -> list[Planned]:
    from app.models.directory import Authority, RequirementSheet

    authority_id = _uuid(event.audience_id) if event.audience_kind == "authority" else None
    authority = await session.get(Authority, authority_id) if authority_id else None
    if authority is None:
        return []
    ids = {k: str(v) for k, v in event.data.items() if k.endswith("_id")}
    sheet_id = _uuid(event.data.get("sheet_id"))
    if sheet_id is not None:
        sheet = await session.get(RequirementSheet, sheet_id)
        if sheet is None:
            return []
        subject_type, subject_id = "sheet", str(sheet.id)
        title = f"The {sheet.request_type} requirement sheet of {sheet.state_code} needs verifying"
        path = f"/states/{sheet.state_code}/requirements/{sheet.request_type}"
    else:
        subject_type, subject_id = "authority", str(authority.id)
        title = f"The directory entry of {authority.name} needs verifying"
        path = f"/authorities/{authority.id}"
    return [
        Planned(user_id, "directory_stale", subject_type, subject_id, title, path, ids)
        for user_id in await _focal_points(session, authority.id)
    ]


async def _contact_failed(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    from app.models.directory import Authority, ContactFailureReport

    authority_id = _uuid(event.data.get("authority_id"))
    report_id = _uuid(event.data.get("report_id"))
    authority = await session.get(Authority, authority_id) if authority_id else None
    report = await session.get(ContactFailureReport, report_id) if report_id else None
    if authority is None or report is None or report.resolved_at is not None:
        return []
    focal = await _focal_points(session, authority.id)
    if event.audience_kind == "authority" and event.audience_id == str(authority.id):
        recipients = focal
    elif event.audience_kind == "moderators":
        # A moderator who is also the authority's focal point hears through the authority.
        skip = set(focal)
        recipients = [
            u for u in await _holders_of(session, Permission.FORUM_MODERATE) if u not in skip
        ]
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


# -- identity and moderation -----------------------------------------------------------------


async def _holders_of(session: AsyncSession, permission: Permission) -> list[uuid.UUID]:
    roles = [role.value for role, granted in ROLE_PERMISSIONS.items() if permission in granted]
    rows = await session.execute(
        select(col(User.id)).where(
            col(User.status) == "active",
            col(User.roles).overlap(sa.cast(sa.literal(roles), col(User.roles).type)),  # type: ignore[attr-defined]
        )
    )
    return list(rows.scalars())


async def _vetting_decision(
    session: AsyncSession, event: StoredEvent, batch: Batch
) -> list[Planned]:
    recipient = _uuid(event.audience_id) if event.audience_kind == "user" else None
    if recipient is None:
        return []
    ids = {k: str(v) for k, v in event.data.items() if k.endswith("_id") or k == "decision"}
    title = "A decision was made on your membership"
    return [Planned(recipient, "vetting_decision", "user", str(recipient), title, "/me", ids)]


async def _application_waiting(
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
        for user_id in await _holders_of(session, Permission.VETTING_REVIEW)
    ]


async def _flag_waiting(session: AsyncSession, event: StoredEvent, batch: Batch) -> list[Planned]:
    ids = {k: str(v) for k, v in event.data.items() if k.endswith("_id")}
    title = "A flagged post waits for review"
    return [
        Planned(
            user_id,
            "moderation_flag",
            "post",
            ids.get("post_id", ""),
            title,
            "/moderation/flags",
            ids,
        )
        for user_id in await _holders_of(session, Permission.FORUM_MODERATE)
        if str(user_id) != ids.get("flagged_by_id")
    ]


RULES: dict[str, Rule] = {
    "post.created": _post_created,
    "thread.created": _thread_created,
    "case.transitioned": _case_event,
    "case.message.created": _case_event,
    "case.attachment.created": _case_event,
    "case.deadline.near": _case_event,
    "case.deadline.passed": _case_event,
    "case.participant.invited": _case_invitation,
    "directory.stale": _directory_stale,
    "directory.contact_failed": _contact_failed,
    "vetting.decided": _vetting_decision,
    "application.ready_for_review": _application_waiting,
    "post.flagged": _flag_waiting,
}

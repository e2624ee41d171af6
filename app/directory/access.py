"""Who may see and change which directory entry.

Every vetted member reads the whole directory (Permission.DIRECTORY_READ). Admins
(DIRECTORY_ADMIN) create and edit anything; a focal point edits their own authority and the
requirement sheets of their authority's state; nobody else writes.
"""

from __future__ import annotations

import uuid
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission, Role, permissions_for
from app.core import refusal as core_refusal
from app.core.audit import Target
from app.core.errors import Forbidden
from app.directory import repository
from app.directory.constants import AuthorityAction, SheetAction
from app.directory.exceptions import (
    AdminOnly,
    AuthorityNotFound,
    DirectoryNotFound,
    NotAuthorityEditor,
    NotFailureHandler,
    ReportNotFound,
    TreatyNotFound,
)
from app.models.directory import Authority, ContactFailureReport, Treaty


def operator() -> Actor:
    """The server operator (command line, demo seeding): an admin without a member account."""
    roles = frozenset({Role.ADMIN.value})
    return Actor(user_id=None, handle="operator", roles=roles, permissions=permissions_for(roles))


def can_read(actor: Actor) -> bool:
    return actor.can(Permission.DIRECTORY_READ)


def require_reader(actor: Actor) -> None:
    """404 for a caller who may not read the directory: there is nothing for them to find."""
    if not can_read(actor):
        raise DirectoryNotFound()


def is_admin(actor: Actor) -> bool:
    return actor.can(Permission.DIRECTORY_ADMIN)


def is_moderator(actor: Actor) -> bool:
    return actor.has_role(Role.MODERATOR.value) and can_read(actor)


def is_focal_point_of(actor: Actor, authority_id: uuid.UUID) -> bool:
    return can_read(actor) and actor.focal_point and actor.authority_id == authority_id


def may_edit_authority(actor: Actor, authority_id: uuid.UUID) -> bool:
    """Admins edit and verify any entry; a focal point their own authority's."""
    return is_admin(actor) or is_focal_point_of(actor, authority_id)


def may_move_authority(actor: Actor) -> bool:
    """Moving an entry to another State (its `state_code`) is for admins only."""
    return is_admin(actor)


def authority_actions(actor: Actor, authority_id: uuid.UUID) -> list[AuthorityAction]:
    """What the actor may do to an entry, by the rules the writes apply, for clients to show."""
    if not may_edit_authority(actor, authority_id):
        return []
    actions: list[AuthorityAction] = ["edit", "verify"]
    if may_move_authority(actor):
        actions.append("change_state")
    return actions


async def actor_state_code(session: AsyncSession, actor: Actor) -> str | None:
    """The state of the actor's own authority."""
    if actor.authority_id is None:
        return None
    authority = await repository.authority_by_id(session, actor.authority_id)
    return authority.state_code if authority else None


async def can_edit_state_sheets(session: AsyncSession, actor: Actor, state_code: str) -> bool:
    if is_admin(actor):
        return True
    if not (can_read(actor) and actor.focal_point):
        return False
    return await actor_state_code(session, actor) == state_code


async def sheet_actions(session: AsyncSession, actor: Actor, state_code: str) -> list[SheetAction]:
    """What the actor may do to a State's sheets, by the rule PUT and verify apply."""
    if not await can_edit_state_sheets(session, actor, state_code):
        return []
    return ["edit", "verify"]


async def refuse(
    session: AsyncSession,
    error: Forbidden,
    *,
    actor: Actor,
    action: str,
    target: Target,
    authority_ids: list[uuid.UUID | None] | None = None,
) -> NoReturn:
    """403 for a refused write, its denial audited through app.core.refusal."""
    await core_refusal.refuse(
        session,
        error,
        actor=actor,
        action=action,
        target=target,
        authority_ids=authority_ids or [],
    )


async def access_authority(
    session: AsyncSession, actor: Actor, authority_id: uuid.UUID, *, for_write: bool = False
) -> Authority:
    """The authority if the actor may read it (and, for_write, edit it); else 404 / 403."""
    if not can_read(actor):
        raise AuthorityNotFound()
    authority = await repository.authority_by_id(session, authority_id)
    if authority is None:
        raise AuthorityNotFound()
    if for_write and not may_edit_authority(actor, authority.id):
        await refuse(
            session,
            NotAuthorityEditor(),
            actor=actor,
            action="directory.authority.update",
            target=Target("authority", authority.id),
            authority_ids=[authority.id],
        )
    return authority


async def access_treaty(
    session: AsyncSession, actor: Actor, treaty_id: uuid.UUID, *, for_write: bool = False
) -> Treaty:
    if not can_read(actor):
        raise TreatyNotFound()
    treaty = await repository.treaty_by_id(session, treaty_id)
    if treaty is None:
        raise TreatyNotFound()
    if for_write and not is_admin(actor):
        await refuse(
            session,
            AdminOnly("edit treaties"),
            actor=actor,
            action="directory.treaty.update",
            target=Target("treaty", treaty.id),
        )
    return treaty


def can_handle_failures(actor: Actor, authority_id: uuid.UUID) -> bool:
    """Focal points of the authority, moderators and admins see and resolve failure reports."""
    return is_admin(actor) or is_moderator(actor) or is_focal_point_of(actor, authority_id)


async def access_failure_report(
    session: AsyncSession, actor: Actor, report_id: uuid.UUID
) -> ContactFailureReport:
    if not can_read(actor):
        raise ReportNotFound()
    report = await repository.report_by_id(session, report_id)
    if report is None:
        raise ReportNotFound()
    if not can_handle_failures(actor, report.authority_id):
        await refuse(
            session,
            NotFailureHandler("do this"),
            actor=actor,
            action="directory.contact_failure.resolve",
            target=Target("contact_failure_report", report.id),
            authority_ids=[report.authority_id],
        )
    return report

"""Managing members: reading them, changing roles and status, four-eyes privileged grants."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import PRIVILEGED_ROLES, ROLE_NAMES, Permission
from app.core import audit
from app.core.audit import Target
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.pagination import page
from app.identity import repository
from app.identity.exceptions import FourEyesRequired, MemberNotFound, OwnRolesForbidden
from app.identity.repository import MemberWithAuthority
from app.identity.sessions import revoke_all_sessions
from app.models.identity import RoleChange, User

EDITABLE = ("roles", "status", "authority_id", "focal_point")


def snapshot(user: User) -> dict[str, Any]:
    return {
        "roles": sorted(user.roles),
        "status": user.status,
        "authority_id": str(user.authority_id) if user.authority_id else None,
        "focal_point": user.focal_point,
    }


async def list_members(
    session: AsyncSession,
    *,
    actor: Actor,
    authority_id: uuid.UUID | None,
    status: str | None,
    role: str | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
    q: str | None = None,
) -> tuple[list[MemberWithAuthority], str | None]:
    """A page of members by handle (admins and moderators), optionally matching `q`, and
    the cursor of the next page."""
    if not actor.can(Permission.USERS_READ):
        raise Forbidden("Only admins and moderators list members.")
    rows = await repository.members_page(
        session,
        # Each word must match somewhere (NUL characters are refused at the edge).
        terms=(q or "").split(),
        authority_id=authority_id,
        status=status,
        role=role,
        after=after,
        limit=limit + 1,
    )
    found, next_cursor = page(rows, limit, key=lambda u: (u.handle, u.id))
    return await repository.with_authorities(session, found), next_cursor


async def read_member(
    session: AsyncSession, *, user_id: uuid.UUID, actor: Actor
) -> MemberWithAuthority:
    """One member with their authority (admins and moderators)."""
    if not actor.can(Permission.USERS_READ):
        raise Forbidden("Only admins and moderators read member records.")
    user = await repository.member_by_id(session, user_id)
    if user is None:
        raise MemberNotFound()
    return (await repository.with_authorities(session, [user]))[0]


def _validate(changes: dict[str, Any]) -> None:
    errors = []
    if "roles" in changes:
        unknown = sorted(set(changes["roles"]) - ROLE_NAMES)
        if unknown:
            errors.append({"field": "roles", "message": f"unknown roles: {unknown}"})
    if "status" in changes and changes["status"] not in ("active", "suspended"):
        errors.append({"field": "status", "message": "active or suspended"})
    if errors:
        raise ValidationFailed("Invalid change.", errors=errors)


async def _apply(
    session: AsyncSession, user: User, changes: dict[str, Any], *, actor: Actor
) -> dict[str, Any]:
    before = snapshot(user)
    if "authority_id" in changes:
        authority_id = changes["authority_id"]
        if authority_id is not None:
            authority_id = uuid.UUID(str(authority_id))
            if await repository.authority_by_id(session, authority_id) is None:
                raise ValidationFailed(
                    "No such authority.",
                    errors=[{"field": "authority_id", "message": "no such authority"}],
                )
        user.authority_id = authority_id
    if "roles" in changes:
        user.roles = sorted(set(changes["roles"]))
    if "focal_point" in changes:
        user.focal_point = bool(changes["focal_point"])
    if "status" in changes:
        user.status = changes["status"]
    await session.flush()
    after = snapshot(user)
    if before["status"] != "suspended" and after["status"] == "suspended":
        await revoke_all_sessions(session, user.id, actor=actor, reason="suspended")
    changed = audit.diff(before, after)
    if changed:
        await audit.record(
            session,
            actor=actor,
            action="user.updated",
            target=Target("user", user.id),
            changes=changed,
            authority_ids=[user.authority_id, uuid.UUID(before["authority_id"])]
            if before["authority_id"]
            else [user.authority_id],
        )
    return changed


async def change_membership(
    session: AsyncSession, *, user_id: uuid.UUID, changes: dict[str, Any], actor: Actor
) -> MemberWithAuthority | RoleChange:
    """Apply an admin's change to a member's roles, status, authority or focal point (the
    member and their authority after it), or park it for a second admin when it grants
    admin or moderator (the pending change)."""
    if not actor.can(Permission.USERS_MANAGE):
        raise Forbidden("Only admins manage members.")
    user = await repository.member_by_id(session, user_id)
    if user is None:
        raise MemberNotFound()
    changes = {k: v for k, v in changes.items() if k in EDITABLE}
    _validate(changes)
    # The authority decides which cases a member sees: moving oneself to another authority
    # would be a self-granted need-to-know, as much as a self-granted role.
    if user.id == actor.user_id and set(EDITABLE) & changes.keys():
        raise OwnRolesForbidden()
    granted = set(changes.get("roles", user.roles)) - set(user.roles)
    if granted & PRIVILEGED_ROLES:
        pending = RoleChange(
            user_id=user.id,
            requested_by=actor.user_id or uuid.UUID(int=0),
            changes=_jsonable(changes),
        )
        session.add(pending)
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action="user.role_change.requested",
            target=Target("role_change", pending.id),
            details={"user_id": str(user.id), "changes": pending.changes},
            authority_ids=[user.authority_id],
        )
        return pending
    await _apply(session, user, changes, actor=actor)
    return (await repository.with_authorities(session, [user]))[0]


async def end_member_sessions(session: AsyncSession, *, user_id: uuid.UUID, actor: Actor) -> int:
    """End every session of a member now (admins); how many ended. The member signs in
    again with both factors; their open pages hear `session.revoked` and sign out."""
    if not actor.can(Permission.USERS_MANAGE):
        raise Forbidden("Only admins end members' sessions.")
    user = await repository.member_by_id(session, user_id)
    if user is None:
        raise MemberNotFound()
    return await revoke_all_sessions(session, user.id, actor=actor, reason="admin")


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in changes.items()}


async def list_role_changes(
    session: AsyncSession, *, actor: Actor, status: str | None
) -> list[RoleChange]:
    """Privileged grants awaiting (or having had) a second admin's decision."""
    if not actor.can(Permission.USERS_MANAGE):
        raise Forbidden("Only admins see role changes.")
    return await repository.role_changes_with_status(session, status or "pending", limit=100)


async def decide_role_change(
    session: AsyncSession, *, change_id: uuid.UUID, confirm: bool, actor: Actor
) -> RoleChange:
    """A second admin (not the requester, not the person concerned) confirms or rejects."""
    if not actor.can(Permission.USERS_MANAGE):
        raise Forbidden("Only admins confirm role changes.")
    change = await repository.role_change_for_update(session, change_id)
    if change is None:
        raise NotFound("No such role change.")
    if change.requested_by == actor.user_id or change.user_id == actor.user_id:
        raise FourEyesRequired()
    if change.status != "pending":
        raise Conflict(f"The role change is {change.status}.")
    change.status = "confirmed" if confirm else "rejected"
    change.decided_by = actor.user_id
    change.decided_at = datetime.now(UTC)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=f"user.role_change.{change.status}",
        target=Target("role_change", change.id),
        details={"user_id": str(change.user_id), "requested_by": str(change.requested_by)},
    )
    if confirm:
        user = await repository.member_by_id(session, change.user_id)
        if user is None:
            raise MemberNotFound("The member no longer exists.")
        await _apply(session, user, dict(change.changes), actor=actor)
    return change

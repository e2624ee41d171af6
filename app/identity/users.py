"""Managing members: reading them, changing roles and status, four-eyes privileged grants."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.auth.permissions import PRIVILEGED_ROLES, ROLE_NAMES, Permission
from app.core import audit
from app.core.audit import Target
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.identity.sessions import revoke_all_sessions
from app.models.directory import Authority
from app.models.identity import RoleChange, User

EDITABLE = ("roles", "status", "authority_id", "focal_point")


def snapshot(user: User) -> dict[str, Any]:
    return {
        "roles": sorted(user.roles),
        "status": user.status,
        "authority_id": str(user.authority_id) if user.authority_id else None,
        "focal_point": user.focal_point,
    }


async def list_users(
    session: AsyncSession,
    *,
    actor: Actor,
    authority_id: uuid.UUID | None,
    status: str | None,
    role: str | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
    q: str | None = None,
) -> list[User]:
    """Members ordered by handle (admins and moderators), optionally matching `q`."""
    if not actor.can(Permission.USERS_READ):
        raise Forbidden("Only admins and moderators list members.")
    statement = select(User)
    # Each word must match somewhere (NUL characters are refused at the edge).
    for term in (q or "").split():
        statement = statement.where(_matches(term))
    if authority_id is not None:
        statement = statement.where(col(User.authority_id) == authority_id)
    if status is not None:
        statement = statement.where(col(User.status) == status)
    if role is not None:
        statement = statement.where(col(User.roles).contains([role]))
    if after is not None:
        statement = statement.where(tuple_(col(User.handle), col(User.id)) > tuple_(*after))
    statement = statement.order_by(col(User.handle), col(User.id)).limit(limit)
    return list((await session.execute(statement)).scalars().all())


def _matches(term: str) -> sa.ColumnElement[bool]:
    """Members whose name, handle, email or authority (name or State code) contains `term`."""
    # Escaped: a member searching for "o_brien" or "100%" means those characters.
    pattern = "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"
    in_authority = select(col(Authority.id)).where(
        sa.or_(
            col(Authority.name).ilike(pattern, escape="\\"),
            col(Authority.state_code) == term.upper(),
        )
    )
    return sa.or_(
        col(User.full_name).ilike(pattern, escape="\\"),
        col(User.handle).ilike(pattern, escape="\\"),
        col(User.email).ilike(pattern, escape="\\"),
        col(User.authority_id).in_(in_authority),
    )


async def authorities_by_id(
    session: AsyncSession, ids: set[uuid.UUID | None]
) -> dict[uuid.UUID, Authority]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = (await session.execute(_AUTHORITIES_BY_ID, {"ids": wanted})).scalars()
    return {a.id: a for a in rows}


# Built once: every profile (GET /me) and member list resolves authorities with it.
_AUTHORITIES_BY_ID = select(Authority).where(
    col(Authority.id) == sa.any_(sa.bindparam("ids", type_=ARRAY(sa.Uuid())))
)


async def read_user(session: AsyncSession, *, user_id: uuid.UUID, actor: Actor) -> User:
    """One member (admins and moderators)."""
    if not actor.can(Permission.USERS_READ):
        raise Forbidden("Only admins and moderators read member records.")
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such member.")
    return user


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
            if await session.get(Authority, authority_id) is None:
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


async def update_user(
    session: AsyncSession, *, user_id: uuid.UUID, changes: dict[str, Any], actor: Actor
) -> User | RoleChange:
    """Apply an admin's change, or park it for a second admin when it grants admin/moderator."""
    if not actor.can(Permission.USERS_MANAGE):
        raise Forbidden("Only admins manage members.")
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such member.")
    changes = {k: v for k, v in changes.items() if k in EDITABLE}
    _validate(changes)
    # The authority decides which cases a member sees: moving oneself to another authority
    # would be a self-granted need-to-know, as much as a self-granted role.
    if user.id == actor.user_id and set(EDITABLE) & changes.keys():
        raise Forbidden("Nobody can change their own roles, status or authority.", code="own-roles")
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
    return user


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in changes.items()}


async def list_role_changes(
    session: AsyncSession, *, actor: Actor, status: str | None
) -> list[RoleChange]:
    """Privileged grants awaiting (or having had) a second admin's decision."""
    if not actor.can(Permission.USERS_MANAGE):
        raise Forbidden("Only admins see role changes.")
    statement = select(RoleChange).where(col(RoleChange.status) == (status or "pending"))
    statement = statement.order_by(col(RoleChange.created_at).desc()).limit(100)
    return list((await session.execute(statement)).scalars().all())


async def decide_role_change(
    session: AsyncSession, *, change_id: uuid.UUID, confirm: bool, actor: Actor
) -> RoleChange:
    """A second admin (not the requester, not the person concerned) confirms or rejects."""
    if not actor.can(Permission.USERS_MANAGE):
        raise Forbidden("Only admins confirm role changes.")
    change = await session.get(RoleChange, change_id, with_for_update=True)
    if change is None:
        raise NotFound("No such role change.")
    if change.requested_by == actor.user_id or change.user_id == actor.user_id:
        raise Forbidden("A second admin must decide (four eyes).", code="four-eyes")
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
        user = await session.get(User, change.user_id)
        if user is None:
            raise NotFound("The member no longer exists.")
        await _apply(session, user, dict(change.changes), actor=actor)
    return change

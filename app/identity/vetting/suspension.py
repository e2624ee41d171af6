"""Suspending a member and reinstating them, each with a reason kept in their vetting record.

Admins and moderators both suspend (a moderator acts on what vetting or the forums show
them); a moderator's reach stops at admins and moderators, whom only an admin suspends, so
that one moderator cannot lock the others or the admins out.
"""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import PRIVILEGED_ROLES, Permission
from app.core import audit
from app.core.audit import Target
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.refusal import refuse
from app.identity import repository
from app.identity.exceptions import MemberNotFound, OwnRolesForbidden
from app.identity.repository import MemberWithAuthority
from app.identity.sessions import revoke_all_sessions
from app.models.identity import User, VettingStep

Change = Literal["suspend", "reinstate"]


def may_change_status(actor: Actor, user: User) -> bool:
    """Whether the actor may suspend or reinstate this member at all (whatever their status)."""
    if not actor.can(Permission.USERS_SUSPEND) or user.id == actor.user_id:
        return False
    return actor.can(Permission.USERS_MANAGE) or not set(user.roles) & PRIVILEGED_ROLES


def status_actions(actor: Actor, user: User) -> list[str]:
    """`suspend` or `reinstate`, whichever the member's status allows the actor now."""
    if not may_change_status(actor, user):
        return []
    return ["reinstate"] if user.status == "suspended" else ["suspend"]


async def change_member_status(
    session: AsyncSession, *, user_id: uuid.UUID, change: Change, reason: str, actor: Actor
) -> MemberWithAuthority:
    """Suspend (ending every session of theirs) or reinstate a member, for the reason given;
    the member and their authority after it."""
    if not actor.can(Permission.USERS_SUSPEND):
        raise Forbidden("Only admins and moderators suspend or reinstate members.")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            "Say why.", errors=[{"field": "reason", "message": "must not be blank"}]
        )
    user = await repository.member_by_id(session, user_id, for_update=True)
    if user is None:
        raise MemberNotFound()
    target = Target("user", user.id)
    if user.id == actor.user_id:
        raise OwnRolesForbidden()
    if not may_change_status(actor, user):
        await refuse(
            session,
            Forbidden("Only an admin suspends or reinstates an admin or a moderator."),
            actor=actor,
            action=f"user.{change}",
            target=target,
            authority_ids=[user.authority_id],
        )
    before, after = ("active", "suspended") if change == "suspend" else ("suspended", "active")
    if user.status != before:
        raise Conflict(f"The member is {user.status} already.")
    user.status = after
    step = "suspended" if change == "suspend" else "reinstated"
    session.add(VettingStep(user_id=user.id, step=step, actor_user_id=actor.user_id, note=reason))
    await session.flush()
    if change == "suspend":
        await revoke_all_sessions(session, user.id, actor=actor, reason="suspended")
    await audit.record(
        session,
        actor=actor,
        action=f"user.{step}",
        target=target,
        changes=audit.diff({"status": before}, {"status": after}),
        details={"reason": reason},
        authority_ids=[user.authority_id],
    )
    return (await repository.with_authorities(session, [user]))[0]

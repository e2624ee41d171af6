"""Members, as admins and moderators see them; four-eyes role changes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from app.auth.actor import Actor
from app.auth.dependencies import CurrentUser, RequirePermission
from app.auth.permissions import Permission
from app.core.pagination import Cursor, Key, Limit, Page, decode_cursor
from app.db import DbSession
from app.identity import members
from app.identity.routes.responses import user_read
from app.identity.schemas import (
    PendingChangeOut,
    RoleChangeRead,
    SessionsRevokedOut,
    SuspensionIn,
    UserPatch,
    UserRead,
)
from app.identity.vetting import suspension
from app.models.identity import RoleChange

router = APIRouter(tags=["identity"])


@router.get("/users", response_model=Page[UserRead])
async def list_users(
    actor: CurrentUser,
    session: DbSession,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="words that must each appear, in any case, in the member's name, "
            "handle or email, or in their authority's name (or be its State code)",
        ),
    ] = None,
    authority_id: uuid.UUID | None = None,
    status: str | None = None,
    role: str | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[UserRead]:
    """Members by handle, optionally matching a search (admins, moderators)."""
    found, next_cursor = await members.list_members(
        session,
        actor=actor,
        q=q,
        authority_id=authority_id,
        status=status,
        role=role,
        after=decode_cursor(cursor, Key.str, Key.uuid),
        limit=limit,
    )
    return Page(items=[user_read(m) for m in found], next_cursor=next_cursor)


@router.get("/users/{user_id}", response_model=UserRead)
async def get_user(user_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> UserRead:
    """One member (admins, moderators)."""
    return user_read(await members.read_member(session, user_id=user_id, actor=actor))


@router.patch(
    "/users/{user_id}",
    response_model=UserRead,
    responses={202: {"model": PendingChangeOut, "description": "waits for a second admin"}},
)
async def patch_user(
    user_id: uuid.UUID,
    body: UserPatch,
    actor: Annotated[Actor, RequirePermission(Permission.USERS_MANAGE)],
    session: DbSession,
) -> Any:
    """Change roles, status, authority or focal point; admin/moderator grants need four eyes."""
    result = await members.change_membership(
        session, user_id=user_id, changes=body.model_dump(exclude_unset=True), actor=actor
    )
    if isinstance(result, RoleChange):
        return JSONResponse(
            PendingChangeOut(pending_change_id=result.id).model_dump(mode="json"),
            status_code=202,
        )
    return user_read(result)


@router.delete(
    "/users/{user_id}/sessions",
    response_model=SessionsRevokedOut,
)
async def revoke_member_sessions(
    user_id: uuid.UUID,
    actor: Annotated[Actor, RequirePermission(Permission.USERS_MANAGE)],
    session: DbSession,
) -> SessionsRevokedOut:
    """Sign a member out everywhere (admins): every session ends now, live pages included."""
    count = await members.end_member_sessions(session, user_id=user_id, actor=actor)
    return SessionsRevokedOut(revoked=count)


@router.post(
    "/users/{user_id}/suspend",
    response_model=UserRead,
    # Checked before the body is parsed, so a member without it learns nothing from a 422.
)
async def suspend_user(
    user_id: uuid.UUID,
    body: SuspensionIn,
    actor: Annotated[Actor, RequirePermission(Permission.USERS_SUSPEND)],
    session: DbSession,
) -> UserRead:
    """Suspend a member for the reason given (admins; moderators, except for admins and
    moderators): every session of theirs ends; the reason goes in their vetting record."""
    return user_read(
        await suspension.change_member_status(
            session, user_id=user_id, change="suspend", reason=body.reason, actor=actor
        )
    )


@router.post(
    "/users/{user_id}/reinstate",
    response_model=UserRead,
)
async def reinstate_user(
    user_id: uuid.UUID,
    body: SuspensionIn,
    actor: Annotated[Actor, RequirePermission(Permission.USERS_SUSPEND)],
    session: DbSession,
) -> UserRead:
    """Reinstate a suspended member for the reason given (as for suspending)."""
    return user_read(
        await suspension.change_member_status(
            session, user_id=user_id, change="reinstate", reason=body.reason, actor=actor
        )
    )


@router.get("/role-changes", response_model=list[RoleChangeRead])
async def list_role_changes(
    actor: CurrentUser, session: DbSession, status: str | None = None
) -> list[RoleChangeRead]:
    """Privileged grants awaiting a second admin (status=pending by default)."""
    rows = await members.list_role_changes(session, actor=actor, status=status)
    return [RoleChangeRead.model_validate(r, from_attributes=True) for r in rows]


@router.post("/role-changes/{change_id}/confirm", response_model=RoleChangeRead)
async def confirm_role_change(
    change_id: uuid.UUID, actor: CurrentUser, session: DbSession
) -> RoleChangeRead:
    """A second admin confirms the grant; it takes effect now."""
    change = await members.decide_role_change(
        session, change_id=change_id, confirm=True, actor=actor
    )
    return RoleChangeRead.model_validate(change, from_attributes=True)


@router.post("/role-changes/{change_id}/reject", response_model=RoleChangeRead)
async def reject_role_change(
    change_id: uuid.UUID, actor: CurrentUser, session: DbSession
) -> RoleChangeRead:
    """A second admin turns the grant down."""
    change = await members.decide_role_change(
        session, change_id=change_id, confirm=False, actor=actor
    )
    return RoleChangeRead.model_validate(change, from_attributes=True)

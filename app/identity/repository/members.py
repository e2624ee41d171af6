"""Members, the authorities shown with them, and four-eyes role changes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.pagination import apply
from app.db import Prepared, read
from app.models.directory import Authority
from app.models.identity import RoleChange, User

MemberWithAuthority = tuple[User, Authority | None]

# Service accounts have a users row (their principal) but are no members: member lookups,
# lists and management leave them out (app/identity/service_accounts).
_MEMBER = col(User.kind) == "member"

_MEMBER_BY_EMAIL = select(User).where(col(User.email) == sa.bindparam("email"), _MEMBER)

# NO KEY UPDATE, not UPDATE: it serialises the sign-ins of one member, but does not wait for
# every transaction that merely references the member (foreign keys take KEY SHARE: a
# notification batch held sign-ins up for seconds).
_LOCK_MEMBER = (
    select(col(User.id))
    .where(col(User.id) == sa.bindparam("user_id"))
    .with_for_update(key_share=True)
)

# GET /me in one statement, columns not entities: the member and their authority's name.
_OWN_PROFILE = Prepared(
    sa.select(
        col(User.id),
        col(User.email),
        col(User.full_name),
        col(User.handle),
        col(User.position),
        col(User.roles),
        col(User.status),
        col(User.focal_point),
        col(User.vetting_expires_at),
        col(User.mfa_enrolled_at),
        col(User.authority_id),
        col(Authority.name).label("authority_name"),
        col(Authority.state_code).label("authority_state_code"),
    )
    .outerjoin(Authority, col(Authority.id) == col(User.authority_id))
    .where(col(User.id) == sa.bindparam("user_id"), _MEMBER)
)

_MEMBER_LOCKED_AFRESH = (
    select(User)
    .where(col(User.id) == sa.bindparam("user_id"))
    .with_for_update(key_share=True)
    .execution_options(populate_existing=True)
)


async def member_by_id(
    session: AsyncSession, user_id: uuid.UUID | None, *, for_update: bool = False
) -> User | None:
    if user_id is None:
        return None
    user = await session.get(User, user_id, with_for_update=for_update)
    return user if user is not None and user.kind == "member" else None


async def own_profile_row(session: AsyncSession, user_id: uuid.UUID) -> Any:
    """The member's profile columns with `authority_name` and `authority_state_code`."""
    return (await read(session, _OWN_PROFILE, {"user_id": user_id})).first()


async def member_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(_MEMBER_BY_EMAIL, {"email": email})


async def member_id_by_email(session: AsyncSession, email: str) -> uuid.UUID | None:
    return await session.scalar(select(col(User.id)).where(col(User.email) == email))


async def lock_member(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Lock the member's row for the sign-in steps (see app.identity.challenges)."""
    await session.execute(_LOCK_MEMBER, {"user_id": user_id})


async def member_locked_afresh(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The member, locked and read again (another request may have changed it meanwhile)."""
    return await session.scalar(_MEMBER_LOCKED_AFRESH, {"user_id": user_id})


async def member_with_handle_exists(session: AsyncSession, handle: str) -> bool:
    found = await session.scalar(select(col(User.id)).where(col(User.handle) == handle).limit(1))
    return found is not None


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


async def members_page(
    session: AsyncSession,
    *,
    terms: Sequence[str],
    authority_id: uuid.UUID | None,
    status: str | None,
    role: str | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[User]:
    """Members by handle after the cursor's key, matching every one of `terms`."""
    statement = select(User).where(_MEMBER)
    for term in terms:
        statement = statement.where(_matches(term))
    if authority_id is not None:
        statement = statement.where(col(User.authority_id) == authority_id)
    if status is not None:
        statement = statement.where(col(User.status) == status)
    if role is not None:
        statement = statement.where(col(User.roles).contains([role]))
    order = [col(User.handle), col(User.id)]
    statement = apply(statement, order, after).order_by(*order).limit(limit)
    return list((await session.execute(statement)).scalars().all())


async def active_members_of_authority(session: AsyncSession, authority_id: uuid.UUID) -> list[User]:
    statement = (
        select(User)
        .where(col(User.authority_id) == authority_id, col(User.status) == "active")
        .order_by(col(User.handle))
    )
    return list((await session.execute(statement)).scalars().all())


async def active_members_of_authorities_or_ids(
    session: AsyncSession, *, authority_ids: list[uuid.UUID], user_ids: list[uuid.UUID]
) -> list[User]:
    statement = select(User).where(
        col(User.status) == "active",
        sa.or_(col(User.authority_id).in_(authority_ids), col(User.id).in_(user_ids)),
    )
    return list((await session.execute(statement)).scalars().all())


async def member_ids_of_authority(
    session: AsyncSession, authority_id: uuid.UUID, *, among: list[uuid.UUID]
) -> set[uuid.UUID]:
    statement = select(col(User.id)).where(
        col(User.id).in_(among), col(User.authority_id) == authority_id
    )
    return set((await session.execute(statement)).scalars())


async def members_by_ids(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
    rows = (await session.execute(select(User).where(col(User.id).in_(user_ids)))).scalars()
    return {u.id: u for u in rows}


async def active_members_by_handles(session: AsyncSession, handles: list[str]) -> dict[str, User]:
    """Keyed by the lower-cased handle."""
    statement = select(User).where(
        col(User.handle).in_(handles), col(User.status) == "active", _MEMBER
    )
    return {u.handle.lower(): u for u in (await session.execute(statement)).scalars()}


async def members_with_authority(
    session: AsyncSession, user_ids: list[uuid.UUID]
) -> list[MemberWithAuthority]:
    """By handle, in one query."""
    rows = await session.execute(
        select(User, Authority)
        .outerjoin(Authority, col(Authority.id) == col(User.authority_id))
        .where(col(User.id).in_(user_ids))
        .order_by(col(User.handle))
    )
    return [(user, authority) for user, authority in rows]


async def active_member_ids_with_roles(session: AsyncSession, roles: list[str]) -> list[uuid.UUID]:
    """Active members holding any of `roles`."""
    rows = await session.execute(
        select(col(User.id)).where(
            col(User.status) == "active",
            col(User.roles).overlap(sa.cast(sa.literal(roles), col(User.roles).type)),  # type: ignore[attr-defined]
        )
    )
    return list(rows.scalars())


async def active_focal_points(session: AsyncSession, authority_ids: list[uuid.UUID]) -> list[User]:
    """Active focal points of any of the authorities, by full name."""
    if not authority_ids:
        return []
    rows = await session.execute(
        select(User)
        .where(
            col(User.authority_id).in_(authority_ids),
            col(User.focal_point).is_(True),
            col(User.status) == "active",
        )
        .order_by(col(User.full_name))
    )
    return list(rows.scalars())


async def focal_point_ids(session: AsyncSession, authority_id: uuid.UUID) -> list[uuid.UUID]:
    """The authority's active focal points."""
    statement = select(col(User.id)).where(
        col(User.authority_id) == authority_id,
        col(User.focal_point).is_(True),
        col(User.status) == "active",
    )
    return list((await session.execute(statement)).scalars().all())


# Built once: every profile (GET /me) and member list resolves authorities with it.
_AUTHORITIES_BY_ID = select(Authority).where(
    col(Authority.id) == sa.any_(sa.bindparam("ids", type_=ARRAY(sa.Uuid())))
)


async def authority_by_id(session: AsyncSession, authority_id: uuid.UUID) -> Authority | None:
    return await session.get(Authority, authority_id)


async def authorities_by_id(
    session: AsyncSession, ids: set[uuid.UUID | None]
) -> dict[uuid.UUID, Authority]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = (await session.execute(_AUTHORITIES_BY_ID, {"ids": wanted})).scalars()
    return {a.id: a for a in rows}


async def with_authorities(
    session: AsyncSession, members: Sequence[User]
) -> list[MemberWithAuthority]:
    """Each member with their authority (None without one), in one query."""
    authorities = await authorities_by_id(session, {m.authority_id for m in members})
    return [(m, authorities.get(m.authority_id) if m.authority_id else None) for m in members]


async def role_changes_with_status(
    session: AsyncSession, status: str, *, limit: int
) -> list[RoleChange]:
    """Newest first."""
    statement = (
        select(RoleChange)
        .where(col(RoleChange.status) == status)
        .order_by(col(RoleChange.created_at).desc())
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars().all())


async def role_change_for_update(session: AsyncSession, change_id: uuid.UUID) -> RoleChange | None:
    return await session.get(RoleChange, change_id, with_for_update=True)

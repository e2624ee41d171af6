"""What other domains may ask the identity domain (import as a module, never its tables)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.auth.permissions import Permission, roles_granting
from app.identity import repository
from app.identity.repository import MemberWithAuthority
from app.models.identity import User


async def get_member(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The member with this id, whatever their status (None if there is none)."""
    return await repository.member_by_id(session, user_id)


async def members_of_authority(session: AsyncSession, authority_id: uuid.UUID) -> list[User]:
    """Active members of an authority, by handle."""
    return await repository.active_members_of_authority(session, authority_id)


async def active_members_of_authorities_or_ids(
    session: AsyncSession, *, authority_ids: list[uuid.UUID], user_ids: list[uuid.UUID]
) -> list[User]:
    """Active members of any of these authorities, and those of `user_ids` who are active."""
    return await repository.active_members_of_authorities_or_ids(
        session, authority_ids=authority_ids, user_ids=user_ids
    )


async def member_ids_of_authority(
    session: AsyncSession, authority_id: uuid.UUID, *, among: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of `among` who belong to the authority, whatever their status."""
    if not among:
        return set()
    return await repository.member_ids_of_authority(session, authority_id, among=among)


async def members_by_ids(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
    """Several members in one query (for lists that show authors)."""
    if not user_ids:
        return {}
    return await repository.members_by_ids(session, user_ids)


async def members_by_handles(session: AsyncSession, handles: list[str]) -> dict[str, User]:
    """Active members by @handle (lower-cased keys), for mentions."""
    if not handles:
        return {}
    return await repository.active_members_by_handles(session, handles)


async def directory_entries(
    session: AsyncSession, user_ids: list[uuid.UUID]
) -> list[MemberWithAuthority]:
    """Members with their authority, in one query, by handle: who an id in a record is."""
    if not user_ids:
        return []
    return await repository.members_with_authority(session, user_ids)


async def active_member_ids_with(session: AsyncSession, permission: Permission) -> list[uuid.UUID]:
    """Active members whose roles grant `permission` (moderators, vetting reviewers...)."""
    return await repository.active_member_ids_with_roles(session, roles_granting(permission))


# -- members in SQL: for other domains' reads that must stay one statement ------------------


def member_rows(name: str = "members") -> sa.Subquery:
    """Members as a selectable to join or filter in another domain's statement (a page of
    posts with their authors, a forum's readers among some ids), named `name`.

    Its columns for others to read: id, handle, full_name, authority_id. Select members by
    standing and roles through `in_good_standing` and `has_role_for`, not by the columns
    behind them."""
    return sa.select(
        col(User.id).label("id"),
        col(User.handle).label("handle"),
        col(User.full_name).label("full_name"),
        col(User.authority_id).label("authority_id"),
        col(User.status).label("status"),
        col(User.vetting_expires_at).label("vetting_expires_at"),
        col(User.roles).label("roles"),
    ).subquery(name)


def in_good_standing(members: sa.Subquery) -> sa.ColumnElement[bool]:
    """True for the rows of `member_rows` that are active members whose vetting has not
    lapsed (as of the transaction's start: the database's clock, so that a statement built
    once and prepared judges each time it runs)."""
    return sa.and_(
        members.c.status == "active",
        sa.or_(
            members.c.vetting_expires_at.is_(None),
            members.c.vetting_expires_at > sa.func.now(),
        ),
    )


def has_role_for(members: sa.Subquery, permission: Permission) -> sa.ColumnElement[bool]:
    """True for the rows of `member_rows` holding a role that grants `permission`."""
    roles = roles_granting(permission)
    return members.c.roles.overlap(sa.cast(sa.literal(roles), members.c.roles.type))


async def active_focal_points_of(
    session: AsyncSession, authority_ids: list[uuid.UUID]
) -> list[User]:
    """Active focal points of any of the authorities, by full name (one query)."""
    return await repository.active_focal_points(session, authority_ids)


# A member as the functions above hand them to other domains: read it, never write it.
Member = User

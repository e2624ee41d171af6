"""Service accounts, their keys, their sessions and the assertions already used."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.pagination import apply
from app.models.identity import ServiceAccount, ServiceAccountKey, UsedAssertion, User, UserSession

# The token endpoint's reads: FOR SHARE on the account and the key, so that a revocation
# (FOR UPDATE on the same row) either waits for the new session to commit and then revokes
# it too, or commits first and the token request sees it.
_ACCOUNT_FOR_SHARE = (
    select(ServiceAccount, User)
    .join(User, col(User.id) == col(ServiceAccount.id))
    .where(col(ServiceAccount.id) == sa.bindparam("account_id"))
    .with_for_update(read=True, of=ServiceAccount)
)


async def account_by_id(
    session: AsyncSession, account_id: uuid.UUID, *, for_update: bool = False
) -> ServiceAccount | None:
    return await session.get(ServiceAccount, account_id, with_for_update=for_update)


async def live_account_named(session: AsyncSession, authority_id: uuid.UUID, name: str) -> bool:
    """Whether the authority has a pending or active account of that name (any case)."""
    found = await session.scalar(
        select(col(ServiceAccount.id))
        .where(
            col(ServiceAccount.authority_id) == authority_id,
            sa.func.lower(col(ServiceAccount.name)) == name.lower(),
            col(ServiceAccount.status).in_(("pending", "active")),
        )
        .limit(1)
    )
    return found is not None


async def principal_of(session: AsyncSession, account_id: uuid.UUID) -> User | None:
    """The account's `users` row."""
    return await session.get(User, account_id)


async def principals(session: AsyncSession, account_ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
    if not account_ids:
        return {}
    rows = await session.execute(select(User).where(col(User.id).in_(account_ids)))
    return {u.id: u for u in rows.scalars()}


async def account_for_share(
    session: AsyncSession, account_id: uuid.UUID
) -> tuple[ServiceAccount, User] | None:
    row = (await session.execute(_ACCOUNT_FOR_SHARE, {"account_id": account_id})).first()
    return None if row is None else (row[0], row[1])


async def keys_of(
    session: AsyncSession, account_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ServiceAccountKey]]:
    """Each account's keys, oldest first, in one query."""
    found: dict[uuid.UUID, list[ServiceAccountKey]] = defaultdict(list)
    if not account_ids:
        return found
    rows = await session.execute(
        select(ServiceAccountKey)
        .where(col(ServiceAccountKey.service_account_id).in_(account_ids))
        .order_by(col(ServiceAccountKey.created_at), col(ServiceAccountKey.id))
    )
    for key in rows.scalars():
        found[key.service_account_id].append(key)
    return found


async def key_by_kid(
    session: AsyncSession, account_id: uuid.UUID, kid: str, *, lock: str | None = None
) -> ServiceAccountKey | None:
    """The key; locked FOR UPDATE (`lock="update"`) or FOR SHARE (`lock="share"`)."""
    statement = select(ServiceAccountKey).where(
        col(ServiceAccountKey.service_account_id) == account_id,
        col(ServiceAccountKey.kid) == kid,
    )
    if lock is not None:
        statement = statement.with_for_update(read=lock == "share")
    return await session.scalar(statement)


async def accounts_page(
    session: AsyncSession,
    *,
    authority_id: uuid.UUID | None,
    status: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[ServiceAccount]:
    """Newest first, after the cursor's key."""
    statement = select(ServiceAccount)
    if authority_id is not None:
        statement = statement.where(col(ServiceAccount.authority_id) == authority_id)
    if status is not None:
        statement = statement.where(col(ServiceAccount.status) == status)
    order = [col(ServiceAccount.created_at), col(ServiceAccount.id)]
    statement = (
        apply(statement, order, after, descending=True)
        .order_by(*(c.desc() for c in order))
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars().all())


async def remember_assertion(
    session: AsyncSession, account_id: uuid.UUID, jti: str, expires_at: datetime
) -> bool:
    """Record a `jti` as used; False when it was used already (a replay)."""
    inserted = await session.scalar(
        pg_insert(UsedAssertion)
        .values(service_account_id=account_id, jti=jti, expires_at=expires_at)
        .on_conflict_do_nothing()
        .returning(col(UsedAssertion.jti))
    )
    return inserted is not None


async def revoke_live_sessions(
    session: AsyncSession,
    *,
    now: datetime,
    reason: str,
    user_id: uuid.UUID | None = None,
    key_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """Revoke the unexpired, unrevoked sessions of an account or of one of its keys."""
    statement = sa.update(UserSession).where(
        col(UserSession.revoked_at).is_(None), col(UserSession.expires_at) > now
    )
    if user_id is not None:
        statement = statement.where(col(UserSession.user_id) == user_id)
    if key_id is not None:
        statement = statement.where(col(UserSession.service_key_id) == key_id)
    result = await session.execute(
        statement.values(revoked_at=now, revoked_reason=reason).returning(col(UserSession.id))
    )
    return list(result.scalars().all())


async def delete_used_assertions_expired_before(session: AsyncSession, before: datetime) -> None:
    await session.execute(sa.delete(UsedAssertion).where(col(UsedAssertion.expires_at) < before))


async def delete_service_sessions_expired_before(session: AsyncSession, before: datetime) -> None:
    """A token's session is of no use once the token has expired; its key id stays in the
    `service_account.token_issued` audit entry."""
    await session.execute(
        sa.delete(UserSession).where(
            col(UserSession.kind) == "service", col(UserSession.expires_at) < before
        )
    )

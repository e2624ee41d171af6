"""Sign-in challenges: the single-use tokens between the password and the second factor.

A member has at most MAX_OPEN challenges open at a time: a new one revokes the oldest
beyond that (rather than refusing the sign-in, so someone whose earlier attempts were
abandoned in other tabs is not turned away). When the member is locked out, every open
challenge is revoked, so one taken before the lock never signs in, even after it ends.

Locks are taken in one order everywhere: the member row first, then their challenges. Two
requests of one member therefore run one after the other, and never wait on each other in
a cycle (a lockout revokes the challenges that other requests are verifying).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.identity.secrets import hash_token, new_token
from app.models.identity import OneTimeToken, User

PURPOSES = ("login_mfa", "login_enroll")
MAX_OPEN = 3


async def lock_member(session: AsyncSession, user_id: uuid.UUID) -> None:
    # NO KEY UPDATE, not UPDATE: it serialises the sign-ins of one member, but does not wait
    # for every transaction that merely references the member (foreign keys take KEY SHARE:
    # a notification batch held sign-ins up for seconds).
    await session.execute(
        select(User.id).where(col(User.id) == user_id).with_for_update(key_share=True)
    )


async def issue(
    session: AsyncSession, user: User, *, purpose: str, minutes: int
) -> tuple[str, int]:
    """A new challenge for `user` (whose row the caller has locked); (token, revoked count)."""
    now = datetime.now(UTC)
    open_ids = list(
        (
            await session.execute(
                select(OneTimeToken.id)
                .where(
                    col(OneTimeToken.user_id) == user.id,
                    col(OneTimeToken.purpose).in_(PURPOSES),
                    col(OneTimeToken.used_at).is_(None),
                    col(OneTimeToken.expires_at) > now,
                )
                .order_by(col(OneTimeToken.created_at).desc(), col(OneTimeToken.id))
            )
        )
        .scalars()
        .all()
    )
    superseded = open_ids[MAX_OPEN - 1 :]
    if superseded:
        await session.execute(
            update(OneTimeToken)
            .where(col(OneTimeToken.id).in_(superseded))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
    token = new_token()
    session.add(
        OneTimeToken(
            purpose=purpose,
            token_hash=hash_token(token),
            user_id=user.id,
            expires_at=now + timedelta(minutes=minutes),
            created_at=now,
        )
    )
    await session.flush()
    return token, len(superseded)


async def claim(
    session: AsyncSession, token: str, purposes: tuple[str, ...]
) -> tuple[OneTimeToken, User] | None:
    """The challenge `token` names and its member, both locked; None if there is no such one.

    Spent, expired and revoked challenges are returned too (see `is_live`): a locked-out
    member's request is answered 429 whichever challenge it carries.
    """
    user_id = await session.scalar(
        select(OneTimeToken.user_id).where(
            col(OneTimeToken.token_hash) == hash_token(token),
            col(OneTimeToken.purpose).in_(purposes),
        )
    )
    if user_id is None:
        return None
    # The member first (see the module's docstring), then the challenge read afresh: a request
    # of the same member may have spent or revoked it while this one waited.
    user = await session.scalar(
        select(User)
        .where(col(User.id) == user_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    challenge = await session.scalar(
        select(OneTimeToken)
        .where(col(OneTimeToken.token_hash) == hash_token(token))
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if user is None or challenge is None:
        return None
    return challenge, user


def is_live(challenge: OneTimeToken, user: User) -> bool:
    return (
        challenge.used_at is None
        and challenge.expires_at > datetime.now(UTC)
        and user.status == "active"
    )


async def revoke_open(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Revoke every open challenge of a member (on lockout); the number revoked."""
    await session.flush()
    result = await session.execute(
        update(OneTimeToken)
        .where(
            col(OneTimeToken.user_id) == user_id,
            col(OneTimeToken.purpose).in_(PURPOSES),
            col(OneTimeToken.used_at).is_(None),
        )
        .values(used_at=datetime.now(UTC))
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)

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

from sqlalchemy.ext.asyncio import AsyncSession

from app.identity import repository
from app.identity.secrets import hash_token, new_token
from app.models.identity import OneTimeToken, User

PURPOSES = ("login_mfa", "login_enroll")
MAX_OPEN = 3


async def issue(
    session: AsyncSession, user: User, *, purpose: str, minutes: int
) -> tuple[str, int]:
    """A new challenge for `user` (whose row the caller has locked); (token, revoked count)."""
    now = datetime.now(UTC)
    open_ids = await repository.open_challenge_ids(session, user.id, purposes=PURPOSES, now=now)
    superseded = open_ids[MAX_OPEN - 1 :]
    if superseded:
        await repository.spend_tokens(session, superseded, now=now)
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
    token_hash = hash_token(token)
    user_id = await repository.challenge_owner_id(session, token_hash, purposes)
    if user_id is None:
        return None
    # The member first (see the module's docstring), then the challenge read afresh: a request
    # of the same member may have spent or revoked it while this one waited.
    user = await repository.member_locked_afresh(session, user_id)
    challenge = await repository.challenge_locked_afresh(session, token_hash)
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
    return await repository.spend_open_challenges(
        session, user_id, purposes=PURPOSES, now=datetime.now(UTC)
    )

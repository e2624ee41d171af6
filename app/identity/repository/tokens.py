"""One-time tokens (sign-in challenges, emailed links) and recovery codes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.identity import Application, OneTimeToken, RecoveryCode, User

_OPEN_CHALLENGE_IDS = (
    select(col(OneTimeToken.id))
    .where(
        col(OneTimeToken.user_id) == sa.bindparam("user_id"),
        col(OneTimeToken.purpose).in_(sa.bindparam("purposes", expanding=True)),
        col(OneTimeToken.used_at).is_(None),
        col(OneTimeToken.expires_at) > sa.bindparam("now"),
    )
    .order_by(col(OneTimeToken.created_at).desc(), col(OneTimeToken.id))
)

_CHALLENGE_OWNER_ID = select(col(OneTimeToken.user_id)).where(
    col(OneTimeToken.token_hash) == sa.bindparam("token_hash"),
    col(OneTimeToken.purpose).in_(sa.bindparam("purposes", expanding=True)),
)

_CHALLENGE_LOCKED_AFRESH = (
    select(OneTimeToken)
    .where(col(OneTimeToken.token_hash) == sa.bindparam("token_hash"))
    .with_for_update(key_share=True)
    .execution_options(populate_existing=True)
)


async def open_challenge_ids(
    session: AsyncSession, user_id: uuid.UUID, *, purposes: Sequence[str], now: datetime
) -> list[uuid.UUID]:
    """The member's unspent, unexpired challenges, newest first."""
    params = {"user_id": user_id, "purposes": list(purposes), "now": now}
    return list((await session.execute(_OPEN_CHALLENGE_IDS, params)).scalars().all())


async def spend_tokens(session: AsyncSession, ids: list[uuid.UUID], *, now: datetime) -> None:
    await session.execute(
        sa.update(OneTimeToken)
        .where(col(OneTimeToken.id).in_(ids))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


async def challenge_owner_id(
    session: AsyncSession, token_hash: str, purposes: Sequence[str]
) -> uuid.UUID | None:
    """The member a challenge of one of `purposes` belongs to, whatever its state."""
    params = {"token_hash": token_hash, "purposes": list(purposes)}
    return await session.scalar(_CHALLENGE_OWNER_ID, params)


async def challenge_locked_afresh(session: AsyncSession, token_hash: str) -> OneTimeToken | None:
    return await session.scalar(_CHALLENGE_LOCKED_AFRESH, {"token_hash": token_hash})


async def spend_open_challenges(
    session: AsyncSession, user_id: uuid.UUID, *, purposes: Sequence[str], now: datetime
) -> int:
    """Spend every unspent challenge of the member; how many there were."""
    result = await session.execute(
        sa.update(OneTimeToken)
        .where(
            col(OneTimeToken.user_id) == user_id,
            col(OneTimeToken.purpose).in_(purposes),
            col(OneTimeToken.used_at).is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def reset_token_with_member_for_update(
    session: AsyncSession, token_hash: str
) -> tuple[OneTimeToken, User] | None:
    """A password-reset token (locked, whatever its state) and its member."""
    row = (
        await session.execute(
            select(OneTimeToken, User)
            .join(User, col(User.id) == col(OneTimeToken.user_id))
            .where(
                col(OneTimeToken.token_hash) == token_hash,
                col(OneTimeToken.purpose) == "password_reset",
            )
            .with_for_update(of=OneTimeToken)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def application_token_for_update(
    session: AsyncSession, token_hash: str, purpose: str
) -> tuple[OneTimeToken, Application] | None:
    """An application's emailed token of `purpose` (locked, whatever its state) and the
    application."""
    row = (
        await session.execute(
            select(OneTimeToken, Application)
            .join(Application, col(Application.id) == col(OneTimeToken.application_id))
            .where(
                col(OneTimeToken.token_hash) == token_hash,
                col(OneTimeToken.purpose) == purpose,
            )
            .with_for_update(of=OneTimeToken)
        )
    ).first()
    return None if row is None else (row[0], row[1])


_UNUSED_RECOVERY_CODE_FOR_UPDATE = (
    select(RecoveryCode)
    .where(
        col(RecoveryCode.user_id) == sa.bindparam("user_id"),
        col(RecoveryCode.code_hash) == sa.bindparam("code_hash"),
        col(RecoveryCode.used_at).is_(None),
    )
    .with_for_update()
)


async def unused_recovery_code_for_update(
    session: AsyncSession, user_id: uuid.UUID, code_hash: str
) -> RecoveryCode | None:
    params = {"user_id": user_id, "code_hash": code_hash}
    return await session.scalar(_UNUSED_RECOVERY_CODE_FOR_UPDATE, params)


async def replace_recovery_codes(
    session: AsyncSession, user_id: uuid.UUID, code_hashes: list[str]
) -> None:
    """The member's recovery codes become these, and only these."""
    await session.execute(sa.delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    session.add_all([RecoveryCode(user_id=user_id, code_hash=h) for h in code_hashes])

"""Secret key rotation: re-seal every TOTP secret under the current CANET_SECRET_KEY, and tell
when the previous key stops being needed.

The secret key signs access tokens and CSRF tokens and seals TOTP secrets. During a rotation
every node runs with the new key as CANET_SECRET_KEY and the old one in
CANET_SECRET_KEY_PREVIOUS: it issues only under the new key and still accepts what the old
one made. The old key is needed until (1) every TOTP secret is sealed again under the new key
(this module, a batch per transaction, resumable) and (2) every token signed with it has
expired: at most the longest token lifetime after the rotation started, which is taken to be
the first run of `canet keys rotate secret` (the drill runs it once every node has the new
key, docs/keys.md).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.auth.actor import Actor
from app.core import audit
from app.core.audit import Target
from app.db import Database
from app.identity import mfa
from app.identity.repository import keys as queries
from app.identity.settings import identity_settings

ROTATION_RUN = "keys.secret_key.rotation_run"
RESEALED = "keys.secret_key.resealed"
TARGET_TYPE = "secret_key"


def token_lifetime() -> timedelta:
    """The longest a credential signed with the secret key stays valid: a member's or a
    service account's access token, or a browser session's CSRF token (its session's life)."""
    policy = identity_settings()
    return max(
        timedelta(minutes=policy.access_token_minutes),
        timedelta(seconds=policy.service_token_seconds),
        timedelta(hours=policy.cookie_session_hours),
    )


@dataclass
class ResealReport:
    current_id: str
    previous_ids: list[str]
    started_at: datetime
    needed_until: datetime
    resealed: int = 0
    batches: int = 0
    unopenable: int = 0  # sealed under a key that is neither current nor previous
    remaining: int = 0  # not sealed under the current key when the run ended
    stopped_early: bool = False
    errors: list[str] = field(default_factory=list)

    def previous_still_needed(self, now: datetime | None = None) -> bool:
        return self.remaining > 0 or (now or datetime.now(UTC)) < self.needed_until


async def _record_run(db: Database, current: str, previous: Sequence[str]) -> datetime:
    """Write this run's entry; the rotation started with its first run under this key."""
    async with db.transaction() as session:
        await audit.record(
            session,
            actor=Actor.system(),
            action=ROTATION_RUN,
            target=Target(TARGET_TYPE, mfa.secret_key_id(current)),
            details={"via": "cli", "previous_key_ids": [mfa.secret_key_id(k) for k in previous]},
        )
    async with db.sessionmaker() as session:
        started = await queries.first_entry_at(
            session,
            action=ROTATION_RUN,
            target_type=TARGET_TYPE,
            target_id=mfa.secret_key_id(current),
        )
        await session.rollback()
    return started or datetime.now(UTC)


async def _reseal_batch(
    db: Database,
    current: str,
    previous: Sequence[str],
    *,
    after: uuid.UUID | None,
    limit: int,
    report: ResealReport,
) -> uuid.UUID | None:
    prefix = mfa.sealed_prefix(current)
    last: uuid.UUID | None = None
    async with db.transaction() as session:
        rows = await queries.lock_secrets_not_sealed_with(session, prefix, after=after, limit=limit)
        if not rows:
            return None
        done: list[dict[str, object]] = []
        for user_id, sealed in rows:
            last = user_id
            try:
                secret = mfa.open_secret(current, sealed, previous=previous)
            except ValueError:  # under an unknown key (SealedUnderUnknownKey), or damaged
                report.unopenable += 1
                continue
            done.append(
                {"b_id": user_id, "b_old": sealed, "b_new": mfa.seal_secret(current, secret)}
            )
        if done:
            await queries.store_resealed(session, done)
            await audit.record(
                session,
                actor=Actor.system(),
                action=RESEALED,
                target=Target(TARGET_TYPE, report.current_id),
                details={"via": "cli", "resealed": len(done), "members": len(rows)},
            )
            report.resealed += len(done)
            report.batches += 1
    return last


async def reseal_totp_secrets(
    db: Database,
    current: str,
    previous: Sequence[str],
    *,
    batch_size: int = 200,
    max_batches: int | None = None,
    pause: float = 0.0,
    progress: Callable[[ResealReport], None] | None = None,
) -> ResealReport:
    """Seal every TOTP secret under `current`, batch by batch; say how long `previous` is needed."""
    started = await _record_run(db, current, previous)
    report = ResealReport(
        current_id=mfa.secret_key_id(current),
        previous_ids=[mfa.secret_key_id(k) for k in previous],
        started_at=started,
        needed_until=started + token_lifetime(),
    )
    after: uuid.UUID | None = None
    transactions = 0
    while True:
        if max_batches is not None and transactions >= max_batches:
            report.stopped_early = True
            break
        after = await _reseal_batch(
            db, current, previous, after=after, limit=batch_size, report=report
        )
        if after is None:
            break
        transactions += 1
        if progress is not None:
            progress(report)
        if pause:
            await asyncio.sleep(pause)
    report.remaining = await count_not_sealed_with(db, current)
    return report


async def count_not_sealed_with(db: Database, current: str) -> int:
    """How many TOTP secrets are not (yet) sealed under `current`."""
    async with db.sessionmaker() as session:
        count = await queries.count_secrets_not_sealed_with(session, mfa.sealed_prefix(current))
        await session.rollback()
    return count

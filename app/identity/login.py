"""Two-step sign-in: password -> single-use challenge -> TOTP or recovery code -> session.

Refusals are returned, not raised, so the request still commits what must survive them:
the throttle counters, the spent challenge, the audit entries. Unknown emails go through the
same steps (a dummy argon2 verification included) and get the same answer as a wrong
password.

Wrong passwords and wrong codes are counted apart (throttling.py): a correct password clears
only the first count, a correct code the second. A member blocked by either is refused at
both steps with 429 and Retry-After, and a lockout revokes their open challenges.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit
from app.core.audit import Target
from app.identity import challenges, exceptions, mfa, passwords, repository, throttling
from app.identity.exceptions import LOCKED_OUT, THROTTLED, Refusal
from app.identity.sessions import IssuedSession, start_session
from app.identity.settings import identity_settings
from app.models.identity import OneTimeToken, User

# Wrong codes one challenge takes before it dies; the member's own count goes on across
# challenges (throttling.SECOND_FACTOR).
MAX_CODE_FAILURES = 5


@dataclass(frozen=True, slots=True)
class Challenge:
    status: str  # mfa_required | mfa_enrollment_required
    challenge_token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class Enrollment:
    secret: str
    otpauth_uri: str


@dataclass(frozen=True, slots=True)
class SignedIn:
    issued: IssuedSession
    user: User
    recovery_codes: list[str] | None = None


def _member_keys(email: str, user_id: uuid.UUID) -> list[str]:
    """The counters that block a member at either step: wrong passwords, wrong codes."""
    return [throttling.account_key(email), throttling.second_factor_key(user_id)]


async def _refuse_blocked(
    session: AsyncSession,
    block: throttling.Block,
    *,
    user: User | None,
    action: str,
    detail: str,
    details: dict[str, Any],
    actor: Actor,
) -> Refusal:
    revoked = 0
    if block.locked and user is not None:
        # Normally revoked as the lock began; this catches a challenge issued in the race
        # with it, so that none outlives the lock.
        await repository.lock_member(session, user.id)
        revoked = await challenges.revoke_open(session, user.id)
    await audit.record(
        session,
        actor=actor,
        action=action,
        target=Target("user", user.id) if user else None,
        outcome="denied",
        details={
            **details,
            "key": block.key.split(":", 1)[0],
            "locked": block.locked,
            **({"challenges_revoked": revoked} if revoked else {}),
        },
        authority_ids=[user.authority_id] if user else [],
    )
    return exceptions.too_many_attempts(block.retry_after, detail)


async def begin_login(
    session: AsyncSession, *, email: str, password: str, actor: Actor
) -> Challenge | Refusal:
    """Check the password; on success hand out a short-lived single-use challenge.

    At most challenges.MAX_OPEN are open per member: the new one revokes the oldest.
    """
    user = await repository.member_by_email(session, email.strip())
    password_keys = [throttling.account_key(email)]
    address = throttling.address_key(actor.client_ip)
    if address:
        password_keys.append(address)
    keys = list(password_keys)
    if user is not None:
        keys.append(throttling.second_factor_key(user.id))
    # Before the password is checked: a blocked member learns nothing from trying one.
    block = await throttling.current_block(session, keys)
    if block is not None:
        return await _refuse_blocked(
            session,
            block,
            user=user,
            action="auth.login.throttled",
            detail=THROTTLED,
            details={"email": email},
            actor=actor,
        )
    if user is None:
        await passwords.burn_verify(password)
        ok, new_hash = False, None
    else:
        ok, new_hash = await passwords.verify_password(password, user.password_hash)
    if not ok or user is None or user.status != "active":
        if not ok:
            for locked in await throttling.record_failure(session, password_keys):
                revoked = 0
                if user is not None and locked.key.startswith("account:"):
                    await repository.lock_member(session, user.id)
                    revoked = await challenges.revoke_open(session, user.id)
                await audit.record(
                    session,
                    actor=actor,
                    action="auth.login.locked",
                    target=Target("user", user.id) if user else None,
                    outcome="denied",
                    details={
                        "key": locked.key.split(":", 1)[0],
                        "seconds": locked.retry_after,
                        **({"challenges_revoked": revoked} if revoked else {}),
                    },
                )
        await audit.record(
            session,
            actor=actor,
            action="auth.login.failed",
            target=Target("user", user.id) if user else None,
            outcome="denied",
            details={
                "email": email,
                "reason": "bad_credentials" if not ok else "not_active",
            },
            authority_ids=[user.authority_id] if user else [],
        )
        return exceptions.invalid_credentials()
    # Clears the wrong passwords only: wrong codes are forgotten only after a right one.
    await throttling.clear(session, throttling.account_key(email))
    await repository.lock_member(session, user.id)
    # Again under the member's lock: a lockout may have committed while the password was
    # being checked, and a challenge issued after it would outlive its revocation.
    block = await throttling.current_block(session, _member_keys(email, user.id))
    if block is not None:
        return await _refuse_blocked(
            session,
            block,
            user=user,
            action="auth.login.throttled",
            detail=THROTTLED,
            details={"email": email},
            actor=actor,
        )
    if new_hash is not None:
        user.password_hash = new_hash
        await audit.record(
            session, actor=actor, action="auth.password.rehashed", target=Target("user", user.id)
        )
    enrolled = user.mfa_enrolled_at is not None
    minutes = identity_settings().challenge_minutes
    token, superseded = await challenges.issue(
        session, user, purpose="login_mfa" if enrolled else "login_enroll", minutes=minutes
    )
    await audit.record(
        session,
        actor=actor,
        action="auth.login.password_accepted",
        target=Target("user", user.id),
        details={"challenges_superseded": superseded} if superseded else None,
        authority_ids=[user.authority_id],
    )
    return Challenge(
        status="mfa_required" if enrolled else "mfa_enrollment_required",
        challenge_token=token,
        expires_in=minutes * 60,
    )


async def _claim_challenge(
    session: AsyncSession, token: str, purposes: tuple[str, ...], *, actor: Actor
) -> tuple[OneTimeToken, User] | Refusal:
    """The live challenge and its member (both locked), or why the request is refused."""
    found = await challenges.claim(session, token, purposes)
    if found is None:
        return exceptions.invalid_challenge()
    challenge, user = found
    block = await throttling.current_block(session, _member_keys(user.email, user.id))
    if block is not None:
        return await _refuse_blocked(
            session,
            block,
            user=user,
            action="auth.mfa.throttled",
            # A lockout revoked this challenge: waiting alone does not help.
            detail=LOCKED_OUT if block.locked else THROTTLED,
            details={},
            actor=actor,
        )
    if not challenges.is_live(challenge, user):
        return exceptions.invalid_challenge()
    return challenge, user


async def start_enrollment(
    session: AsyncSession, *, challenge_token: str, secret_key: str, actor: Actor
) -> Enrollment | Refusal:
    """A fresh TOTP secret for a member who has none yet (replaces an unconfirmed one)."""
    found = await _claim_challenge(session, challenge_token, ("login_enroll",), actor=actor)
    if isinstance(found, Refusal):
        return found
    _challenge, user = found
    secret = mfa.new_secret()
    user.totp_secret = mfa.seal_secret(secret_key, secret)
    user.totp_last_step = None
    await session.flush()
    await audit.record(
        session, actor=actor, action="auth.mfa.enrollment_started", target=Target("user", user.id)
    )
    return Enrollment(secret=secret, otpauth_uri=mfa.provisioning_uri(secret, user.email))


async def _wrong_code(
    session: AsyncSession, challenge: OneTimeToken, user: User, *, actor: Actor
) -> Refusal:
    challenge.failures += 1
    if challenge.failures >= MAX_CODE_FAILURES:
        challenge.used_at = datetime.now(UTC)
    failures, locked = await throttling.count_failure(
        session, throttling.second_factor_key(user.id)
    )
    await audit.record(
        session,
        actor=actor,
        action="auth.mfa.failed",
        target=Target("user", user.id),
        outcome="denied",
        details={"failures": challenge.failures, "member_failures": failures},
        authority_ids=[user.authority_id],
    )
    if locked is not None:
        revoked = await challenges.revoke_open(session, user.id)
        await audit.record(
            session,
            actor=actor,
            action="auth.mfa.locked",
            target=Target("user", user.id),
            outcome="denied",
            details={
                "member_failures": failures,
                "seconds": locked.retry_after,
                "challenges_revoked": revoked,
            },
            authority_ids=[user.authority_id],
        )
    return exceptions.invalid_code()


async def complete_login(
    session: AsyncSession,
    *,
    challenge_token: str,
    code: str,
    secret_key: str,
    cookie: bool,
    actor: Actor,
    previous_secret_keys: Sequence[str] = (),
) -> SignedIn | Refusal:
    """Check the second factor against the challenge and open the session."""
    found = await _claim_challenge(session, challenge_token, challenges.PURPOSES, actor=actor)
    if isinstance(found, Refusal):
        return found
    challenge, user = found
    enrolling = challenge.purpose == "login_enroll"
    if user.totp_secret is None:
        return exceptions.enrollment_not_started()
    secret = mfa.open_secret(secret_key, user.totp_secret, previous=previous_secret_keys)
    step = mfa.match_totp(secret, code, last_step=user.totp_last_step)
    used_recovery = False
    if step is None and not enrolling and not mfa.looks_like_totp(code):
        recovery = await repository.unused_recovery_code_for_update(
            session, user.id, mfa.hash_recovery_code(code)
        )
        if recovery is not None:
            recovery.used_at = datetime.now(UTC)
            used_recovery = True
    if step is None and not used_recovery:
        return await _wrong_code(session, challenge, user, actor=actor)
    now = datetime.now(UTC)
    challenge.used_at = now
    await throttling.clear(session, throttling.second_factor_key(user.id))
    if step is not None:
        user.totp_last_step = step
    user.last_login_at = now
    codes: list[str] | None = None
    if enrolling:
        user.mfa_enrolled_at = now
        codes = mfa.new_recovery_codes()
        await repository.replace_recovery_codes(
            session, user.id, [mfa.hash_recovery_code(c) for c in codes]
        )
        await audit.record(
            session, actor=actor, action="auth.mfa.enrolled", target=Target("user", user.id)
        )
    await session.flush()
    issued = await start_session(
        session,
        user=user,
        secret_key=secret_key,
        cookie=cookie,
        client_ip=actor.client_ip,
        user_agent=actor.user_agent,
    )
    await audit.record(
        session,
        actor=actor,
        action="auth.login",
        target=Target("user", user.id),
        details={
            "session_id": str(issued.session.id),
            "second_factor": "recovery_code" if used_recovery else "totp",
            "kind": issued.session.kind,
        },
        authority_ids=[user.authority_id],
    )
    return SignedIn(issued=issued, user=user, recovery_codes=codes)

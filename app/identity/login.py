"""Two-step sign-in: password -> single-use challenge -> TOTP or recovery code -> session.

Refusals are returned, not raised, so the request still commits what must survive them:
the throttle counters, the spent challenge, the audit entries. Unknown emails go through the
same steps (a dummy argon2 verification included) and get the same answer as a wrong
password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.core import audit
from app.core.audit import Target
from app.identity import mfa, passwords, throttling
from app.identity.secrets import hash_token, new_token
from app.identity.sessions import IssuedSession, start_session
from app.identity.settings import identity_settings
from app.models.identity import OneTimeToken, RecoveryCode, User

MAX_CODE_FAILURES = 5
BAD_CREDENTIALS = "The email or password is wrong."
BAD_CHALLENGE = "The sign-in challenge is invalid or has expired; sign in again."
BAD_CODE = "The code is wrong or has already been used."


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    code: str
    detail: str
    headers: dict[str, str] = field(default_factory=dict)


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


async def _find_user(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(col(User.email) == email.strip()))


async def begin_login(
    session: AsyncSession, *, email: str, password: str, actor: Actor
) -> Challenge | Refusal:
    """Check the password; on success hand out a short-lived single-use challenge."""
    keys = [throttling.account_key(email)]
    address = throttling.address_key(actor.client_ip)
    if address:
        keys.append(address)
    block = await throttling.current_block(session, keys)
    if block is not None:
        await audit.record(
            session,
            actor=actor,
            action="auth.login.throttled",
            target=None,
            outcome="denied",
            details={"email": email, "key": block.key.split(":", 1)[0], "locked": block.locked},
        )
        return Refusal(
            429,
            "too-many-attempts",
            "Too many failed attempts; wait before trying again.",
            {"Retry-After": str(block.retry_after)},
        )
    user = await _find_user(session, email)
    if user is None:
        await passwords.burn_verify(password)
        ok, new_hash = False, None
    else:
        ok, new_hash = await passwords.verify_password(password, user.password_hash)
    if not ok or user is None or user.status != "active":
        if not ok:
            for locked in await throttling.record_failure(session, keys):
                await audit.record(
                    session,
                    actor=actor,
                    action="auth.login.locked",
                    target=Target("user", user.id) if user else None,
                    outcome="denied",
                    details={"key": locked.key.split(":", 1)[0], "seconds": locked.retry_after},
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
        return Refusal(401, "invalid-credentials", BAD_CREDENTIALS)
    if new_hash is not None:
        user.password_hash = new_hash
        await audit.record(
            session, actor=actor, action="auth.password.rehashed", target=Target("user", user.id)
        )
    await throttling.clear(session, throttling.account_key(email))
    enrolled = user.mfa_enrolled_at is not None
    token = new_token()
    minutes = identity_settings().challenge_minutes
    session.add(
        OneTimeToken(
            purpose="login_mfa" if enrolled else "login_enroll",
            token_hash=hash_token(token),
            user_id=user.id,
            expires_at=datetime.now(UTC) + timedelta(minutes=minutes),
        )
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="auth.login.password_accepted",
        target=Target("user", user.id),
        authority_ids=[user.authority_id],
    )
    return Challenge(
        status="mfa_required" if enrolled else "mfa_enrollment_required",
        challenge_token=token,
        expires_in=minutes * 60,
    )


async def _live_challenge(
    session: AsyncSession, token: str, purposes: tuple[str, ...]
) -> tuple[OneTimeToken, User] | None:
    row = (
        await session.execute(
            select(OneTimeToken, User)
            .join(User, col(User.id) == col(OneTimeToken.user_id))
            .where(
                col(OneTimeToken.token_hash) == hash_token(token),
                col(OneTimeToken.purpose).in_(purposes),
            )
            # The user row too: two challenges of one member must not both accept one code.
            # NO KEY UPDATE, not UPDATE: it still serialises two sign-ins of one member, but
            # does not wait for every transaction that merely references the member (foreign
            # keys take KEY SHARE: a notification batch held sign-ins up for seconds).
            .with_for_update(of=(OneTimeToken, User), key_share=True)
        )
    ).first()
    if row is None:
        return None
    challenge, user = row
    if (
        challenge.used_at is not None
        or challenge.expires_at <= datetime.now(UTC)
        or user.status != "active"
    ):
        return None
    return challenge, user


async def start_enrollment(
    session: AsyncSession, *, challenge_token: str, secret_key: str, actor: Actor
) -> Enrollment | Refusal:
    """A fresh TOTP secret for a member who has none yet (replaces an unconfirmed one)."""
    found = await _live_challenge(session, challenge_token, ("login_enroll",))
    if found is None:
        return Refusal(401, "invalid-challenge", BAD_CHALLENGE)
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
    await throttling.record_failure(session, [throttling.account_key(user.email)])
    await audit.record(
        session,
        actor=actor,
        action="auth.mfa.failed",
        target=Target("user", user.id),
        outcome="denied",
        details={"failures": challenge.failures},
        authority_ids=[user.authority_id],
    )
    return Refusal(401, "invalid-code", BAD_CODE)


async def complete_login(
    session: AsyncSession,
    *,
    challenge_token: str,
    code: str,
    secret_key: str,
    cookie: bool,
    actor: Actor,
) -> SignedIn | Refusal:
    """Check the second factor against the challenge and open the session."""
    found = await _live_challenge(session, challenge_token, ("login_mfa", "login_enroll"))
    if found is None:
        return Refusal(401, "invalid-challenge", BAD_CHALLENGE)
    challenge, user = found
    enrolling = challenge.purpose == "login_enroll"
    if user.totp_secret is None:
        return Refusal(409, "enrollment-not-started", "Call /auth/mfa/enroll first.")
    secret = mfa.open_secret(secret_key, user.totp_secret)
    step = mfa.match_totp(secret, code, last_step=user.totp_last_step)
    used_recovery = False
    if step is None and not enrolling and not mfa.looks_like_totp(code):
        recovery = await session.scalar(
            select(RecoveryCode)
            .where(
                col(RecoveryCode.user_id) == user.id,
                col(RecoveryCode.code_hash) == mfa.hash_recovery_code(code),
                col(RecoveryCode.used_at).is_(None),
            )
            .with_for_update()
        )
        if recovery is not None:
            recovery.used_at = datetime.now(UTC)
            used_recovery = True
    if step is None and not used_recovery:
        return await _wrong_code(session, challenge, user, actor=actor)
    now = datetime.now(UTC)
    challenge.used_at = now
    if step is not None:
        user.totp_last_step = step
    user.last_login_at = now
    codes: list[str] | None = None
    if enrolling:
        user.mfa_enrolled_at = now
        codes = mfa.new_recovery_codes()
        await session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
        session.add_all(
            [RecoveryCode(user_id=user.id, code_hash=mfa.hash_recovery_code(c)) for c in codes]
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

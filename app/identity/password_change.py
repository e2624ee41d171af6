"""Changing a password: by the member (current password) or by the emailed reset link.

A reset needs only the link, so it ends every session and leaves the second factor in
place: whoever reads the mailbox still cannot sign in without the TOTP device.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit
from app.core.audit import Target
from app.core.errors import TooManyRequests, ValidationFailed
from app.core.mail import enqueue_mail
from app.identity import exceptions, passwords, repository, throttling
from app.identity.exceptions import FieldRefusal, InvalidLink, MemberNotFound
from app.identity.mails import SIGNATURE, link
from app.identity.secrets import hash_token, new_token
from app.identity.sessions import revoke_all_sessions, revoke_session
from app.models.identity import OneTimeToken, User

RESET_MINUTES = 60


def _check(password: str, user: User, *, field: str = "password") -> None:
    problems = passwords.problems_for(password, email=user.email, full_name=user.full_name)
    if problems:
        raise ValidationFailed(
            problems[0], errors=[{"field": field, "message": p} for p in problems]
        )


async def request_password_reset(
    session: AsyncSession, *, email: str, base_url: str, actor: Actor
) -> None:
    """Mail a single-use reset link if the address is a member's; answer alike either way."""
    key = throttling.form_key("reset", actor.client_ip)
    if key is not None:
        block = await throttling.current_block(session, [key])
        if block is not None:
            raise TooManyRequests(
                "Too many requests; wait before trying again.",
                headers={"Retry-After": str(block.retry_after)},
            )
        await throttling.record_failure(session, [key])
    user = await repository.member_by_email(session, email.strip())
    await audit.record(
        session,
        actor=actor,
        action="auth.password_reset.requested",
        target=Target("user", user.id) if user else None,
        details={"email": email, "known": user is not None},
    )
    if user is None or user.status != "active":
        return
    token = new_token()
    session.add(
        OneTimeToken(
            purpose="password_reset",
            token_hash=hash_token(token),
            user_id=user.id,
            expires_at=datetime.now(UTC) + timedelta(minutes=RESET_MINUTES),
        )
    )
    await session.flush()
    await enqueue_mail(
        session,
        to=user.email,
        subject="Reset your canet password",
        body=(
            f"Dear {user.full_name},\n\nto choose a new password for canet, open this link "
            f"within {RESET_MINUTES} minutes:\n\n{link(base_url, 'reset-password', token)}\n\n"
            "You will still need your authenticator app to sign in. If you did not ask for "
            "this, ignore this message." + SIGNATURE
        ),
        kind="identity.password_reset",
    )


async def reset_password(session: AsyncSession, *, token: str, password: str, actor: Actor) -> None:
    """Set a new password with the emailed token; every session of the member ends."""
    row = await repository.reset_token_with_member_for_update(session, hash_token(token))
    now = datetime.now(UTC)
    if row is None or row[0].used_at is not None or row[0].expires_at <= now:
        raise InvalidLink()
    one_time, user = row
    _check(password, user)
    one_time.used_at = now
    user.password_hash = await passwords.hash_password(password)
    await session.flush()
    await revoke_all_sessions(session, user.id, actor=actor, reason="password_reset")
    await audit.record(
        session, actor=actor, action="auth.password_reset.completed", target=Target("user", user.id)
    )


async def change_password(
    session: AsyncSession, *, current: str, new: str, actor: Actor
) -> FieldRefusal | None:
    """The member changes their own password; their other sessions end.

    A wrong current password is returned as a refusal, not raised: the request then commits,
    so the failure counts against the account (as at sign-in) and its audit entry is kept.
    Whoever holds a stolen session cannot guess the password here without limit.
    """
    user = await repository.member_by_id(session, actor.user_id)
    if user is None:
        raise MemberNotFound()
    key = throttling.account_key(user.email)
    block = await throttling.current_block(session, [key])
    if block is not None:
        return FieldRefusal(exceptions.too_many_attempts(block.retry_after), "current_password")
    ok, _ = await passwords.verify_password(current, user.password_hash)
    if not ok:
        await throttling.record_failure(session, [key])
        await audit.record(
            session,
            actor=actor,
            action="auth.password.change_refused",
            target=Target("user", user.id),
            outcome="denied",
            authority_ids=[user.authority_id],
        )
        return exceptions.wrong_answer("current_password", "The current password is wrong.")
    # Named as the request names it, so that a form can show the message by that field.
    _check(new, user, field="new_password")
    user.password_hash = await passwords.hash_password(new)
    await session.flush()
    for other in await repository.unrevoked_sessions_except(session, user.id, actor.session_id):
        await revoke_session(session, other, actor=actor, reason="password_changed")
    await audit.record(
        session, actor=actor, action="auth.password.changed", target=Target("user", user.id)
    )
    return None

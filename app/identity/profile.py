"""What a member changes about their own account: display name, handle, recovery codes.

Regenerating recovery codes needs the second factor or the password again: a session cookie
left open on a shared desk must not be enough to mint new ways in. Wrong answers count
against the same limits as sign-in, so this is no side door for guessing either; like
sign-in, refusals are returned, not raised, so those counters survive the refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit
from app.core.audit import Target
from app.core.errors import Unauthorized, ValidationFailed
from app.identity import challenges, exceptions, handles, mfa, passwords, repository, throttling
from app.identity.exceptions import FieldRefusal, HandleTaken, MemberNotFound, MfaNotEnrolled
from app.identity.repository import MemberWithAuthority
from app.models.identity import User

HANDLE_RULE = (
    "3 to 32 lowercase letters, digits and dots, starting and ending with a letter or digit."
)
WRONG_CODE = "The code is wrong or has already been used."
WRONG_PASSWORD = "The password is wrong."


async def _own_user(session: AsyncSession, actor: Actor, *, for_update: bool = False) -> User:
    user = await repository.member_by_id(session, actor.user_id, for_update=for_update)
    if user is None:
        raise MemberNotFound()
    return user


async def read_own_profile(session: AsyncSession, *, actor: Actor) -> Any:
    """The caller's own member record with their authority's name (one row, see
    repository.own_profile_row)."""
    row = (
        None if actor.user_id is None else await repository.own_profile_row(session, actor.user_id)
    )
    if row is None:
        raise Unauthorized("The session has ended; sign in again.")
    return row


async def update_profile(
    session: AsyncSession, *, full_name: str | None, handle: str | None, actor: Actor
) -> MemberWithAuthority:
    """Change my display name and/or handle (unique among members and open applications);
    my record and authority after it."""
    user = await _own_user(session, actor, for_update=True)
    changes: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    if full_name is not None:
        name = " ".join(full_name.split())
        if not name:
            errors.append({"field": "full_name", "message": "Enter your name."})
        elif name != user.full_name:
            changes["full_name"] = name
    if handle is not None:
        wanted = handle.strip().lower().removeprefix("@")
        if not handles.HANDLE_PATTERN.match(wanted):
            errors.append({"field": "handle", "message": HANDLE_RULE})
        elif wanted != user.handle:
            changes["handle"] = wanted
    if errors:
        raise ValidationFailed(errors[0]["message"], errors=errors)
    if "handle" in changes and await handles.handle_taken(session, changes["handle"]):
        raise HandleTaken()
    if not changes:
        return (await repository.with_authorities(session, [user]))[0]
    before = {key: getattr(user, key) for key in changes}
    for key, value in changes.items():
        setattr(user, key, value)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="member.profile.updated",
        target=Target("user", user.id),
        changes={key: [before[key], value] for key, value in changes.items()},
        authority_ids=[user.authority_id],
    )
    return (await repository.with_authorities(session, [user]))[0]


async def regenerate_recovery_codes(
    session: AsyncSession,
    *,
    code: str | None,
    password: str | None,
    secret_key: str,
    actor: Actor,
    previous_secret_keys: Sequence[str] = (),
) -> list[str] | FieldRefusal:
    """Replace all my recovery codes with 10 new ones, after my TOTP code or password."""
    if (code is None) == (password is None):
        raise ValidationFailed(
            "Send either the current code from your authenticator app or your password.",
            errors=[{"field": "code", "message": "Enter the code from your authenticator app."}],
        )
    user = await _own_user(session, actor, for_update=True)
    if user.totp_secret is None or user.mfa_enrolled_at is None:
        raise MfaNotEnrolled()
    field = "code" if code is not None else "password"
    key = (
        throttling.second_factor_key(user.id)
        if code is not None
        else throttling.account_key(user.email)
    )
    block = await throttling.current_block(session, [key])
    if block is not None:
        return FieldRefusal(exceptions.too_many_attempts(block.retry_after), field)
    if code is not None:
        secret = mfa.open_secret(secret_key, user.totp_secret, previous=previous_secret_keys)
        step = mfa.match_totp(secret, code, last_step=user.totp_last_step)
        ok = step is not None
        if step is not None:
            user.totp_last_step = step  # the same code cannot be used again, here or to sign in
    else:
        assert password is not None
        ok, _ = await passwords.verify_password(password, user.password_hash)
    if not ok:
        _failures, locked = await throttling.count_failure(session, key)
        if locked is not None and code is not None:
            # As at sign-in: a second-factor lockout also ends the member's open challenges.
            await challenges.revoke_open(session, user.id)
        await audit.record(
            session,
            actor=actor,
            action="auth.recovery_codes.refused",
            target=Target("user", user.id),
            outcome="denied",
            details={"proof": field},
            authority_ids=[user.authority_id],
        )
        wrong = WRONG_CODE if code is not None else WRONG_PASSWORD
        return exceptions.wrong_answer(field, wrong)
    await throttling.clear(session, key)
    codes = mfa.new_recovery_codes()
    await repository.replace_recovery_codes(
        session, user.id, [mfa.hash_recovery_code(c) for c in codes]
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="auth.recovery_codes.regenerated",
        target=Target("user", user.id),
        details={"proof": field},
        authority_ids=[user.authority_id],
    )
    return codes

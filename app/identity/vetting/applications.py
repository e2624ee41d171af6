"""The applicant's side: apply, verify the email address, answer a moderator's question."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit, events
from app.core.audit import Target
from app.core.errors import TooManyRequests, ValidationFailed
from app.core.events import Audience
from app.identity import handles, mails, passwords, repository, throttling
from app.identity.exceptions import HANDLE_TAKEN, InvalidLink
from app.identity.secrets import hash_token, new_token
from app.identity.settings import identity_settings
from app.models.identity import Application, OneTimeToken, VettingStep

INFO_TOKEN_DAYS = 14


async def submit_application(
    session: AsyncSession,
    *,
    email: str,
    full_name: str,
    password: str,
    authority_id: uuid.UUID,
    position: str,
    justification: str,
    handle: str | None,
    base_url: str,
    actor: Actor,
) -> uuid.UUID:
    """Record an application and mail the verification link; answers alike for known emails."""
    key = throttling.form_key("apply", actor.client_ip)
    if key is not None:
        block = await throttling.current_block(session, [key])
        if block is not None:
            raise TooManyRequests(
                "Too many applications from this address; try again later.",
                headers={"Retry-After": str(block.retry_after)},
            )
        per_address = identity_settings().applications_per_address
        await throttling.record_failure(session, [key], limits=throttling.form_limits(per_address))
    problems = passwords.problems_for(password, email=email, full_name=full_name)
    errors = [{"field": "password", "message": p} for p in problems]
    if await repository.authority_by_id(session, authority_id) is None:
        errors.append({"field": "authority_id", "message": "No such authority."})
    if handle is not None:
        handle = handle.lower()
        if not handles.HANDLE_PATTERN.match(handle):
            errors.append(
                {"field": "handle", "message": "3-32 lowercase letters, digits and dots."}
            )
        elif await handles.handle_taken(session, handle):
            errors.append({"field": "handle", "message": HANDLE_TAKEN})
    if errors:
        raise ValidationFailed("The application is incomplete.", errors=errors)

    # A member, or an application under review, with this address: same answer, no new
    # application; the address's owner is told by mail instead.
    known = await repository.member_id_by_email(session, email)
    in_review = await repository.application_id_with_email(
        session, email, ("pending_review", "info_requested")
    )
    password_hash = await passwords.hash_password(password)
    if known is not None or in_review is not None:
        await mails.send_already_known(session, to=email, base_url=base_url)
        await audit.record(
            session,
            actor=actor,
            action="vetting.application.duplicate",
            target=None,
            details={"email": email},
        )
        return uuid.uuid4()

    # An earlier unverified application for the same address is superseded.
    for old in await repository.applications_with_email(session, email, "pending_email"):
        old.status = "expired"
    await session.flush()

    application = Application(
        email=email,
        handle=handle or await handles.free_handle(session, full_name),
        full_name=full_name,
        position=position,
        justification=justification,
        authority_id=authority_id,
        password_hash=password_hash,
    )
    session.add(application)
    await session.flush()
    policy = identity_settings()
    token = new_token()
    session.add(
        OneTimeToken(
            purpose="verify_email",
            token_hash=hash_token(token),
            application_id=application.id,
            expires_at=datetime.now(UTC) + timedelta(hours=policy.email_token_hours),
        )
    )
    session.add(VettingStep(application_id=application.id, step="applied"))
    await mails.send_verification(
        session,
        to=email,
        name=full_name,
        base_url=base_url,
        token=token,
        hours=policy.email_token_hours,
    )
    await audit.record(
        session,
        actor=actor,
        action="vetting.application.submitted",
        target=Target("application", application.id),
        details={"email": email, "authority_id": str(authority_id), "handle": application.handle},
        authority_ids=[authority_id],
    )
    return application.id


async def _spend_token(
    session: AsyncSession, token: str, purpose: str
) -> tuple[OneTimeToken, Application]:
    row = await repository.application_token_for_update(session, hash_token(token), purpose)
    if row is None:
        raise InvalidLink()
    one_time, application = row
    if one_time.used_at is not None or one_time.expires_at <= datetime.now(UTC):
        raise InvalidLink()
    one_time.used_at = datetime.now(UTC)
    return one_time, application


async def verify_application_email(
    session: AsyncSession, *, token: str, actor: Actor
) -> Application:
    """Spend the emailed token: the application goes to the vetting queue."""
    _one_time, application = await _spend_token(session, token, "verify_email")
    if application.status != "pending_email":
        raise InvalidLink()
    application.status = "pending_review"
    application.email_verified_at = datetime.now(UTC)
    session.add(VettingStep(application_id=application.id, step="email_verified"))
    await session.flush()
    # Each focal point is asked through their notifications (mailed if they chose it), not
    # by a mail of our own: one path for every mail that notifies a member.
    for focal_id in await repository.focal_point_ids(session, application.authority_id):
        await events.publish(
            session,
            "application.endorsement_requested",
            {"application_id": application.id},
            audience=Audience.of("user", focal_id),
        )
    await audit.record(
        session,
        actor=actor,
        action="vetting.application.email_verified",
        target=Target("application", application.id),
        authority_ids=[application.authority_id],
    )
    await _announce_ready(session, application)
    return application


async def provide_information(
    session: AsyncSession, *, token: str, response: str, actor: Actor
) -> Application:
    """The applicant's answer to a moderator's question (by the emailed link)."""
    _one_time, application = await _spend_token(session, token, "provide_info")
    if application.status != "info_requested":
        raise InvalidLink()
    application.status = "pending_review"
    session.add(VettingStep(application_id=application.id, step="info_provided", note=response))
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="vetting.application.info_provided",
        target=Target("application", application.id),
        authority_ids=[application.authority_id],
    )
    await _announce_ready(session, application)
    return application


async def _announce_ready(session: AsyncSession, application: Application) -> None:
    """Tell the moderators an application (back) in the queue waits for them."""
    await events.publish(
        session,
        "application.ready_for_review",
        {"application_id": application.id},
        audience=Audience.of("moderators"),
    )


async def new_info_token(session: AsyncSession, application: Application) -> str:
    token = new_token()
    session.add(
        OneTimeToken(
            purpose="provide_info",
            token_hash=hash_token(token),
            application_id=application.id,
            expires_at=datetime.now(UTC) + timedelta(days=INFO_TOKEN_DAYS),
        )
    )
    await session.flush()
    return token

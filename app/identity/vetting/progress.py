"""One's own vetting as the applicant or member sees it: the steps and when they happened.

The reviewers' notes, checks and names stay with the reviewers (GET /users/{id}/vetting):
what a moderator noted about an applicant is not the applicant's to read here, and the
questions and decisions they must read reach them by mail.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor, vetting_lapsed
from app.identity import repository
from app.identity.vetting import applications
from app.models.identity import Application, User, VettingStep

ApplicationProgress = tuple[Application, list[VettingStep]]
OwnVetting = tuple[User, bool, list[VettingStep]]


async def _progress(session: AsyncSession, application: Application) -> ApplicationProgress:
    return application, await repository.vetting_steps(session, application_ids=[application.id])


async def confirm_email(session: AsyncSession, *, token: str, actor: Actor) -> ApplicationProgress:
    """Spend the emailed token (the application goes to the vetting queue); the
    application and its steps so far."""
    application = await applications.verify_application_email(session, token=token, actor=actor)
    return await _progress(session, application)


async def answer_question(
    session: AsyncSession, *, token: str, response: str, actor: Actor
) -> ApplicationProgress:
    """The applicant's answer to a moderator's question; the application and its steps."""
    application = await applications.provide_information(
        session, token=token, response=response, actor=actor
    )
    return await _progress(session, application)


async def read_own_vetting(session: AsyncSession, *, actor: Actor) -> OwnVetting:
    """The caller, whether their vetting has lapsed, and every step of it (their
    applications' and their membership's), oldest first."""
    user = await repository.member_by_id(session, actor.user_id)
    assert user is not None  # the actor was built from this row in this request
    ids = [a.id for a in await repository.applications_of_member(session, user.id)]
    steps = await repository.vetting_steps(session, application_ids=ids, user_id=user.id)
    return user, vetting_lapsed(user.vetting_expires_at, datetime.now(UTC)), steps

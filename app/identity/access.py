"""Who may see what of identity: an application not the actor's to review is not found."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.core.errors import NotFound
from app.identity import repository
from app.models.identity import Application


def is_focal_point_for(actor: Actor, authority_id: uuid.UUID) -> bool:
    return actor.focal_point and actor.authority_id == authority_id


def can_see_queue(actor: Actor) -> bool:
    return actor.can(Permission.VETTING_REVIEW) or (
        actor.focal_point and actor.authority_id is not None
    )


async def access_application(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, *, for_write: bool = False
) -> Application:
    """The application if the actor reviews it (moderator or its focal point), else 404."""
    # Locked for writes: two moderators deciding at once are serialised, the second sees
    # the first's decision (409) instead of creating the member twice.
    application = await repository.application_by_id(session, application_id, for_update=for_write)
    if application is None or not (
        actor.can(Permission.VETTING_REVIEW) or is_focal_point_for(actor, application.authority_id)
    ):
        raise NotFound("No such application.")
    return application

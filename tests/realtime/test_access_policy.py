"""The audiences the realtime policy decides from the members' own rows: the member
themself, moderators, an authority's members (app/realtime/access.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.db import Database
from app.realtime.access import AccessPolicy
from tests.factories import make_authority, make_member


async def test_own_moderators_and_authority_audiences(session: AsyncSession, db: Database) -> None:
    home = await make_authority(session)
    away = await make_authority(session)
    officer = await make_member(session, authority=home)
    colleague = await make_member(session, authority=home)
    foreign = await make_member(session, authority=away)
    moderator = await make_member(session, roles=["moderator"])
    lapsed = await make_member(
        session, authority=home, vetting_expires_at=datetime.now(UTC) - timedelta(days=1)
    )
    await session.commit()
    user = lapsed.user
    lapsed_actor = Actor.for_member(  # as the socket's authentication makes it
        user_id=user.id,
        session_id=lapsed.session_id,
        roles=frozenset(user.roles),
        authority_id=user.authority_id,
        focal_point=user.focal_point,
        handle=user.handle,
        full_name=user.full_name,
        vetting_expires_at=user.vetting_expires_at,
        now=datetime.now(UTC),
    )
    assert lapsed_actor.vetting_expired
    actors = [m.actor for m in (officer, colleague, foreign, moderator)] + [lapsed_actor]
    nobody = str(uuid.uuid4())
    audiences = [
        ("user", str(officer.id)),
        ("user", str(lapsed.id)),
        ("user", nobody),
        ("user", "not a uuid"),
        ("moderators", None),
        ("authority", str(home.id)),
        ("authority", "not a uuid"),
    ]
    entitled = await AccessPolicy(db).entitled(audiences, actors)
    assert entitled[("user", str(officer.id))] == {officer.id}
    # A member whose vetting lapsed still receives their own notifications, nothing else.
    assert entitled[("user", str(lapsed.id))] == {lapsed.id}
    assert entitled[("user", nobody)] == set()
    assert entitled[("user", "not a uuid")] == set()
    assert entitled[("moderators", None)] == {moderator.id}
    assert entitled[("authority", str(home.id))] == {officer.id, colleague.id}
    assert entitled[("authority", "not a uuid")] == set()

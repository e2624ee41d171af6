"""Test data built directly in the database, plus signed-in members ready to call the API.

Domains add factories for their own tables here (one section per domain).
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.tokens import issue_access_token
from app.models.directory import Authority, RequirementSheet, Treaty, TreatyParty
from app.models.forums import Forum, ForumGroup, ForumGroupMember
from app.models.identity import User, UserSession

TEST_SECRET_KEY = "test-secret-key-not-for-production-use-0123456789"
# A real argon2id hash would cost ~50 ms per user; factories sign in with tokens instead.
UNUSABLE_PASSWORD_HASH = "!factory-user-has-no-password"

_counter = itertools.count(1)


@dataclass
class Member:
    """A member with a live session and an access token."""

    user: User
    session_id: uuid.UUID
    token: str

    @property
    def id(self) -> uuid.UUID:
        return self.user.id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def actor(self) -> Actor:
        return Actor.member(
            user_id=self.user.id,
            session_id=self.session_id,
            roles=frozenset(self.user.roles),
            authority_id=self.user.authority_id,
            focal_point=self.user.focal_point,
            handle=self.user.handle,
            full_name=self.user.full_name,
        )


async def make_authority(
    session: AsyncSession,
    *,
    state_code: str = "FRA",
    name: str | None = None,
    types: list[str] | None = None,
) -> Authority:
    n = next(_counter)
    authority = Authority(
        state_code=state_code,
        name=name or f"Central Authority {n} of {state_code}",
        types=types if types is not None else ["mla", "extradition"],
    )
    session.add(authority)
    await session.flush()
    return authority


async def make_member(
    session: AsyncSession,
    *,
    roles: list[str] | None = None,
    authority: Authority | None = None,
    focal_point: bool = False,
    status: str = "active",
    vetting_expires_at: datetime | None = None,
    email: str | None = None,
    handle: str | None = None,
    full_name: str | None = None,
) -> Member:
    n = next(_counter)
    user = User(
        email=email or f"member{n}@example.org",
        handle=handle or f"member{n}",
        full_name=full_name or f"Member {n}",
        password_hash=UNUSABLE_PASSWORD_HASH,
        status=status,
        roles=roles if roles is not None else ["officer"],
        authority_id=authority.id if authority else None,
        focal_point=focal_point,
        vetting_expires_at=vetting_expires_at or datetime.now(UTC) + timedelta(days=365),
    )
    session.add(user)
    await session.flush()
    user_session = UserSession(user_id=user.id, expires_at=datetime.now(UTC) + timedelta(days=1))
    session.add(user_session)
    await session.flush()
    token, _ = issue_access_token(
        TEST_SECRET_KEY, user_id=user.id, session_id=user_session.id, ttl=timedelta(minutes=30)
    )
    return Member(user=user, session_id=user_session.id, token=token)


# --- directory -------------------------------------------------------------------------------


async def make_requirement_sheet(
    session: AsyncSession,
    *,
    state_code: str = "FRA",
    request_type: str = "mla",
    measure: str = "",
    **fields: object,
) -> RequirementSheet:
    fields.setdefault("last_verified_at", datetime.now(UTC))
    sheet = RequirementSheet(
        state_code=state_code,
        request_type=request_type,
        measure=measure,
        **fields,  # type: ignore[arg-type]
    )
    session.add(sheet)
    await session.flush()
    return sheet


async def make_treaty(
    session: AsyncSession,
    *,
    parties: list[str],
    title: str | None = None,
    kind: str = "bilateral",
    subjects: list[str] | None = None,
) -> Treaty:
    treaty = Treaty(
        title=title or f"Treaty {next(_counter)}",
        kind=kind,
        subjects=subjects if subjects is not None else ["mla"],
    )
    session.add(treaty)
    await session.flush()
    session.add_all([TreatyParty(treaty_id=treaty.id, state_code=code) for code in parties])
    await session.flush()
    return treaty


# --- forums -----------------------------------------------------------------------------------


async def make_forum_group(
    session: AsyncSession,
    *,
    name: str | None = None,
    region: str | None = None,
    members: list[Member] | None = None,
) -> ForumGroup:
    group = ForumGroup(name=name or f"Group {next(_counter)}", region=region)
    session.add(group)
    await session.flush()
    session.add_all([ForumGroupMember(group_id=group.id, user_id=m.id) for m in members or []])
    await session.flush()
    return group


async def make_forum(
    session: AsyncSession,
    *,
    name: str | None = None,
    audience: str = "network",
    group: ForumGroup | None = None,
) -> Forum:
    forum = Forum(
        name=name or f"Forum {next(_counter)}",
        audience_kind=audience,
        group_id=group.id if group else None,
    )
    session.add(forum)
    await session.flush()
    return forum

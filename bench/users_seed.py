"""The crowd of the `users` scenario: members in small authorities, regional groups, cases.

Shaped like a network rather than like the other scenarios' two busy authorities, so what
each member may see stays realistic as the crowd grows: authorities of 10 officers, paired
(authority 2k with 2k+1) by cases in both directions; regional groups of 100 members, each
with a group forum; two network forums every member reads. Member i belongs to authority
i // 10 and group i // 100, so the first N members of the crowd form a smaller network of
the same shape and one seeding serves every size a sizing search tries.

Members get sessions and access tokens issued directly (as bench/delivery.py does): signing
thousands in through argon2 would take minutes and measure nothing this scenario is about.
Threads, posts, cases and messages go through the real service functions. It runs after
every other scenario of the suite, so its authorities and members change none of their
figures (the finder and directory searches see the same directory as before).
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.tokens import issue_access_token
from app.cases.schemas import MessageCreate
from app.cases.service import post_message, record_receipt
from app.db import Database
from app.forums import service as forums
from app.forums.schemas import Audience, ForumCreate, GroupCreate, ThreadCreate
from app.models.directory import Authority
from app.models.forums import ForumGroupMember
from app.models.identity import User, UserSession
from bench.seed import _actor, submitted_case
from bench.server import BENCH_SECRET

AUTHORITY_SIZE = 10
GROUP_SIZE = 100
NETWORK_THREADS = 20  # per network forum (two forums)
GROUP_THREADS = 4  # per group forum
SEED_REPLIES = 4  # replies in each seeded thread, so a page of posts is not a single post


@dataclass
class Crowd:
    """What the load process needs to act as the members: all plain strings, picklable."""

    tokens: list[str] = field(default_factory=list)
    user_ids: list[str] = field(default_factory=list)
    network_threads: list[str] = field(default_factory=list)
    group_threads: list[list[str]] = field(default_factory=list)  # by group
    pair_cases: list[list[str]] = field(default_factory=list)  # by authority pair

    def __len__(self) -> int:
        return len(self.tokens)


def authority_of(member: int) -> int:
    return member // AUTHORITY_SIZE


def pair_of(member: int) -> int:
    return authority_of(member) // 2


def group_of(member: int) -> int:
    return member // GROUP_SIZE


async def seed_crowd(url: str, members: int) -> Crowd:
    """`members` officers with live tokens, and the forums, threads and cases they use."""
    crowd = Crowd()
    database = Database(url)
    try:
        async with database.transaction() as session:
            users = await _members(session, members, crowd)
        async with database.transaction() as session:
            await _forums(session, users, crowd)
        # Cases in chunks of pairs: one transaction per chunk keeps each one short while the
        # server (already running in the suite) goes on with its own work.
        pairs = math.ceil(math.ceil(members / AUTHORITY_SIZE) / 2)
        for first in range(0, pairs, 25):
            async with database.transaction() as session:
                for pair in range(first, min(pairs, first + 25)):
                    crowd.pair_cases.append(await _cases(session, users, pair))
    finally:
        await database.dispose()
    return crowd


async def _members(session: AsyncSession, count: int, crowd: Crowd) -> list[User]:
    query = sa.text("SELECT code FROM states ORDER BY code LIMIT 40")
    found: Sequence[Any] = (await session.execute(query)).scalars().all()
    codes = [str(code) for code in found]
    run = uuid.uuid4().hex[:6]
    authorities = [
        # Neighbours in different states: a pair's cases cross a border, as they do.
        Authority(
            state_code=codes[a % len(codes)],
            name=f"Crowd {run} authority {a}",
            types=["mla"],
        )
        for a in range(2 * math.ceil(math.ceil(count / AUTHORITY_SIZE) / 2))
    ]
    session.add_all(authorities)
    await session.flush()
    now = datetime.now(UTC)
    users = [
        User(
            email=f"crowd{run}.{n}@bench.example.org",
            handle=f"crowd{run}.{n}",
            full_name=f"Crowd Member {n}",
            position="Benchmark",
            password_hash="!",
            roles=["officer"],
            authority_id=authorities[authority_of(n)].id,
            vetted_at=now,
            vetting_expires_at=now + timedelta(days=365),
        )
        for n in range(count)
    ]
    session.add_all(users)
    await session.flush()
    sessions = [UserSession(user_id=u.id, expires_at=now + timedelta(days=2)) for u in users]
    session.add_all(sessions)
    await session.flush()
    for user, user_session in zip(users, sessions, strict=True):
        # Long enough for a whole sizing search (API sign-ins give 15 minutes).
        token, _ = issue_access_token(
            BENCH_SECRET, user_id=user.id, session_id=user_session.id, ttl=timedelta(hours=12)
        )
        crowd.tokens.append(token)
        crowd.user_ids.append(str(user.id))
    return users


async def _forums(session: AsyncSession, users: list[User], crowd: Crowd) -> None:
    moderator = await session.scalar(
        sa.select(User).where(sa.text("'moderator' = ANY(users.roles)")).limit(1)
    )
    manager = _actor(moderator) if moderator is not None else Actor.system()
    rng = random.Random(11)
    for f in range(2):
        forum = await forums.create_forum(
            session, actor=manager, data=ForumCreate(name=f"Crowd network forum {f}")
        )
        crowd.network_threads += await _threads(session, forum.id, users, NETWORK_THREADS, rng)
    for g in range(math.ceil(len(users) / GROUP_SIZE)):
        members = users[g * GROUP_SIZE : (g + 1) * GROUP_SIZE]
        group = await forums.create_group(
            session, actor=manager, data=GroupCreate(name=f"Crowd region {g}")
        )
        session.add_all(ForumGroupMember(group_id=group.id, user_id=u.id) for u in members)
        await session.flush()
        forum = await forums.create_forum(
            session,
            actor=manager,
            data=ForumCreate(
                name=f"Crowd region {g} forum", audience=Audience(kind="group", group_id=group.id)
            ),
        )
        crowd.group_threads.append(await _threads(session, forum.id, members, GROUP_THREADS, rng))


async def _threads(
    session: AsyncSession, forum_id: uuid.UUID, users: list[User], count: int, rng: random.Random
) -> list[str]:
    ids = []
    for t in range(count):
        thread = await forums.start_thread(
            session,
            actor=_actor(rng.choice(users)),
            forum_id=forum_id,
            data=ThreadCreate(title=f"Crowd thread {t}", body="What does your state require?"),
        )
        for n in range(SEED_REPLIES):
            await forums.create_post(
                session,
                actor=_actor(rng.choice(users)),
                thread_id=thread.id,
                body=f"Reply {n}: our central authority needs the **original** request.",
            )
        ids.append(str(thread.id))
    return ids


async def _cases(session: AsyncSession, users: list[User], pair: int) -> list[str]:
    """Two received cases between the pair's authorities, one each way, with messages."""
    first = users[2 * pair * AUTHORITY_SIZE]
    second = users[min(len(users) - 1, (2 * pair + 1) * AUTHORITY_SIZE)]
    if second.authority_id == first.authority_id:
        return []  # an odd last authority has no partner among the members
    ids = []
    for requesting, requested in ((first, second), (second, first)):
        asking, answering = _actor(requesting), _actor(requested)
        assert requested.authority_id is not None
        case_id = await submitted_case(
            session, asking, requested.authority_id, title=f"Crowd case of pair {pair}"
        )
        # Received before the run: the first look of the requested side is a write, once.
        await record_receipt(session, actor=answering, case_id=case_id)
        for actor in (asking, answering):
            await post_message(
                session,
                actor=actor,
                case_id=case_id,
                data=MessageCreate(body="The *bank records* are listed in annex 2."),
            )
        ids.append(str(case_id))
    return ids

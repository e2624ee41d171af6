"""The data the scenarios run against, built through the real service functions.

The demo network (directory, members, forums, cases) comes from `app.demo.runner.seed_demo`
with the benchmark's secret key; on top of it: two authorities with officers who sign in
through the API (`load` members, TOTP enrolled, sharing one password so one argon2 hash is
computed), a pool of distinct members for the sign-in scenario (a TOTP code is accepted once
per member), forum groups the load members belong to, forums of every audience, threads,
submitted cases, and a search corpus written with set-based SQL (INSERT ... SELECT
generate_series) so a million posts take about a minute, not an hour.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases.schemas import CaseCreate, LegalBasis, MessageCreate, TransitionRequest
from app.cases.service import create_case, post_message, transition_case
from app.config import Settings
from app.db import Database
from app.demo.runner import seed_demo
from app.forums import service as forums
from app.forums.schemas import Audience, ForumCreate, GroupCreate, ThreadCreate
from app.identity import mfa
from app.identity.passwords import hash_password
from app.models.directory import Authority
from app.models.forums import ForumGroupMember
from app.models.identity import User
from bench.server import BENCH_SECRET

PASSWORD = "bench network passphrase 2026"
DOMAIN = "bench.example.org"


@dataclass
class Member:
    email: str
    user_id: str
    totp_secret: str  # opened: the client computes codes with it


@dataclass
class Seeded:
    load_members: list[Member] = field(default_factory=list)
    login_members: list[Member] = field(default_factory=list)
    post_thread_ids: list[str] = field(default_factory=list)
    read_thread_id: str = ""
    case_ids: list[str] = field(default_factory=list)
    read_case_id: str = ""
    finder_queries: list[dict[str, str]] = field(default_factory=list)
    search_words: list[str] = field(default_factory=list)
    corpus_posts: int = 0
    forum_ids: list[uuid.UUID] = field(default_factory=list)
    author_ids: list[uuid.UUID] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _actor(user: User) -> Actor:
    return Actor.member(
        user_id=user.id,
        roles=frozenset(user.roles),
        authority_id=user.authority_id,
        focal_point=user.focal_point,
        handle=user.handle,
    )


def vocabulary(size: int = 5000) -> list[str]:
    """Deterministic pseudo-words: text search sees them like words of any language."""
    rng = random.Random(7)
    onsets = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "tr", "st"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ou"]
    words: set[str] = set()
    while len(words) < size:
        words.add(
            "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
        )
    return sorted(words, key=lambda w: (len(w), w))


async def _members(
    session: AsyncSession, authorities: list[uuid.UUID], prefix: str, count: int
) -> list[tuple[User, str]]:
    password_hash = await hash_password(PASSWORD)
    now = datetime.now(UTC)
    out = []
    for n in range(count):
        secret = mfa.new_secret()
        user = User(
            email=f"{prefix}{n}@{DOMAIN}",
            handle=f"{prefix}{n}",
            full_name=f"{prefix.title()} {n}",
            position="Benchmark",
            password_hash=password_hash,
            roles=["officer"],
            authority_id=authorities[n % len(authorities)],
            vetted_at=now,
            vetting_expires_at=now + timedelta(days=365),
            totp_secret=mfa.seal_secret(BENCH_SECRET, secret),
            mfa_enrolled_at=now,
        )
        out.append((user, secret))
    session.add_all([u for u, _ in out])
    await session.flush()
    return out


async def seed(url: str, *, load_members: int, login_members: int, corpus_posts: int) -> Seeded:
    """Everything the scenarios need; the corpus (search) last, in its own transactions."""
    seeded = Seeded()
    database = Database(url)
    try:
        t0 = time.monotonic()
        settings = Settings(
            secret_key=BENCH_SECRET, database_url=url, data_dir=Path("/tmp/canet-bench-demo")
        )
        await seed_demo(database, settings)
        seeded.timings["demo_s"] = round(time.monotonic() - t0, 1)
        t0 = time.monotonic()
        async with database.transaction() as session:
            await _seed_network(session, seeded, load_members, login_members)
        seeded.timings["network_s"] = round(time.monotonic() - t0, 1)
        async with database.transaction() as session:
            seeded.finder_queries = await _finder_queries(session)
        t0 = time.monotonic()
        seeded.search_words = await _seed_corpus(database, seeded, corpus_posts)
        seeded.corpus_posts = corpus_posts
        seeded.timings["corpus_s"] = round(time.monotonic() - t0, 1)
    finally:
        await database.dispose()
    return seeded


async def _seed_network(
    session: AsyncSession, seeded: Seeded, load_count: int, login_count: int
) -> None:
    fra = Authority(state_code="FRA", name="Bench FRA central authority", types=["mla"])
    ita = Authority(state_code="ITA", name="Bench ITA central authority", types=["mla"])
    # The sign-in pool (up to 1,500 members) sits in an authority of its own: put in the
    # two case authorities, every case event would notify a thousand officers each.
    pool = Authority(state_code="DEU", name="Bench sign-in pool authority", types=["mla"])
    session.add_all([fra, ita, pool])
    await session.flush()
    load = await _members(session, [fra.id, ita.id], "load", load_count)
    login = await _members(session, [pool.id], "login", login_count)
    seeded.load_members = [Member(u.email, str(u.id), s) for u, s in load]
    seeded.login_members = [Member(u.email, str(u.id), s) for u, s in login]
    moderator = await session.scalar(
        sa.select(User).where(sa.text("'moderator' = ANY(users.roles)")).limit(1)
    )
    manager = _actor(moderator) if moderator is not None else Actor.system()

    # Forums of every audience; the load members are explicit members of 4 of 6 groups, so
    # every readable-forum check and search walks a real membership list.
    group_ids = []
    for g in range(6):
        group = await forums.create_group(
            session, actor=manager, data=GroupCreate(name=f"Bench group {g}")
        )
        group_ids.append(group.id)
    session.add_all(
        ForumGroupMember(group_id=gid, user_id=u.id) for gid in group_ids[:4] for u, _ in load
    )
    forum_ids = []
    for f in range(2):
        forum = await forums.create_forum(
            session, actor=manager, data=ForumCreate(name=f"Bench network forum {f}")
        )
        forum_ids.append(forum.id)
    for g, gid in enumerate(group_ids):
        forum = await forums.create_forum(
            session,
            actor=manager,
            data=ForumCreate(
                name=f"Bench group forum {g}", audience=Audience(kind="group", group_id=gid)
            ),
        )
        forum_ids.append(forum.id)
    await session.flush()

    users = [u for u, _ in load]
    for t in range(16):
        thread = await forums.start_thread(
            session,
            actor=_actor(users[t % len(users)]),
            forum_id=forum_ids[t % 2],
            data=ThreadCreate(title=f"Bench thread {t}", body="Posting target."),
        )
        seeded.post_thread_ids.append(str(thread.id))
    read = await forums.start_thread(
        session,
        actor=_actor(users[0]),
        forum_id=forum_ids[0],
        data=ThreadCreate(title="A long discussion", body="The first post of a long thread."),
    )
    for n in range(59):
        await forums.create_post(
            session,
            actor=_actor(users[n % len(users)]),
            thread_id=read.id,
            body=f"Reply {n}: the **requirements** for asset freezing differ by state.",
        )
    seeded.read_thread_id = str(read.id)

    creator = _actor(users[0])
    for n in range(17):
        case_id = await submitted_case(session, creator, ita.id, title=f"Bench case {n}")
        seeded.case_ids.append(str(case_id))
    seeded.read_case_id = seeded.case_ids.pop()
    for n in range(50):
        await post_message(
            session,
            actor=_actor(users[n % 2]),
            case_id=uuid.UUID(seeded.read_case_id),
            data=MessageCreate(body=f"Message {n}: the *evidence* list is attached."),
        )
    seeded.forum_ids = forum_ids
    seeded.author_ids = [u.id for u in users]


async def _finder_queries(session: AsyncSession) -> list[dict[str, str]]:
    """Finder questions between states that have directory entries (demo directory)."""
    found: Sequence[Any] = (
        (
            await session.execute(
                sa.text(
                    "SELECT DISTINCT state_code FROM authorities WHERE name NOT LIKE 'Bench %' "
                    "ORDER BY state_code"
                )
            )
        )
        .scalars()
        .all()
    )
    states: list[str] = [str(code) for code in found] or ["FRA", "ITA"]
    queries = []
    for i, requested in enumerate(states):
        requesting = states[(i + 1) % len(states)]
        for kind in ("mla", "extradition"):
            queries.append(
                {"requesting_state": requesting, "requested_state": requested, "request_type": kind}
            )
    return queries


_CORPUS_SQL = """
INSERT INTO forum_posts (id, thread_id, author_id, body, body_html, body_text, search_vector,
                         mentioned_user_ids, version, created_at)
SELECT gen_random_uuid(), t.id, t.author_id, b.body, '<p>' || b.body || '</p>', b.body,
       setweight(to_tsvector('simple'::regconfig, t.title), 'A')
       || setweight(to_tsvector('simple'::regconfig, b.body), 'B'),
       '{}', 1, now() - make_interval(secs => g.n)
FROM generate_series(CAST(:first AS int), CAST(:last AS int)) AS g(n)
JOIN LATERAL (
    SELECT array_to_string(ARRAY(
        -- log-uniform word ranks: word k appears with frequency ~ 1/k (Zipf-like)
        SELECT (:words)[floor(exp(random() * ln(cardinality(:words))))::int]
        FROM generate_series(1, 12 + (g.n % 17)) AS w(i)
        WHERE g.n IS NOT NULL
    ), ' ') AS body
) b ON true
JOIN bench_corpus_threads t ON t.k = g.n % CAST(:threads AS int)
"""


async def _seed_corpus(database: Database, seeded: Seeded, posts: int) -> list[str]:
    """`posts` posts over 2,000 threads in the bench forums; returns the query words."""
    words = vocabulary()
    if posts <= 0:
        return words[100:110]
    threads = 2000
    async with database.transaction() as session:
        await session.execute(
            sa.text(
                "CREATE UNLOGGED TABLE bench_corpus_threads (k int PRIMARY KEY, id uuid, "
                "title text, author_id uuid)"
            )
        )
        # Threads through plain SQL too: 2,000 rows in the bench forums, titles from the
        # same vocabulary.
        await session.execute(
            sa.text(
                """
                WITH t AS (
                    INSERT INTO forum_threads (id, forum_id, author_id, title, tags, pinned,
                                               locked, post_count, last_post_seq, created_at,
                                               last_activity_at)
                    SELECT gen_random_uuid(), (:forums)[1 + k % cardinality(:forums)],
                           (:authors)[1 + k % cardinality(:authors)],
                           'Corpus ' || (:words)[1 + (k * 7) % 3000] || ' '
                               || (:words)[1 + (k * 13) % 4000],
                           '{}', false, false, 0, 0, now(), now()
                    FROM generate_series(0, CAST(:threads AS int) - 1) AS k
                    RETURNING id, title, author_id
                )
                INSERT INTO bench_corpus_threads
                SELECT row_number() OVER () - 1, id, title, author_id FROM t
                """
            ).bindparams(
                sa.bindparam("forums", type_=sa.ARRAY(sa.Uuid())),
                sa.bindparam("authors", type_=sa.ARRAY(sa.Uuid())),
                sa.bindparam("words", type_=sa.ARRAY(sa.Text())),
            ),
            {
                "forums": seeded.forum_ids,
                "authors": seeded.author_ids,
                "words": words,
                "threads": threads,
            },
        )
    # The GIN index is built once after the load (as a restore would), not row by row.
    async with database.transaction() as session:
        await session.execute(sa.text("DROP INDEX ix_forum_posts_search"))
    batch = 100_000
    stmt = sa.text(_CORPUS_SQL).bindparams(sa.bindparam("words", type_=sa.ARRAY(sa.Text())))
    for first in range(0, posts, batch):
        async with database.transaction() as session:
            await session.execute(
                stmt,
                {
                    "first": first,
                    "last": min(posts, first + batch) - 1,
                    "words": words,
                    "threads": threads,
                },
            )
    async with database.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text("SET maintenance_work_mem = '256MB'"))
        await conn.execute(
            sa.text("CREATE INDEX ix_forum_posts_search ON forum_posts USING gin (search_vector)")
        )
        await conn.execute(
            sa.text(
                """
                UPDATE forum_threads t SET post_count = s.c, last_post_seq = s.m
                FROM (SELECT thread_id, count(*) c, max(seq) m FROM forum_posts
                      GROUP BY thread_id) s
                WHERE s.thread_id = t.id
                """
            )
        )
        await conn.execute(sa.text("DROP TABLE bench_corpus_threads"))
        await conn.execute(sa.text("VACUUM ANALYZE forum_posts"))
        await conn.execute(sa.text("ANALYZE forum_threads"))
    # Query words of middling frequency (ranks 30..1000: from ~1 % of posts down to a few
    # hundred posts per million), the words people actually search for.
    return words[30:1000]


async def submitted_case(
    session: AsyncSession, actor: Actor, requested_authority_id: uuid.UUID, *, title: str
) -> uuid.UUID:
    """An MLA request from the actor's authority to another, created and submitted."""
    case = await create_case(
        session,
        actor=actor,
        data=CaseCreate(
            type="mla",
            requested_authority_id=requested_authority_id,
            title=title,
            summary="Benchmark case",
            legal_basis=LegalBasis(kind="untoc_art18"),
            offences=["fraud"],
            measures=["other"],
            languages=["en"],
        ),
    )
    await transition_case(
        session,
        actor=actor,
        case_id=case.id,
        request=TransitionRequest(action="submit", missing_essentials_reason="benchmark case"),
    )
    return case.id

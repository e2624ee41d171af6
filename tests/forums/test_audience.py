"""Who reads which forum, asked every way the code asks it, for every kind of audience and
of reader: the set form of the rule (lists), its per-forum form (one thread's access check
and page) and the API must all give exactly the expected table (need-to-know first)."""

from __future__ import annotations

import uuid

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.auth.actor import Actor
from app.forums.repository.audience import readable_by, reader_variant
from app.forums.repository.threads import (
    readable_thread,
    thread_access_row,
    thread_locked_if_readable,
    thread_readable,
)
from app.models.forums import Forum, Thread
from tests.factories import Member, make_authority, make_forum, make_forum_group, make_member
from tests.forums.helpers import API


async def _regions(session: AsyncSession, code: str) -> tuple[str | None, str | None, str | None]:
    """The state's M49 region, sub-region and intermediate region (some have none)."""
    row = (
        await session.execute(
            sa.text("SELECT region, subregion, intermediate_region FROM states WHERE code = :c"),
            {"c": code},
        )
    ).one()
    return (row[0], row[1], row[2])


async def _forums_read(
    session: AsyncSession, actor: Actor, forums: set[uuid.UUID], *, one: bool
) -> set[uuid.UUID]:
    """The forums among `forums` that `readable_by` lets the actor read, in one form."""
    variant = reader_variant(actor)
    if variant is None:
        return set()
    clause = readable_by(
        variant,
        sa.literal(actor.user_id, sa.Uuid()),
        sa.literal(actor.authority_id, sa.Uuid()),
        one_forum=one,
    )
    stmt = select(col(Forum.id)).where(clause, col(Forum.id).in_(forums))
    return set((await session.execute(stmt)).scalars())


async def test_every_form_of_the_rule_agrees_for_every_audience_and_reader(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # Nigeria: Africa / Sub-Saharan Africa / Western Africa; France: Europe; Japan: Asia.
    africa, sub_saharan, west_africa = await _regions(session, "NGA")
    europe, _, _ = await _regions(session, "FRA")
    asia, _, _ = await _regions(session, "JPN")
    regions = {africa, sub_saharan, west_africa, europe, asia}
    assert None not in regions and len(regions) == 5, "the directory migration's M49 data"

    moderator = await make_member(session, roles=["moderator"])
    french = await make_member(session, authority=await make_authority(session, state_code="FRA"))
    nigerian = await make_member(session, authority=await make_authority(session, state_code="NGA"))
    japanese = await make_member(session, authority=await make_authority(session, state_code="JPN"))
    listed = await make_member(session)  # no authority, an explicit member of one group
    unaffiliated = await make_member(session)  # no authority, no group
    auditor = await make_member(session, roles=["auditor"])  # no forum permission at all

    network = await make_forum(session, name="network")
    moderators = await make_forum(session, name="moderators", audience="moderators")

    async def group_forum(name: str, *, region: str | None, members: list[Member]) -> Forum:
        group = await make_forum_group(session, name=name, region=region, members=members)
        return await make_forum(session, name=name, audience="group", group=group)

    forums = [
        network,
        moderators,
        await group_forum("explicit", region=None, members=[japanese]),
        await group_forum("by region", region=europe, members=[]),
        await group_forum("by sub-region", region=sub_saharan, members=[]),
        await group_forum("by intermediate region", region=west_africa, members=[]),
        await group_forum("region and explicit", region=asia, members=[listed]),
        await group_forum("nobody", region=None, members=[]),
    ]
    by_name = {f.name: f for f in forums}
    threads: dict[uuid.UUID, uuid.UUID] = {}
    for forum in forums:
        thread = Thread(forum_id=forum.id, author_id=moderator.id, title=f"In {forum.name}")
        session.add(thread)
        await session.flush()
        threads[forum.id] = thread.id
    await session.commit()

    everything = set(by_name)
    expected = {
        "moderator": (moderator, everything),
        "french": (french, {"network", "by region"}),
        "nigerian": (nigerian, {"network", "by sub-region", "by intermediate region"}),
        "japanese": (japanese, {"network", "explicit", "region and explicit"}),
        "listed": (listed, {"network", "region and explicit"}),
        "unaffiliated": (unaffiliated, {"network"}),
        "auditor": (auditor, set()),
    }
    forum_ids = {f.id for f in forums}
    for who, (member, names) in expected.items():
        actor = member.actor
        want = {by_name[n].id for n in names}
        assert await _forums_read(session, actor, forum_ids, one=False) == want, who
        assert await _forums_read(session, actor, forum_ids, one=True) == want, who
        for forum in forums:
            thread_id = threads[forum.id]
            readable = forum.id in want
            where = (who, forum.name)
            assert (await thread_access_row(session, actor, thread_id) is not None) == readable
            got = await readable_thread(session, actor=actor, thread_id=thread_id)
            assert (got is not None) == readable, where
            assert await thread_readable(session, actor, thread_id) == readable, where
            locked = await thread_locked_if_readable(session, actor, thread_id)
            assert (locked is not None) == readable, where
            # Through the API: the thread's page (its row) and its posts (the access check).
            for path in (f"/threads/{thread_id}", f"/threads/{thread_id}/posts"):
                response = await client.get(API + path, headers=member.headers)
                status = 200 if readable else (403 if who == "auditor" else 404)
                assert response.status_code == status, (where, path, response.text)

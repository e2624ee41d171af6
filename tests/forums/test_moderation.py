"""Moderation: lock, pin, move, hide (author told), flags queue; every act audited."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.errors import Conflict
from app.core.pagination import encode_cursor
from app.db import Database
from app.forums import posting
from app.models.forums import Thread
from tests.factories import make_forum, make_forum_group, make_member
from tests.forums.helpers import API, audit_entries, events, reply, start_thread


async def test_lock_blocks_new_posts_and_is_audited(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)

    locked = await client.post(
        f"{API}/threads/{thread['id']}/lock",
        json={"reason": "Off topic, moved to e-mail"},
        headers=moderator.headers,
    )
    assert locked.status_code == 200 and locked.json()["locked"] is True
    refused = await reply(client, ana, thread["id"], "One more thing", expect=409)
    assert refused["type"] == "urn:canet:problem:thread-locked"
    edit = await client.patch(
        f"{API}/posts/{thread['first_post']['id']}", json={"body": "x"}, headers=ana.headers
    )
    assert edit.status_code == 409
    unlocked = await client.post(f"{API}/threads/{thread['id']}/unlock", headers=moderator.headers)
    assert unlocked.status_code == 200 and unlocked.json()["locked"] is False
    await reply(client, ana, thread["id"], "One more thing")

    lock_entries = await audit_entries(session, "forum.thread.lock")
    assert [(e.actor_user_id, e.details["reason"]) for e in lock_entries] == [
        (moderator.id, "Off topic, moved to e-mail")
    ]
    assert lock_entries[0].changes == {"locked": {"old": False, "new": True}}
    assert len(await audit_entries(session, "forum.thread.unlock")) == 1
    locked_events = await events(session, "thread.locked")
    assert [(e.audience_kind, e.data["locked"]) for e in locked_events] == [
        ("thread", True),
        ("thread", False),
    ]


async def test_pin_puts_thread_first(client: httpx.AsyncClient, session: AsyncSession) -> None:
    ana = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    forum = await make_forum(session)
    await session.commit()
    rules = await start_thread(client, ana, forum.id, title="House rules")
    await start_thread(client, ana, forum.id, title="Newer thread")
    pinned = await client.post(
        f"{API}/threads/{rules['id']}/pin",
        json={"reason": "Everyone should read it"},
        headers=moderator.headers,
    )
    assert pinned.json()["pinned"] is True
    items = (await client.get(f"{API}/forums/{forum.id}/threads", headers=ana.headers)).json()
    assert [t["title"] for t in items["items"]] == ["House rules", "Newer thread"]
    await client.post(f"{API}/threads/{rules['id']}/unpin", headers=moderator.headers)
    items = (await client.get(f"{API}/forums/{forum.id}/threads", headers=ana.headers)).json()
    assert [t["title"] for t in items["items"]] == ["Newer thread", "House rules"]
    assert [e.details["reason"] for e in await audit_entries(session, "forum.thread.pin")] == [
        "Everyone should read it"
    ]
    assert [e.details["reason"] for e in await audit_entries(session, "forum.thread.unpin")] == [
        None
    ]


async def test_move_thread_changes_its_audience(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    outsider = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    public = await make_forum(session)
    group = await make_forum_group(session, members=[ana])
    private = await make_forum(session, audience="group", group=group)
    await session.commit()
    thread = await start_thread(client, ana, public.id)
    assert (
        await client.get(f"{API}/threads/{thread['id']}", headers=outsider.headers)
    ).status_code == 200
    moved = await client.post(
        f"{API}/threads/{thread['id']}/move",
        json={"forum_id": str(private.id), "reason": "Belongs to the working group"},
        headers=moderator.headers,
    )
    assert moved.status_code == 200 and moved.json()["forum_id"] == str(private.id)
    assert (
        await client.get(f"{API}/threads/{thread['id']}", headers=outsider.headers)
    ).status_code == 404
    again = await client.post(
        f"{API}/threads/{thread['id']}/move",
        json={"forum_id": str(private.id), "reason": "again"},
        headers=moderator.headers,
    )
    assert again.status_code == 409
    entries = await audit_entries(session, "forum.thread.move")
    assert entries[0].details == {"reason": "Belongs to the working group"}
    assert entries[0].changes == {"forum_id": {"old": str(public.id), "new": str(private.id)}}


async def test_hidden_post_shows_as_hidden_and_author_is_told(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    troll = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)
    bad = await reply(client, troll, thread["id"], "Something defamatory")
    quoted = await reply(client, ana, thread["id"], "I disagree", reply_to=bad["id"])

    hide = await client.post(f"{API}/posts/{bad['id']}/hide", json={}, headers=moderator.headers)
    assert hide.status_code == 422  # a reason is required
    hide = await client.post(
        f"{API}/posts/{bad['id']}/hide",
        json={"reason": "Personal attack"},
        headers=moderator.headers,
    )
    assert hide.status_code == 200
    assert hide.json()["hidden"] is True and hide.json()["body"] == "Something defamatory"

    as_member = (
        await client.get(f"{API}/threads/{thread['id']}/posts", headers=ana.headers)
    ).json()["items"]
    hidden = next(p for p in as_member if p["id"] == bad["id"])
    assert hidden["hidden"] is True and hidden["body"] == "" and hidden["hidden_reason"] is None
    assert "hidden" in hidden["body_html"] and "defamatory" not in hidden["body_html"]
    quoting = next(p for p in as_member if p["id"] == quoted["id"])
    assert quoting["quote"]["excerpt"] == ""
    as_author = (await client.get(f"{API}/posts/{bad['id']}", headers=troll.headers)).json()
    assert as_author["hidden_reason"] == "Personal attack"
    as_moderator = (
        await client.get(f"{API}/threads/{thread['id']}/posts", headers=moderator.headers)
    ).json()["items"]
    full = next(p for p in as_moderator if p["id"] == bad["id"])
    assert full["body"] == "Something defamatory" and full["hidden_reason"] == "Personal attack"

    told = [e for e in await events(session, "post.hidden")]
    assert sorted((e.audience_kind, e.audience_id) for e in told) == sorted(
        [("thread", thread["id"]), ("user", str(troll.id))]
    )
    assert all(set(e.data) <= {"forum_id", "thread_id", "post_id", "hidden"} for e in told)
    entries = await audit_entries(session, "forum.post.hide")
    assert entries[0].details["reason"] == "Personal attack"
    assert entries[0].details["author_id"] == str(troll.id)

    shown = await client.post(
        f"{API}/posts/{bad['id']}/unhide",
        json={"reason": "Apology accepted"},
        headers=moderator.headers,
    )
    assert shown.status_code == 200 and shown.json()["hidden"] is False
    assert (await client.get(f"{API}/posts/{bad['id']}", headers=ana.headers)).json()["body"] == (
        "Something defamatory"
    )
    assert [e.details["reason"] for e in await audit_entries(session, "forum.post.unhide")] == [
        "Apology accepted"
    ]
    history = await client.get(f"{API}/posts/{bad['id']}/revisions", headers=moderator.headers)
    assert history.status_code == 200


async def test_flag_queue(client: httpx.AsyncClient, session: AsyncSession) -> None:
    ana = await make_member(session)
    ben = await make_member(session)
    troll = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)
    bad = await reply(client, troll, thread["id"], "Spam spam spam")
    meh = await reply(client, troll, thread["id"], "Borderline")

    first = await client.post(
        f"{API}/posts/{bad['id']}/flags", json={"reason": "Spam"}, headers=ana.headers
    )
    assert first.status_code == 201 and first.json()["status"] == "open"
    dup = await client.post(
        f"{API}/posts/{bad['id']}/flags", json={"reason": "Spam!"}, headers=ana.headers
    )
    assert dup.status_code == 409
    await client.post(f"{API}/posts/{bad['id']}/flags", json={"reason": "Ads"}, headers=ben.headers)
    other = await client.post(
        f"{API}/posts/{meh['id']}/flags", json={"reason": "Rude?"}, headers=ben.headers
    )

    queue = await client.get(f"{API}/moderation/flags?limit=2", headers=moderator.headers)
    assert queue.status_code == 200
    page = queue.json()
    assert [f["reason"] for f in page["items"]] == ["Spam", "Ads"]
    assert page["items"][0]["thread_title"] == thread["title"]
    assert page["items"][0]["post_excerpt"] == "Spam spam spam"
    rest = await client.get(
        f"{API}/moderation/flags?limit=2&cursor={page['next_cursor']}", headers=moderator.headers
    )
    assert [f["reason"] for f in rest.json()["items"]] == ["Rude?"]
    assert rest.json()["next_cursor"] is None

    # Hiding the post settles its open flags; the other is dismissed explicitly.
    await client.post(
        f"{API}/posts/{bad['id']}/hide", json={"reason": "Spam"}, headers=moderator.headers
    )
    dismissed = await client.post(
        f"{API}/moderation/flags/{other.json()['id']}/resolve",
        json={"resolution": "dismissed", "note": "Robust but fair"},
        headers=moderator.headers,
    )
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    again = await client.post(
        f"{API}/moderation/flags/{other.json()['id']}/resolve",
        json={"resolution": "actioned"},
        headers=moderator.headers,
    )
    assert again.status_code == 409
    open_now = await client.get(f"{API}/moderation/flags", headers=moderator.headers)
    assert open_now.json()["items"] == []
    actioned = await client.get(
        f"{API}/moderation/flags?status=actioned", headers=moderator.headers
    )
    assert len(actioned.json()["items"]) == 2
    assert len(await audit_entries(session, "forum.post.flag")) == 3
    resolved = await audit_entries(session, "forum.flag.resolve")
    assert [e.details["reason"] for e in resolved] == ["Robust but fair"]


async def test_a_lock_racing_a_reply_wins(
    client: httpx.AsyncClient, session: AsyncSession, db: Database
) -> None:
    """A reply that passed the lock check just before a moderator locked the thread is still
    refused: the final counter UPDATE only matches an unlocked thread.

    A real race between two sessions: the moderator's lock is written but not committed, the
    reply checks the thread (still unlocked in its snapshot) and then waits on the row; the
    lock commits, and the reply's UPDATE, re-checked against the committed row, matches
    nothing."""
    ana = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)
    thread_id = uuid.UUID(thread["id"])
    async with db.sessionmaker() as moderator, db.sessionmaker() as racing:
        await moderator.execute(
            sa.update(Thread).where(col(Thread.id) == thread_id).values(locked=True)
        )
        attempt = asyncio.create_task(
            posting.create_post(racing, actor=ana.actor, thread_id=thread_id, body="late")
        )
        async with asyncio.timeout(10):
            while not await _someone_waits_on_a_lock(db):
                assert not attempt.done(), "the reply did not wait for the thread row"
                await asyncio.sleep(0.02)
        await moderator.commit()
        with pytest.raises(Conflict):
            await attempt
        await racing.rollback()
    posts = (await client.get(f"{API}/threads/{thread['id']}/posts", headers=ana.headers)).json()
    assert len(posts["items"]) == 1


async def _someone_waits_on_a_lock(db: Database) -> bool:
    async with db.engine.connect() as conn:
        waiting = await conn.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


async def test_garbage_cursors_are_400(client: httpx.AsyncClient, session: AsyncSession) -> None:
    ana = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)
    for url in (
        f"{API}/moderation/flags",
        f"{API}/forums/{forum.id}/threads",
        f"{API}/threads/{thread['id']}/posts",
        f"{API}/forums",
    ):
        for cursor in ("%%%", encode_cursor(["x"]), encode_cursor([1, "not-a-date", "nope"])):
            response = await client.get(url, params={"cursor": cursor}, headers=moderator.headers)
            assert response.status_code == 400, (url, cursor, response.text)

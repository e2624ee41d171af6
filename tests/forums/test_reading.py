"""Follow, auto-follow, unread counts across members, mark read, thread_followers."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.forums import service
from tests.factories import make_forum, make_forum_group, make_member
from tests.forums.helpers import API, reply, start_thread


async def _thread(client: httpx.AsyncClient, member, thread_id) -> dict:  # type: ignore[no-untyped-def]
    response = await client.get(f"{API}/threads/{thread_id}", headers=member.headers)
    assert response.status_code == 200
    return response.json()


async def _forum(client: httpx.AsyncClient, member, forum_id) -> dict:  # type: ignore[no-untyped-def]
    items = (await client.get(f"{API}/forums", headers=member.headers)).json()["items"]
    return next(f for f in items if f["id"] == str(forum_id))


async def test_unread_counts_across_members(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    ben = await make_member(session)
    carla = await make_member(session)
    forum = await make_forum(session)
    await session.commit()

    thread = await start_thread(client, ana, forum.id)
    other = await start_thread(client, ana, forum.id, title="Second thread")
    p2 = await reply(client, ben, thread["id"], "two")
    p3 = await reply(client, ben, thread["id"], "three")

    assert (await _thread(client, ana, thread["id"]))["unread_count"] == 2
    assert (await _thread(client, ben, thread["id"]))["unread_count"] == 0  # read up to own post
    assert (await _thread(client, carla, thread["id"]))["unread_count"] == 3

    listing = (await client.get(f"{API}/forums/{forum.id}/threads", headers=carla.headers)).json()
    assert {t["id"]: t["unread_count"] for t in listing["items"]} == {
        thread["id"]: 3,
        other["id"]: 1,
    }
    assert listing["items"][0]["id"] == thread["id"]  # latest activity first
    summary = await _forum(client, carla, forum.id)
    assert (summary["unread_threads"], summary["unread_count"], summary["thread_count"]) == (
        2,
        4,
        2,
    )
    ana_summary = await _forum(client, ana, forum.id)
    assert (ana_summary["unread_threads"], ana_summary["unread_count"]) == (1, 2)

    marked = await client.put(
        f"{API}/threads/{thread['id']}/read",
        json={"last_read_post_id": p2["id"]},
        headers=carla.headers,
    )
    assert marked.status_code == 200 and marked.json()["unread_count"] == 1
    # Reading an older post again does not move the marker back.
    await client.put(
        f"{API}/threads/{thread['id']}/read",
        json={"last_read_post_id": thread["first_post"]["id"]},
        headers=carla.headers,
    )
    assert (await _thread(client, carla, thread["id"]))["unread_count"] == 1
    await client.put(
        f"{API}/threads/{thread['id']}/read",
        json={"last_read_post_id": p3["id"]},
        headers=carla.headers,
    )
    assert (await _thread(client, carla, thread["id"]))["unread_count"] == 0
    assert (await _thread(client, ana, thread["id"]))["unread_count"] == 2  # others unaffected

    wrong = await client.put(
        f"{API}/threads/{thread['id']}/read",
        json={"last_read_post_id": other["first_post"]["id"]},
        headers=carla.headers,
    )
    assert wrong.status_code == 422


async def test_mark_all_read(client: httpx.AsyncClient, session: AsyncSession) -> None:
    ana = await make_member(session)
    ben = await make_member(session)
    first = await make_forum(session)
    second = await make_forum(session)
    await session.commit()
    t1 = await start_thread(client, ana, first.id)
    t2 = await start_thread(client, ana, second.id)
    await reply(client, ana, t1["id"], "more")

    one = await client.post(f"{API}/forums/{first.id}/read", headers=ben.headers)
    assert one.status_code == 200 and one.json() == {"threads_marked": 1}
    assert (await _thread(client, ben, t1["id"]))["unread_count"] == 0
    assert (await _thread(client, ben, t2["id"]))["unread_count"] == 1
    everything = await client.post(f"{API}/forums/read", headers=ben.headers)
    assert everything.status_code == 200 and everything.json() == {"threads_marked": 2}
    assert (await _thread(client, ben, t2["id"]))["unread_count"] == 0
    assert (await _forum(client, ben, second.id))["unread_count"] == 0


async def test_follow_unfollow_and_auto_follow(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    ben = await make_member(session)
    liaison = await make_member(session, roles=["liaison_magistrate"])
    quiet = await make_member(session)
    forum = await make_forum(session)
    await session.commit()

    settings = await client.get(f"{API}/me/forum-settings", headers=quiet.headers)
    assert settings.json() == {"auto_follow": True}
    off = await client.put(
        f"{API}/me/forum-settings", json={"auto_follow": False}, headers=quiet.headers
    )
    assert off.status_code == 200 and off.json() == {"auto_follow": False}

    thread = await start_thread(client, ana, forum.id)
    assert await service.thread_followers(session, thread["id"]) == [ana.id]
    await reply(client, ben, thread["id"], "Replying auto-follows")
    await reply(client, quiet, thread["id"], "Not me: auto-follow is off")
    assert (await _thread(client, ben, thread["id"]))["following"] is True
    assert (await _thread(client, quiet, thread["id"]))["following"] is False

    # The liaison magistrate follows the whole forum without posting.
    follow_forum = await client.put(f"{API}/forums/{forum.id}/follow", headers=liaison.headers)
    assert follow_forum.status_code == 200 and follow_forum.json() == {"following": True}
    assert (await _thread(client, liaison, thread["id"]))["following"] is True
    assert sorted(await service.thread_followers(session, thread["id"])) == sorted(
        [ana.id, ben.id, liaison.id]
    )

    # Unfollowing one thread overrides the forum follow, and survives a later reply.
    unfollow = await client.delete(f"{API}/threads/{thread['id']}/follow", headers=liaison.headers)
    assert unfollow.json() == {"following": False}
    unfollow_ben = await client.delete(f"{API}/threads/{thread['id']}/follow", headers=ben.headers)
    assert unfollow_ben.status_code == 200
    await reply(client, ben, thread["id"], "Still not following after this reply")
    assert sorted(await service.thread_followers(session, thread["id"])) == [ana.id]
    assert (await _forum(client, liaison, forum.id))["following"] is True

    refollow = await client.put(f"{API}/threads/{thread['id']}/follow", headers=quiet.headers)
    assert refollow.json() == {"following": True}
    await client.delete(f"{API}/forums/{forum.id}/follow", headers=liaison.headers)
    assert (await _forum(client, liaison, forum.id))["following"] is False
    assert sorted(await service.thread_followers(session, thread["id"])) == sorted(
        [ana.id, quiet.id]
    )


async def test_followers_who_lost_access_are_dropped(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    ben = await make_member(session)
    group = await make_forum_group(session, members=[ana, ben])
    forum = await make_forum(session, audience="group", group=group)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)
    await reply(client, ben, thread["id"], "hello")
    assert sorted(await service.thread_followers(session, thread["id"])) == sorted([ana.id, ben.id])
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    removed = await client.delete(
        f"{API}/groups/{group.id}/members/{ben.id}", headers=admin.headers
    )
    assert removed.status_code == 204
    assert await service.thread_followers(session, thread["id"]) == [ana.id]

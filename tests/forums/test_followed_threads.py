"""GET /me/followed-threads: what a member follows and may still read, with unread counts."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import Member, make_forum, make_forum_group, make_member
from tests.forums.helpers import API, reply, start_thread

FOLLOWED = f"{API}/me/followed-threads"


async def _followed(client: httpx.AsyncClient, member: Member, **params: Any) -> dict[str, Any]:
    response = await client.get(FOLLOWED, params=params, headers=member.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_followed_threads_explicit_and_through_the_forum(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    liaison = await make_member(session, roles=["liaison_magistrate"])
    general = await make_forum(session, name="General")
    assets = await make_forum(session, name="Asset recovery")
    await session.commit()
    hearing = await start_thread(client, ana, general.id, title="Video hearings")
    other = await start_thread(client, ana, general.id, title="Not followed")
    freezing = await start_thread(client, ana, assets.id, title="Freezing orders")
    muted = await start_thread(client, ana, assets.id, title="Muted by the liaison")

    assert (await _followed(client, liaison))["items"] == []
    r = await client.put(f"{API}/threads/{hearing['id']}/follow", headers=liaison.headers)
    assert r.status_code == 200
    r = await client.put(f"{API}/forums/{assets.id}/follow", headers=liaison.headers)
    assert r.status_code == 200
    r = await client.delete(f"{API}/threads/{muted['id']}/follow", headers=liaison.headers)
    assert r.status_code == 200
    await reply(client, ana, freezing["id"], "A second post")

    items = (await _followed(client, liaison))["items"]
    assert {i["id"] for i in items} == {hearing["id"], freezing["id"]}
    assert other["id"] not in {i["id"] for i in items}
    by_id = {i["id"]: i for i in items}
    assert by_id[freezing["id"]]["unread_count"] == 2
    assert by_id[freezing["id"]]["forum_name"] == "Asset recovery"
    assert by_id[hearing["id"]]["unread_count"] == 1
    assert items[0]["id"] == freezing["id"]  # latest activity first among unread ones

    # Reading a thread clears its count and moves it after the unread ones.
    r = await client.put(
        f"{API}/threads/{freezing['id']}/read",
        json={"last_read_post_id": (await _last_post(client, liaison, freezing["id"]))},
        headers=liaison.headers,
    )
    assert r.status_code == 200, r.text
    items = (await _followed(client, liaison))["items"]
    assert [(i["id"], i["unread_count"]) for i in items] == [
        (hearing["id"], 1),
        (freezing["id"], 0),
    ]


async def _last_post(client: httpx.AsyncClient, member: Member, thread_id: str) -> str:
    posts = await client.get(f"{API}/threads/{thread_id}/posts", headers=member.headers)
    return str(posts.json()["items"][-1]["id"])


async def test_a_thread_in_a_forum_the_member_lost_access_to_is_not_listed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    ben = await make_member(session)
    admin = await make_member(session, roles=["admin"])
    group = await make_forum_group(session, members=[ana, ben])
    restricted = await make_forum(session, audience="group", group=group)
    open_forum = await make_forum(session)
    await session.commit()
    secret = await start_thread(client, ana, restricted.id, title="Group only")
    public = await start_thread(client, ana, open_forum.id, title="For everyone")
    for thread in (secret, public):
        r = await client.put(f"{API}/threads/{thread['id']}/follow", headers=ben.headers)
        assert r.status_code == 200
    assert {i["id"] for i in (await _followed(client, ben))["items"]} == {
        secret["id"],
        public["id"],
    }
    removed = await client.delete(
        f"{API}/groups/{group.id}/members/{ben.id}", headers=admin.headers
    )
    assert removed.status_code == 204
    listing = await client.get(FOLLOWED, headers=ben.headers)
    assert [i["id"] for i in listing.json()["items"]] == [public["id"]]
    assert "Group only" not in listing.text


async def test_followed_threads_page_through_cursors(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    started = [
        (await start_thread(client, ana, forum.id, title=f"Thread {n}"))["id"] for n in range(5)
    ]
    # Ana follows her own threads (auto-follow) and has read them: a reply makes one unread.
    ben = await make_member(session)
    await session.commit()
    await reply(client, ben, started[1], "news")
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = await _followed(client, ana, limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= 2
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(started) and len(seen) == 5
    assert seen[0] == started[1]  # the one with an unread reply comes first
    bad = await client.get(FOLLOWED, params={"cursor": "bm90IGEgY3Vyc29y"}, headers=ana.headers)
    assert bad.status_code == 400
    assert bad.json()["type"] == "urn:canet:problem:invalid-cursor"


async def test_members_without_forum_access_are_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    auditor = await make_member(session, roles=["auditor"])
    await session.commit()
    r = await client.get(FOLLOWED, headers=auditor.headers)
    assert r.status_code == 403

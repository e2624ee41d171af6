"""Threads and posts: start, reply with a quote, mention, edit with revisions, delete."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_authority, make_forum, make_member
from tests.forums.helpers import API, audit_entries, events, reply, start_thread


async def test_start_thread_and_reply_with_quote(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session)
    ana = await make_member(session, authority=authority, handle="ana.silva")
    ben = await make_member(session, roles=["liaison_magistrate"], handle="ben")
    forum = await make_forum(session)
    await session.commit()

    thread = await start_thread(client, ana, forum.id, tags=["Video-Link", "mla"])
    assert thread["title"].startswith("Video-link")
    assert thread["tags"] == ["video-link", "mla"]
    assert thread["post_count"] == 1 and thread["following"] is True
    first = thread["first_post"]
    assert first["author"]["handle"] == "ana.silva"
    assert first["author"]["full_name"] == ana.user.full_name
    assert first["body_html"].startswith("<p>Has anyone")

    answer = await reply(
        client, ben, thread["id"], "Yes: **Madrid** did one last month.", reply_to=first["id"]
    )
    assert answer["body_html"] == "<p>Yes: <strong>Madrid</strong> did one last month.</p>\n"
    assert answer["reply_to_post_id"] == first["id"]
    assert answer["author"] == {
        "id": str(ben.id),
        "handle": "ben",
        "full_name": ben.user.full_name,
        "authority_name": None,
    }

    listed = await client.get(f"{API}/threads/{thread['id']}/posts", headers=ben.headers)
    assert listed.status_code == 200
    posts = listed.json()["items"]
    assert [p["id"] for p in posts] == [first["id"], answer["id"]]
    assert posts[1]["quote"]["post_id"] == first["id"]
    assert posts[1]["quote"]["author"]["handle"] == "ana.silva"
    assert posts[1]["quote"]["excerpt"].startswith("Has anyone")

    detail = (await client.get(f"{API}/threads/{thread['id']}", headers=ana.headers)).json()
    assert detail["post_count"] == 2 and detail["locked"] is False and detail["pinned"] is False

    created = await events(session, "thread.created")
    assert [(e.audience_kind, e.audience_id) for e in created] == [("forum", str(forum.id))]
    assert created[0].data == {
        "forum_id": str(forum.id),
        "thread_id": thread["id"],
        "post_id": first["id"],
    }
    posted = await events(session, "post.created")
    assert [(e.audience_kind, e.audience_id, e.data["post_id"]) for e in posted] == [
        ("thread", thread["id"], answer["id"])
    ]
    assert [a.target_id for a in await audit_entries(session, "forum.thread.create")] == [
        first["id"]
    ]
    entries = await audit_entries(session, "forum.post.create")
    assert [(a.actor_user_id, a.target_id) for a in entries] == [(ben.id, answer["id"])]


async def test_reply_to_a_post_of_another_thread_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    member = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    one = await start_thread(client, member, forum.id)
    two = await start_thread(client, member, forum.id, title="Another thread")
    response = await client.post(
        f"{API}/threads/{two['id']}/posts",
        json={"body": "x", "reply_to_post_id": one["first_post"]["id"]},
        headers=member.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reply_to_post_id"


async def test_mentions_queue_events_for_the_mentioned_only(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session, handle="ana")
    ben = await make_member(session, handle="ben.okafor")
    carla = await make_member(session, handle="carla")
    await make_member(session, roles=["auditor"], handle="audrey")
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)

    post = await reply(
        client,
        carla,
        thread["id"],
        "Thanks @ben.okafor and @Ana. Ping @audrey, @nobody, me@carla and `@ana` again; "
        "self: @carla.",
    )
    assert set(post["mentions"]) == {str(ben.id), str(ana.id)}
    assert '<span class="mention">@ben.okafor</span>' in post["body_html"]
    assert "<code>@ana</code>" in post["body_html"]
    mentioned = [e for e in await events(session, "post.created") if e.audience_kind == "user"]
    assert sorted(e.audience_id for e in mentioned) == sorted([str(ben.id), str(ana.id)])
    assert all(e.data == {**e.data, "post_id": post["id"], "mention": True} for e in mentioned)


async def test_edit_keeps_revisions_and_only_author_or_moderator_may(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    other = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id, body="First draft")
    post_id = thread["first_post"]["id"]

    edited = await client.patch(
        f"{API}/posts/{post_id}", json={"body": "Second *draft*"}, headers=ana.headers
    )
    assert edited.status_code == 200
    assert edited.json()["version"] == 2 and edited.json()["edited_at"] is not None
    assert edited.json()["body_html"] == "<p>Second <em>draft</em></p>\n"
    by_mod = await client.patch(
        f"{API}/posts/{post_id}", json={"body": "Third, by a moderator"}, headers=moderator.headers
    )
    assert by_mod.status_code == 200 and by_mod.json()["version"] == 3

    refused = await client.patch(
        f"{API}/posts/{post_id}", json={"body": "vandalism"}, headers=other.headers
    )
    assert refused.status_code == 403
    denied = await audit_entries(session, "forum.post.edit")
    assert [(e.actor_user_id, e.outcome) for e in denied] == [
        (ana.id, "success"),
        (moderator.id, "success"),
        (other.id, "denied"),
    ]
    assert denied[1].details == {"thread_id": thread["id"], "by_moderator": True}

    history = await client.get(f"{API}/posts/{post_id}/revisions", headers=ana.headers)
    assert history.status_code == 200
    assert [(r["version"], r["body"], r["current"]) for r in history.json()] == [
        (1, "First draft", False),
        (2, "Second *draft*", False),
        (3, "Third, by a moderator", True),
    ]
    assert history.json()[2]["written_by"] == str(moderator.id)
    assert (
        await client.get(f"{API}/posts/{post_id}/revisions", headers=moderator.headers)
    ).status_code == 200
    assert (
        await client.get(f"{API}/posts/{post_id}/revisions", headers=other.headers)
    ).status_code == 403
    updated = await events(session, "post.updated")
    assert [e.data["post_id"] for e in updated] == [post_id, post_id]


async def test_author_soft_deletes_own_post(client: httpx.AsyncClient, session: AsyncSession):
    ana = await make_member(session)
    ben = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)
    post = await reply(client, ben, thread["id"], "I will regret this")

    assert (
        await client.delete(f"{API}/posts/{post['id']}", headers=ana.headers)
    ).status_code == 403
    assert (
        await client.delete(f"{API}/posts/{post['id']}", headers=ben.headers)
    ).status_code == 204
    seen = (await client.get(f"{API}/posts/{post['id']}", headers=ana.headers)).json()
    assert seen["deleted"] is True and seen["body"] == "" and "deleted" in seen["body_html"]
    by_mod = (await client.get(f"{API}/posts/{post['id']}", headers=moderator.headers)).json()
    assert by_mod["deleted"] is True and by_mod["body"] == "I will regret this"
    again = await client.patch(f"{API}/posts/{post['id']}", json={"body": "x"}, headers=ben.headers)
    assert again.status_code == 409
    entries = await audit_entries(session, "forum.post.delete")
    assert [(e.actor_user_id, e.outcome) for e in entries] == [
        (ana.id, "denied"),
        (ben.id, "success"),
    ]


async def test_validation(client: httpx.AsyncClient, session: AsyncSession) -> None:
    member = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    url = f"{API}/forums/{forum.id}/threads"
    for payload in (
        {"title": "ok title", "body": "   "},
        {"title": "x", "body": "body"},
        {"title": "ok title", "body": "body", "tags": ["bad tag!"]},
        {"title": "ok title", "body": "body", "tags": [f"t{i}" for i in range(9)]},
    ):
        assert (await client.post(url, json=payload, headers=member.headers)).status_code == 422


async def test_idempotency_key_returns_the_first_result(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    ben = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    url = f"{API}/forums/{forum.id}/threads"
    payload = {"title": "Retried thread", "body": "Sent twice over a flaky link"}
    first = await client.post(url, json=payload, headers=ana.headers | {"Idempotency-Key": "k1"})
    again = await client.post(url, json=payload, headers=ana.headers | {"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["first_post"]["id"] == first.json()["first_post"]["id"]
    thread_id = first.json()["id"]

    post_url = f"{API}/threads/{thread_id}/posts"
    one = await client.post(
        post_url, json={"body": "a"}, headers=ana.headers | {"Idempotency-Key": "k1"}
    )
    two = await client.post(
        post_url, json={"body": "a"}, headers=ana.headers | {"Idempotency-Key": "k1"}
    )
    other_user = await client.post(
        post_url, json={"body": "a"}, headers=ben.headers | {"Idempotency-Key": "k1"}
    )
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] == two.json()["id"] != other_user.json()["id"]
    listed = await client.get(post_url, headers=ana.headers)
    assert len(listed.json()["items"]) == 3
    assert len(await audit_entries(session, "forum.post.create")) == 2
    assert len(await audit_entries(session, "forum.thread.create")) == 1

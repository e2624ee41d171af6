"""What the reads tell a client so it can show, not decide: allowed actions, audiences in
words, authors' authorities; the preview and the `@handle` list used while writing."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import Member, make_authority, make_forum, make_forum_group, make_member
from tests.forums.helpers import API, events, reply, start_thread


async def _get(client: httpx.AsyncClient, member: Member, path: str) -> Any:
    response = await client.get(API + path, headers=member.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _posts(client: httpx.AsyncClient, member: Member, thread_id: str) -> list[Any]:
    return list((await _get(client, member, f"/threads/{thread_id}/posts"))["items"])


async def test_thread_and_post_actions_follow_the_endpoints_rules(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    ben = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)
    assert thread["allowed_actions"] == ["follow", "reply"]
    assert thread["first_post"]["allowed_actions"] == ["quote", "edit", "delete", "history", "flag"]
    answer = await reply(client, ben, thread["id"], "A reply from Ben.")

    member_view = await _get(client, ana, f"/threads/{thread['id']}")
    assert member_view["allowed_actions"] == ["follow", "reply"]
    moderator_view = await _get(client, moderator, f"/threads/{thread['id']}")
    assert moderator_view["allowed_actions"] == ["follow", "reply", "lock", "pin", "move"]
    listed = (await _get(client, moderator, f"/forums/{forum.id}/threads"))["items"]
    assert listed[0]["allowed_actions"] == moderator_view["allowed_actions"]

    own, other = await _posts(client, ana, thread["id"])
    assert own["allowed_actions"] == ["quote", "edit", "delete", "history", "flag"]
    assert other["allowed_actions"] == ["quote", "flag"]
    # What the list leaves out, the endpoint refuses.
    edit = await client.patch(
        f"{API}/posts/{answer['id']}", json={"body": "Not mine"}, headers=ana.headers
    )
    assert edit.status_code == 403
    history = await client.get(f"{API}/posts/{answer['id']}/revisions", headers=ana.headers)
    assert history.status_code == 403
    moderator_posts = await _posts(client, moderator, thread["id"])
    assert moderator_posts[1]["allowed_actions"] == ["quote", "edit", "history", "flag", "hide"]

    # Locked: nobody replies or quotes; only moderators still edit; moderators may unlock.
    locked = await client.post(f"{API}/threads/{thread['id']}/lock", headers=moderator.headers)
    assert locked.json()["allowed_actions"] == ["follow", "unlock", "pin", "move"]
    assert (await _get(client, ana, f"/threads/{thread['id']}"))["allowed_actions"] == ["follow"]
    own, _ = await _posts(client, ana, thread["id"])
    assert own["allowed_actions"] == ["delete", "history", "flag"]
    refused = await client.patch(
        f"{API}/posts/{own['id']}", json={"body": "Edited while locked"}, headers=ana.headers
    )
    assert refused.status_code == 409
    await reply(client, ana, thread["id"], "Too late", expect=409)
    _, hidden_candidate = await _posts(client, moderator, thread["id"])
    assert hidden_candidate["allowed_actions"] == ["edit", "history", "flag", "hide"]

    hidden = await client.post(
        f"{API}/posts/{answer['id']}/hide", json={"reason": "Off topic"}, headers=moderator.headers
    )
    assert hidden.json()["allowed_actions"] == ["edit", "history", "flag", "unhide"]
    deleted = await client.delete(f"{API}/posts/{own['id']}", headers=ana.headers)
    assert deleted.status_code == 204
    own, _ = await _posts(client, ana, thread["id"])
    assert own["allowed_actions"] == ["history", "flag"]


async def test_forums_say_who_reads_them(client: httpx.AsyncClient, session: AsyncSession) -> None:
    codes = ["SEN", "GHA", "NGA"]
    await session.execute(
        text("UPDATE states SET intermediate_region = 'Western Africa' WHERE code = ANY(:c)"),
        {"c": codes},
    )
    authorities = [await make_authority(session, state_code=code) for code in codes]
    elsewhere = await make_authority(session, state_code="ITA")
    guest = await make_member(session, authority=elsewhere)
    reader = await make_member(session, authority=authorities[0])
    group = await make_forum_group(
        session, name="West Africa", region="Western Africa", members=[guest]
    )
    await make_forum(session, name="Working group", audience="group", group=group)
    await make_forum(session, name="Everyone")
    await session.commit()
    in_region = await session.scalar(
        text(
            "SELECT count(*) FROM authorities a JOIN states s ON s.code = a.state_code "
            "WHERE 'Western Africa' IN (s.region, s.subregion, s.intermediate_region)"
        )
    )

    forums = {f["name"]: f for f in (await _get(client, reader, "/forums"))["items"]}
    assert forums["Everyone"]["audience"] == {
        "kind": "network",
        "group_id": None,
        "group_name": None,
        "group_region": None,
        "authority_count": None,
    }
    working = forums["Working group"]
    assert working["audience"] == {
        "kind": "group",
        "group_id": str(group.id),
        "group_name": "West Africa",
        "group_region": "Western Africa",
        # The region's authorities and the explicit guest's own.
        "authority_count": in_region + 1,
    }
    assert working["allowed_actions"] == ["start_thread", "follow", "mark_read"]
    one = await _get(client, reader, f"/forums/{working['id']}")
    assert one["audience"] == working["audience"]


async def test_posts_name_their_authors_authority(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session, state_code="FRA", name="Bureau de l'entraide")
    ana = await make_member(session, authority=authority)
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)
    assert thread["first_post"]["author"]["authority_name"] == "Bureau de l'entraide"
    answer = await reply(client, ana, thread["id"], "Again")
    assert answer["author"]["authority_name"] == "Bureau de l'entraide"
    posts = await _posts(client, ana, thread["id"])
    assert {p["author"]["authority_name"] for p in posts} == {"Bureau de l'entraide"}
    one = await _get(client, ana, f"/posts/{answer['id']}")
    assert one["author"]["authority_name"] == "Bureau de l'entraide"


async def test_preview_renders_like_a_post_and_keeps_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session, handle="ana")
    ben = await make_member(session, handle="ben")
    outsider = await make_member(session, handle="olga")
    group = await make_forum_group(session, members=[ana, ben])
    forum = await make_forum(session, audience="group", group=group)
    await session.commit()
    before = len(await events(session))

    body = "**Bold** <script>alert(1)</script> for @ben, not @olga"
    response = await client.post(
        f"{API}/forums/{forum.id}/preview", json={"body": body}, headers=ana.headers
    )
    assert response.status_code == 200, response.text
    html = response.json()["body_html"]
    assert "<strong>Bold</strong>" in html and "<script>" not in html
    assert '<span class="mention">@ben</span>' in html
    assert '<span class="mention">@olga</span>' not in html
    assert len(await events(session)) == before

    for payload in ({"body": ""}, {"body": "x" * 50_001}, {}):
        refused = await client.post(
            f"{API}/forums/{forum.id}/preview", json=payload, headers=ana.headers
        )
        assert refused.status_code == 422
    hidden = await client.post(
        f"{API}/forums/{forum.id}/preview", json={"body": "x"}, headers=outsider.headers
    )
    assert hidden.status_code == 404


async def test_mentionable_lists_only_readers_of_the_forum_by_prefix(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    authority = await make_authority(session, name="Ministry of Justice")
    ana = await make_member(session, handle="ana.silva", full_name="Ana Silva")
    anna = await make_member(
        session, handle="anna.berg", full_name="Anna Berg", authority=authority
    )
    await make_member(session, handle="anatole", full_name="Anatole Outsider")
    await make_member(session, handle="anabel", full_name="Anabel Gone", status="suspended")
    bob = await make_member(session, handle="bob", full_name="Robert Annan")
    outsider = await make_member(session, handle="olga")
    group = await make_forum_group(session, members=[ana, anna, bob])
    forum = await make_forum(session, audience="group", group=group)
    await session.commit()

    async def handles(q: str, member: Member = ana, **params: Any) -> list[str]:
        found = await _get(
            client, member, f"/forums/{forum.id}/mentionable?{httpx.QueryParams(q=q, **params)}"
        )
        return [m["handle"] for m in found]

    # Readers of the forum only, the caller excepted; by handle or by a word of the name.
    assert await handles("an") == ["anna.berg", "bob"]
    assert await handles("@ANN") == ["anna.berg", "bob"]
    assert await handles("ann", limit=1) == ["anna.berg"]
    assert await handles("%") == []
    found = await _get(client, ana, f"/forums/{forum.id}/mentionable?q=anna.b")
    assert found == [
        {"handle": "anna.berg", "full_name": "Anna Berg", "authority_name": "Ministry of Justice"}
    ]
    refused = await client.get(
        f"{API}/forums/{forum.id}/mentionable", params={"q": "an"}, headers=outsider.headers
    )
    assert refused.status_code == 404
    for params in ({"q": ""}, {"q": "an", "limit": 21}, {}):
        bad = await client.get(
            f"{API}/forums/{forum.id}/mentionable", params=params, headers=ana.headers
        )
        assert bad.status_code == 422, params


async def test_a_thread_opens_where_the_reader_left_off(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    ben = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)
    replies = [await reply(client, ana, thread["id"], f"Reply {i}") for i in range(5)]

    assert (await _get(client, ana, f"/threads/{thread['id']}"))["first_unread_post_id"] is None
    fresh = await _get(client, ben, f"/threads/{thread['id']}")
    assert fresh["first_unread_post_id"] == thread["first_post"]["id"]
    await client.put(
        f"{API}/threads/{thread['id']}/read",
        json={"last_read_post_id": replies[1]["id"]},
        headers=ben.headers,
    )
    resumed = await _get(client, ben, f"/threads/{thread['id']}")
    assert resumed["first_unread_post_id"] == replies[2]["id"]
    listed = (await _get(client, ben, f"/forums/{forum.id}/threads"))["items"]
    assert listed[0]["first_unread_post_id"] == replies[2]["id"]

    # A page may start at a post, and its cursor carries on from there.
    start = replies[2]["id"]
    page = await _get(client, ben, f"/threads/{thread['id']}/posts?from_post_id={start}&limit=2")
    assert [p["id"] for p in page["items"]] == [replies[2]["id"], replies[3]["id"]]
    rest = await _get(
        client, ben, f"/threads/{thread['id']}/posts?limit=2&cursor={page['next_cursor']}"
    )
    assert [p["id"] for p in rest["items"]] == [replies[4]["id"]]
    other = await start_thread(client, ana, forum.id, title="Another thread")
    wrong = await client.get(
        f"{API}/threads/{thread['id']}/posts",
        params={"from_post_id": other["first_post"]["id"]},
        headers=ben.headers,
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "from_post_id"


async def test_one_forum_reads_with_the_counts_of_the_list(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    ben = await make_member(session)
    forum = await make_forum(session)
    await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)
    await reply(client, ana, thread["id"], "Another post")
    await client.put(f"{API}/forums/{forum.id}/follow", headers=ben.headers)

    one = await _get(client, ben, f"/forums/{forum.id}")
    listed = next(f for f in (await _get(client, ben, "/forums"))["items"] if f["id"] == one["id"])
    assert one == listed
    assert (one["thread_count"], one["unread_threads"], one["unread_count"]) == (1, 1, 2)
    assert one["following"] is True and one["last_activity_at"] is not None

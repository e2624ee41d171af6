"""GET /search: ranked, highlighted, filtered, and permission-filtered in the query itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.forums import service as forums_service
from tests.factories import make_forum, make_forum_group, make_member
from tests.forums.helpers import API, reply, start_thread


async def _search(client: httpx.AsyncClient, member, **params) -> list[dict]:  # type: ignore[no-untyped-def]
    response = await client.get(f"{API}/search", params=params, headers=member.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_restricted_forums_never_reach_outsiders(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    insider = await make_member(session)
    outsider = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    group = await make_forum_group(session, members=[insider])
    private = await make_forum(session, audience="group", group=group)
    mods = await make_forum(session, audience="moderators")
    public = await make_forum(session)
    await session.commit()
    await start_thread(
        client, insider, private.id, title="Extradition of Zamorin", body="confidential zamorin"
    )
    await start_thread(client, moderator, mods.id, title="Zamorin vetting", body="zamorin")
    await start_thread(client, insider, public.id, title="Public note", body="nothing to see")

    assert await _search(client, outsider, q="zamorin") == []
    assert await _search(client, outsider, q="zamorin", scope="forums") == []
    assert (
        await forums_service.search_text(session, actor=outsider.actor, q="zamorin", limit=10) == []
    )
    insider_hits = await _search(client, insider, q="zamorin", scope="forums")
    assert [h["title"] for h in insider_hits] == ["Extradition of Zamorin"]
    moderator_hits = await _search(client, moderator, q="zamorin", scope="forums")
    assert {h["title"] for h in moderator_hits} == {"Extradition of Zamorin", "Zamorin vetting"}


async def test_ranking_snippets_and_one_hit_per_thread(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    in_title = await start_thread(
        client, ana, forum.id, title="Asset recovery checklist", body="See the attached list."
    )
    in_body = await start_thread(
        client,
        ana,
        forum.id,
        title="Practical questions",
        body="Our <b>asset</b> freezing orders (value < 5 & > 2) and asset recovery.",
    )
    await reply(client, ana, in_body["id"], "More on asset recovery: timing matters.")

    hits = await _search(client, ana, q="asset recovery", scope="forums")
    assert [h["title"] for h in hits] == ["Asset recovery checklist", "Practical questions"]
    assert hits[0]["rank"] > hits[1]["rank"]  # the title (weight A) outranks the body (B)
    assert hits[0]["type"] == "post" and hits[0]["scope"] == "forums"
    assert hits[0]["id"] == in_title["first_post"]["id"]
    assert hits[0]["url"] == f"/api/v1/threads/{in_title['id']}"
    snippet = hits[1]["snippet"]
    assert "<mark>asset</mark>" in snippet.lower() or "<mark>recovery</mark>" in snippet.lower()
    # Post text never carries markup into the snippet: the only tags are the marks.
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")

    # Multilingual text and hostile queries are fine with the `simple` configuration.
    await start_thread(
        client,
        ana,
        forum.id,
        title="Entraide judiciaire",
        body="Demande d'entraide urgente: Überstellung",
    )
    assert [h["title"] for h in await _search(client, ana, q="überstellung")] == [
        "Entraide judiciaire"
    ]
    for q in ["'", '"', "!!!", "a & | b", "-", "or", "(((", "\\", "<script>"]:
        await _search(client, ana, q=q)


async def test_filters(client: httpx.AsyncClient, session: AsyncSession) -> None:
    ana = await make_member(session)
    ben = await make_member(session)
    one = await make_forum(session)
    two = await make_forum(session)
    await session.commit()
    a = await start_thread(client, ana, one.id, title="Seizure of crypto wallets", tags=["crypto"])
    b = await start_thread(client, ben, two.id, title="Crypto and seizure orders")
    await reply(client, ben, a["id"], "Seizure went fine.")

    def titles(hits: list[dict]) -> set[str]:
        return {h["title"] for h in hits}

    assert titles(await _search(client, ana, q="seizure")) == {a["title"], b["title"]}
    assert titles(await _search(client, ana, q="seizure", forum_id=str(two.id))) == {b["title"]}
    assert titles(await _search(client, ana, q="seizure", author_id=str(ben.id))) == {
        a["title"],
        b["title"],
    }
    by_ana = await _search(client, ana, q="seizure", author_id=str(ana.id))
    assert [h["id"] for h in by_ana] == [a["first_post"]["id"]]
    assert titles(await _search(client, ana, q="seizure", tag="crypto")) == {a["title"]}
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await _search(client, ana, q="seizure", since=future) == []
    assert titles(await _search(client, ana, q="seizure", until=future)) == {a["title"], b["title"]}


async def test_hidden_and_deleted_posts_are_not_found(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    troll = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id, title="Harmless title", body="harmless")
    bad = await reply(client, troll, thread["id"], "slanderous remark")
    regret = await reply(client, ana, thread["id"], "regrettable wording")
    await client.post(
        f"{API}/posts/{bad['id']}/hide", json={"reason": "x"}, headers=moderator.headers
    )
    await client.delete(f"{API}/posts/{regret['id']}", headers=ana.headers)
    assert await _search(client, ana, q="slanderous") == []
    assert await _search(client, ana, q="regrettable") == []
    assert len(await _search(client, moderator, q="slanderous")) == 1


async def test_scope_all_and_refusals(client: httpx.AsyncClient, session: AsyncSession) -> None:
    ana = await make_member(session)
    auditor = await make_member(session, roles=["auditor"])
    forum = await make_forum(session)
    await session.commit()
    await start_thread(client, ana, forum.id, title="Palermo convention", body="UNTOC")
    everything = await _search(client, ana, q="palermo")
    assert "forums" in {h["scope"] for h in everything}
    assert [h["rank"] for h in everything] == sorted((h["rank"] for h in everything), reverse=True)
    assert (
        await client.get(f"{API}/search", params={"q": "palermo"}, headers=auditor.headers)
    ).status_code == 403
    assert (await client.get(f"{API}/search", params={"q": "palermo"})).status_code == 401
    assert (
        await client.get(f"{API}/search", params={"q": ""}, headers=ana.headers)
    ).status_code == 422
    assert (
        await client.get(f"{API}/search", params={"q": "x", "scope": "mail"}, headers=ana.headers)
    ).status_code == 422


async def test_edits_are_searchable(client: httpx.AsyncClient, session: AsyncSession) -> None:
    ana = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id, title="Typo thread", body="recieve")
    post_id = thread["first_post"]["id"]
    await client.patch(f"{API}/posts/{post_id}", json={"body": "receive"}, headers=ana.headers)
    assert await _search(client, ana, q="recieve") == []
    assert [h["id"] for h in await _search(client, ana, q="receive")] == [post_id]


async def test_forum_hits_name_their_thread_and_the_client_route(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id, title="Letters rogatory", body="opening")
    answer = await reply(client, ana, thread["id"], "The quokka precedent applies.")

    [hit] = await _search(client, ana, q="quokka", scope="forums")
    assert hit["id"] == answer["id"]
    assert hit["thread_id"] == thread["id"]
    # The API path reads the thread; the link is the browser route notifications use too.
    assert hit["url"] == f"/api/v1/threads/{thread['id']}"
    assert hit["link"] == f"/threads/{thread['id']}#post-{answer['id']}"
    opened = await client.get(hit["url"], headers=ana.headers)
    assert opened.status_code == 200 and opened.json()["id"] == thread["id"]


async def test_snippets_show_the_rendered_text_escaped(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    await start_thread(
        client,
        ana,
        forum.id,
        title="Practice notes",
        body="Urgent **freezing** of _accounts_: see [the guide](https://zorblat.example/guide).\n\n"
        "Never paste <script>alert(1)</script> or `&lt;b&gt;` into a request.",
    )

    [hit] = await _search(client, ana, q="freezing", scope="forums")
    snippet = hit["snippet"]
    assert "<mark>freezing</mark> of accounts" in snippet
    assert "*" not in snippet and "_" not in snippet and "](" not in snippet
    [hit] = await _search(client, ana, q="paste", scope="forums")
    snippet = hit["snippet"]
    # The post's own text is escaped (PostgreSQL leaves tag-like words out of the headline);
    # the only tags are the marks.
    assert "<mark>paste</mark>" in snippet and "alert(1)" in snippet
    assert "<script" not in snippet
    assert "&amp;lt;b&amp;gt;" in snippet
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    # What the reader sees is indexed; the link's target is not.
    assert len(await _search(client, ana, q="guide", scope="forums")) == 1
    assert await _search(client, ana, q="zorblat.example", scope="forums") == []


async def test_last_word_of_the_query_is_a_prefix(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session)
    forum = await make_forum(session)
    await session.commit()
    await start_thread(
        client, ana, forum.id, title="Urgent requests", body="Asset freezing within 48 hours."
    )

    def titles(hits: list[dict]) -> list[str]:
        return [h["title"] for h in hits]

    for q in ["freez", "asset freez", "Asset FREEZ", '"asset freez"', "urgent asset fr"]:
        hits = await _search(client, ana, q=q, scope="forums")
        assert titles(hits) == ["Urgent requests"], q
        assert "<mark>freezing</mark>" in hits[0]["snippet"] or q == "urgent asset fr"
    # Only the last word is a prefix; the others match whole words.
    assert await _search(client, ana, q="fre asset", scope="forums") == []
    # A negated last word stays exact: it excludes only that word.
    assert titles(await _search(client, ana, q="asset -freez", scope="forums")) == [
        "Urgent requests"
    ]
    assert await _search(client, ana, q="asset -freezing", scope="forums") == []
    # Nothing typed is read as tsquery syntax.
    for q in ["freez:*", "freez'", "'freez", "freez\\", "fr&ez", "!", ":*", "''", "a:*|b"]:
        response = await client.get(
            f"{API}/search", params={"q": q, "scope": "all"}, headers=ana.headers
        )
        assert response.status_code == 200, (q, response.text)
    assert titles(await _search(client, ana, q="freez:*")) == ["Urgent requests"]

"""A page of posts is written straight from its fields (app/core/responses.py), not through
its model: the JSON must still be exactly what the model writes, for every kind of viewer."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import Page
from app.forums.schemas import PostRead
from tests.factories import make_forum, make_member
from tests.forums.helpers import API, reply, start_thread


async def test_a_page_of_posts_is_what_its_model_writes(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ana = await make_member(session, handle="ana")
    ben = await make_member(session, handle="ben")
    troll = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, ana, forum.id)
    bad = await reply(client, troll, thread["id"], "Something defamatory")
    await reply(client, ana, thread["id"], "I disagree", reply_to=bad["id"])
    await reply(client, ben, thread["id"], "Thanks @ana, see **art. 18**")
    gone = await reply(client, ana, thread["id"], "Posted in the wrong thread")
    assert (await client.delete(f"{API}/posts/{gone['id']}", headers=ana.headers)).status_code in (
        200,
        204,
    )
    hide = await client.post(
        f"{API}/posts/{bad['id']}/hide",
        json={"reason": "Personal attack"},
        headers=moderator.headers,
    )
    assert hide.status_code == 200

    page_model = Page[PostRead]
    for viewer in (ana, ben, troll, moderator):
        response = await client.get(f"{API}/threads/{thread['id']}/posts", headers=viewer.headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        # Byte for byte: no field missing, none extra, the same order and formats.
        assert page_model.model_validate_json(response.content).model_dump_json().encode() == (
            response.content
        )
        items = response.json()["items"]
        assert len(items) == 5
        # The same post through its model (GET /posts/{id}) has the same fields but its quote.
        for item in items:
            alone = await client.get(f"{API}/posts/{item['id']}", headers=viewer.headers)
            assert alone.status_code == 200, alone.text
            assert {**alone.json(), "quote": None} == {**item, "quote": None}
    kinds = {
        (p["hidden"], p["deleted"], p["quote"] is not None, bool(p["mentions"])) for p in items
    }
    assert kinds == {
        (False, False, False, False),
        (True, False, False, False),
        (False, False, True, False),
        (False, False, False, True),
        (False, True, False, False),
    }

"""Forum notifications (mention, reply, followed thread and forum) and the in-app API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.config import Settings
from app.db import Database
from app.models.events import Event
from app.notifications.derive import derive_pending
from app.notifications.schemas import NotificationPage
from tests.factories import make_forum, make_forum_group, make_member
from tests.notifications.conftest import notifications_of, settle


async def _post(client: httpx.AsyncClient, member, thread_id: str, body: str, **extra) -> str:  # type: ignore[no-untyped-def]
    response = await client.post(
        f"/api/v1/threads/{thread_id}/posts", json={"body": body, **extra}, headers=member.headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_forum_notifications(
    client: httpx.AsyncClient, db: Database, settings: Settings, session: AsyncSession
) -> None:
    alice = await make_member(session, handle="alice.rt")
    bob = await make_member(session, handle="bob.rt")
    carol = await make_member(session, handle="carol.rt")
    dave = await make_member(session, handle="dave.rt")
    auditor = await make_member(session, roles=["auditor"], handle="audrey.rt")
    forum = await make_forum(session)
    group_forum = await make_forum(
        session, audience="group", group=await make_forum_group(session, members=[alice])
    )
    await session.commit()
    followed = await client.put(f"/api/v1/forums/{forum.id}/follow", headers=bob.headers)
    assert followed.status_code == 200, followed.text

    created = await client.post(
        f"/api/v1/forums/{forum.id}/threads",
        json={"title": "Freezing orders", "body": "What do you need?"},
        headers=alice.headers,
    )
    assert created.status_code == 201, created.text
    thread = created.json()
    thread_id = thread["id"]
    first_post = thread["first_post"]["id"]
    await settle(db, settings)
    assert [n.type for n in await notifications_of(db, bob.id)] == ["followed_forum"]

    await _post(client, carol, thread_id, "Ask @dave.rt and @audrey.rt about it")
    await _post(client, carol, thread_id, "Answering you", reply_to_post_id=first_post)
    await settle(db, settings)

    assert [n.type for n in await notifications_of(db, dave.id)] == ["mention"]
    assert await notifications_of(db, auditor.id) == []  # may not read forums at all
    alice_types = [n.type for n in await notifications_of(db, alice.id)]
    assert alice_types == ["followed_thread", "reply"]
    bob_notes = await notifications_of(db, bob.id)
    # Two new posts, one unread "new posts in a thread you follow": they coalesce.
    assert [n.type for n in bob_notes] == ["followed_forum", "followed_thread"]
    assert bob_notes[1].title == "New posts in a thread you follow"
    assert "Ask" not in bob_notes[1].title
    # Carol follows what she posted in, but is never told of her own posts.
    assert await notifications_of(db, carol.id) == []

    # Once read, the next post notifies again.
    read = await client.post("/api/v1/notifications/read", json={"all": True}, headers=bob.headers)
    assert read.json()["unread_count"] == 0
    await _post(client, carol, thread_id, "One more")
    await settle(db, settings)
    bob_notes = await notifications_of(db, bob.id)
    assert [n.type for n in bob_notes] == ["followed_forum", "followed_thread", "followed_thread"]

    # A mention in a forum the member may not read notifies nobody.
    hidden = await client.post(
        f"/api/v1/forums/{group_forum.id}/threads",
        json={"title": "Group only", "body": "cc @bob.rt"},
        headers=alice.headers,
    )
    assert hidden.status_code == 201, hidden.text
    await settle(db, settings)
    assert len(await notifications_of(db, bob.id)) == len(bob_notes)

    # Each notification announces itself to its recipient only, with ids only.
    announced = (
        (
            await session.execute(
                select(Event).where(
                    col(Event.name) == "notification.created",
                    col(Event.audience_id) == str(dave.id),
                )
            )
        )
        .scalars()
        .all()
    )
    assert [e.audience_kind for e in announced] == ["user"]
    assert set(announced[0].data) == {"notification_id", "type"}


async def test_in_app_list_unread_count_and_mark_read(
    client: httpx.AsyncClient, db: Database, settings: Settings, session: AsyncSession
) -> None:
    alice = await make_member(session, handle="alice.list")
    other = await make_member(session, handle="other.list")
    expired = await make_member(session, vetting_expires_at=datetime.now(UTC) - timedelta(days=1))
    forum = await make_forum(session)
    await session.commit()
    thread = await client.post(
        f"/api/v1/forums/{forum.id}/threads",
        json={"title": "Mentions", "body": "start"},
        headers=other.headers,
    )
    thread_id = thread.json()["id"]
    for n in range(3):
        await _post(client, other, thread_id, f"@alice.list number {n}")
    await settle(db, settings)

    assert (await client.get("/api/v1/notifications")).status_code == 401
    first = await client.get("/api/v1/notifications?limit=2", headers=alice.headers)
    # Written straight from its fields (app/core/responses.py): byte for byte what its model
    # writes, no field missing, none extra, the same order and formats.
    assert first.headers["content-type"] == "application/json"
    assert NotificationPage.model_validate_json(first.content).model_dump_json().encode() == (
        first.content
    )
    page = first.json()
    assert page["unread_count"] == 3 and len(page["items"]) == 2 and page["next_cursor"]
    assert page["items"][0]["type"] == "mention"
    assert page["items"][0]["url"].startswith(f"/threads/{thread_id}#post-")
    rest = (
        await client.get(
            "/api/v1/notifications",
            params={"limit": 2, "cursor": page["next_cursor"]},
            headers=alice.headers,
        )
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    ids = [i["id"] for i in page["items"] + rest["items"]]
    assert len(set(ids)) == 3
    assert page["items"][0]["created_at"] >= page["items"][1]["created_at"]

    # Someone else's ids are silently ignored (no leak of whether they exist).
    foreign = await client.post(
        "/api/v1/notifications/read", json={"ids": ids}, headers=other.headers
    )
    assert foreign.json() == {"updated": 0, "unread_count": 0}
    one = await client.post(
        "/api/v1/notifications/read", json={"ids": ids[:1]}, headers=alice.headers
    )
    assert one.json() == {"updated": 1, "unread_count": 2}
    unread = (await client.get("/api/v1/notifications?unread=true", headers=alice.headers)).json()
    assert [i["id"] for i in unread["items"]] == ids[1:]
    everything = await client.post(
        "/api/v1/notifications/read", json={"all": True}, headers=alice.headers
    )
    assert everything.json() == {"updated": 2, "unread_count": 0}
    bad = await client.post("/api/v1/notifications/read", json={}, headers=alice.headers)
    assert bad.status_code == 422

    # A member whose vetting lapsed may still read their notifications.
    lapsed = await client.get("/api/v1/notifications", headers=expired.headers)
    assert lapsed.status_code == 200 and lapsed.json()["unread_count"] == 0


async def test_marking_read_what_is_about_one_subject(
    client: httpx.AsyncClient, db: Database, settings: Settings, session: AsyncSession
) -> None:
    """A page marks read every unread notification about what it shows, however many the
    member has, and nothing about anything else nor anyone else's."""
    alice = await make_member(session, handle="alice.subject")
    other = await make_member(session, handle="other.subject")
    forum = await make_forum(session)
    await session.commit()
    threads = []
    for title in ("First", "Second"):
        created = await client.post(
            f"/api/v1/forums/{forum.id}/threads",
            json={"title": title, "body": "start"},
            headers=other.headers,
        )
        threads.append(created.json()["id"])
    for n in range(3):
        await _post(client, other, threads[0], f"@alice.subject and @other.subject {n}")
    await _post(client, alice, threads[0], "@other.subject back to you")
    await _post(client, other, threads[1], "@alice.subject elsewhere")
    await settle(db, settings)

    async def mark(member, body: dict[str, object]) -> httpx.Response:  # type: ignore[no-untyped-def]
        return await client.post("/api/v1/notifications/read", json=body, headers=member.headers)

    first = {"subject_type": "thread", "subject_id": threads[0]}
    marked = await mark(alice, first)
    assert marked.status_code == 200, marked.text
    assert marked.json() == {"updated": 3, "unread_count": 1}
    left = [n for n in await notifications_of(db, alice.id) if n.read_at is None]
    assert [n.subject_id for n in left] == [threads[1]]
    assert (await mark(alice, first)).json() == {"updated": 0, "unread_count": 1}
    # The other member's notifications about the same thread stay unread.
    theirs = await notifications_of(db, other.id)
    assert threads[0] in {n.subject_id for n in theirs}
    assert all(n.read_at is None for n in theirs)

    for body in (
        {"subject_type": "thread"},
        {"subject_id": threads[1]},
        {**first, "all": True},
        {**first, "ids": [str(left[0].id)]},
        {"subject_type": "thread", "subject_id": "x" * 65},
    ):
        refused = await mark(alice, body)
        assert refused.status_code == 422, body
        assert refused.headers["content-type"] == "application/problem+json"
    assert [n.subject_id for n in await notifications_of(db, alice.id) if n.read_at is None] == [
        threads[1]
    ]


async def test_preferences_api(client: httpx.AsyncClient, session: AsyncSession) -> None:
    member = await make_member(session)
    await session.commit()
    assert (await client.get("/api/v1/me/notification-preferences")).status_code == 401
    defaults = (
        await client.get("/api/v1/me/notification-preferences", headers=member.headers)
    ).json()
    assert defaults["preferences"]["case_message"] == "email"
    assert defaults["preferences"]["followed_thread"] == "in_app"
    assert set(defaults["types"]) == set(defaults["preferences"])
    for body in (
        {"preferences": {"no_such_type": "email"}},
        {"preferences": {"mention": "carrier-pigeon"}},
        {},
    ):
        response = await client.put(
            "/api/v1/me/notification-preferences", json=body, headers=member.headers
        )
        assert response.status_code == 422, body
    changed = await client.put(
        "/api/v1/me/notification-preferences",
        json={"preferences": {"mention": "off"}},
        headers=member.headers,
    )
    assert changed.json()["preferences"]["mention"] == "off"
    again = await client.put(
        "/api/v1/me/notification-preferences",
        json={"preferences": {"reply": "digest"}},
        headers=member.headers,
    )
    assert again.json()["preferences"] | {} == defaults["preferences"] | {
        "mention": "off",
        "reply": "digest",
    }
    # A decision is mailed to the applicant by vetting itself: its notification offers no
    # email, so nobody is mailed twice about it.
    assert defaults["modes"]["vetting_decision"] == ["in_app", "off"]
    assert defaults["modes"]["mention"] == ["in_app", "email", "digest", "off"]
    for mode in ("email", "digest"):
        refused = await client.put(
            "/api/v1/me/notification-preferences",
            json={"preferences": {"vetting_decision": mode}},
            headers=member.headers,
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "preferences.vetting_decision"


async def test_derivation_is_exactly_once(
    client: httpx.AsyncClient, db: Database, settings: Settings, session: AsyncSession
) -> None:
    author = await make_member(session, handle="author.once")
    target = await make_member(session, handle="target.once")
    forum = await make_forum(session)
    await session.commit()
    thread = await client.post(
        f"/api/v1/forums/{forum.id}/threads",
        json={"title": "Once", "body": "hello @target.once"},
        headers=author.headers,
    )
    assert thread.status_code == 201
    await settle(db, settings)
    assert len(await notifications_of(db, target.id)) == 1
    # Rewinding the progress (a crash before commit looks like this) makes no duplicate.
    async with db.transaction() as s:
        from sqlalchemy import text

        await s.execute(text("UPDATE notification_progress SET position = 0"))
    while (await derive_pending(db, settings)) not in (0, None):
        pass
    await settle(db, settings)
    assert len(await notifications_of(db, target.id)) == 1


async def test_read_checks_are_one_query_per_subject_whatever_the_recipients(
    db: Database, settings: Settings, session: AsyncSession
) -> None:
    """A mention or reply is re-checked against the thread's audience when it is derived: the
    members who may read it are notified, the others not, and the check costs the same few
    statements for 2 recipients as for 12."""
    from app.core.event_rules import Planned
    from app.models.forums import Thread
    from app.notifications.derive import deliver

    inside = [await make_member(session) for _ in range(6)]
    outside = [await make_member(session) for _ in range(6)]
    forum = await make_forum(
        session, audience="group", group=await make_forum_group(session, members=inside)
    )
    thread = Thread(forum_id=forum.id, author_id=inside[0].id, title="Group only")
    session.add(thread)
    await session.commit()

    async def statements_delivering(members: list, position: int) -> tuple[int, int]:  # type: ignore[type-arg]
        planned = [
            Planned(m.id, "mention", "thread", str(thread.id), "t", "/p", {}, ("thread", thread.id))
            for m in members
        ]
        seen: list[str] = []
        async with db.sessionmaker() as s:
            connection = (await s.connection()).sync_connection

            def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
                if conn is connection:
                    seen.append(statement)

            sa.event.listen(db.engine.sync_engine, "before_cursor_execute", count)
            try:
                made = await deliver(s, position, planned, settings)
            finally:
                sa.event.remove(db.engine.sync_engine, "before_cursor_execute", count)
            await s.commit()
        return made, len(seen)

    few = await statements_delivering([inside[1], outside[1]], 1)
    many = await statements_delivering(inside[2:] + outside[2:], 2)
    assert few[0] == 1 and many[0] == 4
    assert few[1] == many[1]
    for member in outside:
        assert await notifications_of(db, member.id) == []

"""Forum audiences: network, group (explicit or by region), moderators; auditors refused."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.forums import service
from tests.factories import make_authority, make_forum, make_forum_group, make_member
from tests.forums.helpers import API, audit_entries, reply, start_thread


async def _region_of(session: AsyncSession, code: str, fallback: str) -> str:
    """The state's M49 region (filled by the directory migration; set here if it is not)."""
    region = await session.scalar(text("SELECT region FROM states WHERE code = :c"), {"c": code})
    if region is None:
        await session.execute(
            text("UPDATE states SET region = :r WHERE code = :c"), {"r": fallback, "c": code}
        )
        region = fallback
    return str(region)


async def test_group_forum_is_invisible_to_outsiders(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    insider = await make_member(session)
    outsider = await make_member(session)
    moderator = await make_member(session, roles=["moderator"])
    group = await make_forum_group(session, members=[insider])
    forum = await make_forum(
        session, name="Working group on e-evidence", audience="group", group=group
    )
    public = await make_forum(session, name="General")
    await session.commit()
    thread = await start_thread(client, insider, forum.id)
    post_id = thread["first_post"]["id"]

    names = [
        f["name"]
        for f in (await client.get(f"{API}/forums", headers=outsider.headers)).json()["items"]
    ]
    assert names == ["General"]
    insider_names = {
        f["name"]
        for f in (await client.get(f"{API}/forums", headers=insider.headers)).json()["items"]
    }
    assert insider_names == {"General", "Working group on e-evidence"}

    for method, path, body in [
        ("GET", f"/forums/{forum.id}", None),
        ("GET", f"/forums/{forum.id}/threads", None),
        ("POST", f"/forums/{forum.id}/threads", {"title": "Sneaky", "body": "x"}),
        ("PUT", f"/forums/{forum.id}/follow", None),
        ("POST", f"/forums/{forum.id}/read", None),
        ("GET", f"/threads/{thread['id']}", None),
        ("GET", f"/threads/{thread['id']}/posts", None),
        ("POST", f"/threads/{thread['id']}/posts", {"body": "x"}),
        ("PUT", f"/threads/{thread['id']}/follow", None),
        ("PUT", f"/threads/{thread['id']}/read", {"last_read_post_id": post_id}),
        ("GET", f"/posts/{post_id}", None),
        ("PATCH", f"/posts/{post_id}", {"body": "x"}),
        ("DELETE", f"/posts/{post_id}", None),
        ("GET", f"/posts/{post_id}/revisions", None),
        ("POST", f"/posts/{post_id}/flags", {"reason": "x"}),
    ]:
        response = await client.request(method, API + path, json=body, headers=outsider.headers)
        assert response.status_code == 404, (method, path, response.text)

    assert (
        await client.get(f"{API}/threads/{thread['id']}", headers=moderator.headers)
    ).status_code == 200
    assert await service.can_read_thread(session, insider.actor, thread["id"]) is True
    assert await service.can_read_thread(session, outsider.actor, thread["id"]) is False
    assert await service.can_read_forum(session, outsider.actor, public.id) is True
    assert await service.can_read_forum(session, outsider.actor, forum.id) is False


async def test_region_group_follows_the_members_authority(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    europe = await _region_of(session, "FRA", "Europe")
    await _region_of(session, "DEU", "Europe")
    africa = await _region_of(session, "NGA", "Africa")
    assert europe != africa
    french = await make_member(session, authority=await make_authority(session, state_code="FRA"))
    german = await make_member(session, authority=await make_authority(session, state_code="DEU"))
    nigerian = await make_member(session, authority=await make_authority(session, state_code="NGA"))
    unaffiliated = await make_member(session)
    admin = await make_member(session, roles=["admin"])
    await session.commit()

    created = await client.post(
        f"{API}/groups",
        json={"name": "European central authorities", "region": europe.upper()},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["region"] == europe
    group_id = created.json()["id"]
    forum = await client.post(
        f"{API}/forums",
        json={"name": "Europe", "audience": {"kind": "group", "group_id": group_id}},
        headers=admin.headers,
    )
    assert forum.status_code == 201
    forum_id = forum.json()["id"]

    for member, status in [(french, 200), (german, 200), (nigerian, 404), (unaffiliated, 404)]:
        got = await client.get(f"{API}/forums/{forum_id}", headers=member.headers)
        assert got.status_code == status, member.user.handle

    # An explicit member outside the region is let in; removal takes effect at once.
    put = await client.put(f"{API}/groups/{group_id}/members/{nigerian.id}", headers=admin.headers)
    assert put.status_code == 204
    assert (
        await client.get(f"{API}/forums/{forum_id}", headers=nigerian.headers)
    ).status_code == 200
    members = (await client.get(f"{API}/groups/{group_id}/members", headers=admin.headers)).json()
    assert [m["user"]["id"] for m in members] == [str(nigerian.id)]
    gone = await client.delete(
        f"{API}/groups/{group_id}/members/{nigerian.id}", headers=admin.headers
    )
    assert gone.status_code == 204
    assert (
        await client.get(f"{API}/forums/{forum_id}", headers=nigerian.headers)
    ).status_code == 404

    actions = [a.action for a in await audit_entries(session, "forum.group.member_add")]
    actions += [a.action for a in await audit_entries(session, "forum.group.member_remove")]
    assert actions == ["forum.group.member_add", "forum.group.member_remove"]
    assert len(await audit_entries(session, "forum.create")) == 1
    assert len(await audit_entries(session, "forum.group.create")) == 1

    bad = await client.post(
        f"{API}/groups", json={"name": "Atlantis", "region": "Atlantis"}, headers=admin.headers
    )
    assert bad.status_code == 422
    dup = await client.post(
        f"{API}/groups", json={"name": "european central authorities"}, headers=admin.headers
    )
    assert dup.status_code == 409


async def test_moderators_only_forum(client: httpx.AsyncClient, session: AsyncSession) -> None:
    moderator = await make_member(session, roles=["moderator"])
    admin = await make_member(session, roles=["admin"])
    officer = await make_member(session)
    forum = await make_forum(session, audience="moderators")
    await session.commit()
    thread = await start_thread(client, moderator, forum.id)
    await reply(client, moderator, thread["id"], "Noted.")
    for member in (admin, officer):
        assert (
            await client.get(f"{API}/threads/{thread['id']}", headers=member.headers)
        ).status_code == 404


async def test_auditors_have_no_forum_permission(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    author = await make_member(session)
    auditor = await make_member(session, roles=["auditor"])
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, author, forum.id)
    post_id = thread["first_post"]["id"]
    for method, path in [
        ("GET", "/forums"),
        ("GET", f"/forums/{forum.id}/threads"),
        ("GET", f"/threads/{thread['id']}"),
        ("GET", f"/threads/{thread['id']}/posts"),
        ("GET", f"/posts/{post_id}"),
        ("POST", f"/posts/{post_id}/flags"),
        ("GET", "/moderation/flags"),
        ("GET", "/groups"),
        ("GET", "/search?q=video"),
    ]:
        response = await client.request(
            method, API + path, json={"reason": "x"}, headers=auditor.headers
        )
        assert response.status_code == 403, (method, path)
    assert await service.can_read_thread(session, auditor.actor, thread["id"]) is False


@pytest.mark.parametrize("role", ["officer", "liaison_magistrate", "admin", "auditor"])
async def test_only_moderators_moderate(
    client: httpx.AsyncClient, session: AsyncSession, role: str
) -> None:
    author = await make_member(session)
    member = await make_member(session, roles=[role])
    forum = await make_forum(session)
    await session.commit()
    thread = await start_thread(client, author, forum.id)
    post_id = thread["first_post"]["id"]
    for path, body in [
        (f"/threads/{thread['id']}/lock", None),
        (f"/threads/{thread['id']}/unlock", None),
        (f"/threads/{thread['id']}/pin", None),
        (f"/threads/{thread['id']}/unpin", None),
        (f"/threads/{thread['id']}/move", {"forum_id": str(forum.id), "reason": "x"}),
        (f"/posts/{post_id}/hide", {"reason": "x"}),
        (f"/posts/{post_id}/unhide", None),
    ]:
        response = await client.post(API + path, json=body, headers=member.headers)
        assert response.status_code == 403, path


@pytest.mark.parametrize("role", ["officer", "liaison_magistrate", "auditor"])
async def test_only_admins_and_moderators_manage(
    client: httpx.AsyncClient, session: AsyncSession, role: str
) -> None:
    member = await make_member(session, roles=[role])
    forum = await make_forum(session)
    group = await make_forum_group(session)
    await session.commit()
    assert (
        await client.post(f"{API}/forums", json={"name": "Mine"}, headers=member.headers)
    ).status_code == 403
    assert (
        await client.patch(
            f"{API}/forums/{forum.id}", json={"name": "Mine"}, headers=member.headers
        )
    ).status_code == 403
    assert (
        await client.post(f"{API}/groups", json={"name": "Mine"}, headers=member.headers)
    ).status_code == 403
    assert (
        await client.put(f"{API}/groups/{group.id}/members/{member.id}", headers=member.headers)
    ).status_code == 403


async def test_an_admin_cannot_add_themselves_to_a_group(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_member(session, roles=["admin"])
    other_admin = await make_member(session, roles=["admin"])
    group = await make_forum_group(session)
    forum = await make_forum(session, audience="group", group=group)
    await session.commit()
    put = await client.put(f"{API}/groups/{group.id}/members/{admin.id}", headers=admin.headers)
    assert put.status_code == 403, put.text
    assert (await client.get(f"{API}/forums/{forum.id}", headers=admin.headers)).status_code == 404
    assert await audit_entries(session, "forum.group.member_add") == []
    # a second manager may add them (audited)
    put = await client.put(
        f"{API}/groups/{group.id}/members/{admin.id}", headers=other_admin.headers
    )
    assert put.status_code == 204, put.text
    assert (await client.get(f"{API}/forums/{forum.id}", headers=admin.headers)).status_code == 200

"""Incoming and outgoing lists: filters, deadline sort, cursor pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.cases import Case
from app.models.events import Event
from tests.cases.conftest import Network, act_ok, create_case


async def test_filters_sort_and_pages(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    soon = (date.today() + timedelta(days=5)).isoformat()
    later = (date.today() + timedelta(days=50)).isoformat()
    a = await create_case(client, net.fr, net.ita, deadline=later, title="A")
    b = await create_case(
        client, net.fr, net.ita, deadline=soon, title="B", urgency="urgent", urgency_reason="x"
    )
    c = await create_case(client, net.fr, net.ita, deadline=None, deadline_reason=None, title="C")
    await create_case(client, net.fr, net.bra, type="extradition", title="D", measures=[])
    e = await create_case(client, net.it, net.fra, title="E")  # incoming for FRA
    for case, member in ((a, net.fr), (b, net.fr), (c, net.fr), (e, net.it)):
        await act_ok(client, member, case["id"], "submit")
    h = net.fr.headers

    async def ids(query: str) -> list[str]:
        response = await client.get(f"/api/v1/cases?{query}", headers=h)
        assert response.status_code == 200, response.text
        return [item["title"] for item in response.json()["items"]]

    assert sorted(await ids("box=outgoing")) == ["A", "B", "C", "D"]
    assert await ids("box=incoming") == ["E"]
    assert (await ids("box=outgoing&sort=deadline"))[:2] == ["B", "A"]
    assert sorted(await ids("status=draft")) == ["D"]
    assert sorted(await ids("status=submitted&status=draft&box=outgoing")) == ["A", "B", "C", "D"]
    assert await ids("type=extradition") == ["D"]
    assert await ids("urgency=urgent") == ["B"]
    assert sorted(await ids(f"counterpart={net.ita.id}")) == ["A", "B", "C", "E"]
    assert await ids(f"counterpart={net.bra.id}") == ["D"]
    assert await ids("overdue=true") == []
    assert len(await ids("overdue=false")) == 5

    # Cursor pages, one case each, in deadline order, with no repeats.
    seen: list[str] = []
    cursor = ""
    while True:
        response = await client.get(
            f"/api/v1/cases?box=outgoing&sort=deadline&limit=1&cursor={cursor}", headers=h
        )
        page = response.json()
        seen += [item["title"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert seen == await ids("box=outgoing&sort=deadline&limit=10")
    seen = []
    cursor = ""
    while True:
        page = (await client.get(f"/api/v1/cases?limit=2&cursor={cursor}", headers=h)).json()
        seen += [item["title"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert sorted(seen) == ["A", "B", "C", "D", "E"]
    assert len(seen) == 5
    bad = await client.get("/api/v1/cases?cursor=garbage", headers=h)
    assert bad.status_code == 400

    created = (
        (await session.execute(select(Event).where(Event.name == "case.created"))).scalars().all()
    )
    assert len(created) == 5
    assert all(set(ev.data) == {"case_id"} and ev.audience_kind == "case" for ev in created)


async def test_attention_sort_puts_overdue_then_near_deadline_first(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    day = timedelta(days=1)
    titles = {
        "quiet": date.today() + 60 * day,
        "near": date.today() + 2 * day,
        "late": date.today() + 40 * day,
        "undated": None,
    }
    ids: dict[str, str] = {}
    for title, deadline in titles.items():
        case = await create_case(
            client,
            net.fr,
            net.ita,
            title=title,
            deadline=deadline.isoformat() if deadline else None,
            deadline_reason="trial" if deadline else None,
        )
        await act_ok(client, net.fr, case["id"], "submit")
        ids[title] = case["id"]
    # Overdue: the due date passed while the case was open.
    await session.execute(
        update(Case)
        .where(Case.id == ids["late"])
        .values(deadline=date.today() - 3 * day, due_date=date.today() - 3 * day)
    )
    await session.commit()
    # The quiet case moved last, so by activity alone it would come first.
    await client.post(
        f"/api/v1/cases/{ids['quiet']}/messages", json={"body": "news"}, headers=net.fr.headers
    )
    await session.execute(
        update(Case).where(Case.id == ids["quiet"]).values(last_activity_at=datetime.now(UTC))
    )
    await session.commit()

    response = await client.get("/api/v1/cases?sort=attention", headers=net.fr.headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["title"] for i in items][:2] == ["late", "near"]
    assert set(i["title"] for i in items[2:]) == {"quiet", "undated"}
    flags = {i["title"]: (i["overdue"], i["deadline_near"]) for i in items}
    assert flags == {
        "late": (True, False),
        "near": (False, True),
        "quiet": (False, False),
        "undated": (False, False),
    }
    assert items[2]["title"] == "quiet"
    # The same order a page at a time.
    seen: list[str] = []
    cursor = ""
    while True:
        page = (
            await client.get(
                f"/api/v1/cases?sort=attention&limit=1&cursor={cursor}", headers=net.fr.headers
            )
        ).json()
        seen += [item["title"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert seen == [i["title"] for i in items]

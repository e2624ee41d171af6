"""The obstacles view: counts of cases only where 3 or more stand behind them, restricted
cases never counted, and the catalogue's obstacles and solutions for the pair or measure."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.cases import Case, CaseDeadlineNotice, CaseTimelineEntry
from app.models.catalogue import CatalogueEntry
from app.models.directory import Authority
from tests.cases.conftest import Network, audit_rows
from tests.catalogue.conftest import API

_numbers = itertools.count(1)


def _case(
    requesting: Authority, requested: Authority, *, measures: list[str], **fields: Any
) -> Case:
    n = next(_numbers)
    fields.setdefault("status", "closed")
    return Case(
        reference=f"OBS-2026-{n:06d}",
        type="mla",
        requesting_authority_id=requesting.id,
        requested_authority_id=requested.id,
        title=f"Obstacle case {n}",
        legal_basis={"kind": "untoc_art18"},
        measures=measures,
        submitted_at=datetime.now(UTC) - timedelta(days=90),
        **fields,
    )


async def _refused(
    session: AsyncSession, net: Network, ground: str, count: int, **fields: Any
) -> list[Case]:
    cases = [
        _case(net.fra, net.ita, measures=["banking_information"], outcome="refused",
              refusal_ground=ground, **fields)
        for _ in range(count)
    ]  # fmt: skip
    session.add_all(cases)
    await session.flush()
    return cases


async def test_counts_under_three_are_hidden_and_restricted_cases_never_count(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    dual = await _refused(session, net, "absence_of_dual_criminality", 3)
    await _refused(session, net, "political_offence", 2)
    # Restricted: would make political_offence 3, and dual criminality 4.
    await _refused(session, net, "political_offence", 1, restricted=True)
    await _refused(session, net, "absence_of_dual_criminality", 1, restricted=True)
    # Drafts are nobody's figure either.
    await _refused(session, net, "political_offence", 1, status="draft")
    executed = [
        _case(net.fra, net.ita, measures=["banking_information"], outcome="executed")
        for _ in range(2)
    ]
    session.add_all(executed)
    await session.flush()
    # Delays: 3 cases with a reported delay (one of them twice), 2 postponed.
    for case in (*dual[:2], executed[0]):
        session.add(CaseDeadlineNotice(case_id=case.id, kind="delay", reason="backlog",
                                       new_date=date.today()))  # fmt: skip
    session.add(CaseDeadlineNotice(case_id=dual[0].id, kind="delay", reason="again",
                                   new_date=date.today()))  # fmt: skip
    for case in executed:
        session.add(CaseDeadlineNotice(case_id=case.id, kind="postponement", reason="trial",
                                       new_date=date.today()))  # fmt: skip
    for case in (*dual, executed[1]):
        session.add(CaseTimelineEntry(case_id=case.id, kind="transition",
                                      action="request_information"))  # fmt: skip
    # Another pair: not counted for FRA -> ITA.
    session.add_all(
        [_case(net.ita, net.fra, measures=["banking_information"], outcome="refused",
               refusal_ground="political_offence") for _ in range(3)]
    )  # fmt: skip
    await session.commit()

    response = await client.get(
        f"{API}/catalogue/obstacles",
        params={"requesting_state": "fra", "requested_state": "ITA"},
        headers=net.br.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["requesting_state"], body["requested_state"]) == ("FRA", "ITA")
    counts = body["cases"]
    assert counts["min_cases"] == 3
    assert counts["cases"] == 7  # 3 + 2 refused, 2 executed; restricted and drafts left out
    assert counts["refused"] == 5
    assert counts["refusal_grounds"] == {"absence_of_dual_criminality": 3}
    assert counts["delays"] == {
        "reported_delay": 3,
        "postponed": None,  # 2 cases
        "information_requested": 4,
        "went_overdue": None,  # none
    }
    text = response.text
    assert "political_offence" not in text and "OBS-2026" not in text

    # By measure: the other pair's three cases join in (political offence now has 5).
    by_measure = await client.get(
        f"{API}/catalogue/obstacles", params={"measure": "banking_information"},
        headers=net.br.headers,
    )  # fmt: skip
    assert by_measure.json()["cases"]["refusal_grounds"] == {
        "political_offence": 5,
        "absence_of_dual_criminality": 3,
    }
    # A measure nobody used: every figure withheld, zero included.
    none = await client.get(
        f"{API}/catalogue/obstacles", params={"measure": "interception"}, headers=net.br.headers
    )
    assert none.json()["cases"]["cases"] is None
    assert none.json()["cases"]["refusal_grounds"] == {}
    assert await audit_rows(session, "catalogue.obstacles.viewed")


async def test_catalogue_obstacles_for_the_pair_and_the_measure(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    now = datetime.now(UTC)

    def published(title: str, **fields: Any) -> CatalogueEntry:
        return CatalogueEntry(kind="case", status="published", title=title, published_at=now,
                              obstacles=f"{title}: obstacle", solutions=f"{title}: solution",
                              **fields)  # fmt: skip

    session.add_all(
        [
            published("Pair disclosed", disclosure="states", requesting_state="FRA",
                      requested_state="ITA", measures=["freezing"]),
            published("Regions only", disclosure="regions", requesting_region="Europe",
                      requested_region="Europe", measures=["banking_information"]),
            published("Other pair", disclosure="states", requesting_state="BRA",
                      requested_state="ITA", measures=["banking_information"]),
            CatalogueEntry(kind="case", status="in_review", title="Not yet", disclosure="states",
                           requesting_state="FRA", requested_state="ITA",
                           measures=["banking_information"]),
        ]
    )  # fmt: skip
    await session.commit()
    response = await client.get(
        f"{API}/catalogue/obstacles",
        params={"requesting_state": "FRA", "requested_state": "ITA",
                "measure": "banking_information"},
        headers=net.liaison.headers,
    )  # fmt: skip
    body = response.json()
    assert [e["title"] for e in body["pair_entries"]] == ["Pair disclosed"]
    assert body["pair_entries"][0]["solutions"] == "Pair disclosed: solution"
    assert sorted(e["title"] for e in body["measure_entries"]) == ["Other pair", "Regions only"]
    regions_only = next(e for e in body["measure_entries"] if e["title"] == "Regions only")
    assert regions_only["requesting_state"] is None


async def test_obstacles_refuses_unknown_states_and_auditors(
    client: httpx.AsyncClient, net: Network
) -> None:
    bad = await client.get(
        f"{API}/catalogue/obstacles", params={"requesting_state": "XXX"}, headers=net.fr.headers
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "requesting_state"
    auditor = await client.get(f"{API}/catalogue/obstacles", headers=net.auditor.headers)
    assert auditor.status_code == 403


async def test_the_finder_links_to_the_obstacles_of_the_pair_and_measure(
    client: httpx.AsyncClient, net: Network
) -> None:
    answer = await client.get(
        f"{API}/finder",
        params={"requesting_state": "FRA", "requested_state": "ITA", "request_type": "mla",
                "measure": "banking_information"},
        headers=net.fr.headers,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    url = answer.json()["obstacles_url"]
    assert url == (
        f"{API}/catalogue/obstacles?requesting_state=FRA&requested_state=ITA"
        "&measure=banking_information"
    )
    followed = await client.get(url, headers=net.fr.headers)
    assert followed.status_code == 200
    assert followed.json()["measure"] == "banking_information"

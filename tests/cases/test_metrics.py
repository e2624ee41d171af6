"""Figures per authority and pair, on a seeded set of cases."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.cases import Case
from app.models.directory import Authority
from tests.cases.conftest import Network, audit_rows, submitted_case

_numbers = itertools.count(1)
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _case(
    requesting: Authority,
    requested: Authority,
    status: str,
    *,
    ack_hours: float | None = None,
    exec_days: float | None = None,
    outcome: str | None = None,
    basis: str = "untoc_art18",
    ground: str | None = None,
    due: date | None = None,
) -> Case:
    return Case(
        reference=f"MLA-2026-{next(_numbers):06d}",
        type="mla",
        status=status,
        requesting_authority_id=requesting.id,
        requested_authority_id=requested.id,
        title="seeded",
        legal_basis={"kind": basis},
        submitted_at=None if status == "draft" else T0,
        acknowledged_at=T0 + timedelta(hours=ack_hours) if ack_hours is not None else None,
        completed_at=T0 + timedelta(days=exec_days) if exec_days is not None else None,
        outcome=outcome,
        refusal_ground=ground,
        due_date=due,
        deadline=due,
    )


async def _seed(session: AsyncSession, net: Network) -> None:
    a, b, c = net.fra, net.ita, net.bra
    yesterday = date.today() - timedelta(days=1)
    session.add_all(
        [
            _case(a, b, "executed", ack_hours=10, exec_days=10, outcome="executed"),
            _case(
                a,
                b,
                "partially_executed",
                ack_hours=20,
                exec_days=20,
                outcome="partially_executed",
                basis="treaty",
            ),
            _case(
                a,
                b,
                "closed",
                ack_hours=30,
                exec_days=3,
                outcome="refused",
                ground="ne_bis_in_idem",
            ),
            _case(a, b, "in_execution", ack_hours=40, basis="reciprocity", due=yesterday),
            _case(b, a, "acknowledged", ack_hours=5, basis="untoc_art16"),
            _case(a, b, "draft"),
            _case(b, c, "submitted"),
        ]
    )
    await session.commit()


async def _metrics(client: httpx.AsyncClient, member: Any, query: str = "") -> dict[str, Any]:
    response = await client.get(f"/api/v1/cases/metrics{query}", headers=member.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_metrics_of_an_authority(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    await _seed(session, net)
    figures = await _metrics(client, net.fr)
    assert figures["authority_id"] == str(net.fra.id)
    total = figures["total"]
    assert total["cases"] == 5  # the draft and the B->C case are not counted
    assert total["by_status"] == {
        "executed": 1,
        "partially_executed": 1,
        "closed": 1,
        "in_execution": 1,
        "acknowledged": 1,
    }
    out = figures["outgoing"]
    assert out["cases"] == 4
    assert out["hours_to_acknowledge"] == {"n": 4, "median": 25.0, "p90": 37.0}
    assert out["days_to_execute"] == {"n": 2, "median": 15.0, "p90": 19.0}
    assert out["overdue"] == 1
    assert out["refusal_grounds"] == {"ne_bis_in_idem": 1}
    assert out["by_outcome"] == {"executed": 1, "partially_executed": 1, "refused": 1}
    assert out["convention_basis"] == 2
    assert out["convention_basis_share"] == 0.5
    incoming = figures["incoming"]
    assert incoming["cases"] == 1
    assert incoming["hours_to_acknowledge"]["median"] == 5.0
    assert incoming["convention_basis_share"] == 1.0
    pairs = {
        (p["requesting_authority_id"], p["requested_authority_id"]): p for p in figures["pairs"]
    }
    assert set(pairs) == {(str(net.fra.id), str(net.ita.id)), (str(net.ita.id), str(net.fra.id))}
    assert pairs[(str(net.fra.id), str(net.ita.id))]["cases"] == 4

    # since/until filter on submission time.
    later = await _metrics(client, net.fr, "?since=2026-04-01T00:00:00Z")
    assert later["total"]["cases"] == 0
    assert await audit_rows(session, "case.metrics.viewed")


async def test_metrics_scope_and_csv(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    await _seed(session, net)
    foreign = await client.get(
        f"/api/v1/cases/metrics?authority_id={net.bra.id}", headers=net.fr.headers
    )
    assert foreign.status_code == 403
    for member in (net.liaison, net.moderator, net.auditor):
        response = await client.get("/api/v1/cases/metrics", headers=member.headers)
        assert response.status_code == 403
    network = await _metrics(client, net.admin)
    assert network["authority_id"] is None
    assert network["total"]["cases"] == 6
    assert network["outgoing"] is None
    # The administrator is party to none of these cases: the two pairs with one case each are
    # left out, and within the pair of four, every figure resting on 1 or 2 cases is withheld.
    [pair] = network["pairs"]
    assert (pair["requesting_authority_id"], pair["cases"]) == (str(net.fra.id), 4)
    assert pair["withheld"] is True
    assert pair["by_status"] == {} and pair["refusal_grounds"] == {}
    assert pair["overdue"] is None
    assert pair["convention_basis"] is None and pair["convention_basis_share"] is None
    assert pair["hours_to_acknowledge"]["n"] == 4
    assert pair["days_to_execute"] == {"n": None, "median": None, "p90": None}  # 2 executed
    one = await _metrics(client, net.admin, f"?authority_id={net.bra.id}")
    assert one["incoming"]["cases"] is None and one["incoming"]["withheld"] is True
    assert one["incoming"]["by_status"] == {} and one["pairs"] == []

    exported = await client.get("/api/v1/cases/metrics?format=csv", headers=net.fr.headers)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    by_scope = {row["scope"]: row for row in rows if row["scope"] != "pair"}
    assert by_scope["total"]["cases"] == "5"
    assert by_scope["outgoing"]["hours_to_acknowledge_median"] == "25.0"
    assert by_scope["outgoing"]["refusal_grounds"] == "ne_bis_in_idem=1"
    assert by_scope["outgoing"]["status_executed"] == "1"
    assert len([row for row in rows if row["scope"] == "pair"]) == 2


async def test_metrics_do_not_count_restricted_cases_for_unassigned_officers(
    client: httpx.AsyncClient, net: Network
) -> None:
    await submitted_case(client, net, restricted=True)
    for member in (net.fr, net.fr_focal, net.it_focal):  # assigned, or focal points
        assert (await _metrics(client, member))["total"]["cases"] == 1
    for member in (net.fr2, net.it):  # colleagues who cannot open the case
        figures = await _metrics(client, member)
        assert figures["total"]["cases"] == 0
        assert figures["pairs"] == []


async def test_restricted_cases_count_only_for_those_who_may_open_them(
    client: httpx.AsyncClient, net: Network
) -> None:
    """An administrator's network-wide figures never count a restricted case: with one case
    in the network, a count of 1 would tell an outsider that it exists."""
    for _ in range(3):
        await submitted_case(client, net, restricted=True)
    figures = await _metrics(client, net.admin)
    assert figures["total"]["cases"] == 0
    assert figures["total"]["withheld"] is False
    assert figures["pairs"] == []
    csv_rows = await client.get("/api/v1/cases/metrics?format=csv", headers=net.admin.headers)
    assert [row["cases"] for row in csv.DictReader(io.StringIO(csv_rows.text))] == ["0"]
    # The focal points of both sides and the assigned officer count all three.
    for member in (net.fr, net.fr_focal, net.it_focal):
        assert (await _metrics(client, member))["total"]["cases"] == 3


async def test_an_officer_sees_the_small_figures_of_their_own_cases(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    """Cells under 3 are withheld only from outsiders: an officer sees the single refusal of
    their own authority's pair, the administrator does not."""
    await _seed(session, net)
    own = await _metrics(client, net.fr)
    pair = next(p for p in own["pairs"] if p["requesting_authority_id"] == str(net.fra.id))
    assert pair["refusal_grounds"] == {"ne_bis_in_idem": 1}
    assert pair["overdue"] == 1 and pair["withheld"] is False
    assert own["total"]["withheld"] is False
    network = await _metrics(client, net.admin)
    assert network["total"]["refusal_grounds"] == {}
    assert network["total"]["by_status"] == {}

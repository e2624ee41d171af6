"""Drafting help: the draft checked against the requested state's sheet and the finder."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.directory import Authority
from tests.cases.conftest import Network, act, act_ok, audit_rows, create_case
from tests.factories import make_authority, make_requirement_sheet, make_treaty


def _check(report: dict, code: str) -> dict:
    return next(c for c in report["checks"] if c["code"] == code)


async def test_missing_essentials_block_submission_unless_explained(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    await session.execute(
        update(Authority)
        .where(Authority.id == net.ita.id)
        .values(languages=["it"], channels=["diplomatic_channel"], convention_basis_mla=False)
    )
    await make_requirement_sheet(
        session,
        state_code="ITA",
        request_type="mla",
        requirements=["dual_criminality", "certified_translation"],
    )
    await session.commit()
    case = await create_case(client, net.fr, net.ita, offences=[])
    cid = case["id"]
    report = (await client.get(f"/api/v1/cases/{cid}/checks", headers=net.fr.headers)).json()
    assert report["ready"] is False
    assert _check(report, "language_accepted")["ok"] is False
    assert "it" in _check(report, "language_accepted")["message"]
    assert _check(report, "legal_basis")["ok"] is False
    assert _check(report, "offences")["ok"] is False
    assert _check(report, "dual_criminality")["ok"] is False
    assert _check(report, "channel")["essential"] is False
    assert _check(report, "certified_translation")["essential"] is False
    detail = (await client.get(f"/api/v1/cases/{cid}", headers=net.fr.headers)).json()
    assert detail["drafting"]["ready"] is False

    blocked = await act(client, net.fr, cid, "submit")
    assert blocked.status_code == 409
    assert blocked.json()["type"] == "urn:canet:problem:drafting-incomplete"
    failing = {c["code"] for c in blocked.json()["checks"]}
    assert failing == {"language_accepted", "legal_basis", "offences", "dual_criminality"}

    fixed = await client.patch(
        f"/api/v1/cases/{cid}",
        json={"languages": ["it"], "offences": ["riciclaggio"]},
        headers=net.fr.headers,
    )
    assert fixed.json()["drafting"]["ready"] is False  # the basis is still refused
    submitted = await act_ok(
        client,
        net.fr,
        cid,
        "submit",
        missing_essentials_reason="Italy accepts the Convention in practice; treaty pending",
    )
    assert submitted["status"] == "submitted"
    assert submitted["missing_essentials_reason"].startswith("Italy accepts")
    entry = (await audit_rows(session, "case.transitioned", cid))[0]
    assert entry.details is not None and entry.details["missing_essentials"] == ["legal_basis"]
    not_draft = await client.get(f"/api/v1/cases/{cid}/checks", headers=net.fr.headers)
    assert not_draft.status_code == 409


async def test_treaty_basis_must_bind_both_states(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    good = await make_treaty(session, parties=["FRA", "ITA"], subjects=["mla"])
    elsewhere = await make_treaty(session, parties=["FRA", "BRA"], subjects=["mla"])
    extradition_only = await make_treaty(session, parties=["FRA", "ITA"], subjects=["extradition"])
    await session.commit()
    for treaty, ok in ((good, True), (elsewhere, False), (extradition_only, False)):
        case = await create_case(
            client, net.fr, net.ita, legal_basis={"kind": "treaty", "treaty_id": str(treaty.id)}
        )
        report = (
            await client.get(f"/api/v1/cases/{case['id']}/checks", headers=net.fr.headers)
        ).json()
        assert _check(report, "legal_basis")["ok"] is ok, treaty.title
        assert report["ready"] is ok


async def test_case_input_is_validated(client: httpx.AsyncClient, net: Network) -> None:
    from tests.cases.conftest import case_payload

    bad = [
        {"legal_basis": {"kind": "treaty"}},
        {"legal_basis": {"kind": "other"}},
        {"type": "smuggling"},
        {"languages": ["french!"]},
        {"requested_authority_id": str(net.fra.id)},  # one's own authority
        {"requested_authority_id": "00000000-0000-0000-0000-000000000000"},
    ]
    for overrides in bad:
        response = await client.post(
            "/api/v1/cases", json=case_payload(net.ita, **overrides), headers=net.fr.headers
        )
        assert response.status_code == 422, overrides
    for member in (net.liaison, net.admin, net.moderator, net.auditor):
        response = await client.post(
            "/api/v1/cases", json=case_payload(net.ita), headers=member.headers
        )
        assert response.status_code == 403


async def _demo_like_italy(session: AsyncSession, net: Network, *, accepts: bool | None) -> None:
    """ITA as the demo sets it up: the ministry receives MLA under the sheet, the police office
    handles only police cooperation, and a regional MLA convention links FRA and ITA."""
    await session.execute(
        update(Authority)
        .where(Authority.id == net.ita.id)
        .values(
            types=["mla", "extradition", "confiscation"],
            languages=["it", "en", "fr"],
            channels=["direct_transmission", "diplomatic_channel"],
            convention_basis_mla=accepts,
        )
    )
    await make_authority(
        session,
        state_code="ITA",
        name="Servizio per la Cooperazione Internazionale di Polizia",
        types=["law_enforcement_cooperation"],
    )
    await make_requirement_sheet(
        session,
        state_code="ITA",
        request_type="mla",
        languages=["it"],
        receiving_authority_id=net.ita.id,
        requirements=["certified_translation"],
    )
    await make_treaty(
        session, parties=["FRA", "ITA", "DEU"], kind="regional", subjects=["mla"], title="ETS 30"
    )
    await session.commit()


@pytest.mark.parametrize("accepts", [True, False, None])
async def test_convention_basis_check_agrees_with_the_finder(
    client: httpx.AsyncClient, session: AsyncSession, net: Network, accepts: bool | None
) -> None:
    await _demo_like_italy(session, net, accepts=accepts)
    case = await create_case(client, net.fr, net.ita, legal_basis={"kind": "untoc_art18"})
    report = (await client.get(f"/api/v1/cases/{case['id']}/checks", headers=net.fr.headers)).json()
    finder = await client.get(
        "/api/v1/finder",
        params={"requesting_state": "FRA", "requested_state": "ITA", "request_type": "mla"},
        headers=net.fr.headers,
    )
    assert finder.status_code == 200, finder.text
    convention = finder.json()["legal_basis"]["convention"]
    assert convention["applicable"] is accepts

    check = _check(report, "legal_basis")
    # An unknown stance does not block the draft; only a stated refusal does.
    assert check["ok"] is (accepts is not False)
    assert check["essential"] is True
    assert check["message"].startswith(convention["note"])
    refused = "does not accept" in check["message"]
    assert refused is (accepts is False)
    if accepts is False:
        assert "Name a treaty or reciprocity" in check["message"]

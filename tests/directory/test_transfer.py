"""Import and export (JSON and CSV): validation first, nothing written on a bad file."""

from __future__ import annotations

import csv
import io
import json

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.audit import AuditEntry
from app.models.directory import Authority, DirectoryRevision, RequirementSheet, Treaty
from tests.factories import make_authority, make_member, make_requirement_sheet, make_treaty


async def _directory(session: AsyncSession) -> Authority:
    fra = await make_authority(session, state_code="FRA", name="Bureau de l'entraide pénale")
    fra.languages, fra.channels = ["fr", "en"], ["direct_transmission"]
    fra.law_links = [{"title": "CPP", "url": "https://www.legifrance.gouv.fr"}]
    fra.contacts = [{"name": "Mme Martin", "languages": ["fr"]}]
    fra.convention_basis_mla = True
    fra.phone = "+33 1 44 77 60 60"
    fra.notes = '=HYPERLINK("http://evil.example","click")'
    fra.office_hours = "'quoted' hours"
    session.add(fra)
    await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    await make_requirement_sheet(
        session,
        state_code="FRA",
        languages=["fr"],
        requirements=["dual_criminality"],
        receiving_authority_id=fra.id,
        notes='Line one\nline two, with "quotes"',
    )
    await make_requirement_sheet(session, state_code="FRA", measure="freezing", possible=False)
    await make_treaty(
        session, parties=["FRA", "ITA"], title="FRA-ITA extradition", subjects=["extradition"]
    )
    return fra


async def _counts(session: AsyncSession) -> tuple[int, int, int, int]:
    return (
        await session.scalar(select(func.count()).select_from(Authority)) or 0,
        await session.scalar(select(func.count()).select_from(RequirementSheet)) or 0,
        await session.scalar(select(func.count()).select_from(Treaty)) or 0,
        await session.scalar(select(func.count()).select_from(DirectoryRevision)) or 0,
    )


def _strip(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "exported_at"}


async def _wipe(session: AsyncSession) -> None:
    # DELETE, not TRUNCATE ... CASCADE: that would take the users (and the admin) with it.
    for table in (
        "directory_revisions",
        "requirement_sheets",
        "treaty_parties",
        "treaties",
        "authorities",
    ):
        await session.execute(text(f"DELETE FROM {table}"))
    await session.commit()


async def test_json_round_trip(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await _directory(session)
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    first = await client.get("/api/v1/directory/export", headers=admin.headers)
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    document = first.json()
    assert len(document["authorities"]) == 2 and len(document["requirement_sheets"]) == 2
    assert document["treaties"][0]["parties"] == ["FRA", "ITA"]

    # Re-importing the export into the same directory changes nothing.
    before = await _counts(session)
    response = await client.post(
        "/api/v1/directory/import", content=first.content, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == {"authorities": 0, "requirement_sheets": 0, "treaties": 0}
    assert response.json()["updated"] == {"authorities": 0, "requirement_sheets": 0, "treaties": 0}
    assert await _counts(session) == before

    # Into an empty directory: everything comes back identical, ids included.
    await _wipe(session)
    response = await client.post(
        "/api/v1/directory/import", content=first.content, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == {"authorities": 2, "requirement_sheets": 2, "treaties": 1}
    second = await client.get("/api/v1/directory/export", headers=admin.headers)
    assert _strip(second.json()) == _strip(document)
    revisions = (await session.execute(select(DirectoryRevision.action))).scalars().all()
    assert set(revisions) == {"imported"} and len(revisions) == 5
    actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert actions.count("directory.import") == 2 and actions.count("directory.export") == 2


async def test_csv_round_trip_per_entity(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await _directory(session)
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    exports = {}
    for entity in ("authorities", "requirement_sheets", "treaties"):
        response = await client.get(
            "/api/v1/directory/export",
            params={"format": "csv", "entity": entity},
            headers=admin.headers,
        )
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/csv"
        )
        exports[entity] = response.text
    rows = list(csv.DictReader(io.StringIO(exports["authorities"])))
    fra = next(r for r in rows if r["state_code"] == "FRA")
    assert fra["languages"] == "fr;en" and json.loads(fra["law_links"])[0]["title"] == "CPP"
    assert fra["convention_basis_mla"] == "true" and fra["convention_basis_extradition"] == ""
    # No cell starts a spreadsheet formula; the apostrophe goes away again on import.
    assert fra["phone"] == "'+33 1 44 77 60 60" and fra["notes"].startswith("'=HYPERLINK")
    assert fra["office_hours"] == "''quoted' hours"
    json_before = (await client.get("/api/v1/directory/export", headers=admin.headers)).json()

    await _wipe(session)
    for entity in ("authorities", "requirement_sheets", "treaties"):
        response = await client.post(
            "/api/v1/directory/import",
            params={"format": "csv", "entity": entity},
            content=exports[entity].encode(),
            headers={**admin.headers, "content-type": "text/csv"},
        )
        assert response.status_code == 200, response.text
    json_after = (await client.get("/api/v1/directory/export", headers=admin.headers)).json()
    assert _strip(json_after) == _strip(json_before)


async def test_bad_file_writes_nothing_and_names_every_problem(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    fra = await _directory(session)
    admin = await make_member(session, roles=["admin"])
    await session.commit()
    document = (await client.get("/api/v1/directory/export", headers=admin.headers)).json()
    document["authorities"][0]["email"] = "renamed@example.org"  # a good change...
    document["authorities"].append({"state_code": "QQQ", "name": "Nowhere", "types": ["mla"]})
    document["authorities"].append(
        {"state_code": "ESP", "name": "", "types": ["mla"], "email": "nope"}
    )
    document["requirement_sheets"].append(
        {"state_code": "ITA", "request_type": "mla", "receiving_authority_id": str(fra.id)}
    )
    document["treaties"].append({"title": "T", "kind": "bilateral", "parties": ["FRA", "XXX"]})
    before = await _counts(session)
    response = await client.post(
        "/api/v1/directory/import", content=json.dumps(document), headers=admin.headers
    )
    assert response.status_code == 422
    problems = {(e["entity"], e["row"], e["field"]) for e in response.json()["errors"]}
    assert ("authorities", "3", "authorities.3.state_code") in problems
    assert ("authorities", "4", "authorities.4.name") in problems
    assert ("authorities", "4", "authorities.4.email") in problems
    assert ("requirement_sheets", "3", "requirement_sheets.3.receiving_authority_id") in problems
    assert ("treaties", "2", "treaties.2.parties.1") in problems
    assert "nothing was imported" in response.json()["detail"]
    assert await _counts(session) == before
    await session.refresh(fra)
    assert fra.email is None  # ...is not applied either

    # CSV: problems name the file line.
    csv_text = (
        "state_code,name,types,languages\n"
        "FRA,Good,mla,fr\n"
        "FRA,Bad,teleportation,fr\n"
        ",Empty,mla,xx1\n"
    )
    response = await client.post(
        "/api/v1/directory/import",
        params={"format": "csv", "entity": "authorities"},
        content=csv_text.encode(),
        headers=admin.headers,
    )
    assert response.status_code == 422
    problems = {(e["row"], e["field"]) for e in response.json()["errors"]}
    assert ("3", "authorities.3.types.0") in problems
    assert ("4", "authorities.4.state_code") in problems and (
        "4",
        "authorities.4.languages.0",
    ) in problems
    assert not any(row == "2" for row, _ in problems)
    assert await _counts(session) == before

    unknown_column = "state_code,name,colour\nFRA,x,blue\n"
    response = await client.post(
        "/api/v1/directory/import",
        params={"format": "csv"},
        content=unknown_column.encode(),
        headers=admin.headers,
    )
    assert response.status_code == 422 and "colour" in response.json()["errors"][0]["message"]
    response = await client.post(
        "/api/v1/directory/import", content=b"{not json", headers=admin.headers
    )
    assert response.status_code == 422


async def test_dry_run_and_permissions(client: httpx.AsyncClient, session: AsyncSession) -> None:
    authority = await make_authority(session)
    admin = await make_member(session, roles=["admin"])
    focal = await make_member(session, authority=authority, focal_point=True)
    auditor = await make_member(session, roles=["auditor"])
    await session.commit()
    document = {"authorities": [{"state_code": "THA", "name": "OAG Thailand", "types": ["mla"]}]}
    response = await client.post(
        "/api/v1/directory/import", params={"dry_run": True}, json=document, headers=admin.headers
    )
    assert response.status_code == 200 and response.json()["rows"]["authorities"] == 1
    assert (await _counts(session))[0] == 1
    assert (
        await client.post("/api/v1/directory/import", json=document, headers=focal.headers)
    ).status_code == 403
    assert (
        await client.post("/api/v1/directory/import", json=document, headers=auditor.headers)
    ).status_code == 403
    assert (
        await client.get("/api/v1/directory/export", headers=auditor.headers)
    ).status_code == 403
    assert (await client.get("/api/v1/directory/export", headers=focal.headers)).status_code == 200
    response = await client.post("/api/v1/directory/import", json=document, headers=admin.headers)
    assert response.json()["created"]["authorities"] == 1
    created = (
        await session.execute(select(Authority).where(Authority.state_code == "THA"))
    ).scalar_one()
    assert created.last_verified_at is None  # an import does not vouch for the entry

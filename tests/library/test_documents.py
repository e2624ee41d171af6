"""Documents: who adds and edits what, every edit a revision, every write audited."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.library.conftest import API, World, audit_rows, create, law


async def test_a_focal_point_adds_a_law_of_their_state_linked_to_its_directory(
    client: httpx.AsyncClient, session: AsyncSession, world: World
) -> None:
    payload = law(
        authority_ids=[str(world.fra.id)], sheet_ids=[str(world.fra_sheet.id)], note="first"
    )
    doc = await create(client, world.fra_focal, payload)
    assert doc["kind"] == "national_law" and doc["state_code"] == "FRA"
    assert doc["language"] == "fr" and doc["version_date"] == "2024-03-01"
    assert doc["tags"] == ["extradition", "mla"]
    assert doc["version"] == 1 and doc["file"] is None
    assert [a["id"] for a in doc["authorities"]] == [str(world.fra.id)]
    assert [s["id"] for s in doc["sheets"]] == [str(world.fra_sheet.id)]
    assert doc["states"] == ["FRA"]
    assert doc["allowed_actions"] == ["edit", "upload"]
    assert doc["created_by"]["id"] == str(world.fra_focal.id)

    # Every reader sees it; only its editors may act on it.
    for reader in (world.officer, world.moderator, world.ita_focal):
        seen = await client.get(f"{API}/library/documents/{doc['id']}", headers=reader.headers)
        assert seen.status_code == 200, seen.text
        assert seen.json()["allowed_actions"] == []
    admin_view = await client.get(
        f"{API}/library/documents/{doc['id']}", headers=world.admin.headers
    )
    assert admin_view.json()["allowed_actions"] == ["edit", "upload"]

    [entry] = await audit_rows(session, "library.document.created", doc["id"])
    assert entry.outcome == "success" and entry.actor_user_id == world.fra_focal.id
    assert entry.changes is not None and entry.changes["state_code"] == {"old": None, "new": "FRA"}
    assert str(world.fra.id) in [str(a) for a in entry.authority_ids]


async def test_who_may_add_what(
    client: httpx.AsyncClient, session: AsyncSession, world: World
) -> None:
    url = f"{API}/library/documents"
    model = {"kind": "model_law", "title": "Model Law on Mutual Assistance", "language": "en"}
    # A focal point: their State's laws only.
    other_state = await client.post(
        url, json=law(state_code="ITA"), headers=world.fra_focal.headers
    )
    assert other_state.status_code == 403, other_state.text
    assert other_state.json()["type"] == "urn:canet:problem:library-not-editor"
    tool = await client.post(url, json=model, headers=world.fra_focal.headers)
    assert tool.status_code == 403
    multilateral = {
        "kind": "multilateral_treaty",
        "title": "Palermo Convention",
        "language": "en",
        "treaty_ids": [str(world.convention.id)],
    }
    assert (
        await client.post(url, json=multilateral, headers=world.fra_focal.headers)
    ).status_code == 403
    # Neither an officer nor a moderator who is no focal point adds anything; auditors do not
    # even read the library.
    for member in (world.officer, world.moderator, world.auditor):
        refused = await client.post(url, json=law(), headers=member.headers)
        assert refused.status_code == 403, (member, refused.text)
    # Admins add model tools and multilateral treaties.
    made = await create(client, world.admin, model)
    assert made["allowed_actions"] == ["edit", "upload"]
    convention = await create(client, world.admin, multilateral)
    assert convention["states"] == ["DEU", "ESP", "FRA", "ITA"]

    denied = await audit_rows(session, "library.document.create")
    assert len(denied) == 5 and {d.outcome for d in denied} == {"denied"}
    assert {d.details["code"] for d in denied if d.details} == {"library-not-editor"}
    assert len(await audit_rows(session, "library.document.created")) == 2


async def test_bilateral_treaties_are_for_the_focal_points_of_their_parties(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"{API}/library/documents"
    ours = {
        "kind": "bilateral_treaty",
        "title": "Convention d'entraide franco-italienne",
        "language": "fr",
        "treaty_ids": [str(world.fra_ita.id)],
    }
    doc = await create(client, world.ita_focal, ours)
    assert doc["states"] == ["FRA", "ITA"]
    # The other party's focal point edits it too; a third State's does not.
    edited = await client.patch(
        f"{url}/{doc['id']}", json={"summary": "Signed in Rome."}, headers=world.fra_focal.headers
    )
    assert edited.status_code == 200, edited.text
    theirs = {**ours, "title": "German-Spanish treaty", "treaty_ids": [str(world.deu_esp.id)]}
    assert (await client.post(url, json=theirs, headers=world.fra_focal.headers)).status_code == 403
    # A State named beside a treaty must be one of its parties.
    wrong = await client.post(
        url, json={**theirs, "state_code": "FRA"}, headers=world.fra_focal.headers
    )
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["errors"][0]["field"] == "treaty_ids"
    # A bilateral document must name a party somehow.
    unnamed = await client.post(url, json={**ours, "treaty_ids": []}, headers=world.admin.headers)
    assert unnamed.status_code == 422
    # A multilateral instrument is not a bilateral treaty's text.
    mismatched = await client.post(
        url, json={**ours, "treaty_ids": [str(world.convention.id)]}, headers=world.admin.headers
    )
    assert mismatched.status_code == 422


async def test_links_must_fit_the_kind_and_the_state(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"{API}/library/documents"
    cases = [
        (law(authority_ids=[str(world.ita.id)]), "authority_ids"),
        (law(sheet_ids=[str(world.ita_sheet.id)]), "sheet_ids"),
        (law(treaty_ids=[str(world.fra_ita.id)]), "treaty_ids"),
        (law(state_code=None), "state_code"),
        (law(state_code="XYZ"), "state_code"),
        (law(authority_ids=["6f1c2c8e-2b6e-4a53-9a59-0d3f4c3e1a11"]), "authority_ids"),
        (
            {
                "kind": "manual",
                "title": "Guide",
                "language": "en",
                "authority_ids": [str(world.fra.id)],
            },
            "authority_ids",
        ),
    ]
    for payload, field in cases:
        response = await client.post(url, json=payload, headers=world.admin.headers)
        assert response.status_code == 422, (payload, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], response.text
    bad_shapes = [
        law(language="french"),
        law(source_url="ftp://example.org/x"),
        law(kind="statute"),
        law(tags=["a,b"]),
        {**law(), "unknown": 1},
    ]
    for payload in bad_shapes:
        response = await client.post(url, json=payload, headers=world.admin.headers)
        assert response.status_code == 422, (payload, response.text)
    listed = await client.get(url, headers=world.admin.headers)
    assert listed.json()["items"] == []


async def test_every_edit_is_a_revision_and_stays_within_reach(
    client: httpx.AsyncClient, session: AsyncSession, world: World
) -> None:
    doc = await create(client, world.fra_focal, law())
    url = f"{API}/library/documents/{doc['id']}"
    edited = await client.patch(
        url,
        json={
            "version": 1,
            "title": "Code de procédure pénale (extraits)",
            "authority_ids": [str(world.fra.id)],
            "version_date": None,
            "note": "shorter title",
        },
        headers=world.fra_focal.headers,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2 and edited.json()["version_date"] is None
    # An edit from an older version is refused, nothing changes.
    stale = await client.patch(
        url, json={"version": 1, "title": "Other"}, headers=world.fra_focal.headers
    )
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    # Sending what is already there changes nothing and makes no revision.
    same = await client.patch(url, json={"language": "fr"}, headers=world.fra_focal.headers)
    assert same.status_code == 200 and same.json()["version"] == 2
    # Another State's focal point, an officer: 403, audited. The document stays as it was.
    for member in (world.ita_focal, world.officer):
        refused = await client.patch(url, json={"title": "X"}, headers=member.headers)
        assert refused.status_code == 403, refused.text
    # Moving the law to another State, or making it a model tool, leaves the editor's reach.
    moved = await client.patch(
        url, json={"state_code": "ITA", "authority_ids": []}, headers=world.fra_focal.headers
    )
    assert moved.status_code == 403
    retyped = await client.patch(
        url,
        json={"kind": "model_law", "authority_ids": []},
        headers=world.fra_focal.headers,
    )
    assert retyped.status_code == 403
    # A required field cannot be cleared.
    cleared = await client.patch(url, json={"title": None}, headers=world.fra_focal.headers)
    assert cleared.status_code == 422
    # An admin may still edit it.
    by_admin = await client.patch(url, json={"tags": ["procedure"]}, headers=world.admin.headers)
    assert by_admin.status_code == 200 and by_admin.json()["version"] == 3
    assert by_admin.json()["updated_by"]["id"] == str(world.admin.id)

    revisions = await client.get(f"{url}/revisions", headers=world.officer.headers)
    assert revisions.status_code == 200, revisions.text
    items = revisions.json()["items"]
    assert [(r["version"], r["action"]) for r in items] == [
        (3, "updated"),
        (2, "updated"),
        (1, "created"),
    ]
    assert items[1]["note"] == "shorter title"
    assert items[1]["changes"]["title"] == {
        "old": "Code de procédure pénale, livre V: entraide judiciaire",
        "new": "Code de procédure pénale (extraits)",
    }
    assert items[1]["changes"]["authority_ids"] == {"old": [], "new": [str(world.fra.id)]}
    assert items[1]["document"]["title"] == "Code de procédure pénale (extraits)"
    assert items[2]["document"]["version_date"] == "2024-03-01"
    assert items[0]["actor"]["id"] == str(world.admin.id)

    updated = await audit_rows(session, "library.document.updated", doc["id"])
    assert [u.details["version"] for u in updated if u.details] == [2, 3]
    denied = await audit_rows(session, "library.document.update", doc["id"])
    assert len(denied) == 4 and {d.outcome for d in denied} == {"denied"}


async def test_missing_documents_answer_404_and_creation_is_idempotent(
    client: httpx.AsyncClient, world: World
) -> None:
    missing = "6f1c2c8e-2b6e-4a53-9a59-0d3f4c3e1a11"
    for method, path in [
        ("GET", f"/library/documents/{missing}"),
        ("PATCH", f"/library/documents/{missing}"),
        ("GET", f"/library/documents/{missing}/revisions"),
        ("GET", f"/library/documents/{missing}/file"),
        ("GET", f"/library/documents/{missing}/files/{missing}"),
    ]:
        response = await client.request(
            method,
            API + path,
            json={"title": "x"} if method == "PATCH" else None,
            headers=world.admin.headers,
        )
        assert response.status_code == 404, (path, response.text)
    key = {"Idempotency-Key": "library-1"}
    first = await create(client, world.fra_focal, law(), **key)
    again = await create(client, world.fra_focal, law(title="Another"), **key)
    assert again["id"] == first["id"] and again["title"] == first["title"]
    listed = await client.get(f"{API}/library/documents", headers=world.officer.headers)
    assert [d["id"] for d in listed.json()["items"]] == [first["id"]]
    # Auditors read nothing of the library.
    refused = await client.get(f"{API}/library/documents", headers=world.auditor.headers)
    assert refused.status_code == 403

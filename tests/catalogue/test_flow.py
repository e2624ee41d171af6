"""A closed case nominated, checked, consented, approved, found, and unpublished again."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.cases.conftest import Network, audit_rows
from tests.catalogue.conftest import API, PERSON, closed_case, nominate, step, step_ok


def _flags(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["kind"]: f for f in entry["flags"]}


async def test_a_closed_case_from_nomination_to_publication_and_back(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await closed_case(client, net)
    case_id, reference = case["id"], case["reference"]

    # Nominated with the person's name and the case reference in its texts: both flagged.
    entry = await nominate(
        client,
        net.fr,
        case_id,
        obstacles=f"The bank of {PERSON} answered late; our file {reference} shows why.",
    )
    eid = entry["id"]
    assert entry["status"] == "draft" and entry["kind"] == "case"
    assert entry["id"] != case_id
    flags = _flags(entry)
    assert set(flags) == {"case_person", "case_reference"}
    assert flags["case_reference"]["match"] == reference
    assert flags["case_reference"]["justifiable"] is False
    assert entry["ready_to_submit"] is False
    # What the server took from the case: States, outcome, weeks; never its text.
    assert (entry["requesting_state"], entry["requested_state"]) == ("FRA", "ITA")
    assert entry["requesting_region"] == "Europe" and entry["outcome"] == "executed"
    assert entry["cooperation_type"] == "mla" and entry["legal_basis"] == "convention"
    assert entry["measures"] == ["banking_information"]
    assert entry["weeks_to_execute"] == 0
    assert case["title"] not in json.dumps(entry)

    # Not submitted while flags stand; a reference is never justified away.
    refused = await step(client, net.fr, eid, "submit")
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:canet:problem:personal-data-flags"
    bad = await client.patch(
        f"{API}/catalogue/entries/{eid}",
        json={"justifications": {flags["case_reference"]["id"]: "it is our own file"}},
        headers=net.fr.headers,
    )
    assert bad.status_code == 422

    # Fixed: the check runs again on the edit and finds nothing.
    fixed = await client.patch(
        f"{API}/catalogue/entries/{eid}",
        json={"obstacles": "The bank answered late; the reasons were in the execution file."},
        headers=net.fr.headers,
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["flags"] == [] and fixed.json()["ready_to_submit"] is True
    assert fixed.json()["version"] == 2

    submitted = await step_ok(client, net.fr, eid, "submit")
    assert submitted["status"] == "awaiting_consent"
    assert submitted["consent"] == "awaiting"

    # The other side's focal point consents; its other officers do not even see the entry.
    assert (await step(client, net.it2, eid, "consent")).status_code == 404
    assert (await step(client, net.fr_focal, eid, "consent")).status_code == 403
    pending = await client.get(f"{API}/catalogue/entries/{eid}", headers=net.it_focal.headers)
    assert "consent" in pending.json()["allowed_actions"]
    consented = await step_ok(client, net.it_focal, eid, "consent")
    assert consented["status"] == "in_review" and consented["consent"] == "given"

    # A moderator approves: published, with a discussion thread.
    published = await step_ok(client, net.moderator, eid, "approve", note="clear and useful")
    assert published["status"] == "published"
    assert published["published_at"] is not None
    thread_id = published["discussion"]["thread_id"]

    # An outsider of the case reads the entry, cannot reach the case, finds no trace of it.
    outsider = net.br
    read = await client.get(f"{API}/catalogue/entries/{eid}", headers=outsider.headers)
    assert read.status_code == 200
    # The public read: no author (their authority would name a State), no working detail.
    assert not {"author", "flags", "created_at", "status"} & set(read.json())
    assert (await client.get(f"{API}/cases/{case_id}", headers=outsider.headers)).status_code == 404
    found = await client.get(
        f"{API}/catalogue/entries", params={"q": "bank answered"}, headers=outsider.headers
    )
    assert [e["id"] for e in found.json()["items"]] == [eid]
    facets = await client.get(
        f"{API}/catalogue/facets", params={"measure": "banking_information"},
        headers=outsider.headers,
    )  # fmt: skip
    assert facets.json()["total"] == 1
    counts = {f: {c["value"]: c["count"] for c in facets.json()[f]} for f in facets.json()
              if f != "total"}  # fmt: skip
    assert counts["legal_basis"] == {"convention": 1}
    assert counts["region"] == {"Europe": 1}
    assert counts["cooperation_type"] == {"mla": 1}
    assert counts["crime_type"] == {"laundering_of_proceeds_of_crime": 1}
    assert counts["outcome"] == {"executed": 1}
    assert list(counts["year"]) == [published["published_at"][:4]]
    exported_json = await client.get(f"{API}/catalogue/export", headers=outsider.headers)
    exported_csv = await client.get(
        f"{API}/catalogue/export", params={"format": "csv"}, headers=outsider.headers
    )
    thread = await client.get(f"{API}/threads/{thread_id}", headers=outsider.headers)
    posts = await client.get(f"{API}/threads/{thread_id}/posts", headers=outsider.headers)
    assert thread.status_code == 200 and posts.status_code == 200
    for text in (
        read.text,
        found.text,
        facets.text,
        exported_json.text,
        exported_csv.text,
        thread.text,
        posts.text,
    ):
        assert case_id not in text
        assert reference not in text
        assert case_id.replace("-", "") not in text
        assert reference.split("-", 1)[1] not in text
    assert eid in exported_json.text and eid in exported_csv.text
    # The case's own time never shows (unless the entry was published within the same second,
    # when the publication time shares its digits).
    if case["created_at"][:19] != read.json().get("published_at", "")[:19]:
        assert case["created_at"][:19] not in read.text

    # Consent withdrawn by the nominating side's focal point: unpublished at once.
    withdrawn = await step_ok(client, net.fr_focal, eid, "withdraw_consent", note="new facts")
    assert withdrawn["status"] == "withdrawn"
    again = await client.get(f"{API}/catalogue/entries/{eid}", headers=outsider.headers)
    assert again.status_code == 404
    listed = await client.get(f"{API}/catalogue/entries", headers=outsider.headers)
    assert listed.json()["items"] == []
    locked = await client.get(f"{API}/threads/{thread_id}", headers=outsider.headers)
    assert locked.json()["locked"] is True

    # Every write audited, the probe of the withdrawn entry as a denial.
    for action in (
        "catalogue.entry.created",
        "catalogue.entry.updated",
        "catalogue.entry.submitted",
        "catalogue.entry.consented",
        "catalogue.entry.published",
        "catalogue.entry.consent_withdrawn",
    ):
        rows = await audit_rows(session, action, eid)
        assert len(rows) == 1, action
        assert rows[0].outcome == "success"
    denied = await audit_rows(session, "catalogue.access.denied", eid)
    assert {r.actor_user_id for r in denied} >= {outsider.id, net.it2.id}
    assert await audit_rows(session, "catalogue.exported")

"""Who may nominate what, the personal-data check's flags and who reads them, consent declined
and asked again, good-practice notes, and the review's four eyes."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.events import Event
from tests.cases.conftest import Network, act_ok, audit_rows, create_case
from tests.catalogue.conftest import (
    API,
    PERSON,
    closed_case,
    entry_payload,
    nominate,
    step,
    step_ok,
)
from tests.factories import make_member


async def test_only_insiders_nominate_only_closed_cases_once(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    open_case = await create_case(client, net.fr, net.ita)
    await act_ok(client, net.fr, open_case["id"], "submit")
    not_closed = await client.post(
        f"{API}/catalogue/entries", json=entry_payload(open_case["id"]), headers=net.fr.headers
    )
    assert not_closed.status_code == 409
    assert not_closed.json()["type"] == "urn:canet:problem:case-not-closed"

    case = await closed_case(client, net)
    for outsider in (net.br, net.liaison, net.moderator, net.admin):
        response = await client.post(
            f"{API}/catalogue/entries", json=entry_payload(case["id"]), headers=outsider.headers
        )
        assert response.status_code == 404, outsider
        assert case["reference"] not in response.text
    # Either side's officers may nominate; the case is nominated once at a time.
    first = await nominate(client, net.it2, case["id"])
    assert first["requested_state"] == "ITA"
    twice = await client.post(
        f"{API}/catalogue/entries", json=entry_payload(case["id"]), headers=net.fr.headers
    )
    assert twice.status_code == 409
    # A nomination takes its States and outcome from the case, never from the nominator.
    forced = await client.post(
        f"{API}/catalogue/entries",
        json=entry_payload(case["id"], outcome="refused"),
        headers=net.fr.headers,
    )
    assert forced.status_code == 422
    # The requested side nominated: the requesting side consents.
    withdrawn = await step_ok(client, net.it2, first["id"], "withdraw")
    assert withdrawn["status"] == "withdrawn"
    again = await nominate(client, net.fr, case["id"], disclosure="regions")
    assert again["requesting_state"] is None and again["requested_state"] is None
    assert again["requesting_region"] == "Europe" and again["requested_region"] == "Europe"
    assert await audit_rows(session, "case.access.denied", case["id"])


async def test_flags_name_the_case_only_to_who_sees_it(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await closed_case(client, net)
    entry = await nominate(
        client,
        net.fr,
        case["id"],
        summary=f"Mr {PERSON.split()[1].upper()} held accounts; write to rossi@example.org.",
        lessons="Call +39 06 1234 5678 early.",
    )
    kinds = sorted(f["kind"] for f in entry["flags"])
    assert kinds == ["case_person", "email", "phone"]
    person = next(f for f in entry["flags"] if f["kind"] == "case_person")
    assert person["match"] == "ROSSI" and person["justifiable"] is True
    email = next(f for f in entry["flags"] if f["kind"] == "email")

    # Justified (the surname is also a company's name, say) and the rest fixed.
    edited = await client.patch(
        f"{API}/catalogue/entries/{entry['id']}",
        json={
            "summary": f"Mr {PERSON.split()[1].upper()} held accounts.",
            "lessons": "Call early.",
            "justifications": {person["id"]: "the name of the bank, public in the judgment"},
        },
        headers=net.fr.headers,
    )
    assert edited.status_code == 200, edited.text
    assert [f["kind"] for f in edited.json()["flags"]] == ["case_person"]
    assert edited.json()["ready_to_submit"] is True
    unknown = await client.patch(
        f"{API}/catalogue/entries/{entry['id']}",
        json={"justifications": {email["id"]: "gone"}},
        headers=net.fr.headers,
    )
    assert unknown.status_code == 422
    await step_ok(client, net.fr, entry["id"], "submit")
    # The other side's focal point sees the case: the name is shown.
    seen = await client.get(f"{API}/catalogue/entries/{entry['id']}", headers=net.it_focal.headers)
    assert seen.json()["flags"][0]["match"] == "ROSSI"
    await step_ok(client, net.it_focal, entry["id"], "consent")
    # A moderator does not see the case: the flag and its reason, not which word it was.
    reviewed = await client.get(
        f"{API}/catalogue/entries/{entry['id']}", headers=net.moderator.headers
    )
    flag = reviewed.json()["flags"][0]
    assert flag["match"] is None and flag["spans"] == []
    assert flag["justification"] == "the name of the bank, public in the judgment"
    assert PERSON.split()[0] not in reviewed.text
    # Other officers of the two authorities never see an unpublished entry.
    for member in (net.fr2, net.it2, net.br):
        hidden = await client.get(f"{API}/catalogue/entries/{entry['id']}", headers=member.headers)
        assert hidden.status_code == 404
    # Once published, readers get no flags at all.
    await step_ok(client, net.moderator, entry["id"], "approve")
    public = await client.get(f"{API}/catalogue/entries", headers=net.br.headers)
    assert "flags" not in public.json()["items"][0]


async def test_declined_edited_sent_back_and_consent_asked_again(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await closed_case(client, net)
    entry = await nominate(client, net.fr, case["id"])
    eid = entry["id"]
    await step_ok(client, net.fr, eid, "submit")
    no_reason = await step(client, net.it_focal, eid, "decline")
    assert no_reason.status_code == 422
    declined = await step_ok(client, net.it_focal, eid, "decline", note="too close to trial")
    assert declined["status"] == "declined" and declined["consent"] == "declined"
    assert declined["declined_reason"] == "too close to trial"
    edited = await client.patch(
        f"{API}/catalogue/entries/{eid}", json={"disclosure": "regions"}, headers=net.fr.headers
    )
    assert edited.json()["requesting_state"] is None
    await step_ok(client, net.fr, eid, "submit")
    await step_ok(client, net.it_focal, eid, "consent")
    sent_back = await step_ok(client, net.moderator, eid, "request_changes", note="shorter")
    assert sent_back["status"] == "changes_requested" and sent_back["review_note"] == "shorter"
    # Not while in review: only the author edits, only when sent back.
    assert (await step(client, net.moderator, eid, "approve")).status_code == 409
    await client.patch(
        f"{API}/catalogue/entries/{eid}", json={"lessons": "Be brief."}, headers=net.fr.headers
    )
    resubmitted = await step_ok(client, net.fr, eid, "submit")
    # Consent was given to the text as it was: asked again.
    assert resubmitted["status"] == "awaiting_consent"
    consent_requests = await session.execute(
        Event.__table__.select().where(Event.name == "catalogue.consent_requested")  # type: ignore[attr-defined]
    )
    recipients = {row.audience_id for row in consent_requests}
    assert recipients == {str(net.it_focal.id)}
    await step_ok(client, net.it_focal, eid, "consent")
    rejected = await step_ok(client, net.moderator, eid, "reject", note="out of scope")
    assert rejected["status"] == "rejected"
    # The case may be nominated again.
    await nominate(client, net.fr, case["id"])
    for action in ("declined", "changes_requested", "rejected"):
        assert len(await audit_rows(session, f"catalogue.entry.{action}", eid)) == 1


async def test_a_good_practice_note_reviewed_by_another_moderator(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    note = await nominate(
        client,
        net.moderator,
        None,
        cooperation_type="extradition",
        requesting_state="BRA",
        requested_state="PRT",
        title="Video hearings before the extradition decision",
    )
    assert note["kind"] == "practice" and note["consent"] == "not_needed"
    assert note["requesting_region"] == "Americas" and note["requested_region"] == "Europe"
    submitted = await step_ok(client, net.moderator, note["id"], "submit")
    assert submitted["status"] == "in_review"
    assert "approve" not in submitted["allowed_actions"]
    own = await step(client, net.moderator, note["id"], "approve")
    assert own.status_code == 403
    # Another moderator reviews (members never review).
    assert (await step(client, net.fr, note["id"], "approve")).status_code == 404
    other = await make_member(session, roles=["moderator"])
    await session.commit()
    published = await step_ok(client, other, note["id"], "approve")
    assert published["status"] == "published" and published["discussion"] is not None
    listed = await client.get(
        f"{API}/catalogue/entries", params={"kind": "practice"}, headers=net.liaison.headers
    )
    assert [e["id"] for e in listed.json()["items"]] == [note["id"]]
    # A note names its type, and only known States.
    for bad in ({"cooperation_type": None}, {"requesting_state": "XXX"}):
        response = await client.post(
            f"{API}/catalogue/entries", json=entry_payload(None, **bad), headers=net.fr.headers
        )
        assert response.status_code == 422, bad
    # Its author withdraws it: unpublished.
    await step_ok(client, net.moderator, note["id"], "withdraw")
    listed = await client.get(f"{API}/catalogue/entries", headers=net.liaison.headers)
    assert listed.json()["items"] == []
    auditor = await client.get(f"{API}/catalogue/entries", headers=net.auditor.headers)
    assert auditor.status_code == 403


async def test_the_queue_shows_what_waits_for_me(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await closed_case(client, net)
    entry = await nominate(client, net.fr, case["id"])
    await step_ok(client, net.fr, entry["id"], "submit")
    queue = (await client.get(f"{API}/catalogue/queue", headers=net.it_focal.headers)).json()
    assert [(q["id"], q["allowed_actions"]) for q in queue] == [
        (entry["id"], ["consent", "decline"])
    ]
    assert (await client.get(f"{API}/catalogue/queue", headers=net.it2.headers)).json() == []
    assert (await client.get(f"{API}/catalogue/queue", headers=net.moderator.headers)).json() == []
    await step_ok(client, net.it_focal, entry["id"], "consent")
    queue = (await client.get(f"{API}/catalogue/queue", headers=net.moderator.headers)).json()
    assert queue[0]["allowed_actions"] == ["approve", "request_changes", "reject"]

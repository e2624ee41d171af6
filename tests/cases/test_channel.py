"""The channel: messages with handling codes, attachments encrypted at rest, export."""

from __future__ import annotations

import hashlib
import os

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.schemas import MessageRead
from app.cases.storage import storage_for
from app.config import Settings
from app.core.pagination import Page
from app.db import Database
from app.main import create_app
from app.models.cases import CaseAttachment, CaseDataKey, CaseMessage
from app.models.events import Event
from tests.cases.conftest import Network, audit_rows, submitted_case

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + os.urandom(200_000) + b"\n%%EOF\n"


async def test_messages_with_handling_codes(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}/messages"
    plain = await client.post(
        url, json={"body": "**Urgent**: <script>alert(1)</script>"}, headers=net.fr.headers
    )
    assert plain.status_code == 201
    body = plain.json()
    assert body["handling_code"] is None
    assert "<strong>Urgent</strong>" in body["body_html"]
    assert "<script" not in body["body_html"]
    assert body["side"] == "requesting"
    for code in ("H0", "H1", "H2"):
        sent = await client.post(
            url, json={"body": f"coded {code}", "handling_code": code}, headers=net.it.headers
        )
        assert sent.status_code == 201
        assert sent.json()["handling_code"] == code
        assert sent.json()["handling_label"]
    h3_without_note = await client.post(
        url, json={"body": "x", "handling_code": "H3"}, headers=net.fr.headers
    )
    assert h3_without_note.status_code == 422
    h3 = await client.post(
        url,
        json={"body": "x", "handling_code": "H3", "handling_note": "not for the press"},
        headers=net.fr.headers,
    )
    assert h3.status_code == 201
    assert h3.json()["handling_note"] == "not for the press"
    bad = await client.post(url, json={"body": "x", "handling_code": "H9"}, headers=net.fr.headers)
    assert bad.status_code == 422

    page = await client.get(f"{url}?limit=3", headers=net.it.headers)
    assert page.status_code == 200
    first = page.json()
    assert len(first["items"]) == 3
    rest = (await client.get(f"{url}?cursor={first['next_cursor']}", headers=net.it.headers)).json()
    codes = [m["handling_code"] for m in first["items"] + rest["items"]]
    assert codes == [None, "H0", "H1", "H2", "H3"]
    viewed = await audit_rows(session, "case.messages.viewed", case["id"])
    assert len(viewed) == 2
    assert {e.actor_user_id for e in viewed} == {net.it.id}
    created = await audit_rows(session, "case.message.created")
    assert len(created) == 5
    assert all("body" not in (e.details or {}) for e in created)


async def test_a_page_of_messages_is_what_its_model_writes(
    client: httpx.AsyncClient, net: Network
) -> None:
    """A page of messages is written straight from its fields (app/core/responses.py), not
    through its model: the JSON must still be exactly what the model writes, and each message
    the same as the answer that posted it."""
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}/messages"
    sent = [
        await client.post(url, json={"body": "**Received**, thank you."}, headers=net.it.headers),
        await client.post(
            url,
            json={"body": "Witness details", "handling_code": "H3", "handling_note": "no copies"},
            headers=net.fr.headers,
        ),
        await client.post(
            url, json={"body": "Which court?", "kind": "consultation"}, headers=net.it.headers
        ),
    ]
    assert [response.status_code for response in sent] == [201, 201, 201]
    page_model = Page[MessageRead]
    for viewer in (net.fr, net.it):
        response = await client.get(url, headers=viewer.headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        # Byte for byte: no field missing, none extra, the same order and formats.
        assert page_model.model_validate_json(response.content).model_dump_json().encode() == (
            response.content
        )
        assert response.json()["items"][-3:] == [posted.json() for posted in sent]


async def test_messages_after_the_last_one_shown(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    """What a page showing the case asks when a message arrives: only the ones after the
    last it shows, in order, across pages; a message of another case is refused."""
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}/messages"
    ids = []
    for n in range(5):
        sent = await client.post(url, json={"body": f"m{n}"}, headers=net.fr.headers)
        ids.append(sent.json()["id"])

    newer = await client.get(f"{url}?after_message_id={ids[1]}", headers=net.it.headers)
    assert newer.status_code == 200
    assert [m["id"] for m in newer.json()["items"]] == ids[2:]
    assert newer.json()["next_cursor"] is None
    first = (
        await client.get(f"{url}?after_message_id={ids[0]}&limit=2", headers=net.it.headers)
    ).json()
    assert [m["id"] for m in first["items"]] == ids[1:3]
    rest = await client.get(
        f"{url}?after_message_id={ids[0]}&limit=2&cursor={first['next_cursor']}",
        headers=net.it.headers,
    )
    assert [m["id"] for m in rest.json()["items"]] == ids[3:5]
    last = await client.get(f"{url}?after_message_id={ids[-1]}", headers=net.it.headers)
    assert last.json() == {"items": [], "next_cursor": None}
    viewed = await audit_rows(session, "case.messages.viewed", case["id"])
    assert [e.details["message_ids"] for e in viewed] == [ids[2:], ids[1:3], ids[3:5], []]

    other = await submitted_case(client, net)
    elsewhere = (
        await client.post(
            f"/api/v1/cases/{other['id']}/messages", json={"body": "x"}, headers=net.fr.headers
        )
    ).json()["id"]
    refused = await client.get(f"{url}?after_message_id={elsewhere}", headers=net.it.headers)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"] == [
        {"field": "after_message_id", "message": "not a message of this case"}
    ]
    assert len(await audit_rows(session, "case.messages.viewed", case["id"])) == 4


async def test_idempotent_message(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}/messages"
    headers = {**net.fr.headers, "Idempotency-Key": "m-1"}
    first = await client.post(url, json={"body": "once"}, headers=headers)
    second = await client.post(url, json={"body": "once"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    count = len((await session.execute(select(CaseMessage))).scalars().all())
    assert count == 1
    events = (
        (await session.execute(select(Event).where(Event.name == "case.message.created")))
        .scalars()
        .all()
    )
    assert [e.data for e in events] == [{"case_id": case["id"], "message_id": first.json()["id"]}]


async def test_attachment_round_trip_encrypted_at_rest(
    client: httpx.AsyncClient, session: AsyncSession, net: Network, settings: Settings
) -> None:
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}/attachments"
    upload = await client.post(
        url,
        files={"file": ("../../etc/Bank records:*2026.pdf", PDF, "application/pdf")},
        data={"handling_code": "H2"},
        headers=net.fr.headers,
    )
    assert upload.status_code == 201, upload.text
    meta = upload.json()
    assert meta["filename"] == "Bank records_2026.pdf"
    assert meta["size"] == len(PDF)
    assert meta["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert meta["content_type"] == "application/pdf"
    assert meta["handling_code"] == "H2"

    stored = await session.get(CaseAttachment, meta["id"])
    assert stored is not None
    blob = storage_for(settings).path_of(stored.storage_key).read_bytes()  # type: ignore[attr-defined]
    assert blob != PDF
    assert b"%PDF" not in blob
    assert PDF[100:164] not in blob
    key_row = await session.get(CaseDataKey, stored.case_id)
    assert key_row is not None and len(key_row.wrapped_key) == 12 + 32 + 16

    download = await client.get(f"{url}/{meta['id']}", headers=net.it.headers)
    assert download.status_code == 200
    assert download.content == PDF
    assert hashlib.sha256(download.content).hexdigest() == meta["sha256"]
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "Bank%20records_2026.pdf" in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["x-content-sha256"] == meta["sha256"]
    downloaded = await audit_rows(session, "case.attachment.downloaded", meta["id"])
    assert [e.actor_user_id for e in downloaded] == [net.it.id]
    [created] = await audit_rows(session, "case.attachment.created", meta["id"])
    assert "Bank records" not in str(created.details)  # a filename is case content

    listing = await client.get(url, headers=net.fr.headers)
    assert [a["sha256"] for a in listing.json()] == [meta["sha256"]]
    events = (
        (await session.execute(select(Event).where(Event.name == "case.attachment.created")))
        .scalars()
        .all()
    )
    assert [e.data for e in events] == [{"case_id": case["id"], "attachment_id": meta["id"]}]
    assert events[0].audience_kind == "case" and events[0].audience_id == case["id"]


async def test_tampered_blob_does_not_decrypt(
    client: httpx.AsyncClient, session: AsyncSession, net: Network, settings: Settings
) -> None:
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}/attachments"
    meta = (
        await client.post(
            url, files={"file": ("n.txt", b"hello " * 50, "text/plain")}, headers=net.fr.headers
        )
    ).json()
    stored = await session.get(CaseAttachment, meta["id"])
    assert stored is not None
    path = storage_for(settings).path_of(stored.storage_key)  # type: ignore[attr-defined]
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(Exception, match="authentication"):
        await client.get(f"{url}/{meta['id']}", headers=net.fr.headers)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("report.pdf", b"MZ\x90\x00" + b"\x00" * 100, 415),  # an executable named .pdf
        ("photo.png", b"%PDF-1.4\n" + b"x" * 100, 415),  # content and name disagree
        ("run.sh", b"#!/bin/sh\nrm -rf /\n", 415),
        ("blob.bin", bytes(range(256)) * 4, 415),  # unknown binary
        ("notes.txt", "Café crème\n".encode() * 10, 201),
        ("page.html", b"<html><script>x</script></html>", 415),  # never stored as HTML
        ("list.csv", b"name,amount\nAcme,100\n", 201),
        ("notes", b"plain words", 201),
    ],
)
async def test_content_is_checked_by_content(
    client: httpx.AsyncClient, net: Network, name: str, content: bytes, expected: int
) -> None:
    case = await submitted_case(client, net)
    response = await client.post(
        f"/api/v1/cases/{case['id']}/attachments",
        files={"file": (name, content, "application/octet-stream")},
        headers=net.fr.headers,
    )
    assert response.status_code == expected, response.text
    if expected == 201:
        wanted = "text/csv" if name.endswith(".csv") else "text/plain"
        assert response.json()["content_type"] == wanted


async def test_upload_size_limit_and_missing_file(
    settings: Settings, db: Database, session: AsyncSession, net: Network
) -> None:
    small = settings.model_copy(update={"max_attachment_bytes": 100_000})
    app: FastAPI = create_app(small, database=db)
    app.state.db = db
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        case = await submitted_case(client, net)
        url = f"/api/v1/cases/{case['id']}/attachments"
        too_big = await client.post(
            url, files={"file": ("big.pdf", PDF, "application/pdf")}, headers=net.fr.headers
        )
        assert too_big.status_code == 413
        # A multipart body without its file part: the field is missing (422).
        nothing = await client.post(
            url, files={"handling_code": (None, "H0")}, headers=net.fr.headers
        )
        assert nothing.status_code == 422
        assert nothing.json()["errors"] == [
            {"field": "file", "message": "a multipart `file` is required"}
        ]
        # Not multipart at all (a form or JSON body): the request itself is wrong (400).
        for other in ({"data": {"handling_code": "H0"}}, {"json": {"a": 1}}):
            not_multipart = await client.post(url, headers=net.fr.headers, **other)  # type: ignore[arg-type]
            assert not_multipart.status_code == 400
    assert (await session.execute(select(CaseAttachment))).scalars().all() == []
    leftovers = list((small.data_dir / "attachments").rglob("*.part"))
    assert leftovers == []


async def test_case_file_export(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    await client.post(
        f"/api/v1/cases/{cid}/messages",
        json={"body": "see file", "handling_code": "H1"},
        headers=net.fr.headers,
    )
    meta = (
        await client.post(
            f"/api/v1/cases/{cid}/attachments",
            files={"file": ("a.pdf", PDF, "application/pdf")},
            headers=net.fr.headers,
        )
    ).json()
    response = await client.get(f"/api/v1/cases/{cid}/export", headers=net.it.headers)
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{case["reference"]}.json"'
    )
    data = response.json()
    assert data["case"]["reference"] == case["reference"]
    assert data["case"]["status"] == "received"
    assert [m["handling_code"] for m in data["messages"]] == ["H1"]
    assert data["messages"][0]["handling_label"].startswith("not for use in judicial")
    assert data["attachments"][0]["sha256"] == meta["sha256"]
    assert [e["to_status"] for e in data["timeline"] if e["receipt"]] == ["submitted", "received"]
    assert set(data["handling_codes"]) == {"H0", "H1", "H2", "H3"}
    assert (await audit_rows(session, "case.exported", cid))[0].actor_user_id == net.it.id


async def test_nul_bytes_in_multipart_fields_never_crash(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    # The file itself may hold NUL bytes; its name and the text fields are what reach
    # PostgreSQL text columns, so they must be cleaned or refused, never a 500.
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}/attachments"
    named = await client.post(
        url,
        files={"file": ("evi\x00dence.pdf", PDF, "application/pdf")},
        headers=net.fr.headers,
    )
    assert named.status_code == 201, named.text
    assert "\x00" not in named.json()["filename"]
    coded = await client.post(
        url,
        files={"file": ("evidence.pdf", PDF, "application/pdf")},
        data={"handling_code": "H\x002"},
        headers=net.fr.headers,
    )
    assert coded.status_code == 422
    assert coded.headers["content-type"] == "application/problem+json"

"""An upload retried with its Idempotency-Key returns the first file and stores nothing new.

A client whose connection broke after the server committed the upload (a worker killed, a
proxy timeout) cannot know it did, and sends the file again with the same key, as it does a
message: the retry must answer the file already made, not make a second one.
"""

from __future__ import annotations

import hashlib

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.models.cases import CaseAttachment
from app.models.events import Event
from tests.cases.conftest import Network, audit_rows, submitted_case

TEXT = b"Statement of the account holder, page 1.\n" * 2000


def _stored_files(settings: Settings) -> list[str]:
    root = settings.data_dir / "attachments"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


async def test_a_retried_upload_returns_the_first_file(
    client: httpx.AsyncClient, session: AsyncSession, net: Network, settings: Settings
) -> None:
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}/attachments"
    before = _stored_files(settings)
    headers = {**net.fr.headers, "Idempotency-Key": "upload-1"}
    first = await client.post(url, files={"file": ("statement.txt", TEXT)}, headers=headers)
    assert first.status_code == 201, first.text
    # The retry carries the same key; whatever it sends, the first file is the answer.
    again = await client.post(url, files={"file": ("statement.txt", TEXT)}, headers=headers)
    other = await client.post(
        url, files={"file": ("other.txt", b"something else")}, headers=headers
    )
    assert again.status_code == other.status_code == 201
    assert again.json() == other.json() == first.json()
    assert first.json()["sha256"] == hashlib.sha256(TEXT).hexdigest()

    rows = (await session.execute(select(CaseAttachment))).scalars().all()
    assert [str(r.id) for r in rows] == [first.json()["id"]]
    assert len(_stored_files(settings)) == len(before) + 1
    assert len(await audit_rows(session, "case.attachment.created")) == 1
    events = (
        (await session.execute(select(Event).where(Event.name == "case.attachment.created")))
        .scalars()
        .all()
    )
    assert [e.data["attachment_id"] for e in events] == [first.json()["id"]]


async def test_keys_are_the_uploaders_own(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}/attachments"
    mine = await client.post(
        url,
        files={"file": ("request.txt", TEXT)},
        headers={**net.fr.headers, "Idempotency-Key": "same-key"},
    )
    theirs = await client.post(
        url,
        files={"file": ("answer.txt", b"Records attached.\n")},
        headers={**net.it.headers, "Idempotency-Key": "same-key"},
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.json()["filename"] == "answer.txt"
    rows = (await session.execute(select(CaseAttachment))).scalars().all()
    assert len(rows) == 2

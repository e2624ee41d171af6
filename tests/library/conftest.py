"""A small network for library tests: France and Italy with a central authority each, a
focal point of each, an officer, an admin, a moderator and an auditor; requirement sheets of
both; a bilateral France-Italy treaty, one between Germany and Spain, and a multilateral one."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.audit import AuditEntry
from app.models.directory import Authority, RequirementSheet, Treaty
from tests.factories import (
    Member,
    make_authority,
    make_member,
    make_requirement_sheet,
    make_treaty,
)

API = "/api/v1"


@dataclass
class World:
    fra: Authority
    ita: Authority
    fra_focal: Member
    ita_focal: Member
    officer: Member
    admin: Member
    moderator: Member
    auditor: Member
    fra_sheet: RequirementSheet
    ita_sheet: RequirementSheet
    fra_ita: Treaty
    deu_esp: Treaty
    convention: Treaty


@pytest.fixture
async def world(session: AsyncSession) -> World:
    fra = await make_authority(session, state_code="FRA", name="Ministère de la Justice")
    ita = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    built = World(
        fra=fra,
        ita=ita,
        fra_focal=await make_member(session, authority=fra, focal_point=True),
        ita_focal=await make_member(session, authority=ita, focal_point=True),
        officer=await make_member(session, authority=fra),
        admin=await make_member(session, roles=["admin"]),
        moderator=await make_member(session, roles=["moderator"], authority=fra),
        auditor=await make_member(session, roles=["auditor"]),
        fra_sheet=await make_requirement_sheet(session, state_code="FRA"),
        ita_sheet=await make_requirement_sheet(session, state_code="ITA"),
        fra_ita=await make_treaty(session, parties=["FRA", "ITA"], title="Franco-Italian MLA"),
        deu_esp=await make_treaty(session, parties=["DEU", "ESP"], title="German-Spanish MLA"),
        convention=await make_treaty(
            session,
            parties=["FRA", "ITA", "DEU", "ESP"],
            title="Palermo Convention",
            kind="multilateral",
            subjects=[],
        ),
    )
    await session.commit()
    return built


def law(**overrides: Any) -> dict[str, Any]:
    """A French national law, as its focal point would enter it."""
    payload: dict[str, Any] = {
        "kind": "national_law",
        "title": "Code de procédure pénale, livre V: entraide judiciaire",
        "state_code": "FRA",
        "language": "fr",
        "version_date": "2024-03-01",
        "source_url": "https://www.legifrance.gouv.fr/codes/id/LEGITEXT000006071154",
        "summary": "Articles 694 to 696-47: mutual assistance and extradition.",
        "tags": ["Extradition", "mla"],
    }
    payload.update(overrides)
    return payload


async def create(
    client: httpx.AsyncClient, member: Member, payload: dict[str, Any], **headers: str
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/library/documents", json=payload, headers={**member.headers, **headers}
    )
    assert response.status_code == 201, response.text
    return response.json()


def pdf(size: int = 20_000, marker: bytes = b"") -> bytes:
    head = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + marker
    tail = b"\n%%EOF\n"
    return head + os.urandom(max(0, size - len(head) - len(tail))) + tail


async def upload(
    client: httpx.AsyncClient,
    member: Member,
    document_id: str,
    content: bytes,
    filename: str = "code.pdf",
    note: str | None = None,
) -> httpx.Response:
    data = {"note": note} if note is not None else None
    return await client.post(
        f"{API}/library/documents/{document_id}/file",
        files={"file": (filename, content, "application/octet-stream")},
        data=data,
        headers=member.headers,
    )


def multipart_chunks(
    filename: str, size: int, *, chunk: int = 64 * 1024
) -> tuple[str, AsyncIterator[bytes]]:
    """(content type, a body of `size` bytes of PDF generated piece by piece): never whole."""
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + b"%PDF-1.7\n"
    tail = f"\r\n--{boundary}--\r\n".encode()

    async def body() -> AsyncIterator[bytes]:
        yield head
        sent = 9
        block = b"0123456789abcdef" * (chunk // 16)
        while sent < size:
            piece = block[: min(chunk, size - sent)]
            sent += len(piece)
            yield piece
        yield tail

    return f"multipart/form-data; boundary={boundary}", body()


async def audit_rows(
    session: AsyncSession, action: str, target_id: uuid.UUID | str | None = None
) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == action)
    if target_id is not None:
        stmt = stmt.where(AuditEntry.target_id == str(target_id))
    return list((await session.execute(stmt.order_by(AuditEntry.occurred_at))).scalars().all())

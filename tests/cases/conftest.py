"""A small network for case tests: two authorities with officers, and outsiders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.audit import AuditEntry
from app.models.directory import Authority
from tests.factories import Member, make_authority, make_member


@dataclass
class Network:
    fra: Authority  # requesting
    ita: Authority  # requested
    bra: Authority  # a third authority
    fr: Member  # officer of FRA
    fr2: Member  # another FRA officer
    fr_focal: Member
    it: Member  # officer of ITA
    it2: Member
    it_focal: Member
    br: Member  # officer of a third authority
    liaison: Member  # liaison magistrate of the third authority
    admin: Member
    moderator: Member
    auditor: Member

    @property
    def outsiders(self) -> dict[str, Member]:
        return {
            "third-authority officer": self.br,
            "liaison magistrate (not invited)": self.liaison,
            "admin": self.admin,
            "moderator": self.moderator,
            "auditor": self.auditor,
        }


@pytest.fixture
async def net(session: AsyncSession) -> Network:
    fra = await make_authority(session, state_code="FRA", name="Ministère de la Justice")
    ita = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    bra = await make_authority(session, state_code="BRA", name="DRCI")
    network = Network(
        fra=fra,
        ita=ita,
        bra=bra,
        fr=await make_member(session, authority=fra),
        fr2=await make_member(session, authority=fra),
        fr_focal=await make_member(session, authority=fra, focal_point=True),
        it=await make_member(session, authority=ita),
        it2=await make_member(session, authority=ita),
        it_focal=await make_member(session, authority=ita, focal_point=True),
        br=await make_member(session, authority=bra),
        liaison=await make_member(session, roles=["liaison_magistrate"], authority=bra),
        admin=await make_member(session, roles=["admin"]),
        moderator=await make_member(session, roles=["moderator"]),
        auditor=await make_member(session, roles=["auditor"]),
    )
    await session.commit()
    return network


def case_payload(requested: Authority, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "mla",
        "requested_authority_id": str(requested.id),
        "title": "Bank records of Acme Ltd",
        "summary": "Laundering of proceeds of fraud through accounts held in Milan.",
        "legal_basis": {"kind": "untoc_art18"},
        "offences": ["money laundering", "fraud"],
        "measures": ["banking_information"],
        "languages": ["fr", "en"],
        "urgency": "normal",
        "deadline": (date.today() + timedelta(days=60)).isoformat(),
        "deadline_reason": "trial date",
        "confidential": True,
    }
    payload.update(overrides)
    return payload


async def create_case(
    client: httpx.AsyncClient, member: Member, requested: Authority, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/cases", json=case_payload(requested, **overrides), headers=member.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def act(
    client: httpx.AsyncClient, member: Member, case_id: str, action: str, **fields: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{case_id}/transitions",
        json={"action": action, **fields},
        headers=member.headers,
    )


async def act_ok(
    client: httpx.AsyncClient, member: Member, case_id: str, action: str, **fields: Any
) -> dict[str, Any]:
    response = await act(client, member, case_id, action, **fields)
    assert response.status_code == 200, response.text
    return response.json()


async def submitted_case(
    client: httpx.AsyncClient, net: Network, **overrides: Any
) -> dict[str, Any]:
    case = await create_case(client, net.fr, net.ita, **overrides)
    return await act_ok(client, net.fr, case["id"], "submit")


async def audit_rows(
    session: AsyncSession, action: str, target_id: uuid.UUID | str | None = None
) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == action)
    if target_id is not None:
        stmt = stmt.where(AuditEntry.target_id == str(target_id))
    return list((await session.execute(stmt)).scalars().all())

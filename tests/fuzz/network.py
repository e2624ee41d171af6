"""A small network for the fuzzer: one member of each role, and real ids to aim at.

Built through the API where the API makes the thing (forums, threads, cases, attachments,
applications, role changes, service accounts ...), so every side table a real action fills
is filled, and with the factories where only the API's own sign-in would do (members and
their sessions). The ids it returns feed the fuzzer's path parameters and body fields, so
cases reach past "404 not found" into the operations' real rules.

The fuzzing identities:
- officer: an officer of the requesting authority (FRA), who opened the cases;
- focal_point: the focal point of the requested authority (ITA);
- liaison_magistrate: of a third authority (BRA), invited into the submitted case;
- moderator, admin, auditor: members without an authority, as the network has them;
- outsider: an officer of an authority that no case involves (ESP);
- anonymous: no credentials.
Their own ids are never fed to the fuzzer (it would suspend or strip its own callers);
`target` and `observer` stand in for "another member".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.tokens import issue_access_token
from app.models.identity import UserSession
from tests.factories import TEST_SECRET_KEY, Member, make_authority, make_member
from tests.identity.service_account_kit import new_key, propose

API = "/api/v1"

ROLES = (
    "officer",
    "focal_point",
    "liaison_magistrate",
    "moderator",
    "admin",
    "auditor",
    "outsider",
    "anonymous",
)


@dataclass
class Identity:
    """Who the fuzzer calls as: a member (or nobody), and how to make another like it."""

    role: str
    member: Member | None
    roles: list[str] = field(default_factory=list)
    authority_id: uuid.UUID | None = None
    focal_point: bool = False

    @property
    def headers(self) -> dict[str, str]:
        return self.member.headers if self.member else {}


@dataclass
class FuzzNetwork:
    identities: dict[str, Identity]
    # Path parameter or body field name -> real values (see runner.pool_for).
    pools: dict[str, list[Any]]


async def new_session_token(session: AsyncSession, user_id: uuid.UUID) -> tuple[uuid.UUID, str]:
    user_session = UserSession(user_id=user_id, expires_at=datetime.now(UTC) + timedelta(days=1))
    session.add(user_session)
    await session.flush()
    token, _ = issue_access_token(
        TEST_SECRET_KEY, user_id=user_id, session_id=user_session.id, ttl=timedelta(hours=2)
    )
    return user_session.id, token


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def _ok(response: httpx.Response, *expected: int) -> dict[str, Any]:
    assert response.status_code in (expected or (200, 201)), (
        f"seeding {response.request.method} {response.request.url}: "
        f"{response.status_code} {response.text}"
    )
    return response.json() if response.content else {}


async def build_network(session: AsyncSession, client: httpx.AsyncClient) -> FuzzNetwork:
    fra = await make_authority(session, state_code="FRA", name="Ministère de la Justice")
    ita = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    bra = await make_authority(session, state_code="BRA", name="DRCI")
    esp = await make_authority(session, state_code="ESP", name="Ministerio de Justicia")

    async def member(roles: list[str], authority: Any = None, focal: bool = False) -> Identity:
        m = await make_member(session, roles=roles, authority=authority, focal_point=focal)
        return Identity(
            role="",
            member=m,
            roles=roles,
            authority_id=authority.id if authority else None,
            focal_point=focal,
        )

    identities = {
        "officer": await member(["officer"], fra),
        "focal_point": await member(["officer"], ita, focal=True),
        "liaison_magistrate": await member(["liaison_magistrate"], bra),
        "moderator": await member(["moderator"]),
        "admin": await member(["admin"]),
        "auditor": await member(["auditor"]),
        "outsider": await member(["officer"], esp),
        "anonymous": Identity(role="anonymous", member=None),
    }
    for role, identity in identities.items():
        identity.role = role
    # Stand-ins for "another member", and the people the seed needs besides the fuzzed ones.
    target = await make_member(session, roles=["officer"], authority=fra)
    observer = await make_member(session, roles=["liaison_magistrate"], authority=bra)
    it_officer = await make_member(session, roles=["officer"], authority=ita)
    second_admin = await make_member(session, roles=["admin"])
    helper_moderator = await make_member(session, roles=["moderator"])
    # A spare session of each identity, for DELETE /me/sessions/{id} to end.
    spare_sessions = []
    for identity in identities.values():
        if identity.member is not None:
            session_id, _ = await new_session_token(session, identity.member.id)
            spare_sessions.append(str(session_id))
    await session.commit()

    officer = identities["officer"].member
    focal = identities["focal_point"].member
    liaison = identities["liaison_magistrate"].member
    assert officer and focal and liaison

    async def call(method: str, path: str, who: Member | None, *expected: int, **kw: Any) -> Any:
        headers = who.headers if who else {}
        return await _ok(await client.request(method, API + path, headers=headers, **kw), *expected)

    # Directory.
    treaty = await call(
        "POST",
        "/treaties",
        second_admin,
        json={"title": "FRA-ITA mutual assistance", "kind": "bilateral", "parties": ["FRA", "ITA"]},
    )
    sheet = await call("PUT", "/states/ITA/requirements/mla", second_admin, json={"possible": True})
    failure = await call(
        "POST", f"/authorities/{ita.id}/contact-failures", target, json={"channel": "email"}
    )

    # Forums: a forum, a thread with a reply, a flag, a group.
    forum = await call("POST", "/forums", helper_moderator, json={"name": "Practitioners"})
    thread = await call(
        "POST",
        f"/forums/{forum['id']}/threads",
        target,
        json={"title": "Video-link hearings", "body": "Has anyone used art. 18(18)?"},
    )
    first_post_id = (thread.get("first_post") or {}).get("id")
    reply = await call(
        "POST", f"/threads/{thread['id']}/posts", it_officer, json={"body": "Yes, last month."}
    )
    flag = await call("POST", f"/posts/{reply['id']}/flags", target, json={"reason": "off topic"})
    group = await call("POST", "/groups", helper_moderator, json={"name": "Mediterranean"})
    await call("PUT", f"/groups/{group['id']}/members/{target.id}", helper_moderator, 204)

    # Cases: one submitted and received, with a message, an attachment and two invited
    # participants; one still a draft.
    case_body = {
        "type": "mla",
        "requested_authority_id": str(ita.id),
        "title": "Bank records of Acme Ltd",
        "summary": "Laundering of proceeds of fraud through accounts held in Milan.",
        "legal_basis": {"kind": "untoc_art18"},
        "offences": ["money laundering"],
        "measures": ["banking_information"],
        "languages": ["fr", "en"],
        "urgency": "normal",
        "deadline": (date.today() + timedelta(days=60)).isoformat(),
        "deadline_reason": "trial date",
        "confidential": False,
    }
    case = await call("POST", "/cases", officer, 201, json=case_body)
    await call("POST", f"/cases/{case['id']}/transitions", officer, json={"action": "submit"})
    await call("GET", f"/cases/{case['id']}", focal)  # received
    message = await call(
        "POST", f"/cases/{case['id']}/messages", officer, 201, json={"body": "Please confirm."}
    )
    attachment = await call(
        "POST",
        f"/cases/{case['id']}/attachments",
        officer,
        201,
        files={"file": ("request.pdf", b"%PDF-1.4 fuzz seed\n", "application/pdf")},
    )
    for invited in (liaison, observer):
        await call(
            "POST",
            f"/cases/{case['id']}/participants",
            officer,
            201,
            json={"user_id": str(invited.id), "expires_at": in_days(30)},
        )
    draft = await call("POST", "/cases", officer, 201, json={**case_body, "title": "Draft"})

    # Catalogue: a good-practice note (no case) by the officer.
    entry = await call(
        "POST",
        "/catalogue/entries",
        officer,
        201,
        json={
            "cooperation_type": "mla",
            "requesting_state": "FRA",
            "requested_state": "ITA",
            "title": "Bank records within eight weeks",
            "summary": "Requests for banking information in a laundering investigation.",
            "crime_types": ["laundering_of_proceeds_of_crime"],
            "disclosure": "states",
        },
    )

    # Library: a French law with its text.
    document = await call(
        "POST",
        "/library/documents",
        second_admin,
        201,
        json={
            "kind": "national_law",
            "title": "Code de procédure pénale, livre V",
            "state_code": "FRA",
            "language": "fr",
        },
    )
    text_file = await call(
        "POST",
        f"/library/documents/{document['id']}/file",
        second_admin,
        201,
        files={"file": ("code.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")},
    )

    # Identity: an application waiting for review, a pending role change asked by another
    # admin (four eyes), a proposed service account.
    application = await call(
        "POST",
        "/auth/applications",
        None,
        201,
        json={
            "email": f"applicant-{uuid.uuid4().hex[:8]}@example.org",
            "full_name": "Ana Applicant",
            "password": "a long enough passphrase 42",
            "authority_id": str(fra.id),
            "position": "prosecutor",
            "justification": "I handle incoming MLA requests.",
        },
    )
    change = await call(
        "PATCH", f"/users/{target.id}", second_admin, 202, json={"roles": ["officer", "moderator"]}
    )
    key = new_key()
    account = await propose(client, focal, key)

    audit_ids = [
        row[0]
        for row in (
            await session.execute(text("SELECT id FROM audit_entries ORDER BY id DESC LIMIT 5"))
        ).all()
    ]

    pools: dict[str, list[Any]] = {
        "authority_id": [str(fra.id), str(ita.id), str(bra.id), str(esp.id)],
        "report_id": [failure["id"]],
        "code": ["ITA", "FRA"],
        "state": ["ITA", "FRA"],
        "request_type": ["mla"],
        "sheet_id": [sheet["id"]],
        "treaty_id": [treaty["id"]],
        "application_id": [application["id"]],
        "user_id": [str(target.id), str(observer.id)],
        "change_id": [change["pending_change_id"]],
        "session_id": spare_sessions,
        "account_id": [account["id"]],
        "kid": [k["kid"] for k in account["keys"]],
        "entry_id": [entry["id"], *audit_ids],
        "forum_id": [forum["id"]],
        "group_id": [group["id"]],
        "thread_id": [thread["id"]],
        "post_id": [reply["id"], *([first_post_id] if first_post_id else [])],
        "reply_to_post_id": [reply["id"]],
        "flag_id": [flag["id"]],
        "case_id": [case["id"], draft["id"]],
        "message_id": [message["id"]],
        "attachment_id": [attachment["id"]],
        "document_id": [document["id"]],
        "file_id": [text_file["file"]["id"]],
    }
    return FuzzNetwork(identities=identities, pools=pools)

"""Service accounts end to end in one process: proposed, approved (four eyes), signing in with
its own key, acting as an unrestricted officer of its authority within its scopes, audited."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.audit import AuditEntry
from app.models.cases import CaseParticipant
from app.models.identity import ServiceAccountKey, User, UserSession
from tests.cases.conftest import Network, case_payload, create_case
from tests.factories import make_forum, make_member
from tests.identity.service_account_kit import (
    API,
    KeyPair,
    approved_account,
    assertion,
    audit_entries,
    bearer,
    new_key,
    propose,
    request_token,
    token_for,
)


async def test_a_focal_point_proposes_and_another_moderator_approves(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    key = new_key()
    body = {"name": "Casier", "scopes": ["cases:read"], "public_key": {"pem": key.public_pem}}
    for outsider in (net.fr, net.moderator, net.admin):  # not focal points
        refused = await client.post(f"{API}/service-accounts", json=body, headers=outsider.headers)
        assert refused.status_code == 403, refused.text

    # A focal point who is also a moderator proposes; they may not approve their own proposal.
    both = await make_member(
        session, roles=["officer", "moderator"], authority=net.fra, focal_point=True
    )
    await session.commit()
    account = await propose(client, both, key, name="Casier judiciaire", scopes=["cases:read"])
    assert account["status"] == "pending"
    assert account["authority_id"] == str(net.fra.id)
    assert account["created_by"] == str(both.id)
    assert account["handle"].startswith("svc.casier.judiciaire.")
    assert account["scopes"] == ["cases:read"]
    [registered] = account["keys"]
    assert registered["alg"] == "EdDSA" and registered["revoked_at"] is None
    assert registered["kid"] == registered["thumbprint"]  # no kid given: the RFC 7638 one
    assert "approve" not in account["allowed_actions"]

    # Pending: its key signs in to nothing yet.
    early = await request_token(client, assertion(account["id"], key))
    assert early.status_code == 401 and early.json()["error"] == "invalid_client"

    own = await client.post(f"{API}/service-accounts/{account['id']}/approve", headers=both.headers)
    assert own.status_code == 403, own.text
    assert own.json()["type"] == "urn:canet:problem:four-eyes"
    focal = await client.post(
        f"{API}/service-accounts/{account['id']}/approve", headers=net.fr_focal.headers
    )
    assert focal.status_code == 403  # a focal point sees it, but only moderators decide

    seen = await client.get(
        f"{API}/service-accounts/{account['id']}", headers=net.moderator.headers
    )
    assert seen.json()["allowed_actions"] == ["approve", "reject", "revoke", "revoke_key"]
    approved = await client.post(
        f"{API}/service-accounts/{account['id']}/approve", headers=net.moderator.headers
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "active"
    assert approved.json()["approved_by"] == str(net.moderator.id)
    again = await client.post(
        f"{API}/service-accounts/{account['id']}/approve", headers=net.moderator.headers
    )
    assert again.status_code == 409

    assert (await request_token(client, assertion(account["id"], key))).status_code == 200

    # Who sees it: moderators and the authority's focal points; others 404 or 403.
    for outsider in (net.it_focal, net.fr, net.admin, net.auditor):
        hidden = await client.get(
            f"{API}/service-accounts/{account['id']}", headers=outsider.headers
        )
        assert hidden.status_code == 404, (outsider, hidden.text)
    assert (
        await client.get(f"{API}/service-accounts/{account['id']}", headers=net.fr_focal.headers)
    ).status_code == 200
    for lister, expected in ((net.moderator, 1), (net.fr_focal, 1), (net.it_focal, 0)):
        listed = await client.get(f"{API}/service-accounts", headers=lister.headers)
        assert listed.status_code == 200
        assert len(listed.json()["items"]) == expected
    assert (await client.get(f"{API}/service-accounts", headers=net.fr.headers)).status_code == 403

    target = account["id"]
    assert [
        e.actor_user_id for e in await audit_entries(session, "service_account.created", target)
    ] == [both.id]
    denied = await audit_entries(session, "service_account.approve", target)
    assert {(e.outcome, e.actor_user_id, e.details["code"]) for e in denied} == {
        ("denied", both.id, "four-eyes"),
        ("denied", net.fr_focal.id, "forbidden"),
    }
    assert [
        e.actor_user_id for e in await audit_entries(session, "service_account.approved", target)
    ] == [net.moderator.id]
    refusals = await audit_entries(session, "service_account.token_refused", target)
    assert [(e.outcome, e.details["error"]) for e in refusals] == [("denied", "invalid_client")]
    probes = await audit_entries(session, "service_account.access.denied", target)
    assert {e.actor_user_id for e in probes} == {
        net.it_focal.id,
        net.fr.id,
        net.admin.id,
        net.auditor.id,
    }


async def test_it_signs_in_and_submits_a_case_that_the_other_side_sees(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    key = new_key("ES256")
    account = await approved_account(client, net.fr_focal, net.moderator, key)
    issued = await request_token(client, assertion(account["id"], key))
    assert issued.status_code == 200, issued.text
    assert issued.headers["cache-control"] == "no-store"
    grant = issued.json()
    assert grant["token_type"] == "Bearer" and grant["expires_in"] == 600
    assert grant["scope"] == "cases:read cases:write directory:read events:read"
    headers = bearer(grant["access_token"])

    created = await client.post(f"{API}/cases", json=case_payload(net.ita), headers=headers)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    assert created.json()["requesting_authority_id"] == str(net.fra.id)
    submitted = await client.post(
        f"{API}/cases/{case_id}/transitions", json={"action": "submit"}, headers=headers
    )
    assert submitted.status_code == 200, submitted.text
    message = await client.post(
        f"{API}/cases/{case_id}/messages", json={"body": "Records attached soon."}, headers=headers
    )
    assert message.status_code == 201, message.text

    # The requested side sees it; so does a colleague of the account, not a third authority.
    seen = await client.get(f"{API}/cases/{case_id}", headers=net.it.headers)
    assert seen.status_code == 200 and seen.json()["status"] in ("submitted", "received")
    assert (await client.get(f"{API}/cases/{case_id}", headers=net.fr2.headers)).status_code == 200
    assert (await client.get(f"{API}/cases/{case_id}", headers=net.br.headers)).status_code == 404
    # ...and the account reads it back, the directory too.
    assert (await client.get(f"{API}/cases/{case_id}", headers=headers)).status_code == 200
    assert (await client.get(f"{API}/authorities/{net.ita.id}", headers=headers)).status_code == 200

    # Audited under the account, and the session it used names the key that signed in.
    account_id = uuid.UUID(account["id"])
    [issued_entry] = await audit_entries(session, "service_account.token_issued", account["id"])
    assert issued_entry.actor_user_id == account_id
    assert issued_entry.actor_handle == account["handle"]
    assert issued_entry.details["kid"] == key.kid
    assert issued_entry.details["alg"] == "ES256"
    token_session = await session.get(UserSession, issued_entry.actor_session_id)
    assert token_session is not None and token_session.kind == "service"
    assert str(token_session.id) == issued_entry.details["session_id"]
    stored_key = await session.get(ServiceAccountKey, token_session.service_key_id)
    assert stored_key is not None and stored_key.kid == key.kid
    message_id = message.json()["id"]
    for action, target in (
        ("case.created", case_id),
        ("case.transitioned", case_id),
        ("case.message.created", message_id),
        ("case.viewed", case_id),
    ):
        entries = (
            (
                await session.execute(
                    select(AuditEntry).where(
                        col(AuditEntry.action) == action, col(AuditEntry.target_id) == target
                    )
                )
            )
            .scalars()
            .all()
        )
        mine = [e for e in entries if e.actor_user_id == account_id]
        assert mine, action
        assert {(e.actor_session_id, e.actor_handle) for e in mine} == {
            (token_session.id, account["handle"])
        }
    # Every call is on the record, a directory read too, each once, by route.
    calls = await audit_entries(session, "service_account.call", account["id"])
    assert [(c.details["method"], c.details["path"]) for c in calls] == [
        ("POST", f"{API}/cases"),
        ("POST", f"{API}/cases/{case_id}/transitions"),
        ("POST", f"{API}/cases/{case_id}/messages"),
        ("GET", f"{API}/cases/{case_id}"),
        ("GET", f"{API}/authorities/{net.ita.id}"),
    ]
    assert {c.actor_session_id for c in calls} == {token_session.id}


async def test_scopes_decide_and_forums_do_not_exist_for_it(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    key = new_key()
    account = await approved_account(
        client, net.fr_focal, net.moderator, key, scopes=["cases:read"]
    )
    headers = bearer(await token_for(client, account["id"], key))
    case = await create_case(client, net.fr, net.ita)

    assert (await client.get(f"{API}/cases", headers=headers)).status_code == 200
    assert (await client.get(f"{API}/cases/{case['id']}", headers=headers)).status_code == 200
    # Case search: its cases, and nothing of forums whatever the scope asked.
    forum = await make_forum(session)
    await session.commit()
    thread = await client.post(
        f"{API}/forums/{forum.id}/threads",
        json={"title": "Acme Ltd again", "body": "Who else had requests about Acme?"},
        headers=net.fr.headers,
    )
    assert thread.status_code == 201, thread.text
    for member_or_account, scopes in ((net.fr.headers, {"cases", "forums"}), (headers, {"cases"})):
        found = await client.get(f"{API}/search?q=Acme", headers=member_or_account)
        assert found.status_code == 200, found.text
        assert {h["scope"] for h in found.json()["items"]} == scopes
    assert case["id"] in {h["id"] for h in found.json()["items"]}
    write = await client.post(f"{API}/cases", json=case_payload(net.ita), headers=headers)
    assert write.status_code == 403, write.text
    problem = write.json()
    assert problem["type"] == "urn:canet:problem:insufficient-scope"
    assert problem["error"] == "insufficient_scope" and problem["scope"] == "cases:write"
    assert write.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope", scope="cases:write"'
    )
    assert (await client.get(f"{API}/authorities", headers=headers)).json()[
        "scope"
    ] == "directory:read"
    for path in (
        "/forums",
        f"/threads/{uuid.uuid4()}",
        f"/posts/{uuid.uuid4()}",
        "/search?q=x&scope=forums",
        f"/search?q=x&forum_id={uuid.uuid4()}",
    ):
        hidden = await client.get(f"{API}{path}", headers=headers)
        assert hidden.status_code == 404, (path, hidden.text)
    for path in ("/me", "/notifications", "/audit/events", "/service-accounts", "/users"):
        refused = await client.get(f"{API}{path}", headers=headers)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["type"] == "urn:canet:problem:insufficient-scope"

    # A token may carry fewer scopes than the account, never more.
    full = await approved_account(
        client, net.fr_focal, net.moderator, new_key(), name="Second system"
    )
    # Signed by another account's key under this account's kid: refused before any scope.
    wrong = KeyPair(key.private, key.alg, kid=full["keys"][0]["kid"])
    forged = await request_token(client, assertion(full["id"], wrong), scope="forums:read")
    assert forged.status_code == 401 and forged.json()["error"] == "invalid_client"
    beyond = await request_token(client, assertion(account["id"], key), scope="cases:write")
    assert beyond.status_code == 400 and beyond.json()["error"] == "invalid_scope"
    unknown = await request_token(client, assertion(account["id"], key), scope="forums:read")
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_scope"


async def test_restricted_cases_stay_hidden_unless_it_is_assigned(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    key = new_key()
    account = await approved_account(client, net.fr_focal, net.moderator, key)
    headers = bearer(await token_for(client, account["id"], key))
    open_case = await create_case(client, net.fr, net.ita)
    restricted = await create_case(client, net.fr, net.ita, restricted=True)

    listed = await client.get(f"{API}/cases?box=outgoing", headers=headers)
    assert {c["id"] for c in listed.json()["items"]} == {open_case["id"]}
    assert (await client.get(f"{API}/cases/{restricted['id']}", headers=headers)).status_code == 404
    # The focal point who manages it sees the restricted case; the account is no focal point.
    assert (
        await client.get(f"{API}/cases/{restricted['id']}", headers=net.fr_focal.headers)
    ).status_code == 200

    session.add(
        CaseParticipant(
            case_id=uuid.UUID(restricted["id"]), user_id=uuid.UUID(account["id"]), role="assigned"
        )
    )
    await session.commit()
    assert (await client.get(f"{API}/cases/{restricted['id']}", headers=headers)).status_code == 200


async def test_it_is_no_member(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    key = new_key()
    account = await approved_account(client, net.fr_focal, net.moderator, key)
    principal = await session.get(User, uuid.UUID(account["id"]))
    assert principal is not None
    assert principal.kind == "service" and principal.roles == [] and principal.status == "active"
    assert principal.email.endswith(".invalid")

    members = await client.get(f"{API}/users?authority_id={net.fra.id}", headers=net.admin.headers)
    assert account["id"] not in {m["id"] for m in members.json()["items"]}
    for method, path, body in (
        ("GET", f"/users/{account['id']}", None),
        ("PATCH", f"/users/{account['id']}", {"roles": ["admin"]}),
        ("POST", f"/users/{account['id']}/suspend", {"reason": "x"}),
    ):
        answer = await client.request(method, f"{API}{path}", json=body, headers=net.admin.headers)
        assert answer.status_code == 404, (path, answer.text)
    login = await client.post(
        f"{API}/auth/login", json={"email": principal.email, "password": "x" * 20}
    )
    assert login.status_code == 401
    case = await create_case(client, net.fr, net.ita)
    invite = await client.post(
        f"{API}/cases/{case['id']}/participants",
        json={"handle": account["handle"], "role": "assigned"},
        headers=net.fr_focal.headers,
    )
    assert invite.status_code == 422, invite.text


async def test_reject_and_revoke(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    key = new_key()
    account = await propose(client, net.fr_focal, key)
    blank = await client.post(
        f"{API}/service-accounts/{account['id']}/reject",
        json={"reason": "  "},
        headers=net.moderator.headers,
    )
    assert blank.status_code == 422
    rejected = await client.post(
        f"{API}/service-accounts/{account['id']}/reject",
        json={"reason": "Unknown system"},
        headers=net.moderator.headers,
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Unknown system"
    assert rejected.json()["allowed_actions"] == []
    late = await client.post(
        f"{API}/service-accounts/{account['id']}/approve", headers=net.moderator.headers
    )
    assert late.status_code == 409
    assert (await request_token(client, assertion(account["id"], key))).status_code == 401

    # The name is free again; the new account is revoked by the focal point while in use.
    key2 = new_key()
    live = await approved_account(client, net.fr_focal, net.moderator, key2)
    headers = bearer(await token_for(client, live["id"], key2))
    assert (await client.get(f"{API}/cases", headers=headers)).status_code == 200
    revoked = await client.post(
        f"{API}/service-accounts/{live['id']}/revoke",
        json={"reason": "System decommissioned"},
        headers=net.fr_focal.headers,
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revoked_by"] == str(net.fr_focal.id)
    assert (await client.get(f"{API}/cases", headers=headers)).status_code == 401
    refused = await request_token(client, assertion(live["id"], key2))
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    twice = await client.post(
        f"{API}/service-accounts/{live['id']}/revoke",
        json={"reason": "again"},
        headers=net.moderator.headers,
    )
    assert twice.status_code == 409
    other = await client.post(
        f"{API}/service-accounts/{live['id']}/revoke",
        json={"reason": "x"},
        headers=net.it_focal.headers,
    )
    assert other.status_code == 404
    [entry] = await audit_entries(session, "service_account.rejected", account["id"])
    assert entry.details["reason"] == "Unknown system"
    [entry] = await audit_entries(session, "service_account.revoked", live["id"])
    assert entry.actor_user_id == net.fr_focal.id and len(entry.details["sessions"]) == 1


async def test_keys_rotate_with_overlap(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    first = new_key()
    account = await approved_account(client, net.fr_focal, net.moderator, first)
    old_token = await token_for(client, account["id"], first)

    second = new_key("ES256")
    second.kid = "2026-12"
    added = await client.post(
        f"{API}/service-accounts/{account['id']}/keys",
        json={"pem": second.public_pem, "kid": "2026-12"},
        headers=net.fr_focal.headers,
    )
    assert added.status_code == 201, added.text
    assert added.json()["kid"] == "2026-12" and added.json()["alg"] == "ES256"
    new_token = await token_for(client, account["id"], second)
    for token in (old_token, new_token):  # both keys work during the overlap
        assert (await client.get(f"{API}/cases", headers=bearer(token))).status_code == 200

    for body, status in (
        ({"pem": second.public_pem, "kid": "again"}, 409),  # the same key twice
        ({"pem": new_key().public_pem, "kid": "2026-12"}, 409),  # a kid taken
        ({"pem": new_key().public_pem, "kid": "not a kid!"}, 422),
        ({"pem": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}, 422),
        ({"pem": _rsa_public_pem()}, 422),
        ({"pem": _private_pem(first)}, 422),
        ({"pem": _p384_public_pem()}, 422),
    ):
        answer = await client.post(
            f"{API}/service-accounts/{account['id']}/keys", json=body, headers=net.fr_focal.headers
        )
        assert answer.status_code == status, (body, answer.text)
    by_moderator = await client.post(
        f"{API}/service-accounts/{account['id']}/keys",
        json={"pem": new_key().public_pem},
        headers=net.moderator.headers,
    )
    assert by_moderator.status_code == 403  # keys come from the authority that runs the system

    revoked = await client.post(
        f"{API}/service-accounts/{account['id']}/keys/{first.kid}/revoke",
        headers=net.fr_focal.headers,
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert (await client.get(f"{API}/cases", headers=bearer(old_token))).status_code == 401
    assert (await client.get(f"{API}/cases", headers=bearer(new_token))).status_code == 200
    stale = await request_token(client, assertion(account["id"], first))
    assert stale.status_code == 401 and stale.json()["error"] == "invalid_client"
    twice = await client.post(
        f"{API}/service-accounts/{account['id']}/keys/{first.kid}/revoke",
        headers=net.moderator.headers,
    )
    assert twice.status_code == 409
    missing = await client.post(
        f"{API}/service-accounts/{account['id']}/keys/nope/revoke", headers=net.moderator.headers
    )
    assert missing.status_code == 404

    [added_entry] = await audit_entries(session, "service_account.key_added", account["id"])
    assert added_entry.details["kid"] == "2026-12"
    [revoked_entry] = await audit_entries(session, "service_account.key_revoked", account["id"])
    assert revoked_entry.details["kid"] == first.kid and len(revoked_entry.details["sessions"]) == 1


async def test_an_address_outside_the_allow_list_is_refused(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    far = new_key()
    elsewhere = await approved_account(
        client, net.fr_focal, net.moderator, far, name="Far", ip_allowlist=["10.0.0.0/8"]
    )
    assert elsewhere["ip_allowlist"] == ["10.0.0.0/8"]
    refused = await request_token(client, assertion(elsewhere["id"], far))
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"

    near = new_key()
    local = await approved_account(
        client, net.fr_focal, net.moderator, near, name="Near", ip_allowlist=["127.0.0.1"]
    )
    assert local["ip_allowlist"] == ["127.0.0.1/32"]
    token = await token_for(client, local["id"], near)  # the test client is 127.0.0.1
    assert (await client.get(f"{API}/cases", headers=bearer(token))).status_code == 200
    # The same token from another address: refused on every request, not only at sign-in.
    moved = httpx.ASGITransport(app=app, client=("10.1.2.3", 40000))
    async with httpx.AsyncClient(transport=moved, base_url="http://testserver") as other:
        answer = await other.get(f"{API}/cases", headers=bearer(token))
        assert answer.status_code == 403, answer.text
        assert answer.json()["type"] == "urn:canet:problem:address-not-allowed"
        assert (await request_token(other, assertion(local["id"], near))).status_code == 401
    [entry] = await audit_entries(session, "service_account.address_refused", local["id"])
    assert entry.outcome == "denied" and entry.details["address"] == "10.1.2.3"
    assert entry.actor_user_id == uuid.UUID(local["id"])

    bad = await client.post(
        f"{API}/service-accounts",
        json={
            "name": "Bad list",
            "scopes": ["cases:read"],
            "public_key": {"pem": new_key().public_pem},
            "ip_allowlist": ["10.0.0.1/8", "not an address"],
        },
        headers=net.fr_focal.headers,
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["ip_allowlist.0", "ip_allowlist.1"]


async def test_a_retried_proposal_creates_one_account(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    body = {"name": "Retry", "scopes": ["events:read"], "public_key": {"pem": new_key().public_pem}}
    headers = {**net.fr_focal.headers, "Idempotency-Key": "k-1"}
    first = await client.post(f"{API}/service-accounts", json=body, headers=headers)
    second = await client.post(f"{API}/service-accounts", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    duplicate = await client.post(
        f"{API}/service-accounts", json=body, headers=net.fr_focal.headers
    )
    assert duplicate.status_code == 409  # the same name, live, in the same authority


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "scopes": [], "public_key": {"pem": "p"}},
        {"name": "x", "scopes": ["forums:read"], "public_key": {"pem": "p"}},
        {"name": "", "scopes": ["cases:read"], "public_key": {"pem": "p"}},
        {"name": "x", "scopes": ["cases:read"]},
    ],
)
async def test_bad_proposals_are_refused_by_field(
    client: httpx.AsyncClient, net: Network, body: dict[str, object]
) -> None:
    answer = await client.post(f"{API}/service-accounts", json=body, headers=net.fr_focal.headers)
    assert answer.status_code == 422, answer.text


def _rsa_public_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _p384_public_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _private_pem(key: KeyPair) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()

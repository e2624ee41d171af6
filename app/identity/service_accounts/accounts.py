"""Service accounts: proposed by a focal point, decided by another moderator, revoked by either.

An account is a `users` row of kind "service" (so that what it writes names it like a
member, and its sessions are sessions) plus its `service_accounts` row. The users row holds
no role and no password; its status is "active" only while the account is, so every check
that reads a member's status (sign-in, the per-request session check, lists of active
members) treats a pending, rejected or revoked account as not there.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.core import audit, events, idempotency
from app.core.audit import Target
from app.core.errors import AppError, ValidationFailed
from app.core.events import Audience
from app.core.pagination import page
from app.core.refusal import refuse
from app.identity.repository import service_accounts as repository
from app.identity.service_accounts.exceptions import (
    NotServiceAccountManager,
    ServiceAccountFourEyes,
    ServiceAccountKeyNotFound,
    ServiceAccountNotFound,
    ServiceAccountStateConflict,
)
from app.identity.service_accounts.keys import check_kid, parse_public_key
from app.identity.service_accounts.schemas import (
    ServiceAccountCreate,
    ServiceAccountKeyCreate,
    ServiceAccountKeyRead,
    ServiceAccountRead,
)
from app.models.base import utcnow
from app.models.identity import ServiceAccount, ServiceAccountKey, User

LIVE = ("pending", "active")
MAX_ACTIVE_KEYS = 5
# Never a deliverable address (RFC 2606 .invalid): nothing is ever mailed to an account.
_EMAIL_DOMAIN = "service-accounts.invalid"
_NO_PASSWORD = "!service-account-signs-in-with-its-key"


# -- who may do what ----------------------------------------------------------------------


def _reviews(actor: Actor) -> bool:
    return actor.can(Permission.VETTING_REVIEW) and not actor.service_account


def _owns(actor: Actor, account: ServiceAccount) -> bool:
    """A focal point of the account's authority."""
    return (
        actor.focal_point
        and not actor.service_account
        and actor.authority_id is not None
        and actor.authority_id == account.authority_id
    )


def is_focal_point(actor: Actor) -> bool:
    """A focal point of some authority (who may propose accounts for it)."""
    return actor.focal_point and actor.authority_id is not None and not actor.service_account


def manages_some(actor: Actor) -> bool:
    """A moderator or a focal point: someone who may see some service account."""
    return _reviews(actor) or is_focal_point(actor)


def may_see(actor: Actor, account: ServiceAccount) -> bool:
    return _reviews(actor) or _owns(actor, account)


def allowed_actions(
    actor: Actor, account: ServiceAccount, keys: Sequence[ServiceAccountKey]
) -> list[str]:
    actions: list[str] = []
    if account.status == "pending" and _reviews(actor) and account.created_by != actor.user_id:
        actions += ["approve", "reject"]
    if account.status in LIVE:
        if may_see(actor, account):
            actions.append("revoke")
        if _owns(actor, account):
            actions.append("add_key")
        if may_see(actor, account) and any(k.revoked_at is None for k in keys):
            actions.append("revoke_key")
    return actions


# -- shapes -------------------------------------------------------------------------------


def key_read(key: ServiceAccountKey) -> ServiceAccountKeyRead:
    return ServiceAccountKeyRead.model_validate(key, from_attributes=True)


def read_of(
    actor: Actor, account: ServiceAccount, principal: User, keys: Sequence[ServiceAccountKey]
) -> ServiceAccountRead:
    return ServiceAccountRead(
        id=account.id,
        authority_id=account.authority_id,
        name=account.name,
        handle=principal.handle,
        scopes=sorted(account.scopes),
        status=account.status,
        ip_allowlist=[str(n) for n in account.ip_allowlist],
        keys=[key_read(k) for k in keys],
        created_by=account.created_by,
        created_at=account.created_at,
        approved_by=account.approved_by,
        approved_at=account.approved_at,
        rejected_by=account.rejected_by,
        rejected_at=account.rejected_at,
        rejection_reason=account.rejection_reason,
        revoked_by=account.revoked_by,
        revoked_at=account.revoked_at,
        revocation_reason=account.revocation_reason,
        allowed_actions=allowed_actions(actor, account, keys),
    )


async def _read(session: AsyncSession, actor: Actor, account: ServiceAccount) -> ServiceAccountRead:
    principal = await repository.principal_of(session, account.id)
    assert principal is not None  # the users row goes only with the account (cascade)
    keys = (await repository.keys_of(session, [account.id])).get(account.id, [])
    return read_of(actor, account, principal, keys)


# -- checks of input ----------------------------------------------------------------------


def _allowlist(values: Sequence[str]) -> list[str]:
    networks: list[str] = []
    errors = []
    for i, value in enumerate(values):
        try:
            network = ipaddress.ip_network(value.strip(), strict=True)
        except ValueError:
            errors.append(
                {
                    "field": f"ip_allowlist.{i}",
                    "message": "a CIDR such as 192.0.2.0/24 or 2001:db8::/32, with no host bits",
                }
            )
            continue
        if str(network) not in networks:
            networks.append(str(network))
    if errors:
        raise ValidationFailed("Invalid address allow-list.", errors=errors)
    return networks


def _handle(name: str, account_id: uuid.UUID) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = ".".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))[:19].strip(".") or "system"
    return f"svc.{slug}.{account_id.hex[:8]}"


async def _refuse(
    session: AsyncSession,
    error: AppError,
    *,
    actor: Actor,
    action: str,
    account: ServiceAccount,
) -> None:
    await refuse(
        session,
        error,
        actor=actor,
        action=action,
        target=Target("service_account", account.id),
        authority_ids=[account.authority_id],
    )


async def _access(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, *, for_update: bool = False
) -> ServiceAccount:
    """The account if the actor sees it (a moderator, a focal point of its authority), else
    404; probing an existing one is recorded."""
    account = await repository.account_by_id(session, account_id, for_update=for_update)
    if account is None:
        raise ServiceAccountNotFound()
    if not may_see(actor, account):
        await _refuse(
            session,
            ServiceAccountNotFound(),
            actor=actor,
            action="service_account.access.denied",
            account=account,
        )
    return account


# -- verbs --------------------------------------------------------------------------------


async def propose_service_account(
    session: AsyncSession,
    *,
    actor: Actor,
    data: ServiceAccountCreate,
    idempotency_key: str | None = None,
) -> ServiceAccountRead:
    """A focal point proposes a service account for their own authority (pending until a
    moderator approves it)."""
    if not is_focal_point(actor) or actor.authority_id is None:
        raise NotServiceAccountManager(
            "Only a focal point proposes service accounts, for their own authority."
        )
    assert actor.user_id is not None
    account_id = uuid.uuid4()
    first = await idempotency.claim(
        session,
        user_id=actor.user_id,
        scope="identity.service_account",
        key=idempotency_key,
        resource_id=account_id,
    )
    if first is not None:
        return await get_service_account(session, actor=actor, account_id=first)
    name = " ".join(data.name.split())
    if not name:
        raise ValidationFailed(
            "Name the account.", errors=[{"field": "name", "message": "must not be blank"}]
        )
    parsed = parse_public_key(data.public_key.pem, field="public_key.pem")
    kid = check_kid(data.public_key.kid, field="public_key.kid") or parsed.thumbprint
    allowlist = _allowlist(data.ip_allowlist)
    scopes = sorted({s.value for s in data.scopes})
    if await repository.live_account_named(session, actor.authority_id, name):
        raise ServiceAccountStateConflict(
            "The authority has a pending or active service account of that name."
        )
    session.add(
        User(
            id=account_id,
            kind="service",
            email=f"{account_id}@{_EMAIL_DOMAIN}",
            handle=_handle(name, account_id),
            full_name=name,
            password_hash=_NO_PASSWORD,
            status="suspended",
            roles=[],
            authority_id=actor.authority_id,
            focal_point=False,
        )
    )
    await session.flush()
    account = ServiceAccount(
        id=account_id,
        authority_id=actor.authority_id,
        name=name,
        scopes=scopes,
        status="pending",
        ip_allowlist=allowlist,
        created_by=actor.user_id,
    )
    session.add(account)
    await session.flush()
    key = ServiceAccountKey(
        service_account_id=account_id,
        kid=kid,
        alg=parsed.alg,
        public_key_pem=parsed.pem,
        thumbprint=parsed.thumbprint,
        created_by=actor.user_id,
    )
    session.add(key)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="service_account.created",
        target=Target("service_account", account_id),
        details={
            "name": name,
            "scopes": scopes,
            "kid": kid,
            "alg": parsed.alg,
            "thumbprint": parsed.thumbprint,
            "ip_allowlist": allowlist,
        },
        authority_ids=[actor.authority_id],
    )
    await events.publish(
        session,
        "service_account.proposed",
        {"service_account_id": account_id, "authority_id": actor.authority_id},
        audience=Audience.of("moderators"),
    )
    return await _read(session, actor, account)


async def list_service_accounts(
    session: AsyncSession,
    *,
    actor: Actor,
    authority_id: uuid.UUID | None,
    status: str | None,
    after: tuple[object, ...] | None,
    limit: int,
) -> tuple[list[ServiceAccountRead], str | None]:
    """Moderators list every authority's accounts; a focal point their authority's."""
    if _reviews(actor):
        scope = authority_id
    elif is_focal_point(actor):
        scope = actor.authority_id
        if authority_id is not None and authority_id != actor.authority_id:
            return [], None
    else:
        raise NotServiceAccountManager("Only moderators and focal points see service accounts.")
    rows = await repository.accounts_page(
        session,
        authority_id=scope,
        status=status,
        after=after,  # type: ignore[arg-type]
        limit=limit + 1,
    )
    found, next_cursor = page(rows, limit, key=lambda a: (a.created_at, a.id))
    ids = [a.id for a in found]
    users = await repository.principals(session, ids)
    keys = await repository.keys_of(session, ids)
    return [read_of(actor, a, users[a.id], keys.get(a.id, [])) for a in found], next_cursor


async def get_service_account(
    session: AsyncSession, *, actor: Actor, account_id: uuid.UUID
) -> ServiceAccountRead:
    """One account, to a moderator or a focal point of its authority (else 404)."""
    account = await _access(session, actor, account_id)
    return await _read(session, actor, account)


async def decide_service_account(
    session: AsyncSession,
    *,
    actor: Actor,
    account_id: uuid.UUID,
    approve: bool,
    reason: str | None = None,
) -> ServiceAccountRead:
    """A moderator other than its proposer approves (it may then sign in) or rejects it."""
    account = await _access(session, actor, account_id, for_update=True)
    verb = "approve" if approve else "reject"
    if not _reviews(actor):
        await _refuse(
            session,
            NotServiceAccountManager("Only a moderator approves or rejects service accounts."),
            actor=actor,
            action=f"service_account.{verb}",
            account=account,
        )
    if account.created_by == actor.user_id:
        await _refuse(
            session,
            ServiceAccountFourEyes(),
            actor=actor,
            action=f"service_account.{verb}",
            account=account,
        )
    if account.status != "pending":
        raise ServiceAccountStateConflict(f"The service account is {account.status}.")
    now = utcnow()
    principal = await repository.principal_of(session, account.id)
    assert principal is not None
    details: dict[str, object] = {"name": account.name, "scopes": sorted(account.scopes)}
    if approve:
        account.status = "active"
        account.approved_by = actor.user_id
        account.approved_at = now
        principal.status = "active"
    else:
        text = (reason or "").strip()
        if not text:
            raise ValidationFailed(
                "Say why.", errors=[{"field": "reason", "message": "must not be blank"}]
            )
        account.status = "rejected"
        account.rejected_by = actor.user_id
        account.rejected_at = now
        account.rejection_reason = text
        details["reason"] = text
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="service_account.approved" if approve else "service_account.rejected",
        target=Target("service_account", account.id),
        changes=audit.diff({"status": "pending"}, {"status": account.status}),
        details=details,
        authority_ids=[account.authority_id],
    )
    return await _read(session, actor, account)


async def _end_sessions(
    session: AsyncSession, ids: list[uuid.UUID], account: ServiceAccount
) -> None:
    """Open websockets of these sessions close at once (every worker re-reads sessions on
    every request anyway)."""
    for session_id in ids:
        await events.publish(
            session,
            "session.revoked",
            {"session_id": session_id, "user_id": account.id},
            audience=Audience.of("user", account.id),
        )


async def revoke_service_account(
    session: AsyncSession, *, actor: Actor, account_id: uuid.UUID, reason: str
) -> ServiceAccountRead:
    """End an account for good (a moderator, or a focal point of its authority): every
    token it holds is refused from the next request on."""
    account = await _access(session, actor, account_id, for_update=True)
    if account.status not in LIVE:
        raise ServiceAccountStateConflict(f"The service account is {account.status}.")
    text = reason.strip()
    if not text:
        raise ValidationFailed(
            "Say why.", errors=[{"field": "reason", "message": "must not be blank"}]
        )
    now = utcnow()
    before = account.status
    account.status = "revoked"
    account.revoked_by = actor.user_id
    account.revoked_at = now
    account.revocation_reason = text
    principal = await repository.principal_of(session, account.id)
    assert principal is not None
    principal.status = "suspended"
    await session.flush()
    ended = await repository.revoke_live_sessions(
        session, now=now, reason="account_revoked", user_id=account.id
    )
    await _end_sessions(session, ended, account)
    await audit.record(
        session,
        actor=actor,
        action="service_account.revoked",
        target=Target("service_account", account.id),
        changes=audit.diff({"status": before}, {"status": "revoked"}),
        details={"reason": text, "sessions": [str(i) for i in ended]},
        authority_ids=[account.authority_id],
    )
    return await _read(session, actor, account)


async def add_service_account_key(
    session: AsyncSession,
    *,
    actor: Actor,
    account_id: uuid.UUID,
    data: ServiceAccountKeyCreate,
    idempotency_key: str | None = None,
) -> ServiceAccountKeyRead:
    """A focal point of its authority adds a key (rotation: several may be active)."""
    account = await _access(session, actor, account_id, for_update=True)
    if not _owns(actor, account):
        await _refuse(
            session,
            NotServiceAccountManager("Only a focal point of its authority adds keys."),
            actor=actor,
            action="service_account.key_add",
            account=account,
        )
    assert actor.user_id is not None
    key_id = uuid.uuid4()
    first = await idempotency.claim(
        session,
        user_id=actor.user_id,
        scope="identity.service_account_key",
        key=idempotency_key,
        resource_id=key_id,
    )
    if first is not None:
        existing = await session.get(ServiceAccountKey, first)
        if existing is None or existing.service_account_id != account.id:
            raise ServiceAccountStateConflict("The Idempotency-Key was used for another key.")
        return key_read(existing)
    if account.status not in LIVE:
        raise ServiceAccountStateConflict(f"The service account is {account.status}.")
    parsed = parse_public_key(data.pem, field="pem")
    kid = check_kid(data.kid, field="kid") or parsed.thumbprint
    keys = (await repository.keys_of(session, [account.id])).get(account.id, [])
    if any(k.kid == kid for k in keys):
        raise ServiceAccountStateConflict(f"The account has a key {kid!r} already.")
    if any(k.thumbprint == parsed.thumbprint for k in keys):
        raise ServiceAccountStateConflict("This key is registered for the account already.")
    if sum(1 for k in keys if k.revoked_at is None) >= MAX_ACTIVE_KEYS:
        raise ServiceAccountStateConflict(
            f"At most {MAX_ACTIVE_KEYS} keys are active at once: revoke one first."
        )
    key = ServiceAccountKey(
        id=key_id,
        service_account_id=account.id,
        kid=kid,
        alg=parsed.alg,
        public_key_pem=parsed.pem,
        thumbprint=parsed.thumbprint,
        created_by=actor.user_id,
    )
    session.add(key)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="service_account.key_added",
        target=Target("service_account", account.id),
        details={"kid": kid, "alg": parsed.alg, "thumbprint": parsed.thumbprint},
        authority_ids=[account.authority_id],
    )
    return key_read(key)


async def revoke_service_account_key(
    session: AsyncSession, *, actor: Actor, account_id: uuid.UUID, kid: str
) -> ServiceAccountKeyRead:
    """Revoke one key (a moderator, or a focal point of its authority): the tokens issued
    under it are refused from the next request on."""
    account = await _access(session, actor, account_id)
    key = await repository.key_by_kid(session, account.id, kid, lock="update")
    if key is None:
        raise ServiceAccountKeyNotFound()
    if key.revoked_at is not None:
        raise ServiceAccountStateConflict("The key is revoked already.")
    now = utcnow()
    key.revoked_at = now
    key.revoked_by = actor.user_id
    await session.flush()
    ended = await repository.revoke_live_sessions(
        session, now=now, reason="key_revoked", key_id=key.id
    )
    await _end_sessions(session, ended, account)
    await audit.record(
        session,
        actor=actor,
        action="service_account.key_revoked",
        target=Target("service_account", account.id),
        details={"kid": key.kid, "sessions": [str(i) for i in ended]},
        authority_ids=[account.authority_id],
    )
    return key_read(key)

"""The token endpoint: OAuth 2.0 client credentials with a signed JWT assertion.

RFC 6749 section 4.4 (the grant) with RFC 7523 section 2.2 (`private_key_jwt` client
authentication). The assertion is checked in an order that tells an unauthenticated caller
nothing: its shape first, then the account and key it names, the signature and claims, and
only then what the account may do (its status, allow-list, scopes) and whether its `jti` was
seen before. Every refusal about an existing account is audited.

Each token opens a session of the account (kind "service") recording the key and scopes, so
revoking the key or the account ends it on every worker at the next request.

Refused requests count against the caller's address, as failed sign-ins do (app/identity/
throttling.py): past ten, each further one waits a growing delay (429 with Retry-After). Only
the address counts, not the account: whoever knows an account's id could otherwise lock its
system out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import jwt
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.auth.actor import Actor
from app.auth.scopes import SCOPE_NAMES, address_allowed
from app.auth.tokens import issue_access_token
from app.core import audit
from app.core.audit import Target
from app.core.refusal import refuse
from app.identity import throttling
from app.identity.repository import service_accounts as repository
from app.identity.service_accounts.exceptions import (
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    OAuthError,
    TokenRequestsThrottled,
    UnsupportedGrantType,
)
from app.identity.service_accounts.keys import ALGORITHMS, load_verifying_key
from app.identity.settings import identity_settings
from app.models.identity import ServiceAccount, UserSession

GRANT_TYPE = "client_credentials"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_PATH = "/api/v1/oauth/token"
MAX_ASSERTION_SECONDS = 300
LEEWAY_SECONDS = 30
MAX_JTI_CHARS = 200
MAX_ASSERTION_CHARS = 8192
_REQUIRED = ["iss", "sub", "aud", "exp", "iat", "jti"]


def token_audience(base_url: str) -> str:
    """The one `aud` an assertion must name: this endpoint's public address."""
    return base_url.rstrip("/") + TOKEN_PATH


@dataclass(frozen=True, slots=True)
class GrantRequest:
    grant_type: str | None
    client_assertion_type: str | None
    client_assertion: str | None
    scope: str | None = None
    client_id: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scopes: list[str]


def _check_request(request: GrantRequest) -> str:
    """The assertion, if the request is a well-formed client-credentials request."""
    if not request.grant_type:
        raise InvalidRequest("Send grant_type=client_credentials (form-encoded).")
    if request.grant_type != GRANT_TYPE:
        raise UnsupportedGrantType("Only the client_credentials grant is supported.")
    if request.client_assertion_type != ASSERTION_TYPE:
        raise InvalidRequest(f"Send client_assertion_type={ASSERTION_TYPE}.")
    if not request.client_assertion:
        raise InvalidRequest("Send the signed JWT as client_assertion.")
    if len(request.client_assertion) > MAX_ASSERTION_CHARS:
        raise InvalidRequest("The client_assertion is too long.")
    return request.client_assertion


def _unverified(assertion: str) -> tuple[str, str, uuid.UUID]:
    """(alg, kid, account id) as the assertion states them, before anything is trusted."""
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise InvalidClient("The client_assertion is not a JWT.") from exc
    alg, kid, issuer = header.get("alg"), header.get("kid"), claims.get("iss")
    if alg not in ALGORITHMS:
        raise InvalidClient("The assertion must be signed with EdDSA or ES256.")
    if not isinstance(kid, str) or not kid:
        raise InvalidClient("The assertion's header must name the key (kid).")
    try:
        account_id = uuid.UUID(str(issuer))
    except ValueError as exc:
        raise InvalidClient("The assertion's iss must be the service account's id.") from exc
    return str(alg), kid, account_id


def _verified_claims(
    assertion: str, *, key_pem: str, alg: str, account_id: uuid.UUID, audience: str
) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            assertion,
            load_verifying_key(key_pem),
            algorithms=[alg],
            audience=audience,
            issuer=str(account_id),
            leeway=LEEWAY_SECONDS,
            options={"require": _REQUIRED},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidClient("The assertion has expired.") from exc
    except jwt.InvalidAudienceError as exc:
        raise InvalidClient(f"The assertion's aud must be {audience}.") from exc
    except jwt.PyJWTError as exc:
        raise InvalidClient(f"The assertion does not verify: {exc}.") from exc
    if claims.get("sub") != claims.get("iss"):
        raise InvalidClient("The assertion's sub must equal its iss (the account's id).")
    iat, exp = claims["iat"], claims["exp"]
    if not isinstance(iat, int | float) or not isinstance(exp, int | float):
        raise InvalidClient("The assertion's iat and exp must be numbers.")
    if exp - iat > MAX_ASSERTION_SECONDS:
        raise InvalidClient(
            f"The assertion may live at most {MAX_ASSERTION_SECONDS} seconds (exp - iat)."
        )
    if iat > datetime.now(UTC).timestamp() + LEEWAY_SECONDS:
        raise InvalidClient("The assertion's iat is in the future.")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_CHARS:
        raise InvalidClient(
            f"The assertion's jti must be a string of 1-{MAX_JTI_CHARS} characters."
        )
    return claims


def _granted(requested: str | None, account: ServiceAccount) -> list[str]:
    held = set(account.scopes)
    if requested is None or not requested.strip():
        return sorted(held)
    wanted = set(requested.split())
    unknown = sorted(wanted - SCOPE_NAMES)
    if unknown:
        raise InvalidScope(f"Unknown scopes: {' '.join(unknown)}.")
    beyond = sorted(wanted - held)
    if beyond:
        raise InvalidScope(f"The account does not hold: {' '.join(beyond)}.")
    return sorted(wanted)


def throttle_key(client_ip: str | None) -> str | None:
    return f"oauth:{client_ip}" if client_ip else None


async def _count_refusal(session: AsyncSession, key: str) -> None:
    """Count a refused request in a transaction of its own: the request's rolls back."""
    bind = session.bind
    engine = bind if isinstance(bind, AsyncEngine) else bind.engine  # type: ignore[union-attr]
    async with AsyncSession(engine, expire_on_commit=False) as separate:
        await throttling.record_failure(separate, [key], limits=throttling.ADDRESS)
        await separate.commit()


async def exchange_assertion(
    session: AsyncSession,
    *,
    request: GrantRequest,
    base_url: str,
    secret_key: str,
    client_ip: str | None,
    user_agent: str | None,
    request_id: str | None,
) -> IssuedToken:
    """Verify the assertion and issue an access token for the account's scopes."""
    key = throttle_key(client_ip)
    if key is not None:
        block = await throttling.current_block(session, [key])
        if block is not None:
            raise TokenRequestsThrottled(block.retry_after)
    try:
        return await _exchange(
            session,
            request=request,
            base_url=base_url,
            secret_key=secret_key,
            client_ip=client_ip,
            user_agent=user_agent,
            request_id=request_id,
        )
    except OAuthError:
        if key is not None:
            await _count_refusal(session, key)
        raise


async def _exchange(
    session: AsyncSession,
    *,
    request: GrantRequest,
    base_url: str,
    secret_key: str,
    client_ip: str | None,
    user_agent: str | None,
    request_id: str | None,
) -> IssuedToken:
    assertion = _check_request(request)
    alg, kid, account_id = _unverified(assertion)
    found = await repository.account_for_share(session, account_id)
    if found is None:
        raise InvalidClient("Unknown service account or key.")
    account, principal = found
    caller = Actor.anonymous(client_ip=client_ip, user_agent=user_agent, request_id=request_id)

    async def refused(error: OAuthError, reason: str) -> NoReturn:
        await refuse(
            session,
            error,
            actor=caller,
            action="service_account.token_refused",
            target=Target("service_account", account.id),
            details={"error": error.error, "reason": reason, "kid": kid},
            authority_ids=[account.authority_id],
        )

    key = await repository.key_by_kid(session, account.id, kid, lock="share")
    if key is None or key.revoked_at is not None:
        await refused(InvalidClient("Unknown service account or key."), "unknown or revoked key")
    if alg != key.alg:
        await refused(
            InvalidClient(f"This key signs {key.alg} only."), f"{alg} with a {key.alg} key"
        )
    try:
        claims = _verified_claims(
            assertion,
            key_pem=key.public_key_pem,
            alg=key.alg,
            account_id=account.id,
            audience=token_audience(base_url),
        )
        if request.client_id is not None and request.client_id != str(account.id):
            raise InvalidClient("client_id must be the assertion's iss.")
        if account.status != "active" or principal.status != "active":
            raise InvalidClient(f"The service account is {account.status}, not active.")
        if not address_allowed(client_ip, account.ip_allowlist):
            raise InvalidClient("The service account may not be used from this address.")
        scopes = _granted(request.scope, account)
    except OAuthError as error:
        await refused(error, error.detail)
        raise
    expires_at = datetime.fromtimestamp(claims["exp"], UTC) + timedelta(seconds=LEEWAY_SECONDS)
    if not await repository.remember_assertion(session, account.id, claims["jti"], expires_at):
        await refused(InvalidGrant("This assertion was used already (jti)."), "replayed jti")
    ttl = timedelta(seconds=identity_settings().service_token_seconds)
    token_session = UserSession(
        user_id=account.id,
        expires_at=datetime.now(UTC) + ttl,
        client_ip=client_ip,
        user_agent=(user_agent or "")[:512] or None,
        kind="service",
        service_key_id=key.id,
        scopes=scopes,
    )
    session.add(token_session)
    await session.flush()
    access_token, _ = issue_access_token(
        secret_key,
        user_id=account.id,
        session_id=token_session.id,
        ttl=ttl,
        scopes=frozenset(scopes),
    )
    actor = Actor.for_service_account(
        user_id=account.id,
        session_id=token_session.id,
        authority_id=account.authority_id,
        scopes=scopes,
        handle=principal.handle,
        full_name=principal.full_name,
        client_ip=client_ip,
        user_agent=user_agent,
        request_id=request_id,
    )
    await audit.record(
        session,
        actor=actor,
        action="service_account.token_issued",
        target=Target("service_account", account.id),
        details={
            "kid": key.kid,
            "alg": key.alg,
            "scopes": scopes,
            "session_id": str(token_session.id),
            "expires_at": token_session.expires_at.isoformat(),
        },
        authority_ids=[account.authority_id],
    )
    return IssuedToken(
        access_token=access_token, expires_in=int(ttl.total_seconds()), scopes=scopes
    )

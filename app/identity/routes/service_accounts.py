"""Service accounts (focal points propose, moderators decide) and the OAuth token endpoint."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse

from app.auth.actor import Actor
from app.auth.dependencies import CurrentUser, RequirePermission, request_actor_context
from app.auth.permissions import Permission
from app.core.idempotency import IdempotencyKeyHeader
from app.core.pagination import Cursor, Key, Limit, Page, decode_cursor
from app.db import DbSession
from app.identity.service_accounts import accounts, grant
from app.identity.service_accounts.exceptions import NotServiceAccountManager
from app.identity.service_accounts.schemas import (
    ServiceAccountCreate,
    ServiceAccountKeyCreate,
    ServiceAccountKeyRead,
    ServiceAccountRead,
    ServiceAccountReason,
    TokenRequest,
    TokenResponse,
)

router = APIRouter(tags=["service accounts"])


# Role-level checks that run before the body is parsed, so a caller who may never do this
# learns nothing from a 422; which account they may act on is the service's to decide.
async def _focal_point(actor: CurrentUser) -> Actor:
    if not accounts.is_focal_point(actor):
        raise NotServiceAccountManager("Only focal points propose service accounts and add keys.")
    return actor


async def _manager(actor: CurrentUser) -> Actor:
    if not accounts.manages_some(actor):
        raise NotServiceAccountManager("Only moderators and focal points manage service accounts.")
    return actor


FocalPoint = Depends(_focal_point, scope="function")
Manager = Depends(_manager, scope="function")


@router.post(
    "/service-accounts",
    status_code=201,
    response_model=ServiceAccountRead,
    dependencies=[FocalPoint],
)
async def create_service_account(
    body: ServiceAccountCreate,
    actor: CurrentUser,
    session: DbSession,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ServiceAccountRead:
    """Propose a service account for your authority (focal points); a moderator approves it."""
    return await accounts.propose_service_account(
        session, actor=actor, data=body, idempotency_key=idempotency_key
    )


@router.get("/service-accounts", response_model=Page[ServiceAccountRead])
async def list_service_accounts(
    actor: CurrentUser,
    session: DbSession,
    status: Literal["pending", "active", "rejected", "revoked"] | None = None,
    authority_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ServiceAccountRead]:
    """Service accounts, newest first (moderators: all; focal points: their authority's)."""
    items, next_cursor = await accounts.list_service_accounts(
        session,
        actor=actor,
        authority_id=authority_id,
        status=status,
        after=decode_cursor(cursor, Key.datetime, Key.uuid),
        limit=limit,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/service-accounts/{account_id}", response_model=ServiceAccountRead)
async def get_service_account(
    account_id: uuid.UUID, actor: CurrentUser, session: DbSession
) -> ServiceAccountRead:
    """One service account (a moderator, or a focal point of its authority)."""
    return await accounts.get_service_account(session, actor=actor, account_id=account_id)


@router.post("/service-accounts/{account_id}/approve", response_model=ServiceAccountRead)
async def approve_service_account(
    account_id: uuid.UUID, actor: CurrentUser, session: DbSession
) -> ServiceAccountRead:
    """Approve a pending account (a moderator who did not propose it): it may sign in."""
    return await accounts.decide_service_account(
        session, actor=actor, account_id=account_id, approve=True
    )


@router.post(
    "/service-accounts/{account_id}/reject",
    response_model=ServiceAccountRead,
)
async def reject_service_account(
    account_id: uuid.UUID,
    body: ServiceAccountReason,
    actor: Annotated[Actor, RequirePermission(Permission.VETTING_REVIEW)],
    session: DbSession,
) -> ServiceAccountRead:
    """Reject a pending account, saying why (a moderator who did not propose it)."""
    return await accounts.decide_service_account(
        session, actor=actor, account_id=account_id, approve=False, reason=body.reason
    )


@router.post(
    "/service-accounts/{account_id}/revoke",
    response_model=ServiceAccountRead,
    dependencies=[Manager],
)
async def revoke_service_account(
    account_id: uuid.UUID, body: ServiceAccountReason, actor: CurrentUser, session: DbSession
) -> ServiceAccountRead:
    """End an account for good (a moderator, or a focal point of its authority): its tokens
    are refused from the next request on."""
    return await accounts.revoke_service_account(
        session, actor=actor, account_id=account_id, reason=body.reason
    )


@router.post(
    "/service-accounts/{account_id}/keys",
    status_code=201,
    response_model=ServiceAccountKeyRead,
    dependencies=[FocalPoint],
)
async def add_service_account_key(
    account_id: uuid.UUID,
    body: ServiceAccountKeyCreate,
    actor: CurrentUser,
    session: DbSession,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ServiceAccountKeyRead:
    """Add a public key (focal points of its authority); keys rotate with overlap."""
    return await accounts.add_service_account_key(
        session, actor=actor, account_id=account_id, data=body, idempotency_key=idempotency_key
    )


@router.post(
    "/service-accounts/{account_id}/keys/{kid}/revoke", response_model=ServiceAccountKeyRead
)
async def revoke_service_account_key(
    account_id: uuid.UUID, kid: str, actor: CurrentUser, session: DbSession
) -> ServiceAccountKeyRead:
    """Revoke a key (a moderator, or a focal point of its authority): tokens issued under it
    are refused from the next request on."""
    return await accounts.revoke_service_account_key(
        session, actor=actor, account_id=account_id, kid=kid
    )


_OAUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "invalid_request, unsupported_grant_type, invalid_grant (a replayed "
        "assertion) or invalid_scope: problem+json with the RFC 6749 `error` member"
    },
    401: {
        "description": "invalid_client: the assertion does not verify, or the account may "
        "not sign in (not active, address outside its allow-list)"
    },
    429: {
        "description": "Too many failed assertions from this address: try again after "
        "Retry-After seconds"
    },
}


@router.post("/oauth/token", response_model=TokenResponse, responses=_OAUTH_ERRORS)
async def issue_token(
    form: Annotated[TokenRequest, Form()], request: Request, session: DbSession
) -> JSONResponse:
    """OAuth 2.0 client credentials with a private_key_jwt assertion (RFC 6749 4.4, RFC 7523
    2.2): a service account's access token."""
    context = request_actor_context(request)
    issued = await grant.exchange_assertion(
        session,
        request=grant.GrantRequest(
            grant_type=form.grant_type,
            client_assertion_type=form.client_assertion_type,
            client_assertion=form.client_assertion,
            scope=form.scope,
            client_id=form.client_id,
        ),
        base_url=str(request.app.state.settings.base_url),
        secret_key=str(request.app.state.settings.resolved_secret_key()),
        client_ip=context["client_ip"],
        user_agent=context["user_agent"],
        request_id=context["request_id"],
    )
    body = TokenResponse(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        scope=" ".join(issued.scopes),
    )
    return JSONResponse(
        body.model_dump(mode="json"), headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )

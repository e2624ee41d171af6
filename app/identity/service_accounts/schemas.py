"""API shapes of service accounts and of the token endpoint (docs/integration.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.auth.scopes import Scope

ServiceAccountStatus = Literal["pending", "active", "rejected", "revoked"]
ServiceAccountAction = Literal["approve", "reject", "revoke", "add_key", "revoke_key"]


class ServiceAccountKeyCreate(BaseModel):
    pem: str = Field(
        min_length=1,
        max_length=4096,
        description="the public key, SubjectPublicKeyInfo PEM (-----BEGIN PUBLIC KEY-----): "
        "Ed25519 (EdDSA) or P-256 (ES256)",
    )
    kid: str | None = Field(
        default=None,
        max_length=64,
        description="the key id assertions name in their header; else the key's RFC 7638 "
        "thumbprint",
    )


class ServiceAccountCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1, max_length=4)
    public_key: ServiceAccountKeyCreate
    ip_allowlist: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="CIDRs the account may be used from (tokens and every request); empty: "
        "any address",
    )


class ServiceAccountReason(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ServiceAccountKeyRead(BaseModel):
    kid: str
    alg: Literal["EdDSA", "ES256"]
    thumbprint: str = Field(description="RFC 7638 JWK thumbprint (SHA-256, base64url)")
    created_by: uuid.UUID | None
    created_at: datetime
    revoked_by: uuid.UUID | None
    revoked_at: datetime | None


class ServiceAccountRead(BaseModel):
    id: uuid.UUID = Field(description="also the OAuth client_id, and iss and sub of assertions")
    authority_id: uuid.UUID
    name: str
    handle: str = Field(description="how audit entries and cases name the account")
    scopes: list[Scope]
    status: ServiceAccountStatus
    ip_allowlist: list[str]
    keys: list[ServiceAccountKeyRead] = Field(description="oldest first, revoked ones included")
    created_by: uuid.UUID | None
    created_at: datetime
    approved_by: uuid.UUID | None
    approved_at: datetime | None
    rejected_by: uuid.UUID | None
    rejected_at: datetime | None
    rejection_reason: str | None
    revoked_by: uuid.UUID | None
    revoked_at: datetime | None
    revocation_reason: str | None
    allowed_actions: list[ServiceAccountAction] = Field(
        description="what the caller may do with the account now"
    )


class TokenRequest(BaseModel):
    """The token request, form-encoded (RFC 6749 section 4.4.2, RFC 7523 section 2.2).

    Every field is optional here so that a missing one is answered the OAuth way (400
    `invalid_request`), not with a validation problem."""

    grant_type: str | None = Field(default=None, description="client_credentials")
    client_assertion_type: str | None = Field(
        default=None, description="urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    )
    client_assertion: str | None = Field(
        default=None, description="the JWT signed with the account's private key"
    )
    scope: str | None = Field(
        default=None, description="space-separated subset of the account's scopes"
    )
    client_id: str | None = Field(default=None, description="the account's id, if sent")


class TokenResponse(BaseModel):
    """RFC 6749 section 5.1."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="seconds the access token lasts")
    scope: str = Field(description="the scopes granted, space-separated")

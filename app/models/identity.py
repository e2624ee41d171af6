"""Members and their sign-in sessions; service accounts, their keys and spent assertions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, CIDR, CITEXT, INET, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import Timestamps, UUIDPrimaryKey, utcnow


class User(UUIDPrimaryKey, Timestamps, table=True):
    __tablename__ = "users"

    email: str = Field(sa_column=sa.Column(CITEXT(), nullable=False, unique=True))
    handle: str = Field(sa_column=sa.Column(CITEXT(), nullable=False, unique=True))
    full_name: str
    position: str | None = None
    password_hash: str
    # active | suspended; vetting expiry is separate (vetting_expires_at), so an expired
    # member keeps their account and can still read notifications.
    status: str = Field(default="active", max_length=16, index=True)
    roles: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.String()), nullable=False, server_default="{}"),
    )
    authority_id: uuid.UUID | None = Field(
        default=None, foreign_key="authorities.id", index=True, ondelete="SET NULL"
    )
    focal_point: bool = Field(default=False)
    vetting_expires_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # identity domain (0004_identity)
    vetted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    vetting_reminded_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # AES-GCM encrypted with a key derived from the secret key (never stored in clear).
    totp_secret: str | None = Field(default=None, max_length=128)
    # The last TOTP time step accepted: a code is never accepted twice (replay).
    totp_last_step: int | None = Field(default=None, sa_type=sa.BigInteger())
    mfa_enrolled_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    last_login_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # member | service (0014_service_accounts): a service account's row is its principal, so
    # what it writes (cases, messages, audit entries) names it like a member; it has no roles
    # and no password, and member lists, sign-in and member management leave it out.
    kind: str = Field(
        default="member", max_length=16, sa_column_kwargs={"server_default": "member"}
    )


class UserSession(UUIDPrimaryKey, SQLModel, table=True):
    __tablename__ = "user_sessions"

    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )
    last_seen_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    client_ip: str | None = Field(default=None, sa_column=sa.Column(INET(), nullable=True))
    user_agent: str | None = Field(default=None, max_length=512)
    # identity domain (0004_identity): "bearer" (access + refresh token) or "cookie".
    kind: str = Field(
        default="bearer", max_length=16, sa_column_kwargs={"server_default": "bearer"}
    )
    # SHA-256 of the opaque browser session cookie (cookie sessions only).
    cookie_hash: str | None = Field(default=None, max_length=64, unique=True)
    revoked_reason: str | None = Field(default=None, max_length=32)
    # Sessions of a service account (kind "service"), one per access token: the key that
    # signed the assertion (revoking the key revokes these) and the scopes granted.
    service_key_id: uuid.UUID | None = Field(
        default=None, foreign_key="service_account_keys.id", index=True, ondelete="CASCADE"
    )
    scopes: list[str] | None = Field(
        default=None, sa_column=sa.Column(ARRAY(sa.String()), nullable=True)
    )


class RefreshToken(UUIDPrimaryKey, SQLModel, table=True):
    """Refresh tokens, stored hashed; a spent one presented again revokes its session."""

    __tablename__ = "refresh_tokens"

    session_id: uuid.UUID = Field(foreign_key="user_sessions.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )
    spent_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class OneTimeToken(UUIDPrimaryKey, SQLModel, table=True):
    """Single-use secrets: email links and sign-in challenges, stored as SHA-256 only."""

    __tablename__ = "one_time_tokens"

    # verify_email | provide_info | login_mfa | login_enroll | password_reset
    purpose: str = Field(max_length=32)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="CASCADE"
    )
    application_id: uuid.UUID | None = Field(
        default=None, foreign_key="applications.id", index=True, ondelete="CASCADE"
    )
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
    used_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # Wrong codes entered against a sign-in challenge; the challenge dies after a few.
    failures: int = Field(default=0)
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )


class RecoveryCode(UUIDPrimaryKey, SQLModel, table=True):
    __tablename__ = "recovery_codes"

    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per account or client address, shared by every worker."""

    __tablename__ = "login_throttles"

    key: str = Field(primary_key=True, max_length=400)  # "account:<email>" | "ip:<address>"
    failures: int = Field(default=0)
    first_failure_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    last_failure_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    blocked_until: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    locked: bool = Field(default=False)


class Application(UUIDPrimaryKey, Timestamps, table=True):
    """A request for membership, from email verification to the moderator's decision."""

    __tablename__ = "applications"
    __table_args__ = (sa.Index("ix_applications_status_created", "status", "created_at"),)

    email: str = Field(sa_column=sa.Column(CITEXT(), nullable=False, index=True))
    handle: str = Field(sa_column=sa.Column(CITEXT(), nullable=False))
    full_name: str = Field(max_length=200)
    position: str = Field(max_length=200)
    justification: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    authority_id: uuid.UUID = Field(foreign_key="authorities.id", index=True, ondelete="CASCADE")
    password_hash: str
    # pending_email | pending_review | info_requested | approved | rejected | expired
    status: str = Field(default="pending_email", max_length=16)
    email_verified_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # endorsed | unknown: what the authority's focal point said
    endorsement: str | None = Field(default=None, max_length=16)
    endorsed_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    decision_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    # Why a moderator approved without the focal point's endorsement (null when endorsed).
    endorsement_override_reason: str | None = Field(
        default=None, sa_column=sa.Column(sa.Text(), nullable=True)
    )
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class VettingStep(UUIDPrimaryKey, SQLModel, table=True):
    """One entry of a person's vetting record: who did what, when, with which checks."""

    __tablename__ = "vetting_steps"

    application_id: uuid.UUID | None = Field(
        default=None, foreign_key="applications.id", index=True, ondelete="CASCADE"
    )
    user_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="CASCADE"
    )
    # applied | email_verified | endorsed | unknown | info_requested | info_provided |
    # approved | rejected | reattested | reminded | expired
    step: str = Field(max_length=32)
    actor_user_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    checks: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.String()), nullable=False, server_default="{}"),
    )
    roles: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(sa.String()), nullable=False, server_default="{}"),
    )
    # On an approval without the focal point's endorsement: the moderator's stated reason.
    endorsement_override_reason: str | None = Field(
        default=None, sa_column=sa.Column(sa.Text(), nullable=True)
    )
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )


class RoleChange(UUIDPrimaryKey, SQLModel, table=True):
    """A privileged grant (admin, moderator) waiting for a second admin (four eyes)."""

    __tablename__ = "role_changes"

    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    requested_by: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    # The whole requested PATCH, applied as one when confirmed.
    changes: dict[str, Any] = Field(sa_column=sa.Column(JSONB(), nullable=False))
    # pending | confirmed | rejected
    status: str = Field(default="pending", max_length=16, index=True)
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )


class ServiceAccount(SQLModel, table=True):
    """An authority's system signing in with its own key (docs/integration.md).

    Its id is the id of its `users` row (kind "service"), which is what sessions, cases,
    messages and audit entries refer to; this row holds what only an account has.
    """

    __tablename__ = "service_accounts"
    __table_args__ = (
        # A name names one live account of the authority; a revoked one frees it.
        sa.Index(
            "uq_service_accounts_authority_live_name",
            "authority_id",
            sa.text("lower(name)"),
            unique=True,
            postgresql_where=sa.text("status IN ('pending', 'active')"),
        ),
        sa.Index("ix_service_accounts_created_at_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(primary_key=True, foreign_key="users.id", ondelete="CASCADE")
    authority_id: uuid.UUID = Field(foreign_key="authorities.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    scopes: list[str] = Field(sa_column=sa.Column(ARRAY(sa.String()), nullable=False))
    # pending | active | rejected | revoked
    status: str = Field(default="pending", max_length=16)
    ip_allowlist: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(ARRAY(CIDR()), nullable=False, server_default="{}"),
    )
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )
    approved_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    approved_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    rejected_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    rejected_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    rejection_reason: str | None = Field(
        default=None, sa_column=sa.Column(sa.Text(), nullable=True)
    )
    revoked_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    revocation_reason: str | None = Field(
        default=None, sa_column=sa.Column(sa.Text(), nullable=True)
    )


class ServiceAccountKey(UUIDPrimaryKey, SQLModel, table=True):
    """A public key of a service account; several may be active at once (rotation)."""

    __tablename__ = "service_account_keys"
    __table_args__ = (
        sa.UniqueConstraint("service_account_id", "kid"),
        sa.UniqueConstraint("service_account_id", "thumbprint"),
    )

    service_account_id: uuid.UUID = Field(
        foreign_key="service_accounts.id", index=True, ondelete="CASCADE"
    )
    kid: str = Field(max_length=64)
    # EdDSA (Ed25519) | ES256 (P-256): fixed by the key, the only algorithm it verifies.
    alg: str = Field(max_length=8)
    public_key_pem: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    # RFC 7638 JWK thumbprint (SHA-256, base64url): the same key is registered once.
    thumbprint: str = Field(max_length=64)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )
    revoked_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class UsedAssertion(SQLModel, table=True):
    """Assertion ids (`jti`) already accepted, kept until the assertion expires (replays)."""

    __tablename__ = "used_assertions"

    service_account_id: uuid.UUID = Field(
        primary_key=True, foreign_key="service_accounts.id", ondelete="CASCADE"
    )
    jti: str = Field(primary_key=True, max_length=200)
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)

"""API shapes of the identity domain (separate from the tables)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, EmailStr, Field, computed_field

from app.core.fields import NotNull


class ApplicationCreate(BaseModel):
    email: EmailStr
    full_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    authority_id: uuid.UUID
    position: str = Field(min_length=1, max_length=200)
    justification: str = Field(min_length=1, max_length=5000)
    handle: str | None = Field(default=None, max_length=32, description="else derived from name")


class ApplicationCreated(BaseModel):
    id: uuid.UUID
    status: str


class TokenIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)


class ProgressStepRead(BaseModel):
    """A step of one's own vetting, as the applicant or member sees it: what and when (the
    reviewers' notes and names stay with the reviewers)."""

    step: str = Field(
        description="applied | email_verified | endorsed | unknown | info_requested | "
        "info_provided | approved | rejected | reattested | reminded | vouched | suspended | "
        "reinstated"
    )
    roles: list[str] = Field(description="on an approval: the roles granted")
    created_at: datetime


class ApplicationStatus(BaseModel):
    status: str


class ApplicationProgress(ApplicationStatus):
    steps: list[ProgressStepRead] = Field(
        description="the application's steps so far, oldest first"
    )


class InformationIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    response: str = Field(min_length=1, max_length=5000)


class StepActor(BaseModel):
    id: uuid.UUID
    handle: str
    full_name: str


class VettingStepRead(BaseModel):
    id: uuid.UUID
    step: str
    application_id: uuid.UUID | None
    user_id: uuid.UUID | None
    actor_user_id: uuid.UUID | None
    actor: StepActor | None = Field(default=None, description="who took the step, if someone")
    note: str | None
    checks: list[str]
    roles: list[str]
    endorsement_override_reason: str | None = Field(
        default=None, description="on an approval without the focal point's endorsement"
    )
    created_at: datetime


class ApplicationRead(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str
    handle: str
    position: str
    justification: str
    authority_id: uuid.UUID
    status: str
    email_verified_at: datetime | None
    endorsement: str | None = Field(description="endorsed | unknown | null (not yet)")
    endorsed_by: uuid.UUID | None
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    decision_note: str | None
    endorsement_override_reason: str | None = Field(
        default=None,
        description="why a moderator approved without the focal point's endorsement",
    )
    user_id: uuid.UUID | None
    created_at: datetime
    steps: list[VettingStepRead] | None = None
    allowed_actions: list[str] = Field(
        default_factory=list,
        description="what the caller may do to it now: endorse (its focal point); approve, "
        "reject, request_info (moderators)",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def focal_point_endorsed(self) -> bool:
        return self.endorsement == "endorsed"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def endorsement_overridden(self) -> bool:
        """Approved without the focal point's endorsement, for the stated reason."""
        return self.endorsement_override_reason is not None


class EndorseIn(BaseModel):
    endorsement: Literal["endorse", "unknown"] = "endorse"
    note: str | None = Field(default=None, max_length=5000)


class DecisionIn(BaseModel):
    decision: Literal["approve", "reject", "request_info"]
    roles: list[str] = Field(default_factory=list, max_length=5)
    note: str | None = Field(default=None, max_length=5000)
    checks: list[str] = Field(
        default_factory=list,
        max_length=20,
        description='what the moderator verified, e.g. "identity confirmed with focal point"',
    )
    endorsement_override_reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description=(
            "approve only: required when the applicant's focal point has not endorsed the "
            'application, e.g. "the authority has no focal point yet"; recorded and audited'
        ),
    )


class ReattestIn(BaseModel):
    note: str | None = Field(default=None, max_length=5000)
    checks: list[str] = Field(default_factory=list, max_length=20)


class LoginIn(BaseModel):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class ChallengeOut(BaseModel):
    status: Literal["mfa_required", "mfa_enrollment_required"]
    challenge_token: str
    expires_in: int


class EnrollIn(BaseModel):
    challenge_token: str = Field(min_length=1, max_length=200)


class EnrollOut(BaseModel):
    secret: str
    otpauth_uri: str


class MfaVerifyIn(BaseModel):
    challenge_token: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=32, description="TOTP code or a recovery code")
    session: Literal["bearer", "cookie"] = Field(
        default="bearer",
        description="cookie: an HttpOnly session cookie plus csrf_token instead of tokens",
    )


class TokensOut(BaseModel):
    token_type: Literal["bearer", "cookie"]
    expires_in: int
    access_token: str | None = None
    refresh_token: str | None = None
    csrf_token: str | None = Field(
        default=None, description="cookie sessions: send as X-CSRF-Token on writes"
    )
    recovery_codes: list[str] | None = Field(default=None, description="only when enrolling")


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class AuthorityRef(BaseModel):
    id: uuid.UUID
    name: str
    state_code: str


class MeOut(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str
    handle: str
    position: str | None
    roles: list[str]
    authority: AuthorityRef | None
    status: str
    focal_point: bool
    vetting_expires_at: datetime | None
    vetting_expired: bool
    mfa_enrolled: bool


class SessionOut(BaseModel):
    id: uuid.UUID
    kind: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    client_ip: str | None
    user_agent: str | None
    current: bool


class UserRead(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str
    handle: str
    position: str | None
    roles: list[str]
    authority: AuthorityRef | None
    status: str
    focal_point: bool
    vetted_at: datetime | None
    vetting_expires_at: datetime | None
    last_login_at: datetime | None
    mfa_enrolled: bool
    created_at: datetime


class UserPatch(BaseModel):
    roles: Annotated[list[str] | None, NotNull] = Field(default=None, max_length=5)
    status: Annotated[Literal["active", "suspended"] | None, NotNull] = None
    authority_id: uuid.UUID | None = Field(
        default=None, description="null takes the member out of their authority"
    )
    focal_point: Annotated[bool | None, NotNull] = None


class PendingChangeOut(BaseModel):
    pending_change_id: uuid.UUID
    status: str = "pending"


class SessionsRevokedOut(BaseModel):
    revoked: int = Field(description="how many sessions ended (0: none was live)")


class RoleChangeRead(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    requested_by: uuid.UUID
    changes: dict[str, Any]
    status: str
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    created_at: datetime


class VettingRecordOut(BaseModel):
    user_id: uuid.UUID
    vetted_at: datetime | None
    vetting_expires_at: datetime | None
    applications: list[ApplicationRead]
    steps: list[VettingStepRead]
    allowed_actions: list[str] = Field(
        default_factory=list,
        description="what the caller may do to the member now: reattest, suspend, reinstate",
    )


class VettingDueRead(UserRead):
    """A member in the list by vetting expiry."""

    vetting_lapsed: bool = Field(description="the vetting has lapsed (else it lapses soon)")


class OwnVettingOut(BaseModel):
    status: str
    vetted_at: datetime | None
    vetting_expires_at: datetime | None
    vetting_expired: bool
    steps: list[ProgressStepRead] = Field(description="every step of my vetting, oldest first")


class SuspensionIn(BaseModel):
    reason: str = Field(
        min_length=1, max_length=2000, description="recorded in the member's vetting record"
    )


class PasswordResetIn(BaseModel):
    email: str = Field(min_length=1, max_length=320)


class PasswordResetConfirmIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChangeIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class ProfileUpdate(BaseModel):
    full_name: Annotated[str | None, NotNull] = Field(default=None, max_length=200)
    handle: Annotated[str | None, NotNull] = Field(
        default=None, max_length=33, description="lowercase letters, digits and dots; unique"
    )


class RecoveryCodesIn(BaseModel):
    """Proof that the member holds the account now: exactly one of the two."""

    code: str | None = Field(
        default=None, max_length=32, description="the current code of the authenticator app"
    )
    password: str | None = Field(default=None, max_length=1024)


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str] = Field(description="shown once; every earlier code is void")

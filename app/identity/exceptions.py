"""Identity's errors: the ones raised, each with its stable code, and the refusals returned.

Sign-in and the other steps that count failures do not raise their refusals: they return a
`Refusal`, so that the request commits what must survive it (the throttle counters, the
spent challenge, the audit entries); see app/core/refusal.py. The routes render both the
same way (application/problem+json).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.errors import BadRequest, Conflict, Forbidden, NotFound

HANDLE_TAKEN = "This handle is taken."
INVALID_LINK = "The link is invalid, already used or expired."
BAD_CREDENTIALS = "The email or password is wrong."
BAD_CHALLENGE = "The sign-in challenge is invalid or has expired; sign in again."
BAD_CODE = "The code is wrong or has already been used."
THROTTLED = "Too many failed attempts; wait before trying again."
LOCKED_OUT = "Too many failed attempts: locked out for now; wait, then sign in again."


class MemberNotFound(NotFound):
    def __init__(self, detail: str = "No such member.") -> None:
        super().__init__(detail)


class HandleTaken(Conflict):
    code = "handle-taken"

    def __init__(self) -> None:
        super().__init__(HANDLE_TAKEN, errors=[{"field": "handle", "message": HANDLE_TAKEN}])


class MfaNotEnrolled(Conflict):
    code = "mfa-not-enrolled"

    def __init__(self) -> None:
        super().__init__("Set up an authenticator app first.")


class InvalidLink(BadRequest):
    """An emailed link's token that is unknown, spent, expired or for another step."""

    code = "invalid-token"

    def __init__(self) -> None:
        super().__init__(INVALID_LINK)


class OwnRolesForbidden(Forbidden):
    code = "own-roles"

    def __init__(self) -> None:
        super().__init__("Nobody can change their own roles, status or authority.")


class FourEyesRequired(Forbidden):
    code = "four-eyes"

    def __init__(self) -> None:
        super().__init__("A second admin must decide (four eyes).")


class OwnVettingForbidden(Forbidden):
    code = "own-vetting"

    def __init__(self) -> None:
        super().__init__("A moderator cannot re-attest their own vetting.")


class EndorsementRequired(Conflict):
    """Approval without the focal point's endorsement and without saying why."""

    code = "endorsement-required"

    def __init__(self, endorsement: str | None) -> None:
        said = (
            "does not know the applicant"
            if endorsement == "unknown"
            else "has not endorsed this application"
        )
        super().__init__(
            f"The focal point of the applicant's authority {said}. Ask them to endorse it, "
            "or approve with `endorsement_override_reason` saying why their endorsement is "
            "not needed (for example: the authority has no focal point yet)."
        )


class EndorsementPresent(Conflict):
    """An override reason for an endorsed application: a recorded override must mean one
    happened."""

    code = "endorsement-present"

    def __init__(self) -> None:
        super().__init__(
            "The focal point has endorsed this application: approve it without "
            "`endorsement_override_reason`."
        )


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    code: str
    detail: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FieldRefusal:
    """A refusal that names the field the member must correct."""

    refusal: Refusal
    field: str


def invalid_credentials() -> Refusal:
    # Also for unknown emails and inactive members: the answer tells nothing apart.
    return Refusal(401, "invalid-credentials", BAD_CREDENTIALS)


def invalid_challenge() -> Refusal:
    return Refusal(401, "invalid-challenge", BAD_CHALLENGE)


def invalid_code() -> Refusal:
    return Refusal(401, "invalid-code", BAD_CODE)


def invalid_refresh_token() -> Refusal:
    return Refusal(401, "invalid-refresh-token", "The refresh token is not valid.")


def enrollment_not_started() -> Refusal:
    return Refusal(409, "enrollment-not-started", "Call /auth/mfa/enroll first.")


def too_many_attempts(retry_after: int, detail: str = THROTTLED) -> Refusal:
    return Refusal(429, "too-many-attempts", detail, {"Retry-After": str(retry_after)})


def wrong_answer(field: str, detail: str) -> FieldRefusal:
    """A wrong password or code given to confirm an action, as `field` of the request."""
    return FieldRefusal(Refusal(422, f"invalid-{field}", detail), field)

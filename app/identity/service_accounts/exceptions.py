"""Service accounts' errors, and the token endpoint's OAuth errors.

The token endpoint answers problem+json like every route, with the RFC 6749 section 5.2
members `error` and `error_description` added, so OAuth client libraries understand it.
"""

from __future__ import annotations

from app.core.errors import AppError, Conflict, Forbidden, NotFound


class ServiceAccountNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such service account.")


class ServiceAccountKeyNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such key.")


class NotServiceAccountManager(Forbidden):
    def __init__(self, what: str) -> None:
        super().__init__(what)


class ServiceAccountFourEyes(Forbidden):
    code = "four-eyes"

    def __init__(self) -> None:
        super().__init__("Another moderator must decide: the proposal is yours (four eyes).")


class ServiceAccountStateConflict(Conflict):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class OAuthError(AppError):
    """A refusal of the token endpoint (RFC 6749 section 5.2)."""

    error = "invalid_request"

    def __init__(self, detail: str) -> None:
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        super().__init__(
            detail, headers=headers, extra={"error": self.error, "error_description": detail}
        )


class InvalidRequest(OAuthError):
    status, code, title = 400, "invalid-request", "Invalid token request"
    error = "invalid_request"


class UnsupportedGrantType(OAuthError):
    status, code, title = 400, "unsupported-grant-type", "Unsupported grant type"
    error = "unsupported_grant_type"


class InvalidClient(OAuthError):
    status, code, title = 401, "invalid-client", "Client authentication failed"
    error = "invalid_client"


class InvalidGrant(OAuthError):
    status, code, title = 400, "invalid-grant", "Invalid grant"
    error = "invalid_grant"


class TokenRequestsThrottled(OAuthError):
    """Too many refused token requests from the caller's address (RFC 6585)."""

    status, code, title = 429, "too-many-requests", "Too many requests"
    error = "invalid_request"

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many refused token requests from this address; wait and retry.")
        self.headers["Retry-After"] = str(retry_after)


class InvalidScope(OAuthError):
    status, code, title = 400, "invalid-scope", "Invalid scope"
    error = "invalid_scope"

"""Who passes the role-level check of each identity route (objects decide the rest)."""

ROUTES: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/auth/applications"): {"anonymous"},
    ("POST", "/api/v1/auth/applications/verify"): {"anonymous"},
    ("POST", "/api/v1/auth/applications/information"): {"anonymous"},
    ("POST", "/api/v1/auth/login"): {"anonymous"},
    ("POST", "/api/v1/auth/mfa/enroll"): {"anonymous"},
    ("POST", "/api/v1/auth/mfa/verify"): {"anonymous"},
    ("POST", "/api/v1/auth/refresh"): {"anonymous"},
    ("POST", "/api/v1/auth/password-reset"): {"anonymous"},
    ("POST", "/api/v1/auth/password-reset/confirm"): {"anonymous"},
    ("POST", "/api/v1/auth/logout"): {"any"},
    ("GET", "/api/v1/me"): {"any"},
    ("GET", "/api/v1/me/sessions"): {"any"},
    ("POST", "/api/v1/me/password"): {"any"},
    ("PATCH", "/api/v1/me"): {"any"},
    ("POST", "/api/v1/me/recovery-codes"): {"any"},
    # another member's session (here: a random id) is 404, never 403
    ("DELETE", "/api/v1/me/sessions/{session_id}"): {"any"},
    # focal points of any role also see their authority's queue (object-level)
    ("GET", "/api/v1/vetting/applications"): {"moderator"},
    ("GET", "/api/v1/vetting/applications/{application_id}"): {"moderator"},
    # only the focal point of the applicant's authority: no role passes by itself
    ("POST", "/api/v1/vetting/applications/{application_id}/endorse"): set(),
    ("POST", "/api/v1/vetting/applications/{application_id}/decision"): {"moderator"},
    ("GET", "/api/v1/users"): {"admin", "moderator"},
    ("GET", "/api/v1/users/{user_id}"): {"admin", "moderator"},
    ("PATCH", "/api/v1/users/{user_id}"): {"admin"},
    ("DELETE", "/api/v1/users/{user_id}/sessions"): {"admin"},
    ("GET", "/api/v1/users/{user_id}/vetting"): {"admin", "moderator"},
    ("POST", "/api/v1/users/{user_id}/reattest"): {"moderator"},
    ("POST", "/api/v1/users/{user_id}/suspend"): {"admin", "moderator"},
    ("POST", "/api/v1/users/{user_id}/reinstate"): {"admin", "moderator"},
    ("GET", "/api/v1/vetting/members"): {"moderator"},
    ("GET", "/api/v1/me/vetting"): {"any"},
    # only the focal point of the member's authority: no role passes by itself
    ("POST", "/api/v1/users/{user_id}/vouch"): set(),
    ("GET", "/api/v1/role-changes"): {"admin"},
    ("POST", "/api/v1/role-changes/{change_id}/confirm"): {"admin"},
    ("POST", "/api/v1/role-changes/{change_id}/reject"): {"admin"},
    # service accounts: focal points propose (for their authority) and add keys; moderators
    # and focal points see and revoke (object-level); moderators decide
    ("POST", "/api/v1/service-accounts"): set(),
    ("GET", "/api/v1/service-accounts"): {"moderator"},
    ("GET", "/api/v1/service-accounts/{account_id}"): {"moderator"},
    ("POST", "/api/v1/service-accounts/{account_id}/approve"): {"moderator"},
    ("POST", "/api/v1/service-accounts/{account_id}/reject"): {"moderator"},
    ("POST", "/api/v1/service-accounts/{account_id}/revoke"): {"moderator"},
    ("POST", "/api/v1/service-accounts/{account_id}/keys"): set(),
    ("POST", "/api/v1/service-accounts/{account_id}/keys/{kid}/revoke"): {"moderator"},
    # the token endpoint: the caller authenticates with its signed assertion
    ("POST", "/api/v1/oauth/token"): {"anonymous"},
}

"""Role-level access of the audit routes: auditors only, everyone else 403."""

ROUTES: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/audit/events"): {"auditor"},
    ("GET", "/api/v1/audit/events/export"): {"auditor"},
    ("GET", "/api/v1/audit/events/{entry_id}"): {"auditor"},
    ("GET", "/api/v1/audit/verify"): {"auditor"},
    ("GET", "/api/v1/audit/checkpoints"): {"auditor"},
    ("GET", "/api/v1/audit/public-key"): {"auditor"},
    ("GET", "/api/v1/audit/members"): {"auditor"},
    ("GET", "/api/v1/audit/members/{user_id}"): {"auditor"},
}

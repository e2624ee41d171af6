"""Who passes the role-level check of each catalogue route.

Every member but auditors reads the published catalogue and proposes entries; object-level
rules decide the rest (an entry the caller may not see answers 404; who consents, reviews or
withdraws is the entry's business).
"""

_MEMBERS = {"admin", "moderator", "officer", "liaison_magistrate"}

ROUTES: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/catalogue/entries"): _MEMBERS,
    ("GET", "/api/v1/catalogue/entries"): _MEMBERS,
    ("GET", "/api/v1/catalogue/facets"): _MEMBERS,
    ("GET", "/api/v1/catalogue/export"): _MEMBERS,
    ("GET", "/api/v1/catalogue/figures"): _MEMBERS,
    ("GET", "/api/v1/catalogue/obstacles"): _MEMBERS,
    ("GET", "/api/v1/catalogue/queue"): _MEMBERS,
    ("GET", "/api/v1/catalogue/nominations/{case_id}"): _MEMBERS,
    ("GET", "/api/v1/catalogue/entries/{entry_id}"): _MEMBERS,
    ("PATCH", "/api/v1/catalogue/entries/{entry_id}"): _MEMBERS,
    ("POST", "/api/v1/catalogue/entries/{entry_id}/transitions"): _MEMBERS,
}

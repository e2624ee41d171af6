"""Who passes the role-level check of the search route (each domain filters its hits)."""

ROUTES: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/search"): {"admin", "moderator", "officer", "liaison_magistrate"},
}

"""Role-level access of the notification routes: every signed-in member, for their own."""

ROUTES: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/notifications"): {"any"},
    ("POST", "/api/v1/notifications/read"): {"any"},
    ("GET", "/api/v1/me/notification-preferences"): {"any"},
    ("PUT", "/api/v1/me/notification-preferences"): {"any"},
}

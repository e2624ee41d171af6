"""Role-level access of the realtime routes: every signed-in member (events are then filtered
per member at send time; the websocket authenticates with its first message)."""

ROUTES: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/events"): {"any"},
}

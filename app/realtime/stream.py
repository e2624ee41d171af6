"""The shape of one delivered event, serialised once per worker, sent to many clients."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

Audience = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class StreamEvent:
    position: int
    name: str
    audience: Audience
    data: dict[str, Any]
    # {"type": "event", "id": N, "event": name, "data": {...}} as sent on the socket.
    message: str

    @classmethod
    def build(
        cls, position: int, name: str, kind: str, ident: str | None, data: dict[str, Any]
    ) -> StreamEvent:
        message = json.dumps(
            {"type": "event", "id": position, "event": name, "data": data},
            separators=(",", ":"),
        )
        return cls(position, name, (kind, ident), data, message)

    def as_dict(self) -> dict[str, Any]:
        return {"type": "event", "id": self.position, "event": self.name, "data": self.data}

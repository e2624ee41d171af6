"""Small pieces both clients share: building request models from keywords, the event cursor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from canet_client.models import STREAM_RESET, CaseCreate, Event, LegalBasis, PersonEntry


def case_create(data: CaseCreate | dict[str, Any] | None = None, **fields: Any) -> CaseCreate:
    """A CaseCreate from a model, a JSON-like dict and/or keywords (keywords win).

    `legal_basis` may be a LegalBasis, a dict, or just its kind ("untoc_art18");
    `deadline` a date or an ISO string.
    """
    if isinstance(data, CaseCreate):
        if not fields:
            return data
        merged: dict[str, Any] = {**data.to_dict(), **fields}
    else:
        merged = {**(data or {}), **fields}
    basis = merged.get("legal_basis")
    if isinstance(basis, str):
        merged["legal_basis"] = LegalBasis(kind=basis)  # type: ignore[arg-type]
    elif isinstance(basis, dict):
        merged["legal_basis"] = LegalBasis.from_dict(basis)
    if merged.get("persons") is not None:
        merged["persons"] = [
            PersonEntry.from_dict(p) if isinstance(p, dict) else p for p in merged["persons"]
        ]
    if isinstance(merged.get("deadline"), str):
        merged["deadline"] = date.fromisoformat(merged["deadline"])
    unknown = set(merged) - set(CaseCreate.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown case fields: {', '.join(sorted(unknown))}")
    return CaseCreate(**merged)


@dataclass
class EventCursor:
    """Where a consumer is in the event stream; lets each event through once, in order.

    Positions only grow; an event at or below the position already handed out is a
    duplicate (a resumed socket's backfill overlapping what was delivered, a long-poll
    repeated after a dropped answer) and is dropped.
    """

    last_id: int | None = None

    def accept(self, event: Event) -> bool:
        if self.last_id is not None and event.id <= self.last_id:
            return False
        self.last_id = event.id
        return True

    def advance(self, position: int | None) -> None:
        """Skip ahead: the server says nothing up to `position` is for us (poll, ping)."""
        if isinstance(position, int) and (self.last_id is None or position > self.last_id):
            self.last_id = position

    def reset(self, position: int, reason: str) -> Event:
        """The server lost our position: jump to `position`; the marker event to hand out."""
        self.last_id = position
        return Event(id=position, event=STREAM_RESET, data={"reason": reason})

"""A worker's memory of the sessions it has authenticated, trusted only while it hears changes.

Every request used to re-read its member and session from the database: one query that was a
fifth of the CPU of GET /me. Those rows change rarely (a sign-out, a suspension, a role or
profile change), so each worker keeps the rows it read, keyed by session, and forgets them
when PostgreSQL says they changed: triggers on users, user_sessions and service_accounts
NOTIFY `canet_actors` with the member's id (migration 0018), heard on the worker's one
LISTEN connection (app/realtime/listener.py).

A memory is only as good as the news it hears, so it is used only while the listening
connection has proved itself alive within the last second (a ping every quarter second);
a lost connection empties it at once, and a new one empties it again before it is trusted.
A revoked session or a suspended member is thus refused by every worker within one second
of the commit, also when a notification is lost with its connection (in practice within a
few milliseconds). A read that races a notification is never stored: each read notes the
generation before its query, and any notification in between moves the generation on.

What is kept is the row, not the verdict: expiry, vetting and the address allow-list are
judged on every request against the time and address of that request. Entries are also
re-read after `max_age` seconds whatever is heard (nothing else writes these tables without
the triggers, but a bound costs little), and the memory is bounded in size.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

CHANNEL = "canet_actors"
# How long one proof of the listening connection is worth (the bound: 1 s).
TRUST_SECONDS = 1.0


class ActorCache:
    def __init__(
        self,
        *,
        max_entries: int = 20_000,
        max_age: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        self._clock = clock
        # (session id, user id) -> (read at, row of the actor query)
        self._rows: dict[tuple[uuid.UUID, uuid.UUID], tuple[float, Any]] = {}
        # SHA-256 of a browser cookie -> (read at, session id, user id)
        self._cookies: dict[str, tuple[float, uuid.UUID, uuid.UUID]] = {}
        self._generation = 0
        self._trusted_until = 0.0
        self.hits = 0
        self.misses = 0

    # -- what the listening connection tells it

    def proved_alive(self, since: float) -> None:
        """The listening connection answered a ping sent at `since` (monotonic time):
        every change committed before then has been heard."""
        self._trusted_until = max(self._trusted_until, since + TRUST_SECONDS)

    def distrust(self) -> None:
        """The listening connection is lost or new: what was heard before may be incomplete."""
        self._trusted_until = 0.0
        self.forget_all()

    def changed(self, payload: str) -> None:
        """A NOTIFY on CHANNEL: the member with the payload's id changed ("*": anyone)."""
        self._generation += 1
        try:
            user_id = uuid.UUID(payload)
        except ValueError:
            self.forget_all()
            return
        for key in [key for key in self._rows if key[1] == user_id]:
            del self._rows[key]
        # Cookie entries only name a session; its actor row is gone, so it is re-read.

    def forget_all(self) -> None:
        self._generation += 1
        self._rows.clear()
        self._cookies.clear()

    # -- what requests ask of it

    @property
    def generation(self) -> int:
        """Note it before a read; `store` refuses the row if anything was heard since."""
        return self._generation

    def trusted(self) -> bool:
        return self._clock() < self._trusted_until

    def row(self, session_id: uuid.UUID, user_id: uuid.UUID) -> Any | None:
        if not self.trusted():
            return None
        found = self._rows.get((session_id, user_id))
        if found is None or self._clock() - found[0] > self.max_age:
            self.misses += 1
            return None
        self.hits += 1
        return found[1]

    def store(self, session_id: uuid.UUID, user_id: uuid.UUID, row: Any, generation: int) -> None:
        if generation != self._generation or not self.trusted():
            return
        if len(self._rows) >= self.max_entries:
            self._rows.clear()
        self._rows[(session_id, user_id)] = (self._clock(), row)

    def cookie(self, cookie_hash: str) -> tuple[uuid.UUID, uuid.UUID] | None:
        if not self.trusted():
            return None
        found = self._cookies.get(cookie_hash)
        if found is None or self._clock() - found[0] > self.max_age:
            return None
        return found[1], found[2]

    def store_cookie(
        self, cookie_hash: str, session_id: uuid.UUID, user_id: uuid.UUID, generation: int
    ) -> None:
        if generation != self._generation or not self.trusted():
            return
        if len(self._cookies) >= self.max_entries:
            self._cookies.clear()
        self._cookies[cookie_hash] = (self._clock(), session_id, user_id)

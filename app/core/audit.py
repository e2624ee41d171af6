"""audit.record(): the one way to write an audit entry.

Called inside the transaction of the action it records, so the entry commits or rolls back
with it and the action fails if the entry cannot be written. Refusals (a 403/404 on
something that exists) happen in transactions that roll back, so they go through
app.core.refusal, which writes their entry in a transaction of its own and then raises.

Entries never hold secrets or content: keys that name a password, token, secret, code or
message body are redacted before the row is built.

The entry is written unchained, so concurrent writers never wait for one another; the
audit domain's sealer gives it its gapless seq and chained hash moments after the commit
(app/audit/sealing.py, docs/audit.md).
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.journal import AuditRow, queue_to_write
from app.models.base import utcnow

if TYPE_CHECKING:
    pass


class Actor(Protocol):
    """Who acts, as the audit log records it (app.auth.actor.Actor is one; core knows no auth)."""

    @property
    def user_id(self) -> uuid.UUID | None: ...
    @property
    def handle(self) -> str | None: ...
    @property
    def full_name(self) -> str | None: ...
    @property
    def session_id(self) -> uuid.UUID | None: ...
    @property
    def client_ip(self) -> str | None: ...
    @property
    def user_agent(self) -> str | None: ...
    @property
    def request_id(self) -> str | None: ...


Outcome = Literal["success", "denied", "failed"]

_SECRET_KEY = re.compile(
    r"(password|passwd|token|secret|totp|otp|recovery|code_hash|body|content|plaintext)",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


@functools.lru_cache(maxsize=4096)
def _secret_key(key: str) -> bool:
    # The same few keys come back on every write: the regex runs once per key, not per entry.
    return _SECRET_KEY.search(key) is not None


@dataclass(frozen=True, slots=True)
class Target:
    type: str
    id: Any = None


def scrub(value: Any) -> Any:
    """Redact secret-looking keys, recursively; make values JSON-safe."""
    if isinstance(value, Mapping):
        return {str(k): (REDACTED if _secret_key(str(k)) else scrub(v)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _row(
    *,
    actor: Actor | None,
    action: str,
    target: Target | None,
    outcome: Outcome,
    changes: Mapping[str, Any] | None,
    details: Mapping[str, Any] | None,
    authority_ids: Iterable[uuid.UUID | None],
) -> AuditRow:
    # Only a member has a handle and a name to keep; the system and anonymous callers do not.
    member = actor if actor is not None and actor.user_id is not None else None
    return AuditRow(
        occurred_at=utcnow(),
        actor_user_id=actor.user_id if actor else None,
        actor_handle=member.handle if member else None,
        actor_name=member.full_name if member else None,
        actor_session_id=actor.session_id if actor else None,
        actor_ip=actor.client_ip if actor else None,
        actor_user_agent=actor.user_agent if actor else None,
        request_id=actor.request_id if actor else None,
        action=action,
        target_type=target.type if target else None,
        target_id=str(target.id) if target and target.id is not None else None,
        authority_ids=sorted({a for a in authority_ids if a is not None}, key=str),
        outcome=outcome,
        changes=scrub(dict(changes)) if changes else None,
        details=scrub(dict(details)) if details else None,
    )


async def record(
    session: AsyncSession,
    *,
    actor: Actor | None,
    action: str,
    target: Target | None,
    outcome: Outcome = "success",
    changes: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    authority_ids: Iterable[uuid.UUID | None] = (),
) -> None:
    """Append an entry to the caller's transaction: written as it commits (app/core/journal.py).

    If the entry cannot be written, the commit fails and so does the action.
    """
    row = _row(
        actor=actor,
        action=action,
        target=target,
        outcome=outcome,
        changes=changes,
        details=details,
        authority_ids=authority_ids,
    )
    queue_to_write(session.sync_session).audit.append(row)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Field-level changes {field: {"old": ..., "new": ...}} between two snapshots."""
    return {
        key: {"old": before.get(key), "new": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }

"""audit.record(): the one way to write an audit entry.

Called inside the transaction of the action it records, so the entry commits or rolls back
with it and the action fails if the entry cannot be written. Refusals (a 403/404 on
something that exists, a failed sign-in) happen in transactions that roll back, so
`record_separately` writes those in a transaction of their own.

Entries never hold secrets or content: keys that name a password, token, secret, code or
message body are redacted before the row is built.

The entry is written unchained, so concurrent writers never wait for one another; the
audit domain's sealer gives it its gapless seq and chained hash moments after the commit
(app/audit/sealing.py, docs/audit.md).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.audit import AuditEntry

if TYPE_CHECKING:
    from app.auth.actor import Actor
    from app.db import Database

Outcome = Literal["success", "denied", "failed"]

_SECRET_KEY = re.compile(
    r"(password|passwd|token|secret|totp|otp|recovery|code_hash|body|content|plaintext)",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class Target:
    type: str
    id: Any = None


def scrub(value: Any) -> Any:
    """Redact secret-looking keys, recursively; make values JSON-safe."""
    if isinstance(value, Mapping):
        return {
            str(k): (REDACTED if _SECRET_KEY.search(str(k)) else scrub(v)) for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def build_entry(
    *,
    actor: Actor | None,
    action: str,
    target: Target | None,
    outcome: Outcome = "success",
    changes: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    authority_ids: Iterable[uuid.UUID | None] = (),
) -> AuditEntry:
    return AuditEntry(
        actor_user_id=actor.user_id if actor else None,
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


_TABLE = AuditEntry.__table__  # type: ignore[attr-defined]
# Every column but the identity and the transaction stamp (set by a trigger).
_COLUMNS = tuple(c.name for c in _TABLE.columns if c.name not in ("id", "xact_id"))
_INSERT = sa.insert(_TABLE).returning(_TABLE.c.id)


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
) -> AuditEntry:
    """Append an entry in the caller's transaction (flushed now, so a failure fails the action)."""
    entry = build_entry(
        actor=actor,
        action=action,
        target=target,
        outcome=outcome,
        changes=changes,
        details=details,
        authority_ids=authority_ids,
    )
    # A Core INSERT, not session.add() + flush(): the entry is never changed afterwards, so
    # the unit of work would be pure overhead (about a quarter of a millisecond of CPU per
    # audited write, measured with bench/audit_throughput.py). It runs now, so a failure
    # still fails the action.
    entry.id = await session.scalar(_INSERT, {name: getattr(entry, name) for name in _COLUMNS})
    return entry


async def record_separately(
    database: Database,
    *,
    actor: Actor | None,
    action: str,
    target: Target | None,
    outcome: Outcome = "denied",
    changes: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    authority_ids: Iterable[uuid.UUID | None] = (),
) -> None:
    """Append an entry in its own transaction: for refusals whose request rolls back."""
    async with database.transaction() as session:
        await record(
            session,
            actor=actor,
            action=action,
            target=target,
            outcome=outcome,
            changes=changes,
            details=details,
            authority_ids=authority_ids,
        )


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Field-level changes {field: {"old": ..., "new": ...}} between two snapshots."""
    return {
        key: {"old": before.get(key), "new": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }

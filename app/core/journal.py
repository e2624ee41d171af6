"""The journal: audit entries and events, written by one statement as the transaction commits.

Both are append-only rows that nothing reads back inside the transaction that writes them.
Instead of one INSERT each as they happen (a database round trip apiece, two on every
audited write that also publishes), `audit.record` and `events.publish` queue them on the
session, and a `before_commit` hook writes the whole queue in one statement just before
COMMIT, still inside the transaction: the rows commit or roll back with the change they
describe, and a failure to write them fails the commit, so the action fails too.

Savepoints keep the same guarantee: rows queued inside a savepoint that rolls back are
dropped with it; a released savepoint writes what it queued before it is released.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from app.db import Prepared, Rows

_QUEUE = "canet.journal"
_MARKS = "canet.journal.marks"


@dataclass(slots=True)
class AuditRow:
    occurred_at: datetime
    actor_user_id: uuid.UUID | None
    actor_handle: str | None
    actor_name: str | None
    actor_session_id: uuid.UUID | None
    actor_ip: str | None
    actor_user_agent: str | None
    request_id: str | None
    action: str
    target_type: str | None
    target_id: str | None
    authority_ids: Sequence[uuid.UUID]
    outcome: str
    changes: dict[str, Any] | None
    details: dict[str, Any] | None


@dataclass(slots=True)
class EventRow:
    name: str
    audience_kind: str
    audience_id: str | None
    data: dict[str, Any]


@dataclass(slots=True)
class Queue:
    audit: list[AuditRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    # Ids of the events this transaction wrote, for the after-commit announcement.
    written_event_ids: list[int] = field(default_factory=list)
    # Whether an after-commit announcement of them is already scheduled.
    announcing: bool = False


def queue_of(session: Session) -> Queue:
    queue: Queue | None = session.info.get(_QUEUE)
    if queue is None:
        queue = session.info[_QUEUE] = Queue()
    return queue


def queue_to_write(session: Session) -> Queue:
    """The queue, for a row about to be queued: the session's transaction is begun if it
    was not, since its commit is what writes the queue (and app.db.get_session skips the
    commit of a session that never began)."""
    if not session.in_transaction():
        session.begin()
    return queue_of(session)


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


def _uuid_array(values: Sequence[uuid.UUID]) -> str:
    return "{" + ",".join(str(v) for v in values) + "}"


def _parameters(queue: Queue) -> dict[str, list[Any]]:
    a, e = queue.audit, queue.events
    return {
        "occurred_at": [r.occurred_at for r in a],
        "actor_user_id": [r.actor_user_id for r in a],
        "actor_handle": [r.actor_handle for r in a],
        "actor_name": [r.actor_name for r in a],
        "actor_session_id": [r.actor_session_id for r in a],
        "actor_ip": [r.actor_ip for r in a],
        "actor_user_agent": [r.actor_user_agent for r in a],
        "request_id": [r.request_id for r in a],
        "action": [r.action for r in a],
        "target_type": [r.target_type for r in a],
        "target_id": [r.target_id for r in a],
        "authority_ids": [_uuid_array(r.authority_ids) for r in a],
        "outcome": [r.outcome for r in a],
        "changes": [_json(r.changes) for r in a],
        "details": [_json(r.details) for r in a],
        "event_name": [r.name for r in e],
        "audience_kind": [r.audience_kind for r in e],
        "audience_id": [r.audience_id for r in e],
        "event_data": [_json(r.data) for r in e],
    }


# One statement for any number of rows of either kind: arrays unnested in their queued order
# (WITH ORDINALITY), so entries keep the order in which the transaction recorded them. A
# data-modifying CTE runs whether or not the outer query reads it.
_WRITE = Prepared(
    sa.text(
        """
    WITH audit AS (
        INSERT INTO audit_entries (occurred_at, actor_user_id, actor_handle, actor_name,
                                   actor_session_id, actor_ip, actor_user_agent, request_id,
                                   action, target_type, target_id, authority_ids, outcome,
                                   changes, details)
        SELECT a.occurred_at, a.actor_user_id, a.actor_handle, a.actor_name,
               a.actor_session_id, CAST(a.actor_ip AS inet), a.actor_user_agent, a.request_id,
               a.action, a.target_type, a.target_id, CAST(a.authority_ids AS uuid[]),
               a.outcome, CAST(a.changes AS jsonb), CAST(a.details AS jsonb)
        FROM unnest(CAST(:occurred_at AS timestamptz[]), CAST(:actor_user_id AS uuid[]),
                    CAST(:actor_handle AS text[]), CAST(:actor_name AS text[]),
                    CAST(:actor_session_id AS uuid[]), CAST(:actor_ip AS text[]),
                    CAST(:actor_user_agent AS text[]), CAST(:request_id AS text[]),
                    CAST(:action AS text[]), CAST(:target_type AS text[]),
                    CAST(:target_id AS text[]), CAST(:authority_ids AS text[]),
                    CAST(:outcome AS text[]), CAST(:changes AS text[]),
                    CAST(:details AS text[]))
             WITH ORDINALITY AS a(occurred_at, actor_user_id, actor_handle, actor_name,
                                  actor_session_id, actor_ip, actor_user_agent, request_id,
                                  action, target_type, target_id, authority_ids, outcome,
                                  changes, details, n)
        ORDER BY a.n
        RETURNING 1
    ), event AS (
        INSERT INTO events (name, audience_kind, audience_id, data)
        SELECT e.name, e.audience_kind, e.audience_id, CAST(e.data AS jsonb)
        FROM unnest(CAST(:event_name AS text[]), CAST(:audience_kind AS text[]),
                    CAST(:audience_id AS text[]), CAST(:event_data AS text[]))
             WITH ORDINALITY AS e(name, audience_kind, audience_id, data, n)
        ORDER BY e.n
        RETURNING id
    )
    SELECT id FROM event
    """
    )
)


def write_queued(session: Session) -> None:
    """Write every queued row now (in the session's transaction); the queue empties."""
    queue: Queue | None = session.info.get(_QUEUE)
    if queue is None or not (queue.audit or queue.events):
        return
    written = _WRITE.fetch_in_transaction_sync(session.connection(), _parameters(queue))
    ids: Sequence[int] = (
        written.scalars_all() if isinstance(written, Rows) else written.scalars().all()
    )
    queue.written_event_ids.extend(ids)
    queue.audit.clear()
    queue.events.clear()
    # Savepoints opened before this point have nothing queued to drop any more.
    session.info[_MARKS] = {t: (0, 0) for t in session.info.get(_MARKS, {})}


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # Runs for the outermost transaction and for every savepoint being released.
    write_queued(session)


@event.listens_for(Session, "after_transaction_create")
def _after_transaction_create(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        queue = queue_of(session)
        session.info.setdefault(_MARKS, {})[transaction] = (len(queue.audit), len(queue.events))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    queue: Queue | None = session.info.get(_QUEUE)
    if transaction.nested:
        mark = session.info.get(_MARKS, {}).pop(transaction, None)
        if mark is not None and queue is not None:
            # A released savepoint wrote its rows (the queue is empty); a rolled-back one
            # drops what was queued inside it.
            del queue.audit[mark[0] :]
            del queue.events[mark[1] :]
    elif transaction.parent is None and queue is not None:
        # The outermost transaction ended: committed (all written) or rolled back (all gone).
        queue.audit.clear()
        queue.events.clear()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:
        queue: Queue | None = session.info.get(_QUEUE)
        if queue is not None:
            queue.written_event_ids.clear()
            queue.announcing = False


async def flush(session: AsyncSession) -> list[int]:
    """Write the queued rows now (to read them back within the same transaction).

    Returns the ids of the events this call wrote.
    """
    queue = queue_of(session.sync_session)
    before = len(queue.written_event_ids)
    await session.run_sync(write_queued)
    return queue.written_event_ids[before:]

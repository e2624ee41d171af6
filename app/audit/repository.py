"""The audit domain's queries: search, export ranges and batches, checkpoints."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.audit.chain import entry_columns
from app.models.audit import AuditChainLink, AuditCheckpoint, AuditEntry

_entries = AuditEntry.__table__  # type: ignore[attr-defined]
_links = AuditChainLink.__table__  # type: ignore[attr-defined]
_checkpoints = AuditCheckpoint.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class EventFilters:
    """What an auditor may filter on; each has an index on audit_entries."""

    action: str | None = None  # a prefix: "case." or "case.viewed"
    actor_id: uuid.UUID | None = None
    target_type: str | None = None
    target_id: str | None = None
    authority_id: uuid.UUID | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def describe(self) -> dict[str, Any]:
        """The filters that were set, for the audit entry of the search itself."""
        return {k: (str(v) if v is not None else None) for k, v in asdict(self).items() if v}

    def non_time_conditions(self) -> list[sa.ColumnElement[bool]]:
        c = _entries.c
        conditions: list[sa.ColumnElement[bool]] = []
        if self.action:
            escaped = self.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(c.action.like(escaped + "%", escape="\\"))
        if self.actor_id:
            conditions.append(c.actor_user_id == self.actor_id)
        if self.target_type:
            conditions.append(c.target_type == self.target_type)
        if self.target_id:
            conditions.append(c.target_id == self.target_id)
        if self.authority_id:
            conditions.append(
                c.authority_ids.contains(
                    sa.cast([self.authority_id], _entries.c.authority_ids.type)
                )
            )
        if self.outcome:
            conditions.append(c.outcome == self.outcome)
        return conditions

    def time_conditions(self) -> list[sa.ColumnElement[bool]]:
        c = _entries.c
        conditions: list[sa.ColumnElement[bool]] = []
        if self.since:
            conditions.append(c.occurred_at >= self.since)
        if self.until:
            conditions.append(c.occurred_at < self.until)
        return conditions

    @property
    def narrows(self) -> bool:
        """Anything beyond a time window: the export is then no longer one unbroken run."""
        return bool(self.non_time_conditions())


def search_statement(filters: EventFilters, *, before_id: int | None, limit: int) -> sa.Select[Any]:
    """Newest first, keyset on the entry id; unsealed entries included (seq and hash null)."""
    stmt = (
        sa.select(*entry_columns(), _links.c.seq, _links.c.hash)
        .select_from(_entries.outerjoin(_links, _links.c.entry_id == _entries.c.id))
        .where(*filters.non_time_conditions(), *filters.time_conditions())
        .order_by(_entries.c.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(_entries.c.id < before_id)
    return stmt


def entry_statement(entry_id: int) -> sa.Select[Any]:
    """One entry with its seq, hash and predecessor's hash (all null until it is sealed)."""
    prev = _links.alias("prev")
    return (
        sa.select(*entry_columns(), _links.c.seq, _links.c.hash, prev.c.hash.label("prev_hash"))
        .select_from(
            _entries.outerjoin(_links, _links.c.entry_id == _entries.c.id).outerjoin(
                prev, prev.c.seq == _links.c.seq - 1
            )
        )
        .where(_entries.c.id == entry_id)
    )


async def chain_head_seq(conn: AsyncConnection) -> int:
    return int(await conn.scalar(sa.select(sa.func.max(_links.c.seq))) or 0)


async def export_range(conn: AsyncConnection, filters: EventFilters) -> tuple[int, int] | None:
    """The unbroken stretch of seqs holding every sealed entry of the time window.

    Seal order follows transactions, not clocks, so a few entries just outside the window
    can sit inside the stretch; they are kept, because a verifier needs every link. The end
    is extended to the next signed checkpoint, if any, so every line can be anchored.
    """
    if filters.since is None and filters.until is None:
        head = await chain_head_seq(conn)
        lo, hi = (1, head) if head else (0, 0)
    else:
        row = (
            await conn.execute(
                sa.select(sa.func.min(_links.c.seq), sa.func.max(_links.c.seq))
                .select_from(_entries.join(_links, _links.c.entry_id == _entries.c.id))
                .where(*filters.time_conditions())
            )
        ).one()
        lo, hi = (int(row[0]), int(row[1])) if row[0] is not None else (0, 0)
    if not hi:
        return None
    anchor = await conn.scalar(
        sa.select(sa.func.min(_checkpoints.c.seq)).where(_checkpoints.c.seq >= hi)
    )
    return lo, int(anchor) if anchor is not None else hi


def export_batch_statement(
    filters: EventFilters, *, after_seq: int, last_seq: int, limit: int
) -> sa.Select[Any]:
    """One keyset batch of sealed entries in seq order, each with its predecessor's hash."""
    prev = _links.alias("prev")
    return (
        sa.select(
            _links.c.seq,
            _links.c.hash,
            prev.c.hash.label("prev_hash"),
            *entry_columns(),
        )
        .select_from(
            _links.join(_entries, _entries.c.id == _links.c.entry_id).outerjoin(
                prev, prev.c.seq == _links.c.seq - 1
            )
        )
        .where(_links.c.seq > after_seq, _links.c.seq <= last_seq, *filters.non_time_conditions())
        .order_by(_links.c.seq)
        .limit(limit)
    )


def checkpoints_in_range_statement(lo: int, hi: int) -> sa.Select[Any]:
    return (
        sa.select(_checkpoints)
        .where(_checkpoints.c.seq >= lo, _checkpoints.c.seq <= hi)
        .order_by(_checkpoints.c.id)
    )


def checkpoints_page_statement(*, before_id: int | None, limit: int) -> sa.Select[Any]:
    stmt = sa.select(_checkpoints).order_by(_checkpoints.c.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(_checkpoints.c.id < before_id)
    return stmt

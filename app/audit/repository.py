"""Every query of the audit domain: the auditors' search, export ranges and batches, the
sealer's chain head and horizon, the verifier's walk, and the signed checkpoints.

Most run on a connection of their own (the sealer, the verifier and the export each hold a
transaction of their own shape), so they take an AsyncConnection; the search runs in the
request's session.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncResult, AsyncSession

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


async def entries_page(
    session: AsyncSession, filters: EventFilters, *, before_id: int | None, limit: int
) -> Sequence[Any]:
    """Entries matching `filters`, newest first, keyset on the entry id; unsealed entries
    included (seq and hash null)."""
    stmt = (
        sa.select(*entry_columns(), _links.c.seq, _links.c.hash)
        .select_from(_entries.outerjoin(_links, _links.c.entry_id == _entries.c.id))
        .where(*filters.non_time_conditions(), *filters.time_conditions())
        .order_by(_entries.c.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(_entries.c.id < before_id)
    return (await session.execute(stmt)).all()


async def entry_with_links(session: AsyncSession, entry_id: int) -> Any | None:
    """One entry with its seq, hash and predecessor's hash (all null until it is sealed), or
    None."""
    prev = _links.alias("prev")
    stmt = (
        sa.select(*entry_columns(), _links.c.seq, _links.c.hash, prev.c.hash.label("prev_hash"))
        .select_from(
            _entries.outerjoin(_links, _links.c.entry_id == _entries.c.id).outerjoin(
                prev, prev.c.seq == _links.c.seq - 1
            )
        )
        .where(_entries.c.id == entry_id)
    )
    return (await session.execute(stmt)).one_or_none()


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


async def export_batch(
    conn: AsyncConnection, filters: EventFilters, *, after_seq: int, last_seq: int, limit: int
) -> Sequence[Any]:
    """One keyset batch of sealed entries in seq order, each with its predecessor's hash."""
    prev = _links.alias("prev")
    stmt = (
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
    return (await conn.execute(stmt)).all()


async def checkpoints_in_range(conn: AsyncConnection, lo: int, hi: int) -> Sequence[Any]:
    """The checkpoints of seqs `lo` to `hi`, oldest first."""
    return (
        await conn.execute(
            sa.select(_checkpoints)
            .where(_checkpoints.c.seq >= lo, _checkpoints.c.seq <= hi)
            .order_by(_checkpoints.c.id)
        )
    ).all()


async def checkpoints_page(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> Sequence[Any]:
    """Checkpoints, newest first, keyset on the id."""
    stmt = sa.select(_checkpoints).order_by(_checkpoints.c.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(_checkpoints.c.id < before_id)
    return (await session.execute(stmt)).all()


# --- checkpoints ------------------------------------------------------------------------------


async def latest_checkpoint(conn: AsyncConnection) -> Any | None:
    """The newest checkpoint row, or None."""
    stmt = sa.select(_checkpoints).order_by(_checkpoints.c.id.desc()).limit(1)
    return (await conn.execute(stmt)).first()


async def every_checkpoint(conn: AsyncConnection) -> Sequence[Any]:
    """Every checkpoint row, oldest first."""
    return (await conn.execute(sa.select(_checkpoints).order_by(_checkpoints.c.id))).all()


async def checkpoints_by_key(conn: AsyncConnection | AsyncSession) -> Sequence[Any]:
    """Per key id: the first and last seq and signing time it signed, and how many."""
    c = _checkpoints.c
    stmt = (
        sa.select(
            c.key_id,
            sa.func.min(c.seq).label("first_seq"),
            sa.func.max(c.seq).label("last_seq"),
            sa.func.min(c.signed_at).label("first_signed_at"),
            sa.func.max(c.signed_at).label("last_signed_at"),
            sa.func.count().label("checkpoints"),
        )
        .group_by(c.key_id)
        .order_by(sa.func.min(c.signed_at))
    )
    return (await conn.execute(stmt)).all()


async def insert_checkpoint(
    conn: AsyncConnection, *, seq: int, hash_: str, signed_at: datetime, key_id: str, signature: str
) -> None:
    await conn.execute(
        sa.insert(_checkpoints).values(
            seq=seq, hash=hash_, signed_at=signed_at, key_id=key_id, signature=signature
        )
    )


# --- the chain ------------------------------------------------------------------------------

# One advisory lock key for the whole cluster: "canetAUD" as a signed 64-bit integer.
SEAL_LOCK_KEY = int.from_bytes(b"canetAUD", "big", signed=True)


async def take_seal_lock(conn: AsyncConnection, *, wait: bool) -> bool:
    """The cluster-wide sealing lock, held until the end of `conn`'s transaction."""
    if wait:
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(SEAL_LOCK_KEY)))
        return True
    return bool(await conn.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(SEAL_LOCK_KEY))))


async def chain_start_time(conn: AsyncConnection) -> datetime | None:
    """When the first entry was sealed, or None for an empty chain."""
    return await conn.scalar(sa.select(_links.c.sealed_at).where(_links.c.seq == 1))


# The LIMIT is a constant in the SQL, not a bound parameter: with `LIMIT $1` PostgreSQL
# prefers a custom plan, re-planned on every call (planning this join took several times its
# execution). A statement without parameters is planned once per connection and reused.
_CHAIN_HEAD = (
    sa.select(_links.c.seq, _links.c.hash, _entries.c.xact_id, _links.c.entry_id)
    .select_from(_links.outerjoin(_entries, _entries.c.id == _links.c.entry_id))
    .order_by(_links.c.seq.desc())
    .limit(sa.literal_column("1"))
)


async def chain_head_row(conn: AsyncConnection) -> Any | None:
    """(seq, hash, xact_id, entry_id) of the last link; xact_id is null if its entry is gone."""
    return (await conn.execute(_CHAIN_HEAD)).first()


async def link_hash_at(conn: AsyncConnection, seq: int) -> str | None:
    return await conn.scalar(sa.select(_links.c.hash).where(_links.c.seq == seq))


async def snapshot_xmax(conn: AsyncConnection) -> int:
    """The first transaction id not yet completed, as of this transaction's snapshot."""
    return int(
        await conn.scalar(sa.text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"))
        or 0
    )


_RUNNING_HERE = sa.text(
    """
    SELECT backend_xid::text::bigint FROM pg_stat_activity
     WHERE datid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND backend_xid IS NOT NULL
    UNION ALL
    SELECT transaction::text::bigint FROM pg_prepared_xacts
     WHERE database = current_database()
    """
)


async def running_xids_here(conn: AsyncConnection) -> list[int]:
    """The (32-bit) ids of the transactions running, or prepared, in this database."""
    return list((await conn.execute(_RUNNING_HERE)).scalars())


async def entries_to_seal(
    conn: AsyncConnection, *, after: tuple[int, int], horizon: int, limit: int
) -> Sequence[Any]:
    """Entries after (xact_id, id) `after` written by transactions below `horizon`, in
    (xact_id, id) order, with the columns the chain hashes."""
    return (
        await conn.execute(
            sa.select(*entry_columns())
            .where(
                sa.tuple_(_entries.c.xact_id, _entries.c.id) > sa.tuple_(*after),
                _entries.c.xact_id < horizon,
            )
            .order_by(_entries.c.xact_id, _entries.c.id)
            .limit(limit)
        )
    ).all()


# A sealing round's links in one statement, whatever their number: row by row, each link
# was a statement of its own for PostgreSQL to bind, start and finish. Each row carries its
# seq, so the order the rows go in changes nothing in the chain; one `sealed_at` for the
# round, whose links commit together.
_INSERT_LINKS = sa.text(
    """
    INSERT INTO audit_chain (seq, entry_id, hash, sealed_at)
    SELECT l.seq, l.entry_id, l.hash, :sealed_at
    FROM unnest(CAST(:seqs AS bigint[]), CAST(:entry_ids AS bigint[]),
                CAST(:hashes AS varchar[])) AS l(seq, entry_id, hash)
    """
).bindparams(sa.bindparam("sealed_at", type_=sa.DateTime(timezone=True)))


async def insert_links(
    conn: AsyncConnection, links: Sequence[tuple[int, int, str]], *, sealed_at: datetime
) -> None:
    """Append (seq, entry_id, hash) links to the chain."""
    await conn.execute(
        _INSERT_LINKS,
        {
            "seqs": [seq for seq, _, _ in links],
            "entry_ids": [entry_id for _, entry_id, _ in links],
            "hashes": [hash_ for _, _, hash_ in links],
            "sealed_at": sealed_at,
        },
    )


async def newest_xact_id(conn: AsyncConnection) -> int | None:
    """The id of the newest transaction whose entries this connection sees."""
    value = await conn.scalar(sa.select(sa.func.max(_entries.c.xact_id)))
    return int(value) if value is not None else None


async def oldest_unsealed_entry(conn: AsyncConnection, after: tuple[int, int]) -> Any | None:
    """(occurred_at, xact_id) of the first entry after (xact_id, id) `after`, or None."""
    return (
        await conn.execute(
            sa.select(_entries.c.occurred_at, _entries.c.xact_id)
            .where(sa.tuple_(_entries.c.xact_id, _entries.c.id) > sa.tuple_(*after))
            .order_by(_entries.c.xact_id, _entries.c.id)
            .limit(1)
        )
    ).first()


async def stream_chain_from(conn: AsyncConnection, start: int, *, batch: int) -> AsyncResult[Any]:
    """The links from seq `start` on, in order, each with its entry's hashed columns (null
    when the entry is gone), streamed `batch` rows at a time."""
    stmt = (
        sa.select(
            _links.c.seq, _links.c.hash.label("link_hash"), _links.c.entry_id, *entry_columns()
        )
        .select_from(sa.outerjoin(_links, _entries))
        .where(_links.c.seq >= start)
        .order_by(_links.c.seq)
    )
    return await conn.stream(stmt.execution_options(yield_per=batch))


async def head_entry_key(conn: AsyncConnection) -> Any | None:
    """(xact_id, id) of the entry at the head of the chain, or None."""
    return (
        await conn.execute(
            sa.select(_entries.c.xact_id, _entries.c.id)
            .join(_links, _links.c.entry_id == _entries.c.id)
            .order_by(_links.c.seq.desc())
            .limit(1)
        )
    ).first()


async def unsealed_entries_before(conn: AsyncConnection, key: tuple[int, int]) -> int:
    """How many entries before (xact_id, id) `key` have no link."""
    unsealed = ~sa.exists().where(_links.c.entry_id == _entries.c.id)
    count: Any = (
        sa.select(sa.func.count())
        .select_from(_entries)
        .where(sa.tuple_(_entries.c.xact_id, _entries.c.id) < sa.tuple_(*key))
        .where(unsealed)
    )
    return int(await conn.scalar(count) or 0)

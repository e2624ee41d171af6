"""The retention pass: purge files past retention, then sweep the storage.

1. **Purge.** Files of cases that ended more than their type's retention ago (settings.py,
   retention.py), and are not under a legal hold, become tombstones of kind `purged` (actor:
   the system; reason `retention: N years after closure`), in batches of `purge_batch`, one
   transaction each: a timeline entry per case, an audit entry and a `case.attachment.deleted`
   event per file. The blobs are removed after each batch commits.
2. **Sweep.** Every blob in the storage is checked against its row: the blob of a tombstone
   is removed (a crash came between a deletion's commit and the blob's removal); a blob
   with no row at all, and an upload never finished (a `.part` file, a pending S3 multipart
   upload), once older than `orphan_grace_hours` (a crash or a lost rollback during an
   upload). One audit entry says what the sweep removed.

Every worker runs the loop (`start_retention_purge`, every `purge_interval_hours`); a
session-level advisory lock lets one worker at a time make a pass. `canet cases purge
[--dry-run]` makes one now, or lists what it would do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases import timeline
from app.cases.constants import CASE_TYPES
from app.cases.repository import retention as repository
from app.cases.retention import ENDED_STATUSES, purge_reason, years_before
from app.cases.service.tombstones import (
    make_tombstone,
    remove_blobs_after_commit,
    tombstone_details,
)
from app.cases.settings import CasesSettings, get_cases_settings
from app.cases.storage import BlobStorage, StoredBlob, storage_for
from app.core import audit, events
from app.core.audit import Target
from app.core.events import Audience
from app.db import Database
from app.models.base import utcnow
from app.models.cases import Case, CaseAttachment

log = logging.getLogger(__name__)

_SWEEP_BATCH = 500


@dataclass(frozen=True, slots=True)
class ExpiredFile:
    attachment_id: uuid.UUID
    case_id: uuid.UUID
    reference: str
    case_type: str
    ended_at: datetime
    size: int
    years: int


@dataclass
class SweepReport:
    tombstone_blobs: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)

    @property
    def removed(self) -> int:
        return len(self.tombstone_blobs) + len(self.orphans) + len(self.unfinished)


@dataclass
class PassReport:
    purged: list[ExpiredFile] = field(default_factory=list)
    sweep: SweepReport = field(default_factory=SweepReport)
    dry_run: bool = False


def cutoffs(settings: CasesSettings, now: datetime) -> dict[str, datetime]:
    """Per case type kept for a limited time: cases that ended before this are due."""
    return {
        case_type: years_before(now, years)
        for case_type in CASE_TYPES
        if (years := settings.retention_for(case_type)) > 0
    }


def _expired(attachment: CaseAttachment, case: Case, settings: CasesSettings) -> ExpiredFile:
    ended = case.closed_at or case.completed_at
    assert ended is not None
    return ExpiredFile(
        attachment_id=attachment.id,
        case_id=case.id,
        reference=case.reference,
        case_type=case.type,
        ended_at=ended,
        size=attachment.size,
        years=settings.retention_for(case.type),
    )


async def purge_batch(
    session: AsyncSession,
    storage: BlobStorage,
    *,
    settings: CasesSettings,
    now: datetime,
) -> list[ExpiredFile]:
    """Tombstone up to `purge_batch` files past retention (the caller's transaction)."""
    rows = await repository.expired_attachments(
        session,
        cutoffs=cutoffs(settings, now),
        ended_statuses=ENDED_STATUSES,
        limit=settings.purge_batch,
        lock=True,
    )
    system = Actor.system()
    purged: list[ExpiredFile] = []
    by_case: dict[uuid.UUID, list[CaseAttachment]] = defaultdict(list)
    cases: dict[uuid.UUID, Case] = {}
    for attachment, case in rows:
        purged.append(_expired(attachment, case, settings))
        reason = purge_reason(settings.retention_for(case.type))
        make_tombstone(attachment, kind="purged", reason=reason, by=None, at=now)
        by_case[case.id].append(attachment)
        cases[case.id] = case
    for case_id, files in by_case.items():
        years = settings.retention_for(cases[case_id].type)
        timeline.add_entry(
            session,
            case_id,
            kind="attachments_purged",
            actor=None,
            note=purge_reason(years),
            data={
                "count": len(files),
                "attachment_ids": [str(a.id) for a in files],
                "retention_years": years,
                "recorded_by": "system",
            },
            at=now,
        )
    await session.flush()
    for case_id, files in by_case.items():
        case = cases[case_id]
        for attachment in files:
            await audit.record(
                session,
                actor=system,
                action="case.attachment.purged",
                target=Target("case_attachment", attachment.id),
                details={
                    **tombstone_details(attachment),
                    "retention_years": settings.retention_for(case.type),
                },
                authority_ids=[case.requesting_authority_id, case.requested_authority_id],
            )
            await events.publish(
                session,
                "case.attachment.deleted",
                {"case_id": case_id, "attachment_id": attachment.id},
                audience=Audience.of("case", case_id),
            )
    keys = [a.storage_key for files in by_case.values() for a in files]
    remove_blobs_after_commit(session, storage, keys)
    return purged


async def list_expired(
    session: AsyncSession, *, settings: CasesSettings, now: datetime
) -> list[ExpiredFile]:
    """Every file a purge would take now, without touching anything (the dry run)."""
    found: list[ExpiredFile] = []
    after: tuple[uuid.UUID, uuid.UUID] | None = None
    while True:
        rows = await repository.expired_attachments(
            session,
            cutoffs=cutoffs(settings, now),
            ended_statuses=ENDED_STATUSES,
            limit=1000,
            after=after,
        )
        found += [_expired(a, c, settings) for a, c in rows]
        if len(rows) < 1000:
            return found
        after = (rows[-1][0].case_id, rows[-1][0].id)


async def sweep_storage(
    database: Database,
    storage: BlobStorage,
    *,
    now: datetime,
    grace: timedelta,
    dry_run: bool = False,
) -> SweepReport:
    """Remove the blobs no live attachment row accounts for (see the module's docstring)."""
    report = SweepReport()
    old = now - grace
    pending: list[StoredBlob] = []

    async def remove(blob: StoredBlob, into: list[str]) -> None:
        into.append(blob.key)
        if not dry_run:
            await storage.discard(blob)

    async def settle(blobs: list[StoredBlob]) -> None:
        ids = {uuid.UUID(b.key.split("/")[1]): b for b in blobs}
        async with database.transaction() as session:
            states = await repository.attachment_states(session, ids.keys())
        for attachment_id, blob in ids.items():
            state = states.get(attachment_id)
            if state is not None and state[0] == blob.key:
                if state[1]:
                    await remove(blob, report.tombstone_blobs)
            elif blob.modified_at < old:
                await remove(blob, report.orphans)

    async for blob in storage.list_blobs():
        if blob.partial:
            if blob.modified_at < old:
                await remove(blob, report.unfinished)
            continue
        pending.append(blob)
        if len(pending) >= _SWEEP_BATCH:
            await settle(pending)
            pending = []
    if pending:
        await settle(pending)
    if report.removed and not dry_run:
        async with database.transaction() as session:
            await audit.record(
                session,
                actor=Actor.system(),
                action="case.storage.swept",
                target=None,
                details={
                    "tombstone_blobs": len(report.tombstone_blobs),
                    "orphans": len(report.orphans),
                    "unfinished_uploads": len(report.unfinished),
                },
            )
    return report


async def run_pass(
    database: Database,
    storage: BlobStorage,
    *,
    settings: CasesSettings | None = None,
    now: Callable[[], datetime] = utcnow,
    dry_run: bool = False,
) -> PassReport | None:
    """One retention pass (purge, then sweep); None when another worker is making one."""
    settings = settings or get_cases_settings()
    async with database.engine.connect() as conn:
        if not await repository.try_purge_lock(conn):
            return None
        try:
            report = PassReport(dry_run=dry_run)
            if dry_run:
                async with database.transaction() as session:
                    report.purged = await list_expired(session, settings=settings, now=now())
            else:
                while True:
                    async with database.transaction() as session:
                        batch = await purge_batch(session, storage, settings=settings, now=now())
                    report.purged += batch
                    if len(batch) < settings.purge_batch:
                        break
            report.sweep = await sweep_storage(
                database,
                storage,
                now=now(),
                grace=timedelta(hours=settings.orphan_grace_hours),
                dry_run=dry_run,
            )
            return report
        finally:
            await repository.release_purge_lock(conn)


class RetentionPurge:
    def __init__(self, database: Database, storage: BlobStorage, interval: float) -> None:
        self.database = database
        self.storage = storage
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="canet-case-retention")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                report = await run_pass(self.database, self.storage)
                if report is not None and (report.purged or report.sweep.removed):
                    log.info(
                        "retention pass: %d files purged, %d blobs swept",
                        len(report.purged),
                        report.sweep.removed,
                    )
            except Exception:
                log.exception("retention pass failed; retrying later")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def start_retention_purge(app: FastAPI) -> RetentionPurge:
    interval = get_cases_settings().purge_interval_hours * 3600
    task = RetentionPurge(app.state.db, storage_for(app.state.settings), interval)
    task.start()
    return task

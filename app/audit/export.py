"""Streamed export: JSONL (verifiable offline) or CSV (for spreadsheets), constant memory.

Rows are read in keyset batches of EXPORT_BATCH on seq, each in its own short read-only
transaction, so a long export neither holds a snapshot open for its whole duration nor keeps
more than one batch in memory, whatever the size of the range.

A JSONL line is the entry's canonical record plus `hash` and `prev_hash` (so the actor's
handle and name appear only when the entry has them); checkpoint lines
`{"checkpoint": "<signed text>"}` for the range come first. CSV carries the same columns
(lists and objects as JSON) but is not meant for verification: spreadsheet formula
characters at the start of a text cell are neutralised with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app.audit import repository
from app.audit.chain import GENESIS_HASH, OPTIONAL_FIELDS, RECORD_FIELDS, record_of
from app.audit.checkpoints import as_signed
from app.audit.repository import EventFilters
from app.db import Database

ExportFormat = Literal["jsonl", "csv"]
EXPORT_BATCH = 1000
CSV_COLUMNS: tuple[str, ...] = ("seq", "hash", "prev_hash", *RECORD_FIELDS, *OPTIONAL_FIELDS)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

MEDIA_TYPES: dict[str, str] = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class ExportPlan:
    filters: EventFilters
    format: ExportFormat
    first_seq: int
    last_seq: int  # 0: nothing sealed in the window


def export_line(row: Any) -> dict[str, Any]:
    line = record_of(row.seq, row._mapping)
    line["hash"] = row.hash
    line["prev_hash"] = row.prev_hash if row.prev_hash is not None else GENESIS_HASH
    return line


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_rows(lines: Sequence[dict[str, Any]], *, header: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for line in lines:
        # Optional fields are absent from a record when null (app/audit/chain.py).
        writer.writerow([_csv_cell(line.get(name)) for name in CSV_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def _jsonl_rows(lines: Sequence[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode("utf-8")


async def plan_export(db: Database, filters: EventFilters, fmt: ExportFormat) -> ExportPlan:
    async with db.engine.connect() as conn:
        found = await repository.export_range(conn, filters)
        await conn.rollback()
    first, last = found if found else (0, 0)
    return ExportPlan(filters=filters, format=fmt, first_seq=first, last_seq=last)


async def stream_export(db: Database, plan: ExportPlan) -> AsyncIterator[bytes]:
    """The export's bytes, batch by batch."""
    async with db.engine.connect() as conn:
        if plan.format == "csv":
            yield _csv_rows([], header=True)
        elif plan.last_seq:
            rows = await repository.checkpoints_in_range(conn, plan.first_seq, plan.last_seq)
            yield _jsonl_rows([{"checkpoint": as_signed(r).text()} for r in rows])
        after = plan.first_seq - 1
        while after < plan.last_seq:
            rows = await repository.export_batch(
                conn, plan.filters, after_seq=after, last_seq=plan.last_seq, limit=EXPORT_BATCH
            )
            # End the read transaction between batches: no snapshot held across the stream.
            await conn.rollback()
            if not rows:
                break
            lines = [export_line(row) for row in rows]
            yield _jsonl_rows(lines) if plan.format == "jsonl" else _csv_rows(lines, header=False)
            after = rows[-1].seq

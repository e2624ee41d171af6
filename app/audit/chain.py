"""The hash chain's canonical encoding: the one definition the sealer, the verifier, the
export and the offline verifier share.

An entry's record is a flat JSON object of the fields in RECORD_FIELDS (plus `seq`), and of
those in OPTIONAL_FIELDS that are not null, with uuids, the client address and the time as
strings, encoded with sorted keys, no whitespace and UTF-8. Optional fields came later
(the actor's handle and name): leaving them out when null keeps every entry sealed before
they existed verifiable as it was sealed, while a value added to, changed in or removed
from a later entry still changes its encoding.

Then `hash = SHA-256(bytes.fromhex(prev_hash) || encoding)`, hex; the first entry's
`prev_hash` is GENESIS_HASH. An exported JSONL line is exactly a record plus `hash`
and `prev_hash`, so anyone can recompute it with a JSON library and SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from app.models.audit import AuditEntry

GENESIS_HASH = "0" * 64

RECORD_FIELDS: tuple[str, ...] = (
    "id",
    "occurred_at",
    "actor_user_id",
    "actor_session_id",
    "actor_ip",
    "actor_user_agent",
    "request_id",
    "action",
    "target_type",
    "target_id",
    "authority_ids",
    "outcome",
    "changes",
    "details",
)
# Part of the record only when not null (see above); never remove one, only add.
OPTIONAL_FIELDS: tuple[str, ...] = ("actor_handle", "actor_name")


def entry_columns() -> list[sa.ColumnElement[Any]]:
    """The entry columns every chain computation reads, in one fixed SQL rendering.

    `abbrev(inet)` is PostgreSQL's own text form of the address (no /32 for a host), so the
    encoding does not depend on how a driver decodes INET.
    """
    t = AuditEntry.__table__.c  # type: ignore[attr-defined]
    columns: list[sa.ColumnElement[Any]] = []
    for name in RECORD_FIELDS + OPTIONAL_FIELDS:
        if name == "actor_ip":
            columns.append(sa.func.abbrev(t.actor_ip).label("actor_ip"))
        else:
            columns.append(t[name])
    return columns


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return format_time(value)
    return value


def record_of(seq: int, row: Mapping[str, Any] | RowMapping) -> dict[str, Any]:
    """The canonical record of a database row (or of an exported line: values already text)."""
    record: dict[str, Any] = {"seq": seq}
    for name in RECORD_FIELDS:
        value = row[name]
        if name == "authority_ids":
            value = [str(v) for v in (value or [])]
        elif name == "id":
            value = int(value)
        else:
            value = _text(value)
        record[name] = value
    for name in OPTIONAL_FIELDS:
        value = row.get(name)
        if value is not None:
            record[name] = value
    return record


def encode(record: Mapping[str, Any]) -> bytes:
    return json.dumps(
        record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def link_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + encode(record)).hexdigest()

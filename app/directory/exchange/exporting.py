"""Export: the directory as one JSON document, or one entity as CSV (formats.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit
from app.core.audit import Target
from app.directory import access, repository
from app.directory.exchange.formats import ENTITIES, Entity, Format, to_csv
from app.directory.fields import AUTHORITY_FIELDS, SHEET_FIELDS, TREATY_FIELDS, snapshot


async def export_rows(session: AsyncSession) -> dict[Entity, list[dict[str, Any]]]:
    """Every authority, sheet and treaty as JSON-safe rows (four queries)."""
    authorities = await repository.every_authority(session)
    sheets = await repository.every_sheet(session)
    treaties = await repository.every_treaty(session)
    parties = await repository.parties_of(session, [t.id for t in treaties])
    return {
        "authorities": [
            {
                "id": str(a.id),
                **snapshot(a, AUTHORITY_FIELDS),
                "last_verified_at": _iso(a.last_verified_at),
            }
            for a in authorities
        ],
        "requirement_sheets": [
            {
                "id": str(s.id),
                "state_code": s.state_code,
                "request_type": s.request_type,
                "measure": s.measure or None,
                **snapshot(s, SHEET_FIELDS),
                "last_verified_at": _iso(s.last_verified_at),
            }
            for s in sheets
        ],
        "treaties": [
            {"id": str(t.id), **snapshot(t, TREATY_FIELDS), "parties": parties[t.id]}
            for t in treaties
        ],
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def export_directory(
    session: AsyncSession, *, actor: Actor, format: Format, entity: Entity | None
) -> str:
    """The directory as a JSON document or one entity as CSV (audited)."""
    access.require_reader(actor)
    rows = await export_rows(session)
    await audit.record(
        session,
        actor=actor,
        action="directory.export",
        target=Target("directory"),
        details={"format": format, "entity": entity, **{k: len(v) for k, v in rows.items()}},
    )
    if format == "json":
        document: dict[str, Any] = {
            "format": "canet-directory",
            "version": 1,
            "exported_at": datetime.now(UTC).isoformat(),
        }
        for name in ENTITIES if entity is None else (entity,):
            document[name] = rows[name]
        return json.dumps(document, ensure_ascii=False, indent=1)
    return to_csv(entity or "authorities", rows[entity or "authorities"])

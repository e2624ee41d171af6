"""Import of the directory from JSON (everything) or CSV (one entity per file).

An import validates every row first (shape, then references: states, members, receiving
authorities, duplicates) and writes nothing if any row is bad; each problem names its
entity, row and field. Rows are upserted: authorities and treaties by `id`, requirement
sheets by (state_code, request_type, measure). Every change goes through the same verbs as
the API, so it keeps a revision and an audit entry; unchanged rows record nothing. The
formats themselves are in `formats.py`.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.directory import access, repository
from app.directory.authorities import apply_authority_changes, field_values, insert_authority
from app.directory.exceptions import AdminOnly
from app.directory.exchange.formats import (
    ENTITIES,
    AuthorityRow,
    Entity,
    Format,
    Problem,
    Rows,
    SheetRow,
    TreatyRow,
    parse_csv,
    parse_json,
    problem,
)
from app.directory.fields import AUTHORITY_FIELDS, SHEET_FIELDS, TREATY_FIELDS, snapshot
from app.directory.members import member_ids_among
from app.directory.schemas import RequirementSheetFields
from app.directory.sheets import write_sheet
from app.directory.treaties import treaty_changes
from app.models.directory import RequirementSheet, Treaty

MAX_ERRORS = 500
_MODELS: dict[Entity, type[BaseModel]] = {
    "authorities": AuthorityRow,
    "requirement_sheets": SheetRow,
    "treaties": TreatyRow,
}
__all__ = ["apply_checked", "import_directory", "validate"]


# --- validation ------------------------------------------------------------------------------


class Checked:
    def __init__(self) -> None:
        self.authorities: list[AuthorityRow] = []
        self.sheets: list[SheetRow] = []
        self.treaties: list[TreatyRow] = []
        self.problems: list[Problem] = []


async def validate(session: AsyncSession, rows: Rows) -> Checked:
    """Every row's shape, then the references between rows and to the database."""
    checked = Checked()
    lines: dict[int, int] = {}  # id(model) -> row number, to report reference problems
    for entity in ENTITIES:
        model = _MODELS[entity]
        for number, raw in rows.get(entity, []):
            if not isinstance(raw, dict):
                checked.problems.append(problem(entity, number, "", "expected an object"))
                continue
            try:
                item = model.model_validate(raw)
            except ValidationError as exc:
                for error in exc.errors():
                    field = ".".join(str(p) for p in error["loc"])
                    checked.problems.append(problem(entity, number, field, error["msg"]))
                continue
            lines[id(item)] = number
            if isinstance(item, AuthorityRow):
                checked.authorities.append(item)
            elif isinstance(item, SheetRow):
                checked.sheets.append(item)
            elif isinstance(item, TreatyRow):
                checked.treaties.append(item)
    await _check_references(session, checked, lines)
    return checked


async def _check_references(session: AsyncSession, checked: Checked, lines: dict[int, int]) -> None:
    codes = {a.state_code for a in checked.authorities} | {s.state_code for s in checked.sheets}
    codes |= {c for t in checked.treaties for c in t.parties}
    known = await repository.known_state_codes(session, codes)
    user_ids = {
        c.user_id for a in checked.authorities for c in a.contacts or [] if c.user_id is not None
    }
    members = await member_ids_among(session, user_ids)
    add = checked.problems.append
    seen: set[uuid.UUID] = set()
    for a in checked.authorities:
        row = lines[id(a)]
        if a.state_code not in known:
            add(problem("authorities", row, "state_code", f"unknown state {a.state_code}"))
        if a.id is not None:
            if a.id in seen:
                add(problem("authorities", row, "id", "appears twice in the file"))
            seen.add(a.id)
        for i, contact in enumerate(a.contacts or []):
            if contact.user_id is not None and contact.user_id not in members:
                add(problem("authorities", row, f"contacts.{i}.user_id", "no such member"))
    # Receiving authorities: in the file or in the database, of the same state.
    batch_states = {a.id: a.state_code for a in checked.authorities if a.id is not None}
    wanted = {s.receiving_authority_id for s in checked.sheets if s.receiving_authority_id}
    stored = await repository.states_of_authorities(session, wanted)
    keys: set[tuple[str, str, str]] = set()
    for s in checked.sheets:
        row, code = lines[id(s)], s.state_code
        if code not in known:
            add(problem("requirement_sheets", row, "state_code", f"unknown state {code}"))
        key = (code, s.request_type, s.measure or "")
        if key in keys:
            add(problem("requirement_sheets", row, "", "the same sheet appears twice"))
        keys.add(key)
        if s.receiving_authority_id is not None:
            owner = batch_states.get(s.receiving_authority_id) or stored.get(
                s.receiving_authority_id
            )
            if owner != code:
                add(
                    problem(
                        "requirement_sheets",
                        row,
                        "receiving_authority_id",
                        "must be an authority of the same state",
                    )
                )
    seen = set()
    for t in checked.treaties:
        row = lines[id(t)]
        for i, code in enumerate(t.parties):
            if code not in known:
                add(problem("treaties", row, f"parties.{i}", f"unknown state {code}"))
        if t.id is not None:
            if t.id in seen:
                add(problem("treaties", row, "id", "appears twice in the file"))
            seen.add(t.id)


# --- import ----------------------------------------------------------------------------------


async def import_directory(
    session: AsyncSession,
    *,
    actor: Actor,
    raw: bytes,
    format: Format,
    entity: Entity | None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Validate the whole file, then upsert every row, or write nothing (admins only)."""
    access.require_reader(actor)
    if not access.is_admin(actor):
        await access.refuse(
            session,
            AdminOnly("import into the directory"),
            actor=actor,
            action="directory.import",
            target=Target("directory"),
        )
    if format == "csv":
        rows, problems = parse_csv(raw, entity or "authorities")
    else:
        rows, problems = parse_json(raw)
    checked = await validate(session, rows) if not problems else Checked()
    problems += checked.problems
    if problems:
        raise ValidationFailed(
            f"{len(problems)} problem(s) found; nothing was imported.",
            errors=problems[:MAX_ERRORS],
        )
    counts = {
        "authorities": len(checked.authorities),
        "requirement_sheets": len(checked.sheets),
        "treaties": len(checked.treaties),
    }
    if dry_run:
        return {"dry_run": True, "valid": True, "rows": counts, "created": {}, "updated": {}}
    created, updated = await apply_checked(session, actor, checked)
    await audit.record(
        session,
        actor=actor,
        action="directory.import",
        target=Target("directory"),
        details={"format": format, "rows": counts, "created": created, "updated": updated},
    )
    return {"dry_run": False, "valid": True, "rows": counts, "created": created, "updated": updated}


async def apply_checked(
    session: AsyncSession, actor: Actor, checked: Checked
) -> tuple[dict[str, int], dict[str, int]]:
    """Upsert validated rows; returns (created, updated) counts per entity."""
    created: dict[str, int] = dict.fromkeys(ENTITIES, 0)
    updated: dict[str, int] = dict.fromkeys(ENTITIES, 0)
    await _import_authorities(session, actor, checked.authorities, created, updated)
    await _import_sheets(session, actor, checked.sheets, created, updated)
    await _import_treaties(session, actor, checked.treaties, created, updated)
    return created, updated


async def _import_authorities(
    session: AsyncSession,
    actor: Actor,
    rows: list[AuthorityRow],
    created: dict[str, int],
    updated: dict[str, int],
) -> None:
    ids = [r.id for r in rows if r.id is not None]
    existing = await repository.authorities_by_id(session, ids)
    for row in rows:
        values = field_values(row, set(AUTHORITY_FIELDS) - {"state_code"})
        values["state_code"] = row.state_code
        current = existing.get(row.id) if row.id else None
        if current is None:
            await insert_authority(
                session,
                actor=actor,
                values=values,
                verified_at=row.last_verified_at,
                authority_id=row.id,
                action="imported",
            )
            created["authorities"] += 1
            continue
        before = snapshot(current, AUTHORITY_FIELDS)
        await apply_authority_changes(
            session, actor=actor, authority=current, values=values, action="imported", verify=False
        )
        if snapshot(current, AUTHORITY_FIELDS) != before:
            updated["authorities"] += 1


async def _import_sheets(
    session: AsyncSession,
    actor: Actor,
    rows: list[SheetRow],
    created: dict[str, int],
    updated: dict[str, int],
) -> None:
    for row in rows:
        code = row.state_code
        sheet = await repository.sheet_with_key(session, code, row.request_type, row.measure)
        values = RequirementSheetFields.model_validate(
            row.model_dump(include=set(SHEET_FIELDS))
        ).model_dump()
        is_new = sheet is None
        if sheet is None:
            # Keep the exported id unless another sheet holds it already.
            sheet_id = row.id
            if sheet_id is None or await repository.sheet_by_id(session, sheet_id) is not None:
                sheet_id = uuid.uuid4()
            sheet = RequirementSheet(
                id=sheet_id,
                state_code=code,
                request_type=row.request_type,
                measure=row.measure or "",
                last_verified_at=row.last_verified_at,
            )
        before = {} if is_new else snapshot(sheet, SHEET_FIELDS)
        await write_sheet(
            session,
            actor=actor,
            sheet=sheet,
            values=values,
            created=is_new,
            action="imported",
            verify=False,
        )
        if is_new:
            created["requirement_sheets"] += 1
        elif snapshot(sheet, SHEET_FIELDS) != before:
            updated["requirement_sheets"] += 1


async def _import_treaties(
    session: AsyncSession,
    actor: Actor,
    rows: list[TreatyRow],
    created: dict[str, int],
    updated: dict[str, int],
) -> None:
    for row in rows:
        treaty = await repository.treaty_by_id(session, row.id) if row.id else None
        values = row.model_dump(include=set(TREATY_FIELDS))
        values["subjects"] = values.get("subjects") or []
        is_new = treaty is None
        if treaty is None:
            treaty = Treaty(id=row.id or uuid.uuid4(), **values)
            before: dict[str, Any] = {}
            parties_before: list[str] = []
        else:
            before = snapshot(treaty, TREATY_FIELDS)
            parties_before = (await repository.parties_of(session, [treaty.id]))[treaty.id]
            for name, value in values.items():
                setattr(treaty, name, value)
        if (
            not is_new
            and before == snapshot(treaty, TREATY_FIELDS)
            and parties_before == sorted(row.parties)
        ):
            continue
        session.add(treaty)
        await session.flush()
        await repository.replace_parties(session, treaty.id, row.parties)
        await treaty_changes(session, actor, treaty, before, parties_before, "imported")
        if is_new:
            created["treaties"] += 1
        else:
            updated["treaties"] += 1

"""Verbs on requirement sheets: read, write (PUT), verify, compare two states."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit, events
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.core.events import Audience
from app.directory import access, repository
from app.directory.exceptions import NoSheetForTypeAndMeasure, NotSheetEditor, StateNotFound
from app.directory.fields import SHEET_FIELDS, snapshot
from app.directory.revisions import record_revision
from app.directory.schemas import (
    ComparedField,
    ComparedState,
    RequirementSheetDetail,
    RequirementSheetFields,
    RequirementSheetRead,
    SheetComparison,
)
from app.directory.settings import get_directory_settings
from app.directory.shapes import sheet_read, state_read
from app.models.directory import RequirementSheet, State


async def _state(session: AsyncSession, code: str) -> State:
    state = await repository.state_by_code(session, code.upper())
    if state is None:
        raise StateNotFound()
    return state


async def list_sheets(
    session: AsyncSession, *, actor: Actor, state_code: str, request_type: str | None = None
) -> list[RequirementSheetRead]:
    """Every requirement sheet of a state (optionally of one request type)."""
    access.require_reader(actor)
    state = await _state(session, state_code)
    stale_before = get_directory_settings().stale_before()
    sheets = await repository.sheets_of_state(session, state.code, request_type=request_type)
    return [sheet_read(s, stale_before) for s in sheets]


async def read_sheet(
    session: AsyncSession,
    *,
    actor: Actor,
    state_code: str,
    request_type: str,
    measure: str | None,
) -> RequirementSheetDetail:
    """One sheet: exactly this request type and measure (null measure: the general sheet),
    with what the caller may do to it."""
    access.require_reader(actor)
    state = await _state(session, state_code)
    sheet = await repository.sheet_with_key(session, state.code, request_type, measure)
    if sheet is None:
        raise NoSheetForTypeAndMeasure()
    return RequirementSheetDetail(
        **sheet_read(sheet, get_directory_settings().stale_before()).model_dump(),
        allowed_actions=await access.sheet_actions(session, actor, state.code),
    )


async def _authorize_sheet_write(session: AsyncSession, actor: Actor, state: State) -> None:
    access.require_reader(actor)
    if not await access.can_edit_state_sheets(session, actor, state.code):
        await access.refuse(
            session,
            NotSheetEditor(),
            actor=actor,
            action="directory.requirement_sheet.write",
            target=Target("state", state.code),
        )


async def put_sheet(
    session: AsyncSession,
    *,
    actor: Actor,
    state_code: str,
    request_type: str,
    measure: str | None,
    data: RequirementSheetFields,
) -> tuple[RequirementSheetDetail, bool]:
    """Create or replace a sheet (admin, or a focal point of the state); saving verifies it.

    Returns the sheet as the caller now reads it, and whether it was created.
    """
    state = await _state(session, state_code)
    await _authorize_sheet_write(session, actor, state)
    values = data.model_dump()
    await check_receiving_authority(session, state.code, values.get("receiving_authority_id"))
    sheet = await repository.sheet_with_key(session, state.code, request_type, measure)
    created = sheet is None
    if sheet is None:
        sheet = RequirementSheet(
            state_code=state.code, request_type=request_type, measure=measure or ""
        )
    await write_sheet(session, actor=actor, sheet=sheet, values=values, created=created)
    read = await read_sheet(
        session, actor=actor, state_code=state_code, request_type=request_type, measure=measure
    )
    return read, created


async def check_receiving_authority(
    session: AsyncSession, state_code: str, authority_id: uuid.UUID | None, *, field: str = ""
) -> None:
    if authority_id is None:
        return
    authority = await repository.authority_by_id(session, authority_id)
    if authority is None or authority.state_code != state_code:
        raise ValidationFailed(
            errors=[
                {
                    "field": field or "receiving_authority_id",
                    "message": "must be an authority of the same state",
                }
            ]
        )


async def write_sheet(
    session: AsyncSession,
    *,
    actor: Actor,
    sheet: RequirementSheet,
    values: dict[str, Any],
    created: bool,
    action: str | None = None,
    verify: bool = True,
) -> RequirementSheet:
    """Apply `values`, mark verified, keep a revision, audit and announce.

    `verify=False` (imports) leaves the verification as it is, and records nothing when
    nothing changed.
    """
    before = {} if created else snapshot(sheet, SHEET_FIELDS)
    for name, value in values.items():
        setattr(sheet, name, value)
    changes = audit.diff(before, snapshot(sheet, SHEET_FIELDS))
    if not verify and not changes:
        return sheet
    if verify:
        sheet.last_verified_at = datetime.now(UTC)
        sheet.last_verified_by = actor.user_id
        sheet.stale_reminded_at = None
    session.add(sheet)
    await session.flush()
    verb = action or ("created" if created else "updated" if changes else "verified")
    await record_revision(
        session,
        actor=actor,
        target_type="requirement_sheet",
        target_id=sheet.id,
        action=verb,
        changes=changes,
    )
    await audit.record(
        session,
        actor=actor,
        action="directory.requirement_sheet.verify"
        if verb == "verified"
        else "directory.requirement_sheet.write",
        target=Target("requirement_sheet", sheet.id),
        changes=changes or None,
        details={
            "state_code": sheet.state_code,
            "request_type": sheet.request_type,
            "measure": sheet.measure or None,
        },
    )
    # The members of the state's authorities hear of changes to their state's sheets.
    for authority_id in await repository.authority_ids_in_states(session, [sheet.state_code]):
        await events.publish(
            session,
            "directory.requirement_sheet.updated",
            {"sheet_id": sheet.id, "state_code": sheet.state_code},
            audience=Audience.of("authority", authority_id),
        )
    return sheet


async def verify_sheet(
    session: AsyncSession,
    *,
    actor: Actor,
    state_code: str,
    request_type: str,
    measure: str | None,
) -> RequirementSheetDetail:
    """Confirm a sheet is still correct as it stands (resets its staleness)."""
    state = await _state(session, state_code)
    await _authorize_sheet_write(session, actor, state)
    sheet = await repository.sheet_with_key(session, state.code, request_type, measure)
    if sheet is None:
        raise NoSheetForTypeAndMeasure()
    await write_sheet(session, actor=actor, sheet=sheet, values={}, created=False)
    return await read_sheet(
        session, actor=actor, state_code=state_code, request_type=request_type, measure=measure
    )


async def compare_sheets(
    session: AsyncSession,
    *,
    actor: Actor,
    state_a: str,
    state_b: str,
    request_type: str,
    measure: str | None,
) -> SheetComparison:
    """The two states' sheets for one request type side by side, field by field."""
    access.require_reader(actor)
    states = await repository.states_by_code(session, [state_a.upper(), state_b.upper()])
    missing = [c for c in (state_a.upper(), state_b.upper()) if c not in states]
    if missing:
        raise StateNotFound(missing)
    stale_before = get_directory_settings().stale_before()
    sides: list[ComparedState] = []
    snaps: list[dict[str, Any]] = []
    for code in (state_a.upper(), state_b.upper()):
        sheet = await repository.sheet_for(session, code, request_type, measure)
        sides.append(
            ComparedState(
                state=state_read(states[code]),
                sheet=sheet_read(sheet, stale_before) if sheet else None,
            )
        )
        snaps.append(snapshot(sheet, SHEET_FIELDS) if sheet else {})
    fields = [
        ComparedField(
            field=name,
            a=snaps[0].get(name),
            b=snaps[1].get(name),
            same=snaps[0].get(name) == snaps[1].get(name),
        )
        for name in SHEET_FIELDS
    ]
    return SheetComparison(
        request_type=request_type, measure=measure, a=sides[0], b=sides[1], fields=fields
    )

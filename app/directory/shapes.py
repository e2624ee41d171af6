"""Rows -> API shapes (no queries here: callers load everything first), with their texts
rendered from markdown."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from app.core.markdown import render_markdown
from app.directory.constants import AuthorityAction
from app.directory.library_links import authority_library_url, sheet_library_url
from app.directory.repository import AuthorityRow
from app.directory.schemas import (
    AuthorityEntry,
    AuthorityRead,
    AuthoritySummary,
    ContactFailureRead,
    PersonRef,
    RequirementSheetRead,
    StateRead,
    TreatyRead,
)
from app.directory.settings import is_stale
from app.models.directory import Authority, ContactFailureReport, RequirementSheet, State, Treaty


@lru_cache(maxsize=4096)
def _rendered(text: str) -> str:
    # Directory texts change rarely and are read on every finder answer: rendering (parse and
    # sanitise) is pure, so each distinct text is rendered once per worker.
    return render_markdown(text)


def _html(text: str | None) -> str | None:
    if not text:
        return None
    # Long texts are rare; leaving them out bounds the cache's memory (4096 x 4 kB).
    return _rendered(text) if len(text) <= 4096 else render_markdown(text)


def authority_summary(row: AuthorityRow, stale_before: datetime) -> AuthoritySummary:
    a = row.authority
    return AuthoritySummary(
        id=a.id,
        state_code=a.state_code,
        state_name=row.state_name,
        region=row.region,
        name=a.name,
        name_original=a.name_original,
        types=a.types,
        languages=a.languages,
        channels=a.channels,
        email=a.email,
        phone=a.phone,
        website=a.website,
        last_verified_at=a.last_verified_at,
        stale=is_stale(a.last_verified_at, stale_before),
        open_failure_reports=row.open_failures,
        rank=row.rank,
        snippet=row.snippet,
    )


def authority_entry(row: AuthorityRow, stale_before: datetime) -> AuthorityEntry:
    a: Authority = row.authority
    return AuthorityEntry(
        **authority_summary(row, stale_before).model_dump(),
        address=a.address,
        fax=a.fax,
        time_zone=a.time_zone,
        office_hours=a.office_hours,
        urgent_procedure=a.urgent_procedure,
        urgent_procedure_html=_html(a.urgent_procedure),
        contact_24_7=a.contact_24_7,
        convention_basis_extradition=a.convention_basis_extradition,
        convention_basis_mla=a.convention_basis_mla,
        alternative_arrangements=a.alternative_arrangements,
        alternative_arrangements_html=_html(a.alternative_arrangements),
        notes=a.notes,
        notes_html=_html(a.notes),
        law_links=a.law_links,
        contacts=a.contacts,
        last_verified_by_id=a.last_verified_by,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )


def authority_read(
    row: AuthorityRow,
    stale_before: datetime,
    *,
    focal_points: list[PersonRef],
    verifier: PersonRef | None,
    allowed_actions: list[AuthorityAction],
) -> AuthorityRead:
    return AuthorityRead(
        **authority_entry(row, stale_before).model_dump(),
        focal_points=focal_points,
        last_verified_by=verifier,
        allowed_actions=allowed_actions,
        library_url=authority_library_url(row.authority.id),
    )


def sheet_read(sheet: RequirementSheet, stale_before: datetime) -> RequirementSheetRead:
    return RequirementSheetRead(
        id=sheet.id,
        state_code=sheet.state_code,
        request_type=sheet.request_type,
        measure=sheet.measure or None,
        possible=sheet.possible,
        legal_framework=sheet.legal_framework,
        legal_framework_html=_html(sheet.legal_framework),
        receiving_authority_id=sheet.receiving_authority_id,
        executing_authority=sheet.executing_authority,
        languages=sheet.languages,
        usual_execution_time=sheet.usual_execution_time,
        requirements=sheet.requirements,
        special_requirements=sheet.special_requirements,
        special_requirements_html=_html(sheet.special_requirements),
        alternatives=sheet.alternatives,
        alternatives_html=_html(sheet.alternatives),
        notes=sheet.notes,
        notes_html=_html(sheet.notes),
        last_verified_at=sheet.last_verified_at,
        last_verified_by=sheet.last_verified_by,
        stale=is_stale(sheet.last_verified_at, stale_before),
        updated_at=sheet.updated_at,
        library_url=sheet_library_url(sheet.id),
    )


def treaty_read(treaty: Treaty, parties: list[str]) -> TreatyRead:
    return TreatyRead(
        id=treaty.id,
        title=treaty.title,
        kind=treaty.kind,
        subjects=treaty.subjects,
        signed_on=treaty.signed_on,
        in_force_on=treaty.in_force_on,
        url=treaty.url,
        notes=treaty.notes,
        parties=parties,
    )


def state_read(state: State) -> StateRead:
    return StateRead(
        code=state.code,
        name=state.name,
        region=state.region,
        subregion=state.subregion,
        intermediate_region=state.intermediate_region,
    )


def report_read(report: ContactFailureReport) -> ContactFailureRead:
    return ContactFailureRead.model_validate(report, from_attributes=True)

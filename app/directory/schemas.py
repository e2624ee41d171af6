"""API shapes of the directory (separate from the tables)."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from app.directory.constants import (
    LANGUAGE_PATTERN,
    STATE_CODE_PATTERN,
    AuthorityAction,
    AuthorityType,
    Channel,
    FailureChannel,
    Requirement,
    SheetAction,
    TreatyKind,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2048, pattern=r"^https?://\S+$")
]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=64, pattern=r"^[0-9+()./\- ]+$")
]
Language = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=LANGUAGE_PATTERN)
]
StateCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=STATE_CODE_PATTERN)
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LawLink(_Strict):
    title: Line
    url: Url


class Contact(_Strict):
    name: Line
    position: Line | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    languages: list[Language] = []
    # A member of the network; plain contacts have none.
    user_id: uuid.UUID | None = None


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


class AuthorityFields(_Strict):
    """Every editable field of an authority (all optional, so PATCH can reuse them)."""

    name: Line | None = None
    name_original: Line | None = None
    types: list[AuthorityType] | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None
    phone: Phone | None = None
    fax: Phone | None = None
    email: EmailStr | None = None
    website: Url | None = None
    time_zone: str | None = Field(default=None, description="IANA name, e.g. Europe/Paris")
    office_hours: Line | None = None
    languages: list[Language] | None = Field(
        default=None, description="ISO 639-1 codes of languages accepted for incoming requests"
    )
    channels: list[Channel] | None = None
    urgent_procedure: Text | None = Field(default=None, description="markdown")
    contact_24_7: Line | None = None
    convention_basis_extradition: bool | None = Field(
        default=None, description="accepts UNTOC as legal basis for extradition (art. 16(4))"
    )
    convention_basis_mla: bool | None = Field(
        default=None, description="accepts UNTOC as legal basis for MLA (art. 18)"
    )
    alternative_arrangements: Text | None = Field(default=None, description="markdown")
    notes: Text | None = Field(default=None, description="markdown")
    law_links: list[LawLink] | None = Field(default=None, max_length=100)
    contacts: list[Contact] | None = Field(default=None, max_length=100)

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown IANA time zone") from exc
        return value

    @field_validator("types", "languages", "channels")
    @classmethod
    def _dedupe(cls, value: list[str] | None) -> list[str] | None:
        return _unique(value) if value is not None else None


class AuthorityCreate(AuthorityFields):
    state_code: StateCode
    name: Line
    types: list[AuthorityType] = Field(min_length=1)


class AuthorityUpdate(AuthorityFields):
    """Only the fields sent are changed; `state_code` only by an admin."""

    state_code: StateCode | None = None


class PersonRef(BaseModel):
    id: uuid.UUID
    full_name: str


class AuthoritySummary(BaseModel):
    id: uuid.UUID
    state_code: str
    state_name: str
    region: str | None
    name: str
    name_original: str | None
    types: list[str]
    languages: list[str]
    channels: list[str]
    email: str | None
    phone: str | None
    website: str | None
    last_verified_at: datetime | None
    stale: bool
    open_failure_reports: int
    rank: float | None = None
    snippet: str | None = Field(default=None, description="matches wrapped in <mark>")


class AuthorityEntry(AuthoritySummary):
    """The whole entry, without the people behind it."""

    address: str | None
    fax: str | None
    time_zone: str | None
    office_hours: str | None
    urgent_procedure: str | None
    urgent_procedure_html: str | None
    contact_24_7: str | None
    convention_basis_extradition: bool | None
    convention_basis_mla: bool | None
    alternative_arrangements: str | None
    alternative_arrangements_html: str | None
    notes: str | None
    notes_html: str | None
    law_links: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    last_verified_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class AuthorityRead(AuthorityEntry):
    focal_points: list[PersonRef]
    last_verified_by: PersonRef | None
    allowed_actions: list[AuthorityAction] = Field(
        description="what the caller may do to this entry: `edit` (PATCH), `verify` "
        "(POST .../verify), `change_state` (PATCH `state_code`); empty for readers only"
    )
    library_url: str = Field(
        description="API path of the library's documents that apply: those linked to this "
        "authority, then the national laws of its State"
    )


class AuthorityName(BaseModel):
    """What an applicant sees of an authority: its name and State, no contacts."""

    id: uuid.UUID
    name: str
    state_code: str
    state_name: str


class StateRead(BaseModel):
    code: str
    name: str
    region: str | None
    subregion: str | None = None
    intermediate_region: str | None = None


class RequirementSheetFields(_Strict):
    possible: bool | None = None
    legal_framework: Text | None = Field(default=None, description="markdown")
    receiving_authority_id: uuid.UUID | None = None
    executing_authority: Line | None = None
    languages: list[Language] = []
    usual_execution_time: Line | None = None
    requirements: list[Requirement] = []
    special_requirements: Text | None = Field(default=None, description="markdown")
    alternatives: Text | None = Field(default=None, description="markdown")
    notes: Text | None = Field(default=None, description="markdown")

    @field_validator("languages", "requirements")
    @classmethod
    def _dedupe(cls, value: list[str]) -> list[str]:
        return _unique(value)


class RequirementSheetRead(BaseModel):
    id: uuid.UUID
    state_code: str
    request_type: str
    measure: str | None = Field(description="null for the general sheet of the request type")
    possible: bool | None
    legal_framework: str | None
    legal_framework_html: str | None
    receiving_authority_id: uuid.UUID | None
    executing_authority: str | None
    languages: list[str]
    usual_execution_time: str | None
    requirements: list[str]
    special_requirements: str | None
    special_requirements_html: str | None
    alternatives: str | None
    alternatives_html: str | None
    notes: str | None
    notes_html: str | None
    last_verified_at: datetime | None
    last_verified_by: uuid.UUID | None
    stale: bool
    updated_at: datetime
    library_url: str = Field(
        description="API path of the library's documents that apply: those linked to this "
        "sheet, then the national laws of its State"
    )


class RequirementSheetDetail(RequirementSheetRead):
    allowed_actions: list[SheetAction] = Field(
        description="what the caller may do to this sheet: `edit` (PUT), `verify` "
        "(POST .../verify); empty for readers only"
    )


class SheetList(BaseModel):
    items: list[RequirementSheetRead]
    next_cursor: str | None = None


class ComparedField(BaseModel):
    field: str
    a: Any
    b: Any
    same: bool


class ComparedState(BaseModel):
    state: StateRead
    sheet: RequirementSheetRead | None


class SheetComparison(BaseModel):
    request_type: str
    measure: str | None
    a: ComparedState
    b: ComparedState
    fields: list[ComparedField]


class TreatyFields(_Strict):
    title: Line | None = None
    kind: TreatyKind | None = None
    subjects: list[AuthorityType] | None = None
    signed_on: date | None = None
    in_force_on: date | None = None
    url: Url | None = None
    notes: Text | None = None
    parties: list[StateCode] | None = Field(default=None, max_length=300)

    @field_validator("subjects", "parties")
    @classmethod
    def _dedupe(cls, value: list[str] | None) -> list[str] | None:
        return _unique(value) if value is not None else None


class TreatyCreate(TreatyFields):
    title: Line
    kind: TreatyKind
    parties: list[StateCode] = Field(min_length=1, max_length=300)


class TreatyRead(BaseModel):
    id: uuid.UUID
    title: str
    kind: str
    subjects: list[str]
    signed_on: date | None
    in_force_on: date | None
    url: str | None
    notes: str | None
    parties: list[str]


class DirectoryRevisionRead(BaseModel):
    id: int
    action: str
    actor: PersonRef | None
    created_at: datetime
    changes: dict[str, Any] = Field(description='{field: {"old": ..., "new": ...}}')


class ContactFailureCreate(_Strict):
    channel: FailureChannel
    detail: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class ContactFailureResolve(_Strict):
    resolution: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = (
        None
    )


class ContactFailureRead(BaseModel):
    id: uuid.UUID
    authority_id: uuid.UUID
    reporter_user_id: uuid.UUID | None
    channel: str
    detail: str | None
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: uuid.UUID | None
    resolution: str | None


class FinderAuthority(BaseModel):
    authority: AuthorityEntry
    handles_request_type: bool


class FinderLegalBasis(BaseModel):
    treaties: list[TreatyRead]
    convention: dict[str, Any] = Field(
        description="{applicable: true|false|null, articles: [...], note}"
    )


class StaleItem(BaseModel):
    type: str
    id: uuid.UUID
    last_verified_at: datetime | None


class FinderAnswer(BaseModel):
    requesting_state: StateRead
    requested_state: StateRead
    request_type: str
    measure: str | None
    urgent: bool
    recommended_authority_id: uuid.UUID | None
    authorities: list[FinderAuthority]
    languages: list[str]
    channels: list[str]
    requirement_sheet: RequirementSheetRead | None
    legal_basis: FinderLegalBasis
    urgent_procedure: dict[str, Any] | None
    stale: list[StaleItem]
    warnings: list[str]
    obstacles_url: str = Field(
        description="API path of the catalogue's obstacles and solutions for this pair and "
        "measure (refusal grounds and delays on cases, counts of 3 or more only)"
    )
    library_url: str = Field(
        description="API path of the library's documents that apply to this request: the "
        "requested State's laws and the texts of the treaties linking the two States"
    )

"""API shapes of the catalogue (separate from the tables).

No shape here has a field for a case's id, reference or dates: what an entry says of its case
is structured values, whole weeks and (if its authorities chose so) the two States.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.catalogue.constants import (
    Action,
    CrimeType,
    Disclosure,
    EntryKind,
    EntryStatus,
    FlagKind,
    LegalBasis,
)
from app.directory.constants import STATE_CODE_PATTERN, AuthorityType, Measure

CooperationType = AuthorityType
Outcome = Literal["executed", "partially_executed", "refused", "withdrawn"]

_TITLE = Field(min_length=1, max_length=200)
_TEXT = Field(default=None, max_length=10_000)


def _unique(values: list[str] | None) -> list[str] | None:
    return None if values is None else list(dict.fromkeys(values))


class _EntryFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    summary: str | None = Field(default=None, max_length=5_000, description="markdown")
    cooperation_type: CooperationType | None = None
    measures: list[Measure] | None = Field(default=None, max_length=len(Measure.__args__))  # type: ignore[attr-defined]
    crime_types: list[CrimeType] | None = Field(default=None, max_length=9)
    legal_basis: LegalBasis | None = None
    disclosure: Disclosure | None = Field(
        default=None, description="states: both States shown; regions: only their UN M49 regions"
    )
    obstacles: str | None = Field(default=None, max_length=10_000, description="markdown")
    solutions: str | None = Field(default=None, max_length=10_000, description="markdown")
    lessons: str | None = Field(
        default=None, max_length=10_000, description="markdown: lessons for practitioners"
    )
    # A good-practice note only (a case entry takes them from its case).
    requesting_state: str | None = Field(default=None, pattern=STATE_CODE_PATTERN)
    requested_state: str | None = Field(default=None, pattern=STATE_CODE_PATTERN)
    outcome: Outcome | None = None

    @field_validator("measures", "crime_types")
    @classmethod
    def _dedupe(cls, values: list[str] | None) -> list[str] | None:
        return _unique(values)

    @field_validator("requesting_state", "requested_state")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


class CatalogueEntryCreate(_EntryFields):
    """A nomination (with `case_id`, of a closed case of yours) or a good-practice note.

    Left out, a case entry's cooperation type, measures and legal basis are taken from the
    case's structured fields; its States, outcome and times always are. Its texts never are.
    """

    case_id: uuid.UUID | None = Field(
        default=None, description="the closed case nominated; absent for a good-practice note"
    )
    title: str = _TITLE
    crime_types: list[CrimeType] = Field(min_length=1, max_length=9)
    disclosure: Disclosure = "regions"


class CatalogueEntryUpdate(_EntryFields):
    """Edit a draft (or one sent back): the personal-data check runs again on every edit."""

    justifications: dict[str, str] | None = Field(
        default=None,
        description="flag id -> why the flagged text may stay (an empty text withdraws it)",
    )


class CatalogueFlag(BaseModel):
    """One finding of the personal-data check."""

    id: str
    kind: FlagKind
    field: str
    message: str
    match: str | None = Field(
        default=None,
        description="the flagged text; for names and references of the case, shown only to "
        "members who may see the case",
    )
    spans: list[list[int]] = Field(
        default_factory=list, description="[start, end) offsets in the field (same visibility)"
    )
    justifiable: bool
    justification: str | None


class CatalogueThreadLink(BaseModel):
    thread_id: uuid.UUID
    url: str = Field(description="API path of the thread")
    link: str = Field(description="browser client route of the thread")


class CatalogueEntryRead(BaseModel):
    """A published entry as every member reads it."""

    id: uuid.UUID
    kind: EntryKind
    title: str
    summary: str
    summary_html: str
    cooperation_type: CooperationType | None
    measures: list[str]
    crime_types: list[str]
    legal_basis: LegalBasis | None
    disclosure: Disclosure
    requesting_state: str | None = Field(description="null when only regions are disclosed")
    requested_state: str | None
    requesting_region: str | None
    requested_region: str | None
    outcome: Outcome | None
    weeks_to_acknowledge: int | None = Field(description="rounded to whole weeks")
    weeks_to_execute: int | None = Field(description="rounded to whole weeks")
    obstacles: str
    obstacles_html: str
    solutions: str
    solutions_html: str
    lessons: str
    lessons_html: str
    published_at: datetime | None
    discussion: CatalogueThreadLink | None


class CatalogueAuthor(BaseModel):
    id: uuid.UUID
    handle: str | None
    full_name: str | None


class CatalogueEntryDetail(CatalogueEntryRead):
    """An entry as those who work on it see it: its status, its check, consent and review."""

    status: EntryStatus
    version: int
    author: CatalogueAuthor | None
    flags: list[CatalogueFlag]
    ready_to_submit: bool = Field(description="every flag fixed or justified")
    consent: Literal["not_needed", "awaiting", "given", "declined", "withdrawn"]
    declined_reason: str | None
    review_note: str | None
    withdrawal_reason: str | None
    allowed_actions: list[Action]
    created_at: datetime = Field(description="when the entry was written, not its case")
    updated_at: datetime


class CatalogueTransition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    note: str | None = Field(
        default=None,
        max_length=2_000,
        description="the reason (decline, reject, withdraw_consent) or what to change "
        "(request_changes)",
    )


NominationBar = Literal[
    "not-a-contributor", "not-an-officer-of-the-case", "case-not-closed", "already-nominated"
]


class CatalogueNomination(BaseModel):
    """Whether the caller may nominate a case now (the client's "Nominate" button)."""

    may_nominate: bool
    reason: NominationBar | None = Field(description="why not; null when the caller may nominate")
    entry_id: uuid.UUID | None = Field(
        description="the case's entry under way or published, named only to its author and "
        "the focal points of the case's authorities"
    )


class CatalogueQueueItem(BaseModel):
    """An entry waiting for the caller (consent, review) or written by them."""

    id: uuid.UUID
    kind: EntryKind
    status: EntryStatus
    title: str
    updated_at: datetime
    allowed_actions: list[Action]


class CatalogueFacetCount(BaseModel):
    value: str
    count: int


class CatalogueFacets(BaseModel):
    total: int
    cooperation_type: list[CatalogueFacetCount]
    measure: list[CatalogueFacetCount]
    crime_type: list[CatalogueFacetCount]
    legal_basis: list[CatalogueFacetCount]
    region: list[CatalogueFacetCount]
    outcome: list[CatalogueFacetCount]
    year: list[CatalogueFacetCount] = Field(description="year of publication")


class CatalogueBasisCounts(BaseModel):
    convention: int = 0
    treaty: int = 0
    reciprocity: int = 0
    domestic_law: int = 0
    total: int = 0


class CatalogueBasisRow(CatalogueBasisCounts):
    year: int | None = None
    region: str | None = None


class CatalogueFigures(BaseModel):
    """Published case entries by legal basis: the Convention versus treaties and reciprocity."""

    region_of: Literal["requested", "requesting"] = Field(
        description="which State's UN M49 region a row counts by"
    )
    total: CatalogueBasisCounts
    by_year: list[CatalogueBasisRow]
    by_region: list[CatalogueBasisRow]
    by_region_and_year: list[CatalogueBasisRow]


class CatalogueObstacleEntry(BaseModel):
    id: uuid.UUID
    title: str
    measures: list[str]
    requesting_state: str | None
    requested_state: str | None
    obstacles: str
    solutions: str
    lessons: str


class CatalogueCaseCounts(BaseModel):
    """Counts only; a figure under `min_cases` (zero included) is null, a ground under it is
    left out."""

    min_cases: int
    cases: int | None
    refused: int | None
    refusal_grounds: dict[str, int]
    delays: dict[str, int | None] = Field(
        description="reported_delay, postponed, information_requested, went_overdue"
    )


class CatalogueObstacles(BaseModel):
    requesting_state: str | None
    requested_state: str | None
    measure: str | None
    cases: CatalogueCaseCounts
    pair_entries: list[CatalogueObstacleEntry] = Field(
        description="published entries between the two States (entries that disclose them)"
    )
    measure_entries: list[CatalogueObstacleEntry] = Field(
        description="published entries of the measure"
    )

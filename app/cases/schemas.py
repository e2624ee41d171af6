"""API shapes of cases (separate from the tables)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.cases.constants import (
    Action,
    CaseStatus,
    CaseType,
    HandlingCode,
    LegalBasisKind,
    MessageKind,
    ParticipantRole,
    RefusalGround,
    Side,
    Urgency,
)

ShortText = Field(default=None, max_length=2000)
LanguageCode = str


class LegalBasis(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: LegalBasisKind
    treaty_id: uuid.UUID | None = None
    text: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _complete(self) -> LegalBasis:
        if self.kind == "treaty" and self.treaty_id is None:
            raise ValueError("a treaty basis names the treaty (treaty_id)")
        if self.kind == "other" and not (self.text or "").strip():
            raise ValueError("an 'other' basis is described in text")
        return self


class Person(BaseModel):
    """Who the request concerns: structured and minimal (need-to-know)."""

    model_config = ConfigDict(extra="forbid")

    role: str = Field(min_length=1, max_length=40, description="suspect, witness, victim ...")
    name: str = Field(min_length=1, max_length=200)
    birth_date: date | None = None
    nationality: str | None = Field(default=None, min_length=3, max_length=3)
    notes: str | None = Field(default=None, max_length=1000)


_Items = list[str]


def _clean_items(values: list[str] | None, field: str) -> list[str] | None:
    if values is None:
        return None
    cleaned = [v.strip() for v in values if v.strip()]
    if len(cleaned) > 50 or any(len(v) > 300 for v in cleaned):
        raise ValueError(f"{field}: at most 50 items of at most 300 characters")
    return cleaned


class _CaseFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=20_000)
    legal_basis: LegalBasis | None = None
    offences: _Items | None = None
    measures: _Items | None = None
    persons: list[Person] | None = Field(default=None, max_length=50)
    languages: list[LanguageCode] | None = Field(
        default=None, max_length=10, description="ISO 639-1 codes of the request's languages"
    )
    urgency: Urgency | None = None
    urgency_reason: str | None = ShortText
    deadline: date | None = None
    deadline_reason: str | None = ShortText
    confidential: bool | None = Field(default=None, description="art. 18(20) confidentiality")
    restricted: bool | None = Field(
        default=None, description="visible only to assigned officers (and focal points)"
    )
    requesting_reference: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _lists(self) -> _CaseFields:
        # Assign only what was given: assignment marks a field as set, and PATCH applies
        # exactly the set fields.
        if self.offences is not None:
            self.offences = _clean_items(self.offences, "offences")
        if self.measures is not None:
            self.measures = _clean_items(self.measures, "measures")
        if self.languages is not None:
            langs = [lang.strip().lower() for lang in self.languages if lang.strip()]
            if any(not (2 <= len(lang) <= 3 and lang.isalpha()) for lang in langs):
                raise ValueError("languages are ISO 639 codes such as 'en', 'fr'")
            self.languages = langs
        return self


class CaseCreate(_CaseFields):
    type: CaseType
    requested_authority_id: uuid.UUID
    title: str = Field(min_length=1, max_length=300)
    legal_basis: LegalBasis
    urgency: Urgency = "normal"
    confidential: bool = False


class CaseUpdate(_CaseFields):
    """Requesting side while draft: any field; afterwards each side only its own reference."""

    shared_for_consultation: bool | None = Field(
        default=None, description="share the draft with the requested side before submission"
    )
    requested_reference: str | None = Field(default=None, max_length=100)


class DraftCheck(BaseModel):
    code: str
    ok: bool
    essential: bool
    message: str


class DraftingReport(BaseModel):
    ready: bool = Field(description="no essential check fails")
    checks: list[DraftCheck]


class StatusDuration(BaseModel):
    status: str
    entered_at: datetime
    left_at: datetime | None
    seconds: int


class CaseSummary(BaseModel):
    id: uuid.UUID
    reference: str
    type: CaseType
    status: CaseStatus
    title: str
    requesting_authority_id: uuid.UUID
    requested_authority_id: uuid.UUID
    urgency: Urgency
    deadline: date | None
    expected_date: date | None
    due_date: date | None
    overdue: bool
    deadline_near: bool = Field(
        default=False, description="open and due within the near-deadline window (not overdue)"
    )
    overdue_since: datetime | None = None
    confidential: bool
    restricted: bool
    created_at: datetime
    submitted_at: datetime | None
    last_activity_at: datetime


class LegalHold(BaseModel):
    """A legal hold: while it stands, no file of the case is deleted or purged."""

    reason: str
    side: Side = Field(description="the side that placed it (only that side releases it)")
    set_by: uuid.UUID | None = Field(description="who placed it (null once their row is gone)")
    set_at: datetime


class CaseRead(CaseSummary):
    summary: str
    legal_basis: dict[str, Any]
    offences: list[str]
    measures: list[str]
    persons: list[dict[str, Any]]
    languages: list[str]
    urgency_reason: str | None
    deadline_reason: str | None
    shared_for_consultation: bool
    requesting_reference: str | None
    requested_reference: str | None
    missing_essentials_reason: str | None
    refusal_ground: str | None
    refusal_ground_text: str | None
    outcome: str | None
    created_by: uuid.UUID | None
    received_at: datetime | None
    acknowledged_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    status_changed_at: datetime
    updated_at: datetime
    side: Side = Field(description="the caller's side in this case")
    allowed_actions: list[str] = Field(description="transitions the caller may take now")
    may_manage_participants: bool = Field(
        default=False, description="whether the caller may invite observers, assign and remove"
    )
    legal_hold: LegalHold | None = Field(
        default=None, description="the legal hold on the case's files, null when there is none"
    )
    legal_hold_actions: list[Literal["set", "release"]] = Field(
        default_factory=list,
        description="what the caller may do about the legal hold now (POST or DELETE "
        "/cases/{id}/legal-hold)",
    )
    time_in_status: list[StatusDuration] = []
    drafting: DraftingReport | None = None


class TransitionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    note: str | None = Field(default=None, max_length=5000)
    ground: RefusalGround | None = None
    ground_text: str | None = Field(default=None, max_length=2000)
    new_deadline: date | None = None
    missing_essentials_reason: str | None = Field(
        default=None,
        max_length=2000,
        description="why the request is submitted although drafting checks fail",
    )


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=100_000)
    kind: MessageKind = "message"
    handling_code: HandlingCode | None = None
    handling_note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _h3_states_its_restriction(self) -> MessageCreate:
        if self.handling_code == "H3" and not (self.handling_note or "").strip():
            raise ValueError("handling code H3 needs handling_note stating the restriction")
        return self


class MessageRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    author_id: uuid.UUID | None
    author_handle: str | None = None
    author_authority_id: uuid.UUID | None
    side: Side
    kind: MessageKind
    body: str
    body_html: str
    handling_code: HandlingCode | None
    handling_label: str | None
    handling_note: str | None
    created_at: datetime


class _Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)

    @field_validator("reason")
    @classmethod
    def _stated(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("state the reason")
        return value.strip()


class AttachmentDeletion(_Reason):
    """Why the file is deleted (kept on its tombstone and shown to both sides)."""


class LegalHoldRequest(_Reason):
    """Why the legal hold is placed or released (shown on the case's timeline)."""


class AttachmentTombstone(BaseModel):
    """What stays of a deleted or purged file: its digests and size, who, when and why."""

    kind: Literal["deleted", "purged"]
    deleted_at: datetime
    deleted_by: uuid.UUID | None = Field(description="null for a purge (the system)")
    reason: str
    filename_sha256: str = Field(description="SHA-256 of the file's name; the name is gone")


class AttachmentRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    filename: str = Field(description="empty once the file is deleted (see `deleted`)")
    size: int
    sha256: str
    content_type: str
    handling_code: HandlingCode | None = None
    uploaded_by: uuid.UUID | None
    created_at: datetime
    deleted: AttachmentTombstone | None = Field(
        default=None, description="set once the file was deleted or purged (410 on download)"
    )
    allowed_actions: list[Literal["delete"]] = Field(
        default_factory=list, description="what the caller may do to the file now"
    )


class TimelineEntryRead(BaseModel):
    id: uuid.UUID | None = Field(description="null for an invitation's end, derived on read")
    kind: str = Field(description="created, transition, receipt, deadline_notice, participant...")
    action: str | None
    from_status: str | None
    to_status: str | None
    receipt: bool = Field(description="submitted, received, acknowledged: the receipts")
    actor_user_id: uuid.UUID | None
    actor_name: str | None = None
    actor_authority_id: uuid.UUID | None
    note: str | None
    data: dict[str, Any]
    created_at: datetime


class ParticipantCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        # The rule the service applies, stated in the schema and not only in prose: every
        # invitation but an assignment (role defaults to observer) needs `expires_at`.
        json_schema_extra={
            "if": {"required": ["role"], "properties": {"role": {"const": "assigned"}}},
            "else": {
                "required": ["expires_at"],
                "properties": {"expires_at": {"type": "string", "format": "date-time"}},
            },
        },
    )

    user_id: uuid.UUID | None = Field(default=None, description="the member, or their handle")
    handle: str | None = Field(
        default=None, max_length=64, description="the member's @handle, instead of user_id"
    )
    role: ParticipantRole = "observer"
    expires_at: datetime | None = Field(
        default=None, description="required for observers: the invitation ends then"
    )
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _one_member(self) -> ParticipantCreate:
        if (self.user_id is None) == (not (self.handle or "").strip()):
            raise ValueError("name the member by user_id or by handle (one of them)")
        return self


class ParticipantRead(BaseModel):
    user_id: uuid.UUID
    full_name: str | None
    handle: str | None = None
    authority_id: uuid.UUID | None
    role: ParticipantRole
    invited_by: uuid.UUID | None
    note: str | None
    expires_at: datetime | None
    revoked_at: datetime | None
    active: bool
    created_at: datetime


class CaseExport(BaseModel):
    exported_at: datetime
    exported_by: uuid.UUID | None
    case: CaseRead
    timeline: list[TimelineEntryRead]
    messages: list[MessageRead]
    attachments: list[AttachmentRead]
    participants: list[ParticipantRead]
    handling_codes: dict[str, str]


# A figure that counts cases the viewer's authority is not party to is withheld when it rests
# on fewer than this many cases: a count of 1 or 2 would single a case out to an outsider.
MIN_CELL = 3
_WITHHELD = (
    f"null when withheld: fewer than {MIN_CELL} cases the viewer's authority is not party to"
)


class Percentiles(BaseModel):
    n: int | None = Field(description=f"cases measured; {_WITHHELD}")
    median: float | None
    p90: float | None


class CaseStats(BaseModel):
    cases: int | None = Field(description=f"cases counted; {_WITHHELD}")
    by_status: dict[str, int] = Field(description="counts by status (withheld ones left out)")
    by_outcome: dict[str, int] = Field(description="counts by outcome (withheld ones left out)")
    overdue: int | None = Field(description=f"open past their due date; {_WITHHELD}")
    hours_to_acknowledge: Percentiles
    days_to_execute: Percentiles
    refusal_grounds: dict[str, int] = Field(description="counts by ground (withheld ones left out)")
    convention_basis: int | None = Field(description=f"on the Convention; {_WITHHELD}")
    convention_basis_share: float | None
    withheld: bool = Field(
        default=False,
        description=f"some figure here rested on fewer than {MIN_CELL} cases the viewer's "
        "authority is not party to, and was left out or set to null",
    )


class PairStats(CaseStats):
    requesting_authority_id: uuid.UUID
    requested_authority_id: uuid.UUID


class CaseCounts(BaseModel):
    """How many of the caller's cases are still under way, by status."""

    by_status: dict[str, int] = Field(
        description="drafts and cases awaiting an answer, by status (statuses with none left out)"
    )
    open: int = Field(description="the sum of by_status")
    overdue: int = Field(description="of those, past their due date")


class CaseMetrics(BaseModel):
    authority_id: uuid.UUID | None
    since: datetime | None
    until: datetime | None
    total: CaseStats
    outgoing: CaseStats | None = Field(description="as requesting authority")
    incoming: CaseStats | None = Field(description="as requested authority")
    pairs: list[PairStats]


Box = Literal["incoming", "outgoing"]
# attention: overdue cases first, then those near their deadline, then the rest; each group
# by last activity, newest first.
CaseSort = Literal["attention", "deadline", "-deadline", "updated", "-updated"]

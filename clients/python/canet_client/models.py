"""Typed request and response models, written by hand and checked against the API.

Each model names the operation(s) of the OpenAPI document it maps (`__openapi__`);
tests/client/test_models_match_openapi.py compares every model's fields with the live
document: each name must exist there, a field the API always sends must be here, a field
that may be null or absent must be optional here, and a request model must carry every field
the API requires. Reading is tolerant: fields the API adds later are kept in `raw` and do not
break an older client.

Ids are UUID strings, times `datetime` (UTC), dates `date`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from typing import Any, ClassVar, Literal, TypeVar, Union

M = TypeVar("M", bound="Model")

# (method, path, where, *steps): where is "request" or a status code; steps walk into the
# schema: a property name, or "[]" for the items of an array.
OpenAPIRef = tuple[str, ...]


def _parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _convert(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(options[0], value) if len(options) == 1 else value
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        return [_convert(item, v) for v in value]
    if origin is dict or origin is Literal or tp is Any:
        return value
    if isinstance(tp, type):
        if issubclass(tp, Model):
            return tp.from_dict(value)
        if tp is datetime and isinstance(value, str):
            return _parse_datetime(value)
        if tp is date and isinstance(value, str):
            return date.fromisoformat(value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


class Model:
    """Base of every model: `from_dict` (tolerant) and `to_dict` (None fields left out)."""

    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = ()
    # Fields announced by server work under way: optional here, and the OpenAPI check lets
    # them be absent from the document until they land (then they are checked as any other).
    __pending_fields__: ClassVar[frozenset[str]] = frozenset()
    raw: dict[str, Any]  # the JSON as received (every field, also those added later)

    def __post_init__(self) -> None:
        self.raw = {}

    @classmethod
    def from_dict(cls: type[M], data: dict[str, Any]) -> M:
        hints = _hints(cls)
        values = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in data:
                values[f.name] = _convert(hints[f.name], data[f.name])
        obj = cls(**values)
        obj.raw = dict(data)
        return obj

    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: _plain(getattr(self, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if getattr(self, f.name) is not None
        }


def model_classes() -> list[type[Model]]:
    """Every model of this module (for the OpenAPI check)."""
    return [
        obj
        for obj in globals().values()
        if isinstance(obj, type) and issubclass(obj, Model) and obj is not Model
    ]


# --- sign-in ----------------------------------------------------------------------------------


@dataclasses.dataclass(kw_only=True)
class LoginRequest(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (("post", "/api/v1/auth/login", "request"),)
    email: str
    password: str


@dataclasses.dataclass(kw_only=True)
class Challenge(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (("post", "/api/v1/auth/login", "200"),)
    status: Literal["mfa_required", "mfa_enrollment_required"]
    challenge_token: str
    expires_in: int


@dataclasses.dataclass(kw_only=True)
class MfaVerifyRequest(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("post", "/api/v1/auth/mfa/verify", "request"),
    )
    challenge_token: str
    code: str
    session: Literal["bearer", "cookie"] | None = None


@dataclasses.dataclass(kw_only=True)
class RefreshRequest(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (("post", "/api/v1/auth/refresh", "request"),)
    refresh_token: str


@dataclasses.dataclass(kw_only=True)
class Tokens(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("post", "/api/v1/auth/mfa/verify", "200"),
        ("post", "/api/v1/auth/refresh", "200"),
    )
    token_type: str
    expires_in: int
    access_token: str | None = None
    refresh_token: str | None = None
    csrf_token: str | None = None
    recovery_codes: list[str] | None = None


@dataclasses.dataclass(kw_only=True)
class ServiceToken(Model):
    """The OAuth token endpoint's answer (client credentials with a signed assertion)."""

    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (("post", "/api/v1/oauth/token", "200"),)
    access_token: str
    expires_in: int
    token_type: str = "Bearer"
    scope: str | None = None


@dataclasses.dataclass(kw_only=True)
class AuthorityRef(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (("get", "/api/v1/me", "200", "authority"),)
    id: str
    name: str
    state_code: str


@dataclasses.dataclass(kw_only=True)
class Me(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (("get", "/api/v1/me", "200"),)
    id: str
    email: str
    full_name: str
    handle: str
    position: str | None
    roles: list[str]
    authority: AuthorityRef | None
    status: str
    focal_point: bool
    vetting_expires_at: datetime | None
    vetting_expired: bool
    mfa_enrolled: bool


# --- cases ------------------------------------------------------------------------------------

CaseType = Literal[
    "mla",
    "extradition",
    "transfer_of_sentenced_persons",
    "transfer_of_proceedings",
    "confiscation",
    "other",
]
HandlingCode = Literal["H0", "H1", "H2", "H3"]


@dataclasses.dataclass(kw_only=True)
class LegalBasis(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("post", "/api/v1/cases", "request", "legal_basis"),
    )
    kind: Literal["untoc_art16", "untoc_art18", "treaty", "reciprocity", "other"]
    treaty_id: str | None = None
    text: str | None = None


@dataclasses.dataclass(kw_only=True)
class PersonEntry(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("post", "/api/v1/cases", "request", "persons", "[]"),
    )
    role: str
    name: str
    birth_date: date | None = None
    nationality: str | None = None
    notes: str | None = None


@dataclasses.dataclass(kw_only=True)
class CaseCreate(Model):
    """A new draft request to another authority."""

    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (("post", "/api/v1/cases", "request"),)
    type: CaseType
    requested_authority_id: str
    title: str
    legal_basis: LegalBasis
    summary: str | None = None
    offences: list[str] | None = None
    measures: list[str] | None = None
    persons: list[PersonEntry] | None = None
    languages: list[str] | None = None
    urgency: Literal["normal", "urgent"] | None = None
    urgency_reason: str | None = None
    deadline: date | None = None
    deadline_reason: str | None = None
    confidential: bool | None = None
    restricted: bool | None = None
    requesting_reference: str | None = None


@dataclasses.dataclass(kw_only=True)
class CaseSummary(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("get", "/api/v1/cases", "200", "items", "[]"),
    )
    id: str
    reference: str
    type: str
    status: str
    title: str
    requesting_authority_id: str
    requested_authority_id: str
    urgency: str
    deadline: date | None
    expected_date: date | None
    due_date: date | None
    overdue: bool
    confidential: bool
    restricted: bool
    created_at: datetime
    submitted_at: datetime | None
    last_activity_at: datetime
    deadline_near: bool = False
    overdue_since: datetime | None = None


@dataclasses.dataclass(kw_only=True)
class StatusDuration(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("get", "/api/v1/cases/{case_id}", "200", "time_in_status", "[]"),
    )
    status: str
    entered_at: datetime
    left_at: datetime | None
    seconds: int


@dataclasses.dataclass(kw_only=True)
class Case(CaseSummary):
    """One case as its participant sees it, with the actions the caller may take now."""

    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("get", "/api/v1/cases/{case_id}", "200"),
        ("post", "/api/v1/cases", "201"),
        ("post", "/api/v1/cases/{case_id}/transitions", "200"),
        ("get", "/api/v1/cases/{case_id}/export", "200", "case"),
    )
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
    created_by: str | None
    received_at: datetime | None
    acknowledged_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    status_changed_at: datetime
    updated_at: datetime
    side: Literal["requesting", "requested", "observer"]
    allowed_actions: list[str]
    may_manage_participants: bool = False
    time_in_status: list[StatusDuration] = dataclasses.field(default_factory=list)
    drafting: dict[str, Any] | None = None


TransitionAction = Literal[
    "submit",
    "provide_information",
    "withdraw",
    "close",
    "acknowledge",
    "start_execution",
    "request_information",
    "report_delay",
    "execute",
    "execute_partially",
    "refuse",
    "postpone",
]


@dataclasses.dataclass(kw_only=True)
class TransitionRequest(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("post", "/api/v1/cases/{case_id}/transitions", "request"),
    )
    action: str
    note: str | None = None
    ground: str | None = None
    ground_text: str | None = None
    new_deadline: date | None = None
    missing_essentials_reason: str | None = None


@dataclasses.dataclass(kw_only=True)
class MessageCreate(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("post", "/api/v1/cases/{case_id}/messages", "request"),
    )
    body: str
    kind: Literal["message", "consultation"] | None = None
    handling_code: HandlingCode | None = None
    handling_note: str | None = None


@dataclasses.dataclass(kw_only=True)
class Message(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("get", "/api/v1/cases/{case_id}/messages", "200", "items", "[]"),
        ("post", "/api/v1/cases/{case_id}/messages", "201"),
        ("get", "/api/v1/cases/{case_id}/export", "200", "messages", "[]"),
    )
    id: str
    case_id: str
    author_id: str | None
    author_authority_id: str | None
    side: str
    kind: str
    body: str
    body_html: str
    handling_code: str | None
    handling_label: str | None
    handling_note: str | None
    created_at: datetime
    author_handle: str | None = None


@dataclasses.dataclass(kw_only=True)
class Attachment(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("get", "/api/v1/cases/{case_id}/attachments", "200", "[]"),
        ("post", "/api/v1/cases/{case_id}/attachments", "201"),
        ("get", "/api/v1/cases/{case_id}/export", "200", "attachments", "[]"),
    )
    id: str
    case_id: str
    filename: str
    size: int
    sha256: str
    content_type: str
    uploaded_by: str | None
    created_at: datetime
    handling_code: str | None = None


@dataclasses.dataclass(kw_only=True)
class TimelineEntry(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("get", "/api/v1/cases/{case_id}/timeline", "200", "[]"),
        ("get", "/api/v1/cases/{case_id}/export", "200", "timeline", "[]"),
    )
    id: str | None
    kind: str
    action: str | None
    from_status: str | None
    to_status: str | None
    receipt: bool
    actor_user_id: str | None
    actor_authority_id: str | None
    note: str | None
    data: dict[str, Any]
    created_at: datetime
    actor_name: str | None = None


@dataclasses.dataclass(kw_only=True)
class Participant(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("get", "/api/v1/cases/{case_id}/participants", "200", "[]"),
        ("get", "/api/v1/cases/{case_id}/export", "200", "participants", "[]"),
    )
    user_id: str
    full_name: str | None
    authority_id: str | None
    role: str
    invited_by: str | None
    note: str | None
    expires_at: datetime | None
    revoked_at: datetime | None
    active: bool
    created_at: datetime
    handle: str | None = None


@dataclasses.dataclass(kw_only=True)
class CaseExport(Model):
    """The case file: the case, its timeline, messages, attachments' digests, participants."""

    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("get", "/api/v1/cases/{case_id}/export", "200"),
    )
    exported_at: datetime
    exported_by: str | None
    case: Case
    timeline: list[TimelineEntry]
    messages: list[Message]
    attachments: list[Attachment]
    participants: list[Participant]
    handling_codes: dict[str, str]


# --- events -----------------------------------------------------------------------------------


@dataclasses.dataclass(kw_only=True)
class Event(Model):
    """One event of the stream: its position (`id`), name and the ids involved."""

    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("get", "/api/v1/events", "200", "events", "[]"),
    )
    id: int
    event: str
    data: dict[str, Any]
    type: str | None = None

    @property
    def case_id(self) -> str | None:
        value = self.data.get("case_id")
        return str(value) if value is not None else None


@dataclasses.dataclass(kw_only=True)
class EventBatch(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (("get", "/api/v1/events", "200"),)
    events: list[Event]
    last_id: int


# The stream's own marker (never sent by the server as an event): the resume position fell
# out of the server's retention window, events were lost; reload what you mirror.
STREAM_RESET = "stream.reset"


# --- directory --------------------------------------------------------------------------------


@dataclasses.dataclass(kw_only=True)
class AuthoritySummary(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("get", "/api/v1/authorities", "200", "items", "[]"),
    )
    id: str
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
    snippet: str | None = None


@dataclasses.dataclass(kw_only=True)
class Authority(AuthoritySummary):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("get", "/api/v1/authorities/{authority_id}", "200"),
    )
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
    last_verified_by_id: str | None
    last_verified_by: dict[str, Any] | None
    focal_points: list[dict[str, Any]]
    allowed_actions: list[str]
    created_at: datetime
    updated_at: datetime
    library_url: str | None = None  # API path of the library's documents for this authority

    __pending_fields__ = frozenset({"library_url"})


@dataclasses.dataclass(kw_only=True)
class State(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("get", "/api/v1/finder", "200", "requested_state"),
    )
    code: str
    name: str
    region: str | None
    subregion: str | None = None
    intermediate_region: str | None = None


@dataclasses.dataclass(kw_only=True)
class FinderAuthority(Model):
    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (
        ("get", "/api/v1/finder", "200", "authorities", "[]"),
    )
    authority: dict[str, Any]
    handles_request_type: bool


@dataclasses.dataclass(kw_only=True)
class FinderAnswer(Model):
    """Where to send a request: the competent authorities, languages, channels, basis."""

    __openapi__: ClassVar[tuple[OpenAPIRef, ...]] = (("get", "/api/v1/finder", "200"),)
    requesting_state: State
    requested_state: State
    request_type: str
    measure: str | None
    urgent: bool
    recommended_authority_id: str | None
    authorities: list[FinderAuthority]
    languages: list[str]
    channels: list[str]
    requirement_sheet: dict[str, Any] | None
    legal_basis: dict[str, Any]
    urgent_procedure: dict[str, Any] | None
    stale: list[dict[str, Any]]
    warnings: list[str]
    obstacles_url: str  # API path of the catalogue's obstacles for this pair and measure
    library_url: str | None = None  # API path of the library's documents for this request

    __pending_fields__ = frozenset({"library_url"})

"""API shapes of the library (separate from the tables)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.directory.constants import LANGUAGE_PATTERN, STATE_CODE_PATTERN
from app.library.constants import DocumentAction, DocumentKind, Reason

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2048, pattern=r"^https?://\S+$")
]
Language = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=LANGUAGE_PATTERN)
]
StateCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=STATE_CODE_PATTERN)
]
# Lower-case words; no comma (clients may join tags with one).
Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=40, pattern=r"^[^,]+$"
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _unique(values: list[Any] | None) -> list[Any] | None:
    return list(dict.fromkeys(values)) if values is not None else None


class LibraryDocumentFields(_Strict):
    """Every editable field of a document (all optional, so PATCH can reuse them)."""

    kind: DocumentKind | None = None
    title: Title | None = None
    state_code: StateCode | None = Field(
        default=None, description="ISO 3166-1 alpha-3: required for a national law"
    )
    language: Language | None = Field(default=None, description="ISO 639-1")
    version_date: date | None = Field(
        default=None, description="the date of the version held (as amended on, signed on...)"
    )
    source_url: Url | None = Field(default=None, description="where the official text is")
    summary: Summary | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)
    authority_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=50, description="national laws: authorities of its State"
    )
    sheet_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=50, description="national laws: requirement sheets of its State"
    )
    treaty_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=20, description="treaties: the directory's treaties it is"
    )
    note: Note | None = Field(default=None, description="what this revision changes")

    @field_validator("tags", "authority_ids", "sheet_ids", "treaty_ids")
    @classmethod
    def _dedupe(cls, value: list[Any] | None) -> list[Any] | None:
        return _unique(value)


class LibraryDocumentCreate(LibraryDocumentFields):
    kind: DocumentKind
    title: Title
    language: Language


class LibraryDocumentUpdate(LibraryDocumentFields):
    """Only the fields sent change; `null` clears an optional one."""

    version: int | None = Field(
        default=None,
        ge=1,
        description="the version the edit starts from: 409 stale-version if it moved on",
    )


class LibraryPerson(BaseModel):
    id: uuid.UUID
    full_name: str


class LibraryFileRead(BaseModel):
    id: uuid.UUID
    filename: str
    content_type: str = Field(description="as judged from the content, not the name")
    size: int
    sha256: str
    uploaded_at: datetime
    url: str = Field(description="API path that downloads it")


class LibraryLinkedAuthority(BaseModel):
    id: uuid.UUID
    name: str
    state_code: str


class LibraryLinkedSheet(BaseModel):
    id: uuid.UUID
    state_code: str
    request_type: str
    measure: str | None


class LibraryLinkedTreaty(BaseModel):
    id: uuid.UUID
    title: str
    kind: str
    parties: list[str]


class LibraryDocumentSummary(BaseModel):
    id: uuid.UUID
    kind: str
    title: str
    state_code: str | None
    language: str
    version_date: date | None
    source_url: str | None
    summary: str
    tags: list[str]
    version: int
    file: LibraryFileRead | None
    updated_at: datetime
    rank: float | None = Field(default=None, description="with `q`: how well it matches")


class LibraryDocumentRead(LibraryDocumentSummary):
    created_at: datetime
    created_by: LibraryPerson | None
    updated_by: LibraryPerson | None
    states: list[str] = Field(
        description="the States it concerns: its State and the parties of its treaties"
    )
    authorities: list[LibraryLinkedAuthority]
    sheets: list[LibraryLinkedSheet]
    treaties: list[LibraryLinkedTreaty]
    allowed_actions: list[DocumentAction] = Field(
        description="what the caller may do: `edit` (PATCH), `upload` (POST .../file)"
    )


class LibraryRevisionRead(BaseModel):
    id: int
    version: int
    action: str = Field(description="created | updated | file")
    actor: LibraryPerson | None
    note: str | None
    created_at: datetime
    changes: dict[str, Any] = Field(description='{field: {"old": ..., "new": ...}}')
    document: dict[str, Any] = Field(description="the metadata and links of this version")
    file: LibraryFileRead | None = Field(description="the file of this version")


class LibraryApplicableDocument(LibraryDocumentSummary):
    reasons: list[Reason] = Field(
        description="`authority` / `sheet`: linked to it; `national_law`: a law of the State; "
        "`treaty`: the text of a treaty linking the two States"
    )


class LibraryApplicable(BaseModel):
    items: list[LibraryApplicableDocument]
    browse_url: str | None = Field(
        description="API path of the library's listing for the State, to see every document"
    )

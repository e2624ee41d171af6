"""Fixed vocabularies of the library (API values; see docs/library.md)."""

from __future__ import annotations

from typing import Literal, get_args

from app.models.library import DOCUMENT_KINDS

DocumentKind = Literal[
    "national_law",
    "bilateral_treaty",
    "multilateral_treaty",
    "model_law",
    "model_treaty",
    "manual",
    "form",
]
assert get_args(DocumentKind) == DOCUMENT_KINDS

# National laws and regulations: per State, linked to authorities and requirement sheets.
LAW_KINDS = frozenset({"national_law"})
# Treaties: linked to the directory's treaties of the matching kinds.
TREATY_KINDS = frozenset({"bilateral_treaty", "multilateral_treaty"})
DIRECTORY_TREATY_KINDS: dict[str, frozenset[str]] = {
    "bilateral_treaty": frozenset({"bilateral"}),
    "multilateral_treaty": frozenset({"regional", "multilateral"}),
}

# What a caller may do to a document (LibraryDocumentRead.allowed_actions).
DocumentAction = Literal["edit", "upload"]

# Why a document is among those that apply (LibraryApplicable items' `reasons`).
Reason = Literal["authority", "sheet", "national_law", "treaty"]

# How many documents /library/applicable answers at most (linked ones first).
APPLICABLE_LIMIT = 100

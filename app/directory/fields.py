"""The fields a person edits on each kind of entry, and their snapshots: what revisions and
audit diffs compare, and the columns of the exchange formats."""

from __future__ import annotations

import uuid
from typing import Any

# The fields an authority's revision and audit diff compare (everything a person edits).
AUTHORITY_FIELDS = (
    "state_code",
    "name",
    "name_original",
    "types",
    "address",
    "phone",
    "fax",
    "email",
    "website",
    "time_zone",
    "office_hours",
    "languages",
    "channels",
    "urgent_procedure",
    "contact_24_7",
    "convention_basis_extradition",
    "convention_basis_mla",
    "alternative_arrangements",
    "notes",
    "law_links",
    "contacts",
)
SHEET_FIELDS = (
    "possible",
    "legal_framework",
    "receiving_authority_id",
    "executing_authority",
    "languages",
    "usual_execution_time",
    "requirements",
    "special_requirements",
    "alternatives",
    "notes",
)
TREATY_FIELDS = ("title", "kind", "subjects", "signed_on", "in_force_on", "url", "notes")


def _json_safe(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The editable fields of a row as JSON-safe values (for diffs and revisions)."""
    return {name: _json_safe(getattr(obj, name)) for name in fields}

"""Links from the directory to the library's documents that apply (laws and treaties).

The directory builds the path and imports nothing of the library: the library reads the
directory through its service, never the other way round (an import contract checks it).
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

APPLICABLE_PATH = "/api/v1/library/applicable"


def authority_library_url(authority_id: uuid.UUID) -> str:
    """Documents linked to the authority, then the national laws of its State."""
    return f"{APPLICABLE_PATH}?{urlencode({'authority_id': str(authority_id)})}"


def sheet_library_url(sheet_id: uuid.UUID) -> str:
    """Documents linked to the requirement sheet, then the national laws of its State."""
    return f"{APPLICABLE_PATH}?{urlencode({'sheet_id': str(sheet_id)})}"


def finder_library_url(
    requesting_state: str, requested_state: str, request_type: str, measure: str | None
) -> str:
    """What applies to this request: the requested State's laws (those linked to the sheet
    the finder uses first) and the texts of the treaties linking the two States."""
    query = {
        "requesting_state": requesting_state,
        "requested_state": requested_state,
        "request_type": request_type,
    }
    if measure:
        query["measure"] = measure
    return f"{APPLICABLE_PATH}?{urlencode(query)}"

"""Every query of the directory, one module per subject; reads named by what they return.

The finder's statements (the States, a State's authorities, the requirement sheet, the
treaties linking two States and their parties) are built once with bind parameters: the
finder answers on every request of a case draft. Members (focal points, who changed an
entry) are identity's: read through identity's service, never its table.
"""

from app.directory.repository.authorities import (
    AuthorityFilters,
    AuthorityHit,
    AuthorityRow,
    authorities_by_id,
    authorities_of_state,
    authority_by_id,
    authority_ids_by_state,
    authority_ids_in_states,
    authority_names,
    authority_row,
    every_authority,
    page_key,
    search_authorities,
    search_authority_hits,
    states_of_authorities,
)
from app.directory.repository.contact_failures import report_by_id, reports_page
from app.directory.repository.revisions import revisions_of
from app.directory.repository.sheets import (
    every_sheet,
    sheet_by_id,
    sheet_for,
    sheet_with_key,
    sheets_by_id,
    sheets_of_state,
)
from app.directory.repository.staleness import (
    authorities_due_reminder,
    sheets_due_reminder,
    take_reminder_lock,
)
from app.directory.repository.states import (
    every_state,
    known_state_codes,
    region_of_state,
    state_by_code,
    states_by_code,
    states_by_name,
)
from app.directory.repository.treaties import (
    every_treaty,
    parties_of,
    replace_parties,
    treaties_by_id,
    treaties_linking,
    treaties_page,
    treaty_by_id,
    treaty_ids_of_state,
)

__all__ = [
    "AuthorityFilters",
    "AuthorityHit",
    "AuthorityRow",
    "authorities_by_id",
    "authorities_due_reminder",
    "authorities_of_state",
    "authority_by_id",
    "authority_ids_by_state",
    "authority_ids_in_states",
    "authority_names",
    "authority_row",
    "every_authority",
    "every_sheet",
    "every_state",
    "every_treaty",
    "known_state_codes",
    "page_key",
    "parties_of",
    "region_of_state",
    "replace_parties",
    "report_by_id",
    "reports_page",
    "revisions_of",
    "search_authorities",
    "search_authority_hits",
    "sheet_by_id",
    "sheet_for",
    "sheet_with_key",
    "sheets_by_id",
    "sheets_due_reminder",
    "sheets_of_state",
    "state_by_code",
    "states_by_code",
    "states_by_name",
    "states_of_authorities",
    "take_reminder_lock",
    "treaties_by_id",
    "treaties_linking",
    "treaties_page",
    "treaty_by_id",
    "treaty_ids_of_state",
]

"""Every query of the cases domain on its own tables, one module per subject.

Statements of a fixed shape are built once, at import, with their values as bind parameters;
those whose shape follows the request (the inbox's filters, a cursor, a search) are built per
call. The visibility rule is not stated here: a caller passes `visible`, the SQL condition
access.readable_clause(actor) builds, so the rule keeps its one SQL form beside its Python one.
Members (names, handles, authorities) live in identity's tables: ask app.identity.service.
"""

from app.cases.repository.cases import (
    case_by_id,
    case_with_participation,
    claim_near_deadlines,
    claim_overdue_cases,
    counts_by_status,
    inbox_page,
    mark_received,
    next_reference_number,
    record_activity,
)
from app.cases.repository.channel import (
    attachment_by_id,
    attachments_of_case,
    data_key_of_case,
    insert_data_key_if_absent,
    insert_message,
    message_by_id,
    message_key,
    message_of_case,
    messages_of_case,
    messages_page,
)
from app.cases.repository.figures import breakdown_by_level, figures_by_level
from app.cases.repository.participants import (
    lapsed_participations,
    participants_of_case,
    participation,
)
from app.cases.repository.search import MATCH_END, MATCH_START, cases_matching, messages_matching
from app.cases.repository.timeline import (
    status_before,
    status_changes_of_case,
    timeline_entry_by_id,
    timeline_of_case,
)

__all__ = [
    "MATCH_END",
    "MATCH_START",
    "attachment_by_id",
    "attachments_of_case",
    "breakdown_by_level",
    "case_by_id",
    "case_with_participation",
    "cases_matching",
    "claim_near_deadlines",
    "claim_overdue_cases",
    "counts_by_status",
    "data_key_of_case",
    "figures_by_level",
    "inbox_page",
    "insert_data_key_if_absent",
    "insert_message",
    "lapsed_participations",
    "mark_received",
    "message_by_id",
    "message_key",
    "message_of_case",
    "messages_matching",
    "messages_of_case",
    "messages_page",
    "next_reference_number",
    "participants_of_case",
    "participation",
    "record_activity",
    "status_before",
    "status_changes_of_case",
    "timeline_entry_by_id",
    "timeline_of_case",
]

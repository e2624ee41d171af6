"""The cases domain's verbs: what its router calls and the only module other domains import.

Cross-domain contract: `is_participant(session, actor_or_user_id, case_id)`,
`participant_user_ids(session, case_id)`, `search_text(session, *, actor, q, limit)`, and for
the catalogue `case_outline`, `sensitive_terms` and `obstacle_counts` (outlines: enumerated
values, terms to check a text for, and counts, never a case's text).
The modules behind it: a verb module per subject (cases, transitions, messages,
attachments, tombstones (deleting a file), holds (legal holds), participants, case_file,
metrics), `receipts` (the `received` step), `audience`
and `search` (what other domains ask), `shapes` (the reads and audit snapshot the verbs share).
"""

from app.cases.service.attachments import (
    download_attachment,
    list_attachments,
    upload_attachment,
)
from app.cases.service.audience import is_participant, participant_user_ids
from app.cases.service.case_file import export_case, get_timeline
from app.cases.service.cases import (
    check_draft,
    count_cases,
    create_case,
    get_case,
    list_cases,
    update_case,
)
from app.cases.service.holds import place_legal_hold, release_legal_hold
from app.cases.service.messages import list_messages, post_message
from app.cases.service.metrics import case_metrics, metrics_csv
from app.cases.service.outlines import (
    CaseOutline,
    ObstacleCounts,
    SensitiveTerms,
    case_outline,
    obstacle_counts,
    sensitive_terms,
)
from app.cases.service.participants import (
    invite_participant,
    list_participants,
    remove_participant,
)
from app.cases.service.receipts import record_receipt
from app.cases.service.search import search_text
from app.cases.service.tombstones import delete_attachment
from app.cases.service.transitions import transition_case

__all__ = [
    "CaseOutline",
    "ObstacleCounts",
    "SensitiveTerms",
    "case_metrics",
    "case_outline",
    "check_draft",
    "count_cases",
    "create_case",
    "delete_attachment",
    "download_attachment",
    "export_case",
    "get_case",
    "get_timeline",
    "invite_participant",
    "is_participant",
    "list_attachments",
    "list_cases",
    "list_messages",
    "list_participants",
    "metrics_csv",
    "obstacle_counts",
    "participant_user_ids",
    "place_legal_hold",
    "post_message",
    "record_receipt",
    "release_legal_hold",
    "remove_participant",
    "search_text",
    "sensitive_terms",
    "transition_case",
    "update_case",
    "upload_attachment",
]

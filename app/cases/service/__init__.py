"""The cases domain's verbs, and the functions other domains call.

Cross-domain contract: `is_participant(session, actor_or_user_id, case_id)`,
`participant_user_ids(session, case_id)`, `search_text(session, *, actor, q, limit)`.
"""

from app.cases.service.attachments import (
    download_attachment,
    list_attachments,
    upload_attachment,
)
from app.cases.service.cases import (
    count_cases,
    create_case,
    get_case,
    list_cases,
    open_case,
    update_case,
)
from app.cases.service.messages import list_messages, post_message
from app.cases.service.participants import (
    invite_participant,
    list_participants,
    remove_participant,
)
from app.cases.service.shared import is_participant, participant_user_ids, search_text
from app.cases.service.transitions import transition_case

__all__ = [
    "count_cases",
    "create_case",
    "download_attachment",
    "get_case",
    "invite_participant",
    "is_participant",
    "list_attachments",
    "list_cases",
    "list_messages",
    "list_participants",
    "open_case",
    "participant_user_ids",
    "post_message",
    "remove_participant",
    "search_text",
    "transition_case",
    "update_case",
    "upload_attachment",
]

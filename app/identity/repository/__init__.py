"""Every query of the identity domain, one module per subject, named by what it returns
(or, for writes, by what it does).

Statements on the hot paths (sign-in, its throttles and challenges, refresh) are built once
at import with bind parameters: building a SQLAlchemy statement costs more CPU than running
a cached one. The others are built per call, their shape following the filters given.
Other domains do not import this: they ask app.identity.service.
"""

from app.identity.repository.applications import (
    application_by_id,
    application_id_with_email,
    application_with_handle_exists,
    applications_of_member,
    applications_page,
    applications_with_email,
    vetting_steps,
)
from app.identity.repository.expiry import members_by_vetting_expiry
from app.identity.repository.maintenance import (
    delete_applications_created_before,
    delete_stale_throttles,
    delete_tokens_expired_before,
    members_due_vetting_reminder,
    try_transaction_lock,
)
from app.identity.repository.members import (
    MemberWithAuthority,
    active_member_ids_with_roles,
    active_members_by_handles,
    active_members_of_authorities_or_ids,
    active_members_of_authority,
    authorities_by_id,
    authority_by_id,
    focal_point_ids,
    lock_member,
    member_by_email,
    member_by_id,
    member_id_by_email,
    member_ids_of_authority,
    member_locked_afresh,
    member_with_handle_exists,
    members_by_ids,
    members_page,
    members_with_authority,
    role_change_for_update,
    role_changes_with_status,
    with_authorities,
)
from app.identity.repository.sessions import (
    live_sessions_of,
    refresh_token_for_update,
    revoke_unrevoked_sessions,
    session_by_id,
    unrevoked_sessions_except,
)
from app.identity.repository.throttles import (
    block_throttle,
    blocking_throttles,
    count_throttle_failure,
    delete_throttle,
)
from app.identity.repository.tokens import (
    application_token_for_update,
    challenge_locked_afresh,
    challenge_owner_id,
    open_challenge_ids,
    replace_recovery_codes,
    reset_token_with_member_for_update,
    spend_open_challenges,
    spend_tokens,
    unused_recovery_code_for_update,
)

__all__ = [
    "MemberWithAuthority",
    "active_member_ids_with_roles",
    "active_members_by_handles",
    "active_members_of_authorities_or_ids",
    "active_members_of_authority",
    "application_by_id",
    "application_id_with_email",
    "application_token_for_update",
    "application_with_handle_exists",
    "applications_of_member",
    "applications_page",
    "applications_with_email",
    "authorities_by_id",
    "authority_by_id",
    "block_throttle",
    "blocking_throttles",
    "challenge_locked_afresh",
    "challenge_owner_id",
    "count_throttle_failure",
    "delete_applications_created_before",
    "delete_stale_throttles",
    "delete_throttle",
    "delete_tokens_expired_before",
    "focal_point_ids",
    "live_sessions_of",
    "lock_member",
    "member_by_email",
    "member_by_id",
    "member_id_by_email",
    "member_ids_of_authority",
    "member_locked_afresh",
    "member_with_handle_exists",
    "members_by_ids",
    "members_by_vetting_expiry",
    "members_due_vetting_reminder",
    "members_page",
    "members_with_authority",
    "open_challenge_ids",
    "refresh_token_for_update",
    "replace_recovery_codes",
    "reset_token_with_member_for_update",
    "revoke_unrevoked_sessions",
    "role_change_for_update",
    "role_changes_with_status",
    "session_by_id",
    "spend_open_challenges",
    "spend_tokens",
    "try_transaction_lock",
    "unrevoked_sessions_except",
    "unused_recovery_code_for_update",
    "vetting_steps",
    "with_authorities",
]

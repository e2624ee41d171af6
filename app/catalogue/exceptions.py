"""The catalogue's refusals and conflicts, each with its status and stable code."""

from __future__ import annotations

from typing import Any

from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed


class EntryNotFound(NotFound):
    """No such entry, or one the caller may not see: the two answer alike."""

    def __init__(self) -> None:
        super().__init__("No such catalogue entry.")


class NotAuthor(Forbidden):
    def __init__(self) -> None:
        super().__init__("Only the entry's author edits it.")


class ActionNotAllowed(Forbidden):
    code = "catalogue-action-forbidden"

    def __init__(self, action: str) -> None:
        super().__init__(f"You may not {action.replace('_', ' ')} this entry.")


class NominationForbidden(Forbidden):
    def __init__(self) -> None:
        super().__init__("Only an officer of either side of the case nominates it.")


class ContributionForbidden(Forbidden):
    def __init__(self) -> None:
        super().__init__("Your role does not allow proposing catalogue entries.")


class OwnEntryReview(Forbidden):
    def __init__(self) -> None:
        super().__init__("A moderator does not review their own entry.")


class CaseNotClosed(Conflict):
    code = "case-not-closed"

    def __init__(self, status: str) -> None:
        super().__init__(
            f"Only a closed case is nominated; this one is {status}.", extra={"case_status": status}
        )


class AlreadyNominated(Conflict):
    code = "already-nominated"

    def __init__(self) -> None:
        super().__init__("This case already has a catalogue entry under way or published.")


class EntryStateConflict(Conflict):
    code = "catalogue-state"

    def __init__(self, action: str, status: str) -> None:
        super().__init__(
            f"`{action}` is not possible while the entry is {status}.",
            extra={"entry_status": status},
        )


class FlagsOutstanding(Conflict):
    """Submission waits until every flag of the personal-data check is fixed or justified."""

    code = "personal-data-flags"

    def __init__(self, flags: list[dict[str, Any]]) -> None:
        super().__init__(
            "The personal-data check found text to fix or justify before submission.",
            extra={"flags": flags},
        )


class UnknownFlag(ValidationFailed):
    def __init__(self, flag_id: str) -> None:
        super().__init__(
            "No such flag on this entry.",
            errors=[{"field": f"justifications.{flag_id}", "message": "no such flag"}],
        )


class FlagNotJustifiable(ValidationFailed):
    def __init__(self, flag_id: str) -> None:
        super().__init__(
            "What identifies the case is removed, never justified.",
            errors=[{"field": f"justifications.{flag_id}", "message": "remove this text"}],
        )

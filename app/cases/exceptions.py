"""The cases domain's refusals and conflicts, each with its status and stable code.

The code is part of the API (clients branch on it) and of the audit log (a denial records
it), so a class may be renamed freely but its status and code stay as they are.
"""

from __future__ import annotations

import uuid
from typing import Any

from app.core.errors import (
    AppError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)

# 404: the case, or something in it, does not exist for the caller.


class CaseNotFound(NotFound):
    """No such case, or one the caller may not know of: the two answer alike."""

    def __init__(self) -> None:
        super().__init__("No such case.")


class CaseNotVisible(CaseNotFound):
    """The case exists but the caller may not know it: answered exactly like a missing one."""

    def __init__(self, case_id: uuid.UUID) -> None:
        super().__init__()
        self.case_id = case_id


class MessageNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such message.")


class MessageNotInCase(ValidationFailed):
    """A page asked to start after a message the case does not have (422, like any bad
    parameter: the case itself is visible to the caller)."""

    def __init__(self) -> None:
        super().__init__(
            "That message is not in this case.",
            errors=[{"field": "after_message_id", "message": "not a message of this case"}],
        )


class AttachmentNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such attachment.")


class NotAParticipant(NotFound):
    def __init__(self) -> None:
        super().__init__("This member does not take part in the case.")


# 403: the caller sees the case but may not do this to it.


class CaseOpeningForbidden(Forbidden):
    def __init__(self) -> None:
        super().__init__("Only officers of an authority open cases.")


class ObserverCannotEdit(Forbidden):
    def __init__(self) -> None:
        super().__init__("Observers do not edit cases.")


class OwnReferenceOnly(Forbidden):
    """The requested side may only record its own national reference."""

    def __init__(self) -> None:
        super().__init__("The requested side records only its own reference.")


class WrongSide(Forbidden):
    """The action belongs to the other side (or to neither, for an observer)."""

    code = "wrong-side"

    @classmethod
    def for_action(cls, action: str, side: str) -> WrongSide:
        return cls(f"Only the {side} side may {action.replace('_', ' ')}.")

    @classmethod
    def for_observer(cls) -> WrongSide:
        return cls("Observers follow a case; only its two sides move it.")


class ConsultationBetweenSides(Forbidden):
    def __init__(self) -> None:
        super().__init__("Consultations are between the two sides.")


class NotParticipantManager(Forbidden):
    """Only a focal point or an assigned officer of a side invites or removes participants."""

    def __init__(self, verb: str) -> None:
        super().__init__(f"Only a focal point or an assigned officer of the case {verb}.")


class AttachmentDeletionForbidden(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "A file is deleted by a focal point of the side that uploaded it, or by its "
            "uploader while the case is under way."
        )


class NotHoldKeeper(Forbidden):
    """Legal holds are placed by focal points of either side; released by the placing side."""


class OtherAuthorityFigures(Forbidden):
    def __init__(self) -> None:
        super().__init__("Officers see the figures of their own authority.")


class FiguresNotForRole(Forbidden):
    def __init__(self) -> None:
        super().__init__("Case figures are for officers (own authority) and administrators.")


# 409: not allowed in the case's present state.


class NotADraft(Conflict):
    code = "not-a-draft"


class TransitionNotAllowed(Conflict):
    code = "transition-not-allowed"

    def __init__(self, action: str, status: str, sources: frozenset[str]) -> None:
        super().__init__(
            f"`{action}` is not allowed while the case is {status}.",
            extra={"case_status": status, "allowed_from": sorted(sources)},
        )


class DraftingIncomplete(Conflict):
    """Submitting without the essentials needs a recorded reason."""

    code = "drafting-incomplete"

    def __init__(self, failed_checks: list[dict[str, Any]]) -> None:
        super().__init__(
            "Essential parts of the request are missing; complete them or record why "
            "the request goes without them (missing_essentials_reason).",
            extra={"checks": failed_checks},
        )


class ConsultationRequired(Conflict):
    """UNTOC art. 18(26): the requesting State is consulted before a refusal."""

    code = "consultation-required"

    def __init__(self) -> None:
        super().__init__(
            "Before refusing, consult the requesting side: post a message of kind "
            "`consultation` in this case (art. 18(26))."
        )


class UnderLegalHold(Conflict):
    """A legal hold stands on the case: its files are neither deleted nor purged."""

    code = "legal-hold"

    def __init__(self) -> None:
        super().__init__("The case is under a legal hold: its files cannot be deleted.")


class LegalHoldAlreadySet(Conflict):
    code = "legal-hold-exists"

    def __init__(self) -> None:
        super().__init__("The case is already under a legal hold.")


class NoLegalHold(Conflict):
    code = "no-legal-hold"

    def __init__(self) -> None:
        super().__init__("The case is not under a legal hold.")


class AlreadyParticipant(Conflict):
    def __init__(self) -> None:
        super().__init__("This member already takes part in the case.")


# 410: the file was deleted or purged; its tombstone remains in the list.


class AttachmentDeleted(AppError):
    status, code, title = 410, "attachment-deleted", "Gone"

    def __init__(self, kind: str) -> None:
        super().__init__(f"The file was {kind}; only its tombstone remains.")


# Attachments: the upload itself is refused.


class AttachmentTooLarge(PayloadTooLarge):
    def __init__(self, limit: int) -> None:
        super().__init__(f"Attachments are limited to {limit} bytes.")


class UnsupportedFileType(AppError):
    status, code, title = 415, "unsupported-file-type", "File type not accepted"


class NotMultipart(BadRequest):
    def __init__(self) -> None:
        super().__init__("Send the file as multipart/form-data with a `file` field.")


class MalformedMultipart(BadRequest):
    def __init__(self) -> None:
        super().__init__("The multipart body is malformed.")

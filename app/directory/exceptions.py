"""The directory's refusals and conflicts, each with its status and stable code.

The code and message are part of the API (clients branch on the code and show the message)
and of the audit log (a refused write records its code through app.core.refusal), so a class
may be renamed freely but its status, code and message stay. A caller without the directory
permission is answered as if there were nothing to find.
"""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, NotFound

# 404


class DirectoryNotFound(NotFound):
    """The caller may not read the directory at all."""

    def __init__(self) -> None:
        super().__init__("Not found.")


class AuthorityNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such authority.")


class TreatyNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such treaty.")


class ReportNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such report.")


class SheetNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such requirement sheet.")


class NoSheetForTypeAndMeasure(NotFound):
    def __init__(self) -> None:
        super().__init__("No requirement sheet for this request type and measure.")


class StateNotFound(NotFound):
    def __init__(self, codes: list[str] | None = None) -> None:
        super().__init__(f"No such state: {', '.join(codes)}." if codes else "No such state.")


# 403: the directory is readable, the write is not the caller's (audited as `forbidden`).


class AdminOnly(Forbidden):
    def __init__(self, what: str) -> None:
        super().__init__(f"Only an admin may {what}.")


class NotAuthorityEditor(Forbidden):
    def __init__(self) -> None:
        super().__init__("Only an admin or this authority's focal point may edit it.")


class NotSheetEditor(Forbidden):
    def __init__(self) -> None:
        super().__init__("Only an admin or a focal point of this state may edit its sheets.")


class NotFailureHandler(Forbidden):
    """Failure reports are for the authority's focal point, moderators and admins."""

    def __init__(self, what: str) -> None:
        super().__init__(f"Only the authority's focal point, a moderator or an admin may {what}.")


# 409


class ReportAlreadyResolved(Conflict):
    def __init__(self) -> None:
        super().__init__("This report is already resolved.")

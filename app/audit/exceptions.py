"""The audit log's refusals, each with its status and stable code (unchanged by a rename)."""

from __future__ import annotations

from app.core.errors import Forbidden, NotFound


class NotAnAuditor(Forbidden):
    """Anyone but an auditor asking for the log (the attempt is itself recorded)."""

    def __init__(self) -> None:
        super().__init__("Only auditors may read the audit log.")


class EntryNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such audit entry.")


class MemberNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such member.")

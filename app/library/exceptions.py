"""The library's refusals and conflicts, each with its status and stable code."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, NotFound, PayloadTooLarge


class DocumentNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such library document.")


class FileNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such file of this document.")


class NotEditor(Forbidden):
    code = "library-not-editor"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class StaleVersion(Conflict):
    code = "stale-version"

    def __init__(self, current: int) -> None:
        super().__init__(
            f"The document changed since you read it: it is now at version {current}.",
            extra={"current_version": current},
        )


class FileTooLarge(PayloadTooLarge):
    def __init__(self, limit: int) -> None:
        super().__init__(f"Files may not exceed {limit} bytes.", extra={"limit": limit})

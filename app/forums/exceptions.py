"""The forums' refusals and conflicts, each with its status and stable code.

The code is part of the API (clients branch on it) and of the audit log (a refused act
records it), so a class may be renamed freely but its status, code and message stay.
Something the caller may not read answers exactly as if it did not exist.
"""

from __future__ import annotations

from app.auth.permissions import Permission
from app.core.errors import Conflict, Forbidden, NotFound

# 404: missing, or not readable by the caller.


class ForumNotFound(NotFound):
    code = "forum-not-found"

    def __init__(self) -> None:
        super().__init__("No such forum.")


class ThreadNotFound(NotFound):
    code = "thread-not-found"

    def __init__(self) -> None:
        super().__init__("No such thread.")


class PostNotFound(NotFound):
    code = "post-not-found"

    def __init__(self) -> None:
        super().__init__("No such post.")


class FlagNotFound(NotFound):
    code = "flag-not-found"

    def __init__(self) -> None:
        super().__init__("No such flag.")


class GroupNotFound(NotFound):
    code = "group-not-found"

    def __init__(self) -> None:
        super().__init__("No such group.")


class MemberNotFound(NotFound):
    code = "user-not-found"

    def __init__(self) -> None:
        super().__init__("No such member.")


class NotGroupMember(NotFound):
    code = "group-member-not-found"

    def __init__(self) -> None:
        super().__init__("Not a member of this group.")


# 403: readable, but not the caller's to do.


class PostingNotAllowed(Forbidden):
    """The caller's role has no poster permission (the audited code stays `forbidden`)."""

    def __init__(self) -> None:
        super().__init__(f"Your role does not allow this ({Permission.FORUM_POST.value}).")


class NotPostAuthor(Forbidden):
    code = "not-post-author"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class EditNotAllowed(NotPostAuthor):
    def __init__(self) -> None:
        super().__init__("Only the author or a moderator may edit a post.")


class DeleteNotAllowed(NotPostAuthor):
    def __init__(self) -> None:
        super().__init__("Only the author may delete a post.")


class HistoryNotAllowed(Forbidden):
    def __init__(self) -> None:
        super().__init__("Only the author or a moderator may see a post's history.")


class OwnGroupMembership(Forbidden):
    """A group opens its restricted forums: nobody grants themselves that need-to-know."""

    code = "own-group-membership"

    def __init__(self) -> None:
        super().__init__("Another manager adds you to a group.")


# 409: the state of things does not allow it (not an attempt to overstep: not audited).


class ThreadLocked(Conflict):
    code = "thread-locked"

    def __init__(self, detail: str = "The thread is locked; it takes no new posts.") -> None:
        super().__init__(detail)


class ThreadLockedForEdits(ThreadLocked):
    def __init__(self) -> None:
        super().__init__("The thread is locked.")


class PostDeleted(Conflict):
    code = "post-deleted"

    def __init__(self) -> None:
        super().__init__("The post was deleted.")


class ThreadAlreadyInForum(Conflict):
    code = "thread-in-forum"

    def __init__(self) -> None:
        super().__init__("The thread is already in that forum.")


class AlreadyFlagged(Conflict):
    code = "already-flagged"

    def __init__(self) -> None:
        super().__init__("You have already flagged this post.")


class FlagResolved(Conflict):
    code = "flag-resolved"

    def __init__(self) -> None:
        super().__init__("The flag is already resolved.")


class GroupNameTaken(Conflict):
    code = "group-name-taken"

    def __init__(self) -> None:
        super().__init__("A group with this name exists.")

"""Roles and the permissions they grant: the one table every check reads.

Object-level rules (a focal point edits their own authority, a case is visible to its
participants) live in each domain's access.py; this table answers only "may this role do
this kind of thing at all". Separation of duties is visible here: admins get no case or
audit permission, auditors get nothing but the audit log.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    AUDITOR = "auditor"
    OFFICER = "officer"
    LIAISON_MAGISTRATE = "liaison_magistrate"


class Permission(StrEnum):
    # identity and vetting
    USERS_READ = "users.read"
    USERS_MANAGE = "users.manage"
    # suspend and reinstate (with a reason); a moderator's reach stops at privileged members
    USERS_SUSPEND = "users.suspend"
    VETTING_REVIEW = "vetting.review"
    # audit
    AUDIT_READ = "audit.read"
    # directory
    DIRECTORY_READ = "directory.read"
    DIRECTORY_ADMIN = "directory.admin"
    # forums
    FORUM_READ = "forums.read"
    FORUM_POST = "forums.post"
    FORUM_MANAGE = "forums.manage"
    FORUM_MODERATE = "forums.moderate"
    SEARCH = "search"
    # cases (object-level access decides which cases)
    CASE_CREATE = "cases.create"
    CASE_ACCESS = "cases.access"
    CASE_METRICS_ALL = "cases.metrics_all"
    # catalogue of cases and good practice: read what is published, propose, review
    CATALOGUE_READ = "catalogue.read"
    CATALOGUE_CONTRIBUTE = "catalogue.contribute"
    CATALOGUE_MODERATE = "catalogue.moderate"
    # library of legal texts: read it; manage any document (object rules add focal points)
    LIBRARY_READ = "library.read"
    LIBRARY_MANAGE = "library.manage"
    # real time and notifications
    EVENTS_RECEIVE = "events.receive"


_MEMBER = {
    Permission.DIRECTORY_READ,
    Permission.FORUM_READ,
    Permission.FORUM_POST,
    Permission.SEARCH,
    Permission.EVENTS_RECEIVE,
    Permission.CATALOGUE_READ,
    Permission.CATALOGUE_CONTRIBUTE,
    Permission.LIBRARY_READ,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        _MEMBER
        | {
            Permission.USERS_READ,
            Permission.USERS_MANAGE,
            Permission.USERS_SUSPEND,
            Permission.DIRECTORY_ADMIN,
            Permission.FORUM_MANAGE,
            Permission.CASE_METRICS_ALL,
            Permission.LIBRARY_MANAGE,
        }
    ),
    Role.MODERATOR: frozenset(
        _MEMBER
        | {
            Permission.USERS_READ,
            Permission.USERS_SUSPEND,
            Permission.VETTING_REVIEW,
            Permission.FORUM_MANAGE,
            Permission.FORUM_MODERATE,
            Permission.CATALOGUE_MODERATE,
        }
    ),
    Role.AUDITOR: frozenset({Permission.AUDIT_READ, Permission.EVENTS_RECEIVE}),
    Role.OFFICER: frozenset(_MEMBER | {Permission.CASE_CREATE, Permission.CASE_ACCESS}),
    Role.LIAISON_MAGISTRATE: frozenset(_MEMBER | {Permission.CASE_ACCESS}),
}

ROLE_NAMES: frozenset[str] = frozenset(r.value for r in Role)
PRIVILEGED_ROLES: frozenset[str] = frozenset({Role.ADMIN.value, Role.MODERATOR.value})


def roles_granting(permission: Permission) -> list[str]:
    """The roles whose holders have `permission`, sorted (for a query on members' roles)."""
    return sorted(role.value for role, granted in ROLE_PERMISSIONS.items() if permission in granted)


def permissions_for(roles: frozenset[str] | set[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        if role in ROLE_NAMES:
            granted |= ROLE_PERMISSIONS[Role(role)]
    return frozenset(granted)

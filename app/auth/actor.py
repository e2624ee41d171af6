"""The actor: who performs an action, as every service function receives it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from app.auth.permissions import Permission, Role, permissions_for
from app.auth.scopes import permissions_for_scopes


def vetting_lapsed(vetting_expires_at: datetime | None, now: datetime) -> bool:
    """Whether a member's vetting has lapsed at `now` (a member with no expiry never lapses)."""
    return vetting_expires_at is not None and vetting_expires_at <= now


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: uuid.UUID | None
    session_id: uuid.UUID | None = None
    roles: frozenset[str] = frozenset()
    authority_id: uuid.UUID | None = None
    focal_point: bool = False
    handle: str | None = None
    # The member's display name as it is now: audit entries keep it as it was at the action.
    full_name: str | None = None
    client_ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    # Set by for_member only: a lapsed vetting, with every permission withheld.
    vetting_expired: bool = False
    permissions: frozenset[Permission] = field(default=frozenset())
    # A service account (app/identity/service_accounts): its token's scopes, which alone
    # decide its permissions.
    service_account: bool = False
    scopes: frozenset[str] = frozenset()

    @classmethod
    def for_member(
        cls,
        *,
        user_id: uuid.UUID,
        roles: frozenset[str] | set[str] | list[str],
        authority_id: uuid.UUID | None,
        focal_point: bool,
        handle: str | None,
        vetting_expires_at: datetime | None,
        now: datetime,
        session_id: uuid.UUID | None = None,
        full_name: str | None = None,
        client_ip: str | None = None,
        user_agent: str | None = None,
        request_id: str | None = None,
    ) -> Actor:
        """The actor of a member as their row's columns stand at `now`.

        The one place the vetting rule is applied: a member whose vetting lapsed keeps the
        account but gets no permission, so only what needs none stays open to them (their
        profile, reading their notifications, signing out).
        """
        actor = cls.member(
            user_id=user_id,
            roles=roles,
            session_id=session_id,
            authority_id=authority_id,
            focal_point=focal_point,
            handle=handle,
            full_name=full_name,
            client_ip=client_ip,
            user_agent=user_agent,
            request_id=request_id,
        )
        if vetting_lapsed(vetting_expires_at, now):
            return replace(actor, vetting_expired=True, permissions=frozenset())
        return actor

    @classmethod
    def member(
        cls,
        *,
        user_id: uuid.UUID,
        roles: frozenset[str] | set[str] | list[str],
        session_id: uuid.UUID | None = None,
        authority_id: uuid.UUID | None = None,
        focal_point: bool = False,
        handle: str | None = None,
        full_name: str | None = None,
        client_ip: str | None = None,
        user_agent: str | None = None,
        request_id: str | None = None,
    ) -> Actor:
        """A member in good standing: fixtures, demo data and benchmarks, which have no
        vetting date to check (a member read from the database goes through for_member)."""
        role_set = frozenset(roles)
        return cls(
            user_id=user_id,
            session_id=session_id,
            roles=role_set,
            authority_id=authority_id,
            focal_point=focal_point,
            handle=handle,
            full_name=full_name,
            client_ip=client_ip,
            user_agent=user_agent,
            request_id=request_id,
            permissions=permissions_for(role_set),
        )

    @classmethod
    def for_service_account(
        cls,
        *,
        user_id: uuid.UUID,
        session_id: uuid.UUID,
        authority_id: uuid.UUID | None,
        scopes: frozenset[str] | set[str] | list[str],
        handle: str | None,
        full_name: str | None,
        client_ip: str | None = None,
        user_agent: str | None = None,
        request_id: str | None = None,
    ) -> Actor:
        """A service account behind one of its tokens: an officer of its authority as far
        as need-to-know goes (never a focal point, so restricted cases stay hidden unless it
        is assigned to them), with the permissions of its scopes and nothing else."""
        scope_set = frozenset(scopes)
        return cls(
            user_id=user_id,
            session_id=session_id,
            roles=frozenset({Role.OFFICER.value}),
            authority_id=authority_id,
            focal_point=False,
            handle=handle,
            full_name=full_name,
            client_ip=client_ip,
            user_agent=user_agent,
            request_id=request_id,
            permissions=permissions_for_scopes(scope_set),
            service_account=True,
            scopes=scope_set,
        )

    @classmethod
    def anonymous(
        cls,
        *,
        client_ip: str | None = None,
        user_agent: str | None = None,
        request_id: str | None = None,
    ) -> Actor:
        return cls(user_id=None, client_ip=client_ip, user_agent=user_agent, request_id=request_id)

    @classmethod
    def system(cls) -> Actor:
        """Scheduled tasks and server-side commands."""
        return cls(user_id=None, handle="system")

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def has_role(self, role: str) -> bool:
        return role in self.roles

"""The actor: who performs an action, as every service function receives it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from app.auth.permissions import Permission, permissions_for


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
    # A member whose vetting lapsed keeps an account but may only read notifications.
    vetting_expired: bool = False
    permissions: frozenset[Permission] = field(default=frozenset())

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
        vetting_expired: bool = False,
    ) -> Actor:
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
            vetting_expired=vetting_expired,
            permissions=frozenset() if vetting_expired else permissions_for(role_set),
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

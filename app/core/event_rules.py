"""What each domain declares about its events, for realtime and notifications to look up.

A domain owns its events end to end: who may receive an event addressed to one of its
audience kinds (a case's participants, a thread's readers), which notifications an event
makes and for whom, which notification types exist and what they default to. It declares
these in its own `events.py`, registering them here when the module is imported; the domain
manifest (app/domains.py) imports every such module. Realtime and notifications look the
declarations up here and import no domain, so a new event type touches only its domain.

Receivers and readers are `app.auth.actor.Actor` values; core knows no auth, so they are
typed loosely here and precisely in the domains.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.events import StoredEvent

__all__ = ["StoredEvent"]  # re-exported: rules take it as their argument

Mode = Literal["in_app", "email", "digest", "off"]
MODES: tuple[str, ...] = ("in_app", "email", "digest", "off")


@dataclass(slots=True)
class Planned:
    """One notification to make, for one recipient, if their access and preferences allow."""

    user_id: uuid.UUID
    type: str
    subject_type: str
    subject_id: str
    title: str
    path: str
    data: dict[str, Any] = field(default_factory=dict)
    # Checked for the recipient when the notification is made: (read check name, id), for
    # rules that did not filter recipients by access themselves (a mention, a reply).
    recheck: tuple[str, uuid.UUID] | None = None


@dataclass(slots=True)
class Batch:
    """What rules share across one batch of events: each domain keeps its facts by its key."""

    facts: dict[str, Any] = field(default_factory=dict)


Rule = Callable[[AsyncSession, StoredEvent, Batch], Awaitable[list[Planned]]]
Prefetch = Callable[[AsyncSession, list[StoredEvent], Batch], Awaitable[None]]
# (session, audience id, receivers) -> ids of the receivers who may get the event now.
AudienceResolver = Callable[[AsyncSession, uuid.UUID, Sequence[Any]], Awaitable[set[uuid.UUID]]]
# (session, subject id, member ids) -> those of the members who may see the subject now: one
# query for all the recipients of an event, never one per recipient.
ReadCheck = Callable[[AsyncSession, uuid.UUID, Sequence[uuid.UUID]], Awaitable[set[uuid.UUID]]]


@dataclass(frozen=True, slots=True)
class NotificationType:
    name: str
    default: Mode
    description: str  # for the preferences screen
    # The modes a member may choose. A type whose news already reaches the member by a mail
    # that is not a notification (a decision mailed to the applicant) offers no email mode,
    # so that nobody is mailed twice about one thing.
    modes: tuple[Mode, ...] = ("in_app", "email", "digest", "off")


_audiences: dict[str, AudienceResolver] = {}
_rules: dict[str, Rule] = {}
_prefetchers: list[Prefetch] = []
_read_checks: dict[str, ReadCheck] = {}
_types: dict[str, NotificationType] = {}


def _claim(registry: dict[str, Any], key: str, value: Any, what: str) -> None:
    existing = registry.get(key)
    if existing is not None and _name(existing) != _name(value):
        raise ValueError(f"{what} {key!r} is declared twice: {_name(existing)}, {_name(value)}")
    registry[key] = value


def _name(value: Any) -> str:
    return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', value)!s}"


def audience(kind: str, resolver: AudienceResolver) -> None:
    """Who among connected members may receive events addressed to `kind` audiences."""
    _claim(_audiences, kind, resolver, "audience kind")


def rule(event: str, make: Rule) -> None:
    """The notifications an `event` makes."""
    _claim(_rules, event, make, "notification rule for")


def prefetch(load: Prefetch) -> None:
    """Load, once per batch of events, facts that the domain's rules share."""
    if _name(load) not in {_name(p) for p in _prefetchers}:
        _prefetchers.append(load)


def read_check(subject: str, check: ReadCheck) -> None:
    """Which members may still see a subject, for Planned.recheck (set-based)."""
    _claim(_read_checks, subject, check, "read check")


def notification_type(
    name: str,
    default: Mode,
    description: str,
    *,
    modes: tuple[Mode, ...] = ("in_app", "email", "digest", "off"),
) -> None:
    if default not in modes:
        raise ValueError(f"notification type {name!r}: its default {default!r} is not offered")
    declared = NotificationType(name, default, description, modes)
    if _types.get(name, declared) != declared:
        raise ValueError(f"notification type {name!r} is declared twice")
    _types[name] = declared


def audience_resolver(kind: str) -> AudienceResolver | None:
    return _audiences.get(kind)


def rule_for(event: str) -> Rule | None:
    return _rules.get(event)


def prefetchers() -> list[Prefetch]:
    return list(_prefetchers)


def read_check_for(subject: str) -> ReadCheck | None:
    return _read_checks.get(subject)


def notification_types() -> dict[str, NotificationType]:
    return dict(_types)

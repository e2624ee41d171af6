"""The one manifest of canet's domains: what each brings to the process, listed once.

A domain may bring an API router, background tasks each worker runs, `canet` subcommands, a
step of the demo network, a search provider, and its events module (who may receive its
events and which notifications they make, registered with app.core.event_rules when the
module is imported; listing it here is what imports it). Everything that assembles the process reads
this list (create_app, the background tasks, the command line, the demo seeding, search), so
a new domain is added here and nowhere else. Plain imports: a domain that fails to import
fails loudly at start-up instead of silently dropping out of search or the command line.

Each domain also says what a service account's token may do with its routes (`service_access`,
app/auth/scopes.py): the scope its reads need and the scope its writes need. A domain that says
nothing is invisible to service accounts (404 on every route), so a new domain is closed to
them until it opens itself here.

Order matters in two places: demo steps run in this order (the directory's authorities come
before the members who belong to them), and background tasks start in this order and stop in
reverse (realtime's hub before the notifications deriver it wakes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import cli as audit_cli
from app.audit.router import router as audit_router
from app.audit.tasks import start_audit_sealer
from app.auth.scopes import HIDDEN, NO_SCOPE, Scope, ServiceAccess, service_access_guard
from app.background import Starter
from app.cases import cli as cases_cli
from app.cases import demo as cases_demo
from app.cases import events as cases_events
from app.cases import service as cases_service
from app.cases.purge import start_retention_purge
from app.cases.router import router as cases_router
from app.cases.tasks import start_deadline_monitor
from app.catalogue import events as catalogue_events
from app.catalogue.router import router as catalogue_router
from app.core.mail import start_mail_sender
from app.core.routing import SegmentRouter, by_first_segment
from app.demo.context import DemoContext
from app.directory import cli as directory_cli
from app.directory import demo as directory_demo
from app.directory import events as directory_events
from app.directory import service as directory_service
from app.directory.router import router as directory_router
from app.directory.staleness import start_stale_reminder
from app.forums import demo as forums_demo
from app.forums import events as forums_events
from app.forums import service as forums_service
from app.forums.router import router as forums_router
from app.identity import cli as identity_cli
from app.identity import demo as identity_demo
from app.identity import events as identity_events
from app.identity.maintenance import start_identity_maintenance
from app.identity.router import router as identity_router
from app.keys import cli as keys_cli
from app.library import demo as library_demo
from app.library.router import router as library_router
from app.notifications.background import start_notifications
from app.notifications.router import router as notifications_router
from app.realtime.router import router as realtime_router
from app.realtime.service import start_realtime
from app.search import service as search_service
from app.search.router import router as search_router

DemoStep = Callable[[AsyncSession, DemoContext], Awaitable[None]]
RegisterCommands = Callable[[Any], None]


@dataclass(frozen=True)
class Domain:
    name: str
    router: APIRouter | None = None
    starters: tuple[Starter, ...] = ()
    commands: RegisterCommands | None = None
    demo: DemoStep | None = None
    search: search_service.SearchFn | None = None
    events: ModuleType | None = None
    service_access: ServiceAccess = HIDDEN


# Plumbing that is no domain's but runs in every worker like one.
CORE_STARTERS: tuple[Starter, ...] = (start_mail_sender,)

DOMAINS: tuple[Domain, ...] = (
    Domain(
        "directory",
        router=directory_router,
        starters=(start_stale_reminder,),
        commands=directory_cli.register,
        demo=directory_demo.seed,
        search=directory_service.search_text,
        events=directory_events,
        service_access=ServiceAccess(read=Scope.DIRECTORY_READ),
    ),
    Domain(
        "identity",
        router=identity_router,
        starters=(start_identity_maintenance,),
        commands=identity_cli.register,
        demo=identity_demo.seed,
        events=identity_events,
        service_access=NO_SCOPE,
    ),
    Domain(
        "audit",
        router=audit_router,
        starters=(start_audit_sealer,),
        commands=audit_cli.register,
        service_access=NO_SCOPE,
    ),
    Domain(
        "forums",
        router=forums_router,
        demo=forums_demo.seed,
        search=forums_service.search_text,
        events=forums_events,
    ),
    # Case search (forums are never searched for a service account: app/search).
    Domain("search", router=search_router, service_access=ServiceAccess(read=Scope.CASES_READ)),
    Domain(
        "cases",
        router=cases_router,
        starters=(start_deadline_monitor, start_retention_purge),
        commands=cases_cli.register,
        demo=cases_demo.seed,
        search=cases_service.search_text,
        events=cases_events,
        service_access=ServiceAccess(read=Scope.CASES_READ, write=Scope.CASES_WRITE),
    ),
    Domain("catalogue", router=catalogue_router, events=catalogue_events),
    Domain("library", router=library_router, demo=library_demo.seed),
    Domain(
        "realtime",
        router=realtime_router,
        starters=(start_realtime,),
        service_access=ServiceAccess(read=Scope.EVENTS_READ),
    ),
    Domain(
        "notifications",
        router=notifications_router,
        starters=(start_notifications,),
        service_access=NO_SCOPE,
    ),
    # Commands only: rotating the keys of cases (storage), identity (secret) and audit.
    Domain("keys", commands=keys_cli.register),
)


def routers(prefix: str = "") -> list[SegmentRouter]:
    """Each domain's router, to be included under `prefix` with its `include_dependencies`
    (they guard its routes by the domain's `service_access`)."""
    mounted: list[SegmentRouter] = []
    for domain in DOMAINS:
        if domain.router is not None:
            mounted.extend(
                by_first_segment(
                    domain.router,
                    mounted_at=prefix,
                    dependencies=[service_access_guard(domain.service_access)],
                )
            )
    return mounted


def starters() -> list[Starter]:
    return [*CORE_STARTERS, *(s for d in DOMAINS for s in d.starters)]


def command_registrars() -> list[RegisterCommands]:
    return [d.commands for d in DOMAINS if d.commands is not None]


def demo_steps() -> list[tuple[str, DemoStep]]:
    return [(d.name, d.demo) for d in DOMAINS if d.demo is not None]


def search_providers() -> dict[str, search_service.SearchFn]:
    return {d.name: d.search for d in DOMAINS if d.search is not None}

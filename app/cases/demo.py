"""Demo cases between the demo authorities, in several statuses, made through the service.

Runs after the directory and identity steps; a case whose authorities or officers are
missing from the context is skipped, so the step never fails on a smaller network.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.cases.access import load_case
from app.cases.schemas import (
    CaseCreate,
    LegalBasis,
    MessageCreate,
    ParticipantCreate,
    Person,
    TransitionRequest,
)
from app.cases.service import (
    create_case,
    invite_participant,
    post_message,
    record_receipt,
    transition_case,
)
from app.demo.context import DemoContext
from app.identity import service as identity_service
from app.models.identity import User

log = logging.getLogger(__name__)


@dataclass
class _Plan:
    requesting: str
    requested: str
    type: str
    title: str
    summary: str
    # (side, action or "message:<kind>:<code>", note)
    steps: list[tuple[str, str, str]] = field(default_factory=list)
    deadline_days: int | None = 60
    persons: list[Person] = field(default_factory=list)
    observer: bool = False


def _later(days: int) -> date:
    return (datetime.now(UTC) + timedelta(days=days)).date()


PLANS = [
    _Plan(
        "fra",
        "ita",
        "mla",
        "Bank records of a shell company in Milan",
        "Proceeds of a VAT carousel fraud laundered through accounts in Milan.",
        [
            ("requested", "acknowledge", "Received in good order."),
            ("requested", "message:message:H1", "Which period do you need the statements for?"),
            ("requesting", "message:message:", "January 2024 to March 2025, please."),
            ("requested", "start_execution", "Sent to the Milan prosecutor."),
            ("requested", "report_delay", "The bank asked for an extension."),
        ],
        observer=True,
    ),
    _Plan(
        "ita",
        "fra",
        "extradition",
        "Surrender of a fugitive arrested in Lyon",
        "Provisional arrest on a red notice; extradition for trafficking in persons.",
        persons=[Person(role="person sought", name="Demo Person", nationality="ITA")],
        deadline_days=40,
    ),
    _Plan(
        "bra",
        "nga",
        "mla",
        "Hearing of a witness in Lagos",
        "Videoconference hearing of a witness to a cocaine shipment.",
        [
            ("requested", "acknowledge", ""),
            ("requested", "start_execution", ""),
            ("requested", "execute", "Hearing held; transcript attached."),
            ("requesting", "close", "Thank you."),
        ],
    ),
    _Plan(
        "tha",
        "fra",
        "mla",
        "Search of premises in Marseille",
        "Search and seizure for a wildlife trafficking investigation.",
        [
            ("requested", "acknowledge", ""),
            ("requested", "message:consultation:H0", "The facts appear already tried in France."),
            ("requested", "refuse", "Ne bis in idem."),
        ],
    ),
    _Plan(
        "nga",
        "tha",
        "confiscation",
        "Confiscation of a villa in Phuket",
        "Enforcement of a Nigerian confiscation order over real estate.",
        [("requesting", "draft", "")],
    ),
    _Plan(
        "fra",
        "bra",
        "mla",
        "Telephone subscriber information",
        "Subscriber data of two numbers used by a smuggling network.",
        [
            ("requested", "acknowledge", ""),
            ("requested", "request_information", "Please state the legal qualification."),
        ],
        deadline_days=-3,
    ),
]


async def _officers(session: AsyncSession, ctx: DemoContext) -> dict[uuid.UUID, list[User]]:
    users = (await identity_service.members_by_ids(session, list(ctx.users.values()))).values()
    by_authority: dict[uuid.UUID, list[User]] = {}
    for user in users:
        if "officer" in user.roles and user.authority_id is not None:
            by_authority.setdefault(user.authority_id, []).append(user)
    for members in by_authority.values():
        members.sort(key=lambda u: u.focal_point)  # plain officers first
    return by_authority


def _actor(user: User) -> Actor:
    return Actor.member(
        user_id=user.id,
        roles=frozenset(user.roles),
        authority_id=user.authority_id,
        focal_point=user.focal_point,
        handle=user.handle,
        full_name=user.full_name,
    )


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    """Create demo cases in several statuses between the demo authorities."""
    officers = await _officers(session, ctx)
    liaison_id = ctx.users.get("liaison@demo.example.org")
    liaison = await identity_service.get_member(session, liaison_id) if liaison_id else None
    made: list[str] = []
    invited = False  # one case shows an observer (the liaison magistrate)
    staffed = [a for a in ctx.authorities.values() if officers.get(a)]
    if len(staffed) < 2:
        log.info("demo: fewer than two authorities with officers; no cases")
        return
    for index, plan in enumerate(PLANS):
        requesting_id = ctx.authorities.get(plan.requesting)
        requested_id = ctx.authorities.get(plan.requested)
        if requesting_id not in staffed or requested_id not in staffed:
            # A smaller network: pair the authorities that exist instead.
            requesting_id = staffed[index % len(staffed)]
            requested_id = staffed[(index + 1) % len(staffed)]
        sides_ids = (requesting_id, requested_id)
        sides = {
            "requesting": _actor(officers[requesting_id][0]),
            "requested": _actor(officers[requested_id][0]),
        }
        case = await create_case(
            session,
            actor=sides["requesting"],
            data=CaseCreate(
                type=plan.type,
                requested_authority_id=requested_id,
                title=plan.title,
                summary=plan.summary,
                legal_basis=LegalBasis(
                    kind="untoc_art16" if plan.type == "extradition" else "untoc_art18"
                ),
                offences=["participation in an organized criminal group"],
                measures=[] if plan.type == "extradition" else ["other"],
                persons=plan.persons,
                languages=["en"],
                deadline=_later(plan.deadline_days) if plan.deadline_days is not None else None,
                deadline_reason="demo deadline" if plan.deadline_days is not None else None,
            ),
        )
        if plan.steps[:1] == [("requesting", "draft", "")]:
            made.append(f"{case.reference} ({case.status})")
            continue
        await transition_case(
            session,
            actor=sides["requesting"],
            case_id=case.id,
            request=TransitionRequest(
                action="submit", missing_essentials_reason="demo data: checks not enforced"
            ),
        )
        if plan.steps:  # the requested side opens it: the `received` receipt
            await record_receipt(session, actor=sides["requested"], case_id=case.id)
        for side, step, note in plan.steps:
            if step.startswith("message:"):
                _, kind, code = step.split(":")
                await post_message(
                    session,
                    actor=sides[side],
                    case_id=case.id,
                    data=MessageCreate(body=note, kind=kind, handling_code=code or None),
                )
                continue
            await transition_case(
                session,
                actor=sides[side],
                case_id=case.id,
                request=TransitionRequest(
                    action=step,
                    note=note or None,
                    ground="ne_bis_in_idem" if step == "refuse" else None,
                    new_deadline=_later(30) if step in ("report_delay", "postpone") else None,
                ),
            )
        if (
            liaison is not None
            and not invited
            and plan.steps
            and liaison.authority_id not in sides_ids
        ):
            invited = True
            await invite_participant(
                session,
                actor=sides["requesting"],
                case_id=case.id,
                data=ParticipantCreate(
                    user_id=liaison.id,
                    expires_at=datetime.now(UTC) + timedelta(days=30),
                    note="liaison magistrate (demo)",
                ),
            )
        view = await load_case(session, sides["requesting"], case.id)
        made.append(f"{case.reference} ({view.case.status})")
    if made:
        ctx.lines.append("Demo cases: " + ", ".join(made))
    log.info("demo: %d cases", len(made))

"""The demo network has cases in several statuses between the demo authorities."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Database
from app.demo.runner import seed_demo
from app.models.cases import Case, CaseParticipant


async def test_demo_cases(db: Database, settings: Settings, session: AsyncSession) -> None:
    ctx = await seed_demo(db, settings)
    cases = (await session.execute(select(Case))).scalars().all()
    statuses = {c.status for c in cases}
    assert len(cases) >= 5
    assert {"draft", "submitted", "closed", "refused"} <= statuses
    assert len(statuses) >= 5
    assert any(line.startswith("Demo cases:") for line in ctx.lines)
    authorities = {c.requesting_authority_id for c in cases} | {
        c.requested_authority_id for c in cases
    }
    assert authorities <= set(ctx.authorities.values())
    overdue = [c for c in cases if c.status == "information_requested"]
    assert overdue and overdue[0].due_date is not None
    observers = (await session.execute(select(CaseParticipant))).scalars().all()
    assert any(p.role == "observer" for p in observers) or not ctx.users.get(
        "liaison@demo.example.org"
    )

"""docs/events.md is the declarations rendered, and the declarations are what is published."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app import domains
from app.core import event_catalog, events
from app.core.events import Audience

ROOT = Path(__file__).resolve().parent.parent


def test_the_events_page_is_the_declarations_rendered() -> None:
    domains.routers()  # the manifest imports every domain's events module
    page = (ROOT / "docs" / "events.md").read_text()
    assert page == event_catalog.markdown(), (
        "docs/events.md differs from the declarations: "
        "run `.venv/bin/python -m app.event_catalog > docs/events.md`"
    )


def test_the_page_is_what_the_command_prints() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "app.event_catalog"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed == event_catalog.markdown()


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("case.renamed", {"case_id": uuid.uuid4()}, "case"),  # no such event
        ("case.created", {"case_id": uuid.uuid4()}, "user"),  # not to that audience
        ("case.created", {"case_id": uuid.uuid4(), "title": "x"}, "case"),  # undeclared key
        ("case.message.created", {"case_id": uuid.uuid4()}, "case"),  # a key missing
    ],
)
async def test_a_publish_that_drifts_from_its_declaration_fails(
    session: AsyncSession, name: str, data: dict[str, object], kind: str
) -> None:
    with pytest.raises(event_catalog.UndeclaredEvent):
        await events.publish(session, name, data, audience=Audience(kind, str(uuid.uuid4())))
    assert events.published_in(session) == []

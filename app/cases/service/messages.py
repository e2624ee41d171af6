"""The channel: messages between the two sides, with handling codes.

Posting is a hot path (benchmarked at 1,000 requests/s): one query loads the case with the
caller's participation, then one flush writes the message and its audit row, one the event.
The case row is touched only when it must change (a consultation, or last activity older
than a minute), so concurrent posts to one case do not queue on its row lock.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.actor import Actor
from app.cases import repository
from app.cases.access import CaseView, deny, load_case
from app.cases.constants import HANDLING_CODES
from app.cases.exceptions import ConsultationBetweenSides, MessageNotFound, MessageNotInCase
from app.cases.schemas import MessageCreate, MessageRead
from app.cases.service.receipts import record_receipt_if_due
from app.core import audit, events, idempotency
from app.core.audit import Target
from app.core.events import Audience
from app.core.markdown import render_markdown
from app.models.base import utcnow

_ACTIVITY_GRANULARITY = timedelta(minutes=1)


def message_read(message: Any) -> MessageRead:
    return MessageRead.model_validate(message_fields(message))


def message_fields(message: Any) -> dict[str, Any]:
    """MessageRead's fields, each of them, from a message's columns and its `author_handle`:
    a row, or the values it was just written with. A page of them is written as they are,
    without models (app/core/responses.py)."""
    return {
        "id": message.id,
        "case_id": message.case_id,
        "author_id": message.author_id,
        "author_handle": message.author_handle,
        "author_authority_id": message.author_authority_id,
        "side": message.side,
        "kind": message.kind,
        "body": message.body,
        "body_html": message.body_html,
        "handling_code": message.handling_code,
        "handling_label": HANDLING_CODES.get(message.handling_code or ""),
        "handling_note": message.handling_note,
        "created_at": message.created_at,
    }


async def post_message(
    session: AsyncSession,
    *,
    actor: Actor,
    case_id: uuid.UUID,
    data: MessageCreate,
    idempotency_key: str | None = None,
) -> MessageRead:
    """Post a message (or a consultation, by a side) in the case's channel."""
    view = await load_case(session, actor, case_id)
    await record_receipt_if_due(session, actor=actor, view=view)
    case = view.case
    if data.kind == "consultation" and not view.is_party:
        await deny(session, actor, ConsultationBetweenSides(), case_id=case.id)
    message_id = uuid.uuid4()
    first = await idempotency.claim(
        session,
        user_id=actor.user_id,
        scope=f"cases.message:{case.id}",
        key=idempotency_key,
        resource_id=message_id,
    )
    if first is not None:
        return await _existing_message(session, case.id, first)
    now = utcnow()
    values: dict[str, Any] = dict(
        id=message_id,
        case_id=case.id,
        author_id=actor.user_id,
        author_authority_id=actor.authority_id,
        side=view.side,
        kind=data.kind,
        body=data.body,
        body_html=render_markdown(data.body),
        handling_code=data.handling_code,
        handling_note=data.handling_note if data.handling_code == "H3" else None,
        created_at=now,
    )
    # A Core INSERT: the row is never changed afterwards, so the unit of work (and a full
    # model validation) would be pure overhead on this hot path.
    await repository.insert_message(session, values)
    consultation = (
        data.kind == "consultation" and view.side == "requested" and case.consultation_at is None
    )
    if consultation or case.last_activity_at < now - _ACTIVITY_GRANULARITY:
        await repository.record_activity(session, case.id, now, consultation=consultation)
        if consultation:
            set_committed_value(case, "consultation_at", now)
        set_committed_value(case, "last_activity_at", now)
    await audit.record(
        session,
        actor=actor,
        action="case.message.created",
        target=Target("case_message", message_id),
        details={
            "case_id": str(case.id),
            "kind": data.kind,
            "handling_code": data.handling_code,
        },
        authority_ids=view.authority_ids,
    )
    await events.publish(
        session,
        "case.message.created",
        {"case_id": case.id, "message_id": message_id},
        audience=Audience.of("case", case.id),
    )
    return message_read(SimpleNamespace(**values, author_handle=actor.handle))


async def _existing_message(
    session: AsyncSession, case_id: uuid.UUID, message_id: uuid.UUID
) -> MessageRead:
    row = await repository.message_of_case(session, case_id, message_id)
    if row is None:
        raise MessageNotFound()
    return message_read(row)


async def list_messages(
    session: AsyncSession,
    *,
    actor: Actor,
    view: CaseView,
    cursor: str | None = None,
    limit: int = 50,
    after_message_id: uuid.UUID | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The case's messages, oldest first, or only those after one (what a page that shows
    the case learns is new), as MessageRead's fields and the next cursor; audited as
    case.messages.viewed."""
    case_id = view.case.id
    after = None
    if after_message_id is not None:
        after = await repository.message_key(session, case_id, after_message_id)
        if after is None:
            raise MessageNotInCase()
    messages, next_cursor = await repository.messages_page(
        session, case_id, cursor=cursor, limit=limit, after=after
    )
    await audit.record(
        session,
        actor=actor,
        action="case.messages.viewed",
        target=Target("case", case_id),
        details={"count": len(messages), "message_ids": [str(m.id) for m in messages]},
        authority_ids=view.authority_ids,
    )
    return [message_fields(row) for row in messages], next_cursor


async def all_messages(session: AsyncSession, case_id: uuid.UUID) -> list[MessageRead]:
    """Every message of a case (for the export; the caller has checked access)."""
    return [message_read(row) for row in await repository.messages_of_case(session, case_id)]

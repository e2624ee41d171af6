"""Verbs on treaties: list, read, create, edit (admins write)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit, events, idempotency
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.core.events import Audience
from app.core.pagination import Page
from app.directory import access, repository
from app.directory.exceptions import AdminOnly
from app.directory.fields import TREATY_FIELDS, snapshot
from app.directory.revisions import record_revision
from app.directory.schemas import TreatyCreate, TreatyFields, TreatyRead
from app.directory.shapes import treaty_read
from app.models.directory import Treaty


async def list_treaties(
    session: AsyncSession,
    *,
    actor: Actor,
    state: str | None,
    subject: str | None,
    kind: str | None,
    cursor: str | None,
    limit: int,
) -> Page[TreatyRead]:
    """Treaties, optionally those a state is party to, by title (two queries per page)."""
    access.require_reader(actor)
    treaties, next_cursor = await repository.treaties_page(
        session,
        state=state.upper() if state else None,
        subject=subject,
        kind=kind,
        cursor=cursor,
        limit=limit,
    )
    parties = await repository.parties_of(session, [t.id for t in treaties])
    return Page(items=[treaty_read(t, parties[t.id]) for t in treaties], next_cursor=next_cursor)


async def read_treaty(session: AsyncSession, *, actor: Actor, treaty_id: uuid.UUID) -> TreatyRead:
    """One treaty with its parties."""
    treaty = await access.access_treaty(session, actor, treaty_id)
    parties = await repository.parties_of(session, [treaty.id])
    return treaty_read(treaty, parties[treaty.id])


async def check_parties(session: AsyncSession, codes: list[str], *, field: str = "parties") -> None:
    known = set(await repository.states_by_code(session, codes))
    errors = [
        {"field": f"{field}.{i}", "message": f"unknown state {code}"}
        for i, code in enumerate(codes)
        if code not in known
    ]
    if errors:
        raise ValidationFailed(errors=errors)


async def _parties(session: AsyncSession, treaty_id: uuid.UUID) -> list[str]:
    return (await repository.parties_of(session, [treaty_id]))[treaty_id]


async def _require_admin(session: AsyncSession, actor: Actor, target: Target) -> None:
    access.require_reader(actor)
    if not access.is_admin(actor):
        await access.refuse(
            session,
            AdminOnly("add or edit treaties"),
            actor=actor,
            action="directory.treaty.write",
            target=target,
        )


async def create_treaty(
    session: AsyncSession, *, actor: Actor, data: TreatyCreate, idempotency_key: str | None = None
) -> TreatyRead:
    """Add a treaty and its parties (admins only); a retried key returns the first."""
    await _require_admin(session, actor, Target("treaty"))
    await check_parties(session, data.parties)
    values = data.model_dump(exclude={"parties"})
    values["subjects"] = values.get("subjects") or []
    new_id = uuid.uuid4()
    first = await idempotency.claim(
        session,
        user_id=actor.user_id,
        scope="directory.treaty",
        key=idempotency_key,
        resource_id=new_id,
    )
    existing = await repository.treaty_by_id(session, first) if first is not None else None
    if existing is not None:
        return await read_treaty(session, actor=actor, treaty_id=existing.id)
    treaty = Treaty(id=new_id, **values)
    session.add(treaty)
    await session.flush()
    await repository.replace_parties(session, treaty.id, data.parties)
    await treaty_changes(session, actor, treaty, {}, [], "created")
    return await read_treaty(session, actor=actor, treaty_id=treaty.id)


async def treaty_changes(
    session: AsyncSession,
    actor: Actor,
    treaty: Treaty,
    before: dict[str, Any],
    parties_before: list[str],
    action: str,
) -> None:
    """Keep the revision and audit entry of a treaty change, and announce it."""
    created = not before
    after = {**snapshot(treaty, TREATY_FIELDS), "parties": await _parties(session, treaty.id)}
    if before:
        before = {**before, "parties": parties_before}
    changes = audit.diff(before, after)
    await record_revision(
        session,
        actor=actor,
        target_type="treaty",
        target_id=treaty.id,
        action=action,
        changes=changes,
    )
    await audit.record(
        session,
        actor=actor,
        action="directory.treaty.create" if created else "directory.treaty.update",
        target=Target("treaty", treaty.id),
        changes=changes or None,
    )
    # The members of the parties' authorities hear of changes to their treaties.
    for authority_id in await repository.authority_ids_in_states(session, after["parties"]):
        await events.publish(
            session,
            "directory.treaty.updated",
            {"treaty_id": treaty.id},
            audience=Audience.of("authority", authority_id),
        )


async def update_treaty(
    session: AsyncSession, *, actor: Actor, treaty_id: uuid.UUID, data: TreatyFields
) -> TreatyRead:
    """Edit the fields sent (admins only)."""
    treaty = await access.access_treaty(session, actor, treaty_id, for_write=True)
    sent = set(data.model_fields_set)
    for name in ("title", "kind", "parties"):
        if name in sent and not getattr(data, name):
            raise ValidationFailed(errors=[{"field": name, "message": "may not be empty"}])
    before = snapshot(treaty, TREATY_FIELDS)
    parties_before = await _parties(session, treaty.id)
    for name in sent - {"parties"}:
        value = getattr(data, name)
        setattr(treaty, name, [] if value is None and name == "subjects" else value)
    session.add(treaty)
    await session.flush()
    if "parties" in sent and data.parties is not None:
        await check_parties(session, data.parties)
        await repository.replace_parties(session, treaty.id, data.parties)
    await treaty_changes(session, actor, treaty, before, parties_before, "updated")
    return await read_treaty(session, actor=actor, treaty_id=treaty.id)

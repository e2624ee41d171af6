"""Verbs on authorities: search, read, create, edit, verify."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.core import audit, events, idempotency
from app.core.audit import Target
from app.core.errors import ValidationFailed
from app.core.events import Audience
from app.core.pagination import Key, Page, decode_cursor, page
from app.directory import access, repository
from app.directory.exceptions import AdminOnly, AuthorityNotFound
from app.directory.fields import AUTHORITY_FIELDS, snapshot
from app.directory.members import focal_points_of, member_ids_among, people
from app.directory.repository import AuthorityFilters
from app.directory.revisions import record_revision
from app.directory.schemas import (
    AuthorityCreate,
    AuthorityFields,
    AuthorityRead,
    AuthoritySummary,
    AuthorityUpdate,
    PersonRef,
)
from app.directory.settings import get_directory_settings
from app.directory.shapes import authority_read, authority_summary
from app.models.directory import Authority

_REQUIRED = ("name", "types")


def field_values(data: AuthorityFields, fields: set[str]) -> dict[str, Any]:
    """The sent fields as column values (nested models as plain JSON)."""
    values: dict[str, Any] = {}
    for name in fields:
        if name not in AUTHORITY_FIELDS:
            continue
        value = getattr(data, name)
        if name in ("law_links", "contacts") and value is not None:
            value = [item.model_dump(mode="json", exclude_none=True) for item in value]
        values[name] = value
    for name in _REQUIRED:
        if name in values and not values[name]:
            raise ValidationFailed(errors=[{"field": name, "message": "may not be empty"}])
    for name in ("types", "languages", "channels", "law_links", "contacts"):
        if name in values and values[name] is None:
            values[name] = []
    return values


async def check_references(session: AsyncSession, values: dict[str, Any]) -> None:
    """The state exists and every contact's user_id names a member."""
    errors: list[dict[str, str]] = []
    code = values.get("state_code")
    if code is not None and await repository.state_by_code(session, code) is None:
        errors.append({"field": "state_code", "message": f"unknown state {code}"})
    contacts = values.get("contacts") or []
    user_ids = {c["user_id"] for c in contacts if c.get("user_id")}
    if user_ids:
        found = {str(u) for u in await member_ids_among(session, {uuid.UUID(x) for x in user_ids})}
        for i, contact in enumerate(contacts):
            if contact.get("user_id") and contact["user_id"] not in found:
                errors.append({"field": f"contacts.{i}.user_id", "message": "no such member"})
    if errors:
        raise ValidationFailed(errors=errors)


async def search_authorities(
    session: AsyncSession,
    *,
    actor: Actor,
    filters: AuthorityFilters,
    stale: bool | None,
    cursor: str | None,
    limit: int,
) -> Page[AuthoritySummary]:
    """One page of the directory matching the filters (ranked when `q` is given)."""
    access.require_reader(actor)
    stale_before = get_directory_settings().stale_before()
    filters = replace(filters, stale=stale, stale_before=stale_before)
    # Ranked by relevance with a text query, else by state and name: see page_key.
    after = (
        decode_cursor(cursor, Key.float, Key.uuid)
        if filters.q
        else decode_cursor(cursor, Key.str, Key.str, Key.uuid)
    )
    rows = await repository.search_authorities(session, filters, after=after, limit=limit + 1)
    found, next_cursor = page(rows, limit, key=repository.page_key)
    return Page(items=[authority_summary(r, stale_before) for r in found], next_cursor=next_cursor)


async def read_authority(
    session: AsyncSession, *, actor: Actor, authority_id: uuid.UUID
) -> AuthorityRead:
    """The whole entry, with its focal points and who last verified it."""
    await access.access_authority(session, actor, authority_id)
    row = await repository.authority_row(session, authority_id)
    if row is None:
        raise AuthorityNotFound()
    focal = (await focal_points_of(session, [authority_id]))[authority_id]
    verifier_id = row.authority.last_verified_by
    verifier = (await people(session, [verifier_id])).get(verifier_id) if verifier_id else None
    return authority_read(
        row,
        get_directory_settings().stale_before(),
        focal_points=[PersonRef(id=u.id, full_name=u.full_name) for u in focal],
        verifier=verifier,
        allowed_actions=access.authority_actions(actor, authority_id),
    )


async def create_authority(
    session: AsyncSession,
    *,
    actor: Actor,
    data: AuthorityCreate,
    idempotency_key: str | None = None,
) -> AuthorityRead:
    """Add an authority to the directory (admins only); a retried key returns the first."""
    access.require_reader(actor)
    if not access.is_admin(actor):
        await access.refuse(
            session,
            AdminOnly("add authorities"),
            actor=actor,
            action="directory.authority.create",
            target=Target("authority"),
        )
    values = field_values(data, set(AuthorityCreate.model_fields) - {"state_code"})
    values["state_code"] = data.state_code
    await check_references(session, values)
    new_id = uuid.uuid4()
    first = await idempotency.claim(
        session,
        user_id=actor.user_id,
        scope="directory.authority",
        key=idempotency_key,
        resource_id=new_id,
    )
    existing = await repository.authority_by_id(session, first) if first is not None else None
    if existing is None:
        existing = await insert_authority(
            session, actor=actor, values=values, verified_at=datetime.now(UTC), authority_id=new_id
        )
    return await read_authority(session, actor=actor, authority_id=existing.id)


async def insert_authority(
    session: AsyncSession,
    *,
    actor: Actor,
    values: dict[str, Any],
    verified_at: datetime | None,
    authority_id: uuid.UUID | None = None,
    action: str = "created",
) -> Authority:
    """Insert a checked authority, keep its first revision, audit and announce."""
    authority = Authority(
        **values,
        id=authority_id or uuid.uuid4(),
        last_verified_at=verified_at,
        last_verified_by=actor.user_id if verified_at else None,
    )
    session.add(authority)
    await session.flush()
    changes = audit.diff({}, snapshot(authority, AUTHORITY_FIELDS))
    await record_revision(
        session,
        actor=actor,
        target_type="authority",
        target_id=authority.id,
        action=action,
        changes=changes,
    )
    await audit.record(
        session,
        actor=actor,
        action="directory.authority.create",
        target=Target("authority", authority.id),
        changes=changes,
        authority_ids=[authority.id],
    )
    await events.publish(
        session,
        "directory.authority.created",
        {"authority_id": authority.id},
        audience=Audience.of("authority", authority.id),
    )
    return authority


async def update_authority(
    session: AsyncSession, *, actor: Actor, authority_id: uuid.UUID, data: AuthorityUpdate
) -> AuthorityRead:
    """Edit the fields sent (admin, or the authority's focal point); saving verifies the entry."""
    authority = await access.access_authority(session, actor, authority_id, for_write=True)
    sent = set(data.model_fields_set)
    if "state_code" in sent and not access.may_move_authority(actor):
        await access.refuse(
            session,
            AdminOnly("move an authority to another state"),
            actor=actor,
            action="directory.authority.update",
            target=Target("authority", authority.id),
            authority_ids=[authority.id],
        )
    values = field_values(data, sent)
    if "state_code" in sent:
        if data.state_code is None:
            raise ValidationFailed(errors=[{"field": "state_code", "message": "may not be empty"}])
        values["state_code"] = data.state_code
    await check_references(session, values)
    await apply_authority_changes(session, actor=actor, authority=authority, values=values)
    return await read_authority(session, actor=actor, authority_id=authority_id)


async def apply_authority_changes(
    session: AsyncSession,
    *,
    actor: Actor,
    authority: Authority,
    values: dict[str, Any],
    action: str = "updated",
    verify: bool = True,
) -> Authority:
    """Write `values`, mark the entry verified, keep a revision, audit and announce.

    `verify=False` (imports) leaves the verification as it is, and records nothing when
    nothing changed.
    """
    before = snapshot(authority, AUTHORITY_FIELDS)
    for name, value in values.items():
        setattr(authority, name, value)
    changes = audit.diff(before, snapshot(authority, AUTHORITY_FIELDS))
    if not verify and not changes:
        return authority
    if verify:
        authority.last_verified_at = datetime.now(UTC)
        authority.last_verified_by = actor.user_id
        authority.stale_reminded_at = None
    session.add(authority)
    await session.flush()
    await record_revision(
        session,
        actor=actor,
        target_type="authority",
        target_id=authority.id,
        action=action if changes else "verified",
        changes=changes,
    )
    await audit.record(
        session,
        actor=actor,
        action="directory.authority.update" if changes else "directory.authority.verify",
        target=Target("authority", authority.id),
        changes=changes or None,
        authority_ids=[authority.id],
    )
    await events.publish(
        session,
        "directory.authority.updated",
        {"authority_id": authority.id},
        audience=Audience.of("authority", authority.id),
    )
    return authority


async def verify_authority(
    session: AsyncSession, *, actor: Actor, authority_id: uuid.UUID
) -> AuthorityRead:
    """Confirm the entry is still correct as it stands (resets its staleness)."""
    authority = await access.access_authority(session, actor, authority_id, for_write=True)
    await apply_authority_changes(session, actor=actor, authority=authority, values={})
    return await read_authority(session, actor=actor, authority_id=authority_id)

"""The identity service other domains call."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.identity import service
from tests.factories import make_authority, make_member


async def test_get_member_and_members_of_authority(session: AsyncSession) -> None:
    authority = await make_authority(session)
    other = await make_authority(session)
    b = await make_member(session, authority=authority, handle="bravo")
    a = await make_member(session, authority=authority, handle="alpha")
    await make_member(session, authority=authority, handle="charlie", status="suspended")
    await make_member(session, authority=other, handle="delta")
    await session.commit()
    assert (await service.get_member(session, a.id)).handle == "alpha"  # type: ignore[union-attr]
    assert await service.get_member(session, uuid.uuid4()) is None
    members = await service.members_of_authority(session, authority.id)
    assert [m.id for m in members] == [a.id, b.id]
    by_handle = await service.members_by_handles(session, ["Alpha", "charlie", "nobody"])
    assert list(by_handle) == ["alpha"]
    assert set(await service.members_by_ids(session, [a.id, b.id])) == {a.id, b.id}

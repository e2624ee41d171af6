"""Member handles: lowercase letters, digits and dots; unique among members and applicants."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy.ext.asyncio import AsyncSession

from app.identity import repository

HANDLE_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9.]{1,30}[a-z0-9])$")
OPEN_APPLICATION = ("pending_email", "pending_review", "info_requested")


def slug_from_name(full_name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode()
    parts = re.findall(r"[a-z0-9]+", ascii_name.lower())
    return ".".join(parts)[:28].strip(".") or "member"


async def handle_taken(session: AsyncSession, handle: str) -> bool:
    if await repository.member_with_handle_exists(session, handle):
        return True
    return await repository.application_with_handle_exists(session, handle, OPEN_APPLICATION)


async def free_handle(session: AsyncSession, full_name: str) -> str:
    """The name's slug, with a number appended if a member or applicant has it already."""
    base = slug_from_name(full_name)
    if len(base) < 3:
        base = (base + ".member")[:28]
    candidate = base
    for n in range(2, 1000):
        if not await handle_taken(session, candidate):
            return candidate
        candidate = f"{base}{n}"
    raise RuntimeError("no free handle")

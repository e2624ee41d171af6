"""@handle mentions: find them in markdown, resolve them to members, mark them in HTML."""

from __future__ import annotations

import re
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.forums import repository

# A post notifies at most this many members: a pasted list of 500 handles is not a broadcast.
MAX_MENTIONS = 20

# Handles are lowercase letters, digits and dots; a dot may not end one ("@ana." at the end of
# a sentence mentions "ana"). Not preceded by a word character, so e-mail addresses are skipped.
_MENTION = re.compile(r"(?<![\w@./:])@([a-z0-9](?:[a-z0-9.]*[a-z0-9])?)", re.IGNORECASE)
_FENCED = re.compile(r"(^|\n)(```|~~~).*?(\n\2|$)", re.DOTALL)
_INLINE_CODE = re.compile(r"(`+)[\s\S]*?\1")


def extract_handles(markdown: str) -> list[str]:
    """Handles mentioned outside code, lowercased, in order of first appearance."""
    if "@" not in markdown:
        return []
    text = _FENCED.sub(" ", _INLINE_CODE.sub(" ", markdown))
    seen: list[str] = []
    for match in _MENTION.finditer(text):
        handle = match.group(1).lower()
        if handle not in seen:
            seen.append(handle)
        if len(seen) >= MAX_MENTIONS:
            break
    return seen


async def resolve_mentions(
    session: AsyncSession, handles: list[str], forum: repository.ForumAudience
) -> dict[str, uuid.UUID]:
    """handle -> user id for the mentioned members who may read `forum` (one query).

    A member outside the forum's audience is not told: the event would point at a thread
    they cannot open, and would reveal that the thread exists.
    """
    if not handles:
        return {}
    return await repository.member_ids_by_handle_reading_forum(session, handles, forum)


def highlight_mentions(html: str, handles: dict[str, uuid.UUID]) -> str:
    """Wrap resolved mentions in the sanitised HTML in <span class="mention">.

    Handles are [a-z0-9.] only, so the inserted markup cannot carry anything hostile.
    """
    if not handles:
        return html

    def wrap(match: re.Match[str]) -> str:
        handle = match.group(1).lower()
        if handle in handles:
            return f'<span class="mention">@{handle}</span>'
        return match.group(0)

    # Only in text between tags (never inside an attribute value).
    parts = re.split(r"(<[^>]*>)", html)
    in_code = 0
    for i, part in enumerate(parts):
        if part.startswith("<"):
            tag = part.lower()
            if tag.startswith(("<code", "<pre")):
                in_code += 1
            elif tag.startswith(("</code", "</pre")):
                in_code = max(0, in_code - 1)
            continue
        if not in_code and "@" in part:
            parts[i] = _MENTION.sub(wrap, part)
    return "".join(parts)

"""Where members comment on a published entry: a thread in the catalogue's forum, opened
through the forums' service when the entry is published and locked when it is unpublished.

The forum is made once, by the first moderator who publishes (a network-wide forum named for
the catalogue); moderators may rename or move it like any other forum afterwards. The thread's
first post carries the entry's title and a link to it, nothing of its case: the title passed
the personal-data check, and a reference to the case could not be justified there.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.catalogue import repository
from app.forums import service as forums_service
from app.forums.schemas import ForumCreate, ThreadCreate
from app.models.catalogue import CatalogueEntry

FORUM_NAME = "Catalogue of cases and good practice"
FORUM_DESCRIPTION = (
    "One thread per published catalogue entry: questions and comments on the cases and "
    "good practices the network's members share."
)


async def _forum_id(session: AsyncSession, actor: Actor) -> uuid.UUID:
    forum_id = await repository.discussion_forum_id(session)
    if forum_id is not None and await forums_service.can_read_forum(session, actor, forum_id):
        return forum_id
    forum = await forums_service.create_forum(
        session, actor=actor, data=ForumCreate(name=FORUM_NAME, description=FORUM_DESCRIPTION)
    )
    await repository.set_discussion_forum(session, forum.id)
    return forum.id


async def open_thread(session: AsyncSession, *, actor: Actor, entry: CatalogueEntry) -> None:
    """The entry's discussion thread, started by the moderator who publishes it."""
    if entry.discussion_thread_id is not None:
        return
    forum_id = await _forum_id(session, actor)
    title = entry.title if len(entry.title) >= 3 else f"Catalogue: {entry.title}"
    body = (
        f"Discussion of the catalogue entry **{entry.title}**.\n\n"
        f"Read the entry: /catalogue/entries/{entry.id}"
    )
    created = await forums_service.start_thread(
        session,
        actor=actor,
        forum_id=forum_id,
        data=ThreadCreate(title=title[:200], body=body, tags=["catalogue"]),
    )
    entry.discussion_thread_id = created.id


async def close_thread(session: AsyncSession, *, actor: Actor, entry: CatalogueEntry) -> None:
    """Lock the thread of an entry no longer published (its title stays, its link is gone)."""
    thread_id = entry.discussion_thread_id
    if thread_id is None or not await forums_service.can_read_thread(session, actor, thread_id):
        return
    await forums_service.lock_thread(
        session, actor=actor, thread_id=thread_id, locked=True, reason="catalogue entry withdrawn"
    )

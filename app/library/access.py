"""Who may read and who may edit which library document.

Every member but auditors reads the whole library (Permission.LIBRARY_READ, as the catalogue
chose): these are public legal texts within the network, so a document that exists is never
hidden, and one that does not answers 404. Editing is decided per document:

- admins (Permission.LIBRARY_MANAGE) edit every document: the model tools (model laws and
  treaties, manuals, forms), multilateral treaties, and, where a State has no focal point or
  needs a hand, its laws and bilateral treaties too;
- a focal point edits the national laws and regulations of their own authority's State and
  the bilateral treaties their State is party to (by the document's State or the parties of
  the directory treaties it is linked to).

An edit must leave the document within the editor's reach: a focal point cannot move a law
to another State, nor turn it into a model tool. Refusals are audited (app.core.refusal).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission
from app.core.audit import Target
from app.core.refusal import refuse
from app.directory import service as directory_service
from app.library import repository
from app.library.constants import DocumentAction
from app.library.exceptions import DocumentNotFound, NotEditor
from app.models.library import LibraryDocument


@dataclass(frozen=True, slots=True)
class Editor:
    """What the caller may edit: everything (manager), or the documents of one State."""

    manager: bool
    state_code: str | None

    @property
    def edits_anything(self) -> bool:
        return self.manager or self.state_code is not None


async def editor_of(session: AsyncSession, actor: Actor) -> Editor:
    manager = actor.can(Permission.LIBRARY_MANAGE)
    state = None
    if actor.focal_point and actor.can(Permission.LIBRARY_READ) and actor.authority_id:
        authority = await directory_service.get_authority(session, actor.authority_id)
        state = authority.state_code if authority is not None else None
    return Editor(manager=manager, state_code=state)


def may_edit(editor: Editor, kind: str, state_code: str | None, states: Iterable[str]) -> bool:
    """Whether the editor may edit a document of this kind, State and concerned States."""
    if editor.manager:
        return True
    if editor.state_code is None:
        return False
    if kind == "national_law":
        return state_code == editor.state_code
    if kind == "bilateral_treaty":
        return editor.state_code in set(states)
    return False


def actions(
    editor: Editor, document: LibraryDocument, states: Iterable[str]
) -> list[DocumentAction]:
    """What the caller may do to the document (the client shows these as buttons)."""
    if may_edit(editor, document.kind, document.state_code, states):
        return ["edit", "upload"]
    return []


async def access_document(
    session: AsyncSession, actor: Actor, document_id: uuid.UUID, *, for_update: bool = False
) -> LibraryDocument:
    """The document (every reader sees every document), or 404."""
    if not actor.can(Permission.LIBRARY_READ):
        raise DocumentNotFound()
    document = await repository.document_by_id(session, document_id, for_update=for_update)
    if document is None:
        raise DocumentNotFound()
    return document


async def deny(
    session: AsyncSession,
    actor: Actor,
    detail: str,
    *,
    action: str,
    document_id: uuid.UUID | None,
) -> NoReturn:
    """403 for a refused write, its denial audited under the write's action name."""
    await refuse(
        session,
        NotEditor(detail),
        actor=actor,
        action=action,
        target=Target("library_document", document_id) if document_id is not None else None,
        authority_ids=[actor.authority_id],
    )

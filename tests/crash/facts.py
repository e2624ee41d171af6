"""What the database and the attachment directory hold after the crashes."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from app.db import plain_url

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PARTIAL_SUFFIX = ".part"  # app/cases/storage.py: an upload is written there, then renamed

# The action of the audit entry and the event that each kind of write makes.
AUDIT_ACTION = {
    "post": "forum.post.create",
    "message": "case.message.created",
    "attachment": "case.attachment.created",
}
CREATED_EVENT = {
    "post": ("post.created", "post_id"),
    "message": ("case.message.created", "message_id"),
    "attachment": ("case.attachment.created", "attachment_id"),
}


@dataclass
class AttachmentRow:
    id: str
    filename: str
    size: int
    sha256: str
    storage_key: str


@dataclass
class Facts:
    rows: dict[str, dict[str, list[str]]]  # kind -> marker -> ids
    attachments: dict[str, AttachmentRow]  # id -> row
    events: dict[int, tuple[str, str, str | None, dict[str, Any]]]  # position -> event
    unpositioned: int
    created_events: dict[str, Counter[str]]  # kind -> resource id -> events naming it
    audit_entries: dict[str, Counter[str]]  # kind -> target id -> entries
    unsealed: int  # audit entries without their chain row yet

    @classmethod
    async def read(cls, url: str, thread_id: str, case_id: str) -> Facts:
        conn = await asyncpg.connect(plain_url(url))
        try:
            rows: dict[str, dict[str, list[str]]] = {k: {} for k in AUDIT_ACTION}
            for kind, query, ident in (
                ("post", "SELECT id::text, body FROM forum_posts WHERE thread_id = $1", thread_id),
                (
                    "message",
                    "SELECT id::text, body FROM case_messages WHERE case_id = $1",
                    case_id,
                ),
            ):
                for row in await conn.fetch(query, ident):
                    rows[kind].setdefault(row["body"], []).append(row["id"])
            attachments = {}
            for row in await conn.fetch(
                "SELECT id::text, filename, size, sha256, storage_key FROM case_attachments "
                "WHERE case_id = $1",
                case_id,
            ):
                attachments[row["id"]] = AttachmentRow(**dict(row))
                rows["attachment"].setdefault(row["filename"], []).append(row["id"])
            events = {
                int(r["position"]): (
                    r["name"],
                    r["audience_kind"],
                    r["audience_id"],
                    json.loads(r["data"]),
                )
                for r in await conn.fetch(
                    "SELECT position, name, audience_kind, audience_id, data::text FROM events "
                    "WHERE position IS NOT NULL"
                )
            }
            unpositioned = int(
                await conn.fetchval("SELECT count(*) FROM events WHERE position IS NULL")
            )
            audit_entries: dict[str, Counter[str]] = {k: Counter() for k in AUDIT_ACTION}
            by_action = {action: kind for kind, action in AUDIT_ACTION.items()}
            for r in await conn.fetch(
                "SELECT action, target_id FROM audit_entries WHERE action = ANY($1::text[])",
                list(by_action),
            ):
                audit_entries[by_action[r["action"]]][r["target_id"]] += 1
            unsealed = int(
                await conn.fetchval(
                    "SELECT count(*) FROM audit_entries e "
                    "WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id)"
                )
            )
        finally:
            await conn.close()
        created: dict[str, Counter[str]] = {k: Counter() for k in CREATED_EVENT}
        for name, _kind, _ident, data in events.values():
            for kind, (event_name, id_field) in CREATED_EVENT.items():
                if name == event_name and id_field in data:
                    created[kind][str(data[id_field])] += 1
        return cls(rows, attachments, events, unpositioned, created, audit_entries, unsealed)

    def audience_positions(self, kind: str, ident: str) -> set[int]:
        return {p for p, (_, k, i, _) in self.events.items() if k == kind and i == ident}

    def numbering_holes(self) -> int:
        """Positions never handed out between the lowest and the highest (see the report)."""
        if not self.events:
            return 0
        return max(self.events) - min(self.events) + 1 - len(self.events)


@dataclass
class StoredFile:
    key: str  # "<case id>/<attachment id>"
    partial: bool
    modified: float  # wall clock (st_mtime)
    size: int


@dataclass
class Storage:
    """The attachment directory, file by file, against the attachment rows."""

    files: list[StoredFile] = field(default_factory=list)
    strays: list[str] = field(default_factory=list)  # anything the layout does not explain

    @classmethod
    def scan(cls, root: Path) -> Storage:
        found = cls()
        if not root.exists():
            return found
        for case_dir in sorted(root.iterdir()):
            if not case_dir.is_dir() or not _UUID.match(case_dir.name):
                found.strays.append(str(case_dir.relative_to(root)))
                continue
            for path in sorted(case_dir.iterdir()):
                name = path.name
                partial = name.endswith(PARTIAL_SUFFIX)
                if partial:
                    name = name[: -len(PARTIAL_SUFFIX)]
                if not _UUID.match(name) or not path.is_file():
                    found.strays.append(str(path.relative_to(root)))
                    continue
                stat = os.stat(path)
                found.files.append(
                    StoredFile(f"{case_dir.name}/{name}", partial, stat.st_mtime, stat.st_size)
                )
        return found

    def finished(self) -> dict[str, StoredFile]:
        return {f.key: f for f in self.files if not f.partial}

    def unfinished(self) -> list[StoredFile]:
        return [f for f in self.files if f.partial]

    def orphans(self, attachments: dict[str, AttachmentRow]) -> list[StoredFile]:
        """Finished blobs that no attachment row points to."""
        keys = {a.storage_key for a in attachments.values()}
        return [f for f in self.finished().values() if f.key not in keys]

    def missing(self, attachments: dict[str, AttachmentRow]) -> list[AttachmentRow]:
        """Attachment rows whose blob is not there."""
        finished = self.finished()
        return [a for a in attachments.values() if a.storage_key not in finished]

"""Entries name their actor as they were (handle and name, under the hash chain), and auditors
read the minimal member directory, each read audited."""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.audit.chain import GENESIS_HASH, link_hash, record_of
from app.audit.checkpoints import create_checkpoint
from app.audit.cli import cmd_audit
from app.audit.sealing import seal_pending
from app.audit.signing import load_signing_key, public_key_pem
from app.auth.actor import Actor
from app.config import Settings
from app.core import audit
from app.db import Database
from app.models.identity import User
from tests.audit.helpers import entry_id_at, tamper, write_entries
from tests.factories import make_authority, make_member

API = "/api/v1/audit"


async def _entries(db: Database, action: str) -> list[dict[str, Any]]:
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT * FROM audit_entries WHERE action = :a ORDER BY id"), {"a": action}
            )
        ).all()
    return [dict(r._mapping) for r in rows]


async def _seq_of(db: Database, entry_id: int) -> int:
    async with db.engine.connect() as conn:
        seq = await conn.scalar(
            text("SELECT seq FROM audit_chain WHERE entry_id = :i"), {"i": entry_id}
        )
    assert seq is not None
    return int(seq)


def _offline_verify(settings: Settings, tmp_path: Path, lines: list[dict[str, Any]]) -> str:
    """`canet audit verify --file` on these lines; its one-line verdict."""
    exported = tmp_path / "export.jsonl"
    exported.write_text("".join(json.dumps(line) + "\n" for line in lines))
    pem = tmp_path / "pub.pem"
    pem.write_text(public_key_pem(load_signing_key(settings).public_key()))
    args = argparse.Namespace(
        audit_command="verify",
        file=str(exported),
        public_key=str(pem),
        checkpoints=None,
        since_checkpoint=False,
    )
    with contextlib.redirect_stdout(io.StringIO()) as out:
        cmd_audit(args, settings)
    return out.getvalue()


async def test_entries_keep_the_actors_handle_and_name_as_they_were_and_verify(
    client: httpx.AsyncClient,
    session: AsyncSession,
    db: Database,
    settings: Settings,
    tmp_path: Path,
) -> None:
    authority = await make_authority(session)
    moderator = await make_member(
        session, roles=["moderator"], handle="maria.rossi", full_name="Maria Rossi"
    )
    officer = await make_member(session, authority=authority)
    auditor = await make_member(session, roles=["auditor"])
    moderator_id, officer_id = moderator.id, officer.id
    await session.commit()

    # An action through the API: the actor comes from the request, as always.
    r = await client.get(f"/api/v1/users/{officer_id}/vetting", headers=moderator.headers)
    assert r.status_code == 200, r.text
    # Renamed afterwards (marriage, a corrected spelling): new actions carry the new name.
    await session.execute(
        update(User)
        .where(col(User.id) == moderator_id)
        .values(handle="maria.bianchi", full_name="Maria Bianchi")
    )
    await session.commit()
    r = await client.get(f"/api/v1/users/{officer_id}/vetting", headers=moderator.headers)
    assert r.status_code == 200, r.text
    await write_entries(db, 1, action="test.system")  # the system has no handle or name
    async with db.transaction() as s:
        await audit.record(
            s, actor=Actor.anonymous(client_ip="192.0.2.9"), action="test.anonymous", target=None
        )

    reads = await _entries(db, "vetting.record.read")
    assert [(e["actor_handle"], e["actor_name"]) for e in reads] == [
        ("maria.rossi", "Maria Rossi"),
        ("maria.bianchi", "Maria Bianchi"),
    ]
    assert all(e["actor_user_id"] == moderator_id for e in reads)
    for action in ("test.system", "test.anonymous"):
        [entry] = await _entries(db, action)
        assert entry["actor_handle"] is None and entry["actor_name"] is None

    # The auditor's search shows them.
    r = await client.get(
        f"{API}/events", params={"action": "vetting.record.read"}, headers=auditor.headers
    )
    assert r.status_code == 200, r.text
    assert [(i["actor_handle"], i["actor_name"]) for i in r.json()["items"]] == [
        ("maria.bianchi", "Maria Bianchi"),
        ("maria.rossi", "Maria Rossi"),
    ]

    # The chain covers them: it verifies as written ...
    await seal_pending(db)
    verified = (await client.get(f"{API}/verify", headers=auditor.headers)).json()
    assert verified["ok"] is True, verified

    # ... and the export carries them, verifiable offline.
    await create_checkpoint(db, load_signing_key(settings))
    export = await client.get(f"{API}/events/export", headers=auditor.headers)
    assert export.status_code == 200
    lines = [json.loads(line) for line in export.text.splitlines()]
    by_action = {line.get("action"): line for line in lines if "seq" in line}
    first_read = next(line for line in lines if line.get("action") == "vetting.record.read")
    assert (first_read["actor_handle"], first_read["actor_name"]) == ("maria.rossi", "Maria Rossi")
    # Null optional fields are left out of the record, exactly as it was hashed.
    assert "actor_handle" not in by_action["test.system"]
    assert "actor_name" not in by_action["test.anonymous"]
    assert _offline_verify(settings, tmp_path, lines).startswith("OK:")

    # Tampering with the new fields in the export breaks verification at that entry.
    seq = first_read["seq"]

    def forged(change: Any) -> list[dict[str, Any]]:
        out = []
        for line in lines:
            line = dict(line)
            if line.get("seq") == seq:
                change(line)
            out.append(line)
        return out

    for change in (
        lambda line: line.update(actor_name="Someone Else"),
        lambda line: line.update(actor_handle="someone.else"),
        lambda line: line.pop("actor_name"),
        lambda line: line.update(actor_handle=None, actor_name=None),
    ):
        verdict = _offline_verify(settings, tmp_path, forged(change))
        assert "FAILED" in verdict and f"first bad seq {seq}" in verdict, verdict
    # Naming an actor on an entry that had none is caught too.
    system_seq = by_action["test.system"]["seq"]
    lines_with_name = [
        dict(line, actor_handle="maria.rossi") if line.get("seq") == system_seq else line
        for line in lines
    ]
    verdict = _offline_verify(settings, tmp_path, lines_with_name)
    assert "FAILED" in verdict and f"first bad seq {system_seq}" in verdict, verdict

    # CSV shows them in columns of their own.
    csv_export = await client.get(
        f"{API}/events/export",
        params={"format": "csv", "action": "vetting.record.read"},
        headers=auditor.headers,
    )
    rows = list(csv.DictReader(io.StringIO(csv_export.text)))
    assert [(row["actor_handle"], row["actor_name"]) for row in rows] == [
        ("maria.rossi", "Maria Rossi"),
        ("maria.bianchi", "Maria Bianchi"),
    ]

    # Rewriting the stored name behind the application's back is found by the verifier.
    entry_id = reads[0]["id"]
    await tamper(db, "UPDATE audit_entries SET actor_name = 'Mario' WHERE id = :i", i=entry_id)
    bad = (await client.get(f"{API}/verify", headers=auditor.headers)).json()
    assert bad["ok"] is False and bad["first_bad_seq"] == await _seq_of(db, entry_id)


def _pre_actor_fields_record(seq: int, row: dict[str, Any]) -> dict[str, Any]:
    """The canonical record exactly as sealers before the actor fields built it."""
    fields = (
        "id", "occurred_at", "actor_user_id", "actor_session_id", "actor_ip",
        "actor_user_agent", "request_id", "action", "target_type", "target_id",
        "authority_ids", "outcome", "changes", "details",
    )  # fmt: skip
    return {"seq": seq, **{name: row[name] for name in fields}}


def test_an_entry_without_actor_fields_encodes_as_before() -> None:
    # Computed by the sealer before the actor fields existed: a row sealed then still
    # hashes to the same value now.
    row = {
        "id": 41,
        "occurred_at": "2026-11-30T08:15:00.123456Z",
        "actor_user_id": "0b4e7c9e-3c1d-4f0a-9a53-5d1f6c2e8a10",
        "actor_session_id": None,
        "actor_ip": "192.0.2.7",
        "actor_user_agent": "curl/8",
        "request_id": "r-1",
        "action": "case.viewed",
        "target_type": "case",
        "target_id": "c1",
        "authority_ids": ["6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"],
        "outcome": "success",
        "changes": None,
        "details": {"n": 1},
    }
    sealed_before = "18e0ca31d3eab7d98d7e98cfedadf7eeba32f528e541dbc0b57ae756c9cca055"
    assert link_hash(GENESIS_HASH, record_of(7, row)) == sealed_before
    with_nulls = dict(row, actor_handle=None, actor_name=None)
    assert link_hash(GENESIS_HASH, record_of(7, with_nulls)) == sealed_before
    named = dict(row, actor_handle="ana", actor_name="Ana")
    assert link_hash(GENESIS_HASH, record_of(7, named)) != sealed_before


async def test_rows_written_without_the_actor_columns_still_seal_and_verify(
    client: httpx.AsyncClient, session: AsyncSession, db: Database
) -> None:
    auditor = await make_member(session, roles=["auditor"])
    await session.commit()
    # As a writer from before the columns existed inserted it: the columns are simply absent.
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO audit_entries (occurred_at, actor_user_id, action, outcome, "
                "authority_ids, details) VALUES (now(), :u, 'test.old_writer', 'success', "
                "'{}', '{\"n\": 1}')"
            ),
            {"u": uuid.uuid4()},
        )
    await seal_pending(db)
    [old] = await _entries(db, "test.old_writer")
    seq = await _seq_of(db, old["id"])
    async with db.engine.connect() as conn:
        prev = await conn.scalar(
            text("SELECT hash FROM audit_chain WHERE seq = :s"), {"s": seq - 1}
        )
        stored = await conn.scalar(text("SELECT hash FROM audit_chain WHERE seq = :s"), {"s": seq})
        row = (
            await conn.execute(
                text("SELECT * FROM audit_entries WHERE id = :i"),
                {"i": old["id"]},
            )
        ).one()
    canonical = record_of(seq, row._mapping)
    before = _pre_actor_fields_record(seq, canonical)
    expected = hashlib.sha256(
        bytes.fromhex(prev or GENESIS_HASH)
        + json.dumps(before, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    assert stored == expected
    assert await entry_id_at(db, seq) == old["id"]
    verified = (await client.get(f"{API}/verify", headers=auditor.headers)).json()
    assert verified["ok"] is True, verified


async def test_auditor_reads_the_member_directory_and_the_read_is_audited(
    client: httpx.AsyncClient, session: AsyncSession, db: Database
) -> None:
    authority = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
    officer = await make_member(
        session, authority=authority, handle="luca.verdi", full_name="Luca Verdi"
    )
    moderator = await make_member(session, roles=["moderator"], handle="anna.neri")
    auditor = await make_member(session, roles=["auditor"])
    ids = {"officer": officer.id, "moderator": moderator.id, "auditor": auditor.id}
    await session.commit()

    r = await client.get(
        f"{API}/members",
        params=[
            ("ids", str(ids["officer"])),
            ("ids", str(ids["moderator"])),
            ("ids", str(uuid.uuid4())),
        ],
        headers=auditor.headers,
    )
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["next_cursor"] is None
    assert page["items"] == [
        {
            "id": str(ids["moderator"]),
            "handle": "anna.neri",
            "full_name": moderator.user.full_name,
            "authority": None,
            "roles": ["moderator"],
        },
        {
            "id": str(ids["officer"]),
            "handle": "luca.verdi",
            "full_name": "Luca Verdi",
            "authority": {
                "id": str(authority.id),
                "name": "Ministero della Giustizia",
                "state_code": "ITA",
            },
            "roles": ["officer"],
        },
    ]
    # Only the directory: nothing like an email address, a status or sign-in details.
    assert set(page["items"][0]) == {"id", "handle", "full_name", "authority", "roles"}

    one = await client.get(f"{API}/members/{ids['officer']}", headers=auditor.headers)
    assert one.status_code == 200 and one.json()["handle"] == "luca.verdi"
    missing = await client.get(f"{API}/members/{uuid.uuid4()}", headers=auditor.headers)
    assert missing.status_code == 404

    reads = await _entries(db, "audit.members.read")
    assert len(reads) == 2  # the 404 read nothing and recorded nothing
    assert all(e["actor_user_id"] == ids["auditor"] for e in reads)
    assert reads[0]["details"]["returned"] == 2
    assert str(ids["officer"]) in reads[0]["details"]["user_ids"]
    assert reads[0]["authority_ids"] == [authority.id]
    assert (reads[1]["target_type"], reads[1]["target_id"]) == ("user", str(ids["officer"]))

    too_many = [("ids", str(uuid.uuid4())) for _ in range(101)]
    r = await client.get(f"{API}/members", params=too_many, headers=auditor.headers)
    assert r.status_code == 422
    r = await client.get(f"{API}/members", headers=auditor.headers)
    assert r.status_code == 422


@pytest.mark.parametrize("role", ["officer", "admin", "moderator", "liaison_magistrate"])
async def test_no_other_role_reads_the_member_directory(
    client: httpx.AsyncClient, session: AsyncSession, db: Database, role: str
) -> None:
    member = await make_member(session, roles=[role])
    other = await make_member(session)
    member_id, other_id = member.id, other.id
    await session.commit()
    for path in (f"{API}/members?ids={other_id}", f"{API}/members/{other_id}"):
        response = await client.get(path, headers=member.headers)
        assert response.status_code == 403, (path, response.text)
        assert (await client.get(path)).status_code == 401
    denied = await _entries(db, "audit.access.denied")
    assert len(denied) == 2 and all(e["actor_user_id"] == member_id for e in denied)
    assert await _entries(db, "audit.members.read") == []

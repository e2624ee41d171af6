"""The auditor's API: search, export, verify, checkpoints; every other role is refused."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.offline import verify_file
from app.audit.sealing import seal_pending
from app.audit.signing import parse_public_key
from app.config import Settings
from app.core import audit
from app.core.audit import Target
from app.db import Database
from tests.audit.helpers import entry_id_at, tamper, write_entries
from tests.factories import Member, make_authority, make_member

API = "/api/v1/audit"
ENDPOINTS = (
    f"{API}/events",
    f"{API}/events/export",
    f"{API}/events/export?format=csv",
    f"{API}/verify",
    f"{API}/checkpoints",
    f"{API}/public-key",
    f"{API}/events/1",
)


async def _entries(db: Database, action: str) -> list[dict[str, object]]:
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT * FROM audit_entries WHERE action = :a ORDER BY id"), {"a": action}
            )
        ).all()
    return [dict(r._mapping) for r in rows]


async def _seed(db: Database, session: AsyncSession) -> tuple[Member, Member, uuid.UUID]:
    """An auditor, an officer of an authority, and a few varied entries by the officer."""
    authority = await make_authority(session)
    auditor = await make_member(session, roles=["auditor"])
    officer = await make_member(session, roles=["officer"], authority=authority)
    await session.commit()
    case_id = uuid.uuid4()
    async with db.transaction() as s:
        await audit.record(
            s,
            actor=officer.actor,
            action="case.viewed",
            target=Target("case", case_id),
            authority_ids=[authority.id],
        )
        await audit.record(
            s,
            actor=officer.actor,
            action="case.attachment.downloaded",
            target=Target("case", case_id),
            authority_ids=[authority.id],
        )
        await audit.record(
            s, actor=auditor.actor, action="post.hidden", target=Target("post", uuid.uuid4())
        )
    await write_entries(db, 3, action="auth.login.failed")
    return auditor, officer, case_id


async def test_auditor_searches_by_every_filter_with_pagination(
    client: httpx.AsyncClient, session: AsyncSession, db: Database
) -> None:
    auditor, officer, case_id = await _seed(db, session)
    h = auditor.headers

    async def actions(**params: object) -> list[str]:
        response = await client.get(f"{API}/events", params=params, headers=h)
        assert response.status_code == 200, response.text
        return [item["action"] for item in response.json()["items"]]

    assert await actions(action="case.") == ["case.attachment.downloaded", "case.viewed"]
    assert await actions(action="case.viewed") == ["case.viewed"]
    assert await actions(action="case_") == []  # "_" is literal, not a wildcard
    assert len(await actions(actor_id=str(officer.id))) == 2
    assert len(await actions(target_type="case", target_id=str(case_id))) == 2
    assert len(await actions(authority=str(officer.user.authority_id))) == 2
    assert await actions(until=(datetime.now(UTC) - timedelta(hours=1)).isoformat()) == []

    first = await client.get(f"{API}/events", params={"action": "auth.", "limit": 2}, headers=h)
    body = first.json()
    assert len(body["items"]) == 2 and body["next_cursor"]
    rest = await client.get(
        f"{API}/events",
        params={"action": "auth.", "limit": 2, "cursor": body["next_cursor"]},
        headers=h,
    )
    assert len(rest.json()["items"]) == 1 and rest.json()["next_cursor"] is None
    item = body["items"][0]
    assert item["seq"] is None or isinstance(item["seq"], int)
    assert {"actor_ip", "authority_ids", "changes", "details", "hash"} <= set(item)

    searches = await _entries(db, "audit.searched")
    assert len(searches) == 9
    assert all(e["actor_user_id"] == auditor.id for e in searches)
    assert searches[0]["details"]["filters"] == {"action": "case."}


async def test_auditor_reads_one_entry_with_its_place_in_the_chain(
    client: httpx.AsyncClient, session: AsyncSession, db: Database
) -> None:
    auditor, officer, case_id = await _seed(db, session)
    viewed = (await _entries(db, "case.viewed"))[0]
    unsealed = await client.get(f"{API}/events/{viewed['id']}", headers=auditor.headers)
    assert unsealed.status_code == 200, unsealed.text
    assert unsealed.json()["seq"] is None and unsealed.json()["prev_hash"] is None

    await seal_pending(db)
    entry = (await client.get(f"{API}/events/{viewed['id']}", headers=auditor.headers)).json()
    assert entry["action"] == "case.viewed" and entry["target_id"] == str(case_id)
    after = await entry_id_at(db, entry["seq"] + 1)
    following = (await client.get(f"{API}/events/{after}", headers=auditor.headers)).json()
    assert following["prev_hash"] == entry["hash"] and following["seq"] == entry["seq"] + 1
    first = await entry_id_at(db, 1)
    assert (await client.get(f"{API}/events/{first}", headers=auditor.headers)).json()[
        "prev_hash"
    ] == "0" * 64
    assert entry["actor_user_id"] == str(officer.id)
    assert entry["actor_handle"] == officer.user.handle
    assert entry["actor_name"] == officer.user.full_name

    for missing in ("999999999", "0", "abc", str(2**63)):
        response = await client.get(f"{API}/events/{missing}", headers=auditor.headers)
        assert response.status_code in (404, 422), (missing, response.text)
    assert (await client.get(f"{API}/events/999999999", headers=auditor.headers)).status_code == 404
    reads = await _entries(db, "audit.entry.read")
    assert [(r["target_type"], r["target_id"]) for r in reads] == [
        ("audit_entry", str(viewed["id"])),
        ("audit_entry", str(viewed["id"])),
        ("audit_entry", str(after)),
        ("audit_entry", str(first)),
    ]
    assert all(r["actor_user_id"] == auditor.id for r in reads)


async def test_export_streams_jsonl_that_verifies_offline_with_the_public_key(
    client: httpx.AsyncClient,
    session: AsyncSession,
    db: Database,
    settings: Settings,
    tmp_path: Path,
) -> None:
    auditor, _, _ = await _seed(db, session)
    await seal_pending(db)
    # The checkpoint the export's end is anchored to (the periodic task makes these too).
    from app.audit.checkpoints import create_checkpoint
    from app.audit.signing import load_signing_key

    await create_checkpoint(db, load_signing_key(settings))
    response = await client.get(f"{API}/events/export", headers=auditor.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert "checkpoint" in lines[0]
    assert [line["seq"] for line in lines[1:]] == list(range(1, 7))
    exported = tmp_path / "export.jsonl"
    exported.write_text(response.text)

    key = (await client.get(f"{API}/public-key", headers=auditor.headers)).json()
    public_key = parse_public_key(key["public_key_pem"])
    report = verify_file(exported, public_key)
    assert report.ok and report.lines == 6 and report.anchored == 6, report.problems

    # One byte changed in one line: found, with its seq.
    forged = [json.dumps(line) for line in lines]
    assert lines[2]["action"] == "case.attachment.downloaded"
    forged[2] = forged[2].replace("case.attachment.downloaded", "case.attachment.previewed")
    exported.write_text("\n".join(forged) + "\n")
    report = verify_file(exported, public_key)
    assert not report.ok and report.first_bad_seq == 2

    # A forger who re-hashes the whole file still cannot match the signed checkpoint.
    from app.audit.chain import GENESIS_HASH, link_hash, record_of

    prev = GENESIS_HASH
    rehashed = [lines[0]]
    for line in lines[1:]:
        line = dict(line, prev_hash=prev)
        if line["seq"] == 2:
            line["action"] = "case.viewed.not"
        line["hash"] = prev = link_hash(prev, record_of(line["seq"], line))
        rehashed.append(line)
    exported.write_text("".join(json.dumps(line) + "\n" for line in rehashed))
    report = verify_file(exported, public_key)
    assert not report.ok and report.first_bad_seq == 1

    exports = await _entries(db, "audit.exported")
    assert len(exports) == 1 and exports[0]["actor_user_id"] == auditor.id
    assert exports[0]["details"]["format"] == "jsonl"


async def test_export_csv_and_time_window(
    client: httpx.AsyncClient, session: AsyncSession, db: Database
) -> None:
    auditor, officer, _ = await _seed(db, session)
    await seal_pending(db)
    response = await client.get(
        f"{API}/events/export",
        params={"format": "csv", "actor_id": str(officer.id)},
        headers=auditor.headers,
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["action"] for r in rows] == ["case.viewed", "case.attachment.downloaded"]
    assert json.loads(rows[0]["authority_ids"]) == [str(officer.user.authority_id)]

    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    empty = await client.get(
        f"{API}/events/export", params={"since": future}, headers=auditor.headers
    )
    assert empty.status_code == 200 and empty.text == ""


async def test_verify_endpoint_reports_the_first_bad_seq(
    client: httpx.AsyncClient, session: AsyncSession, db: Database
) -> None:
    auditor, _, _ = await _seed(db, session)
    await seal_pending(db)
    ok = (await client.get(f"{API}/verify", headers=auditor.headers)).json()
    assert ok["ok"] is True and ok["first_bad_seq"] is None
    assert ok["checked"] == ok["head"]["seq"] >= 6
    e2 = await entry_id_at(db, 2)
    await tamper(db, "UPDATE audit_entries SET outcome = 'failed' WHERE id = :i", i=e2)
    bad = (await client.get(f"{API}/verify", headers=auditor.headers)).json()
    assert bad["ok"] is False and bad["first_bad_seq"] == 2
    verified = await _entries(db, "audit.verified")
    assert [e["outcome"] for e in verified] == ["success", "failed"]


async def test_checkpoints_are_listed_and_verify_with_openssl(
    client: httpx.AsyncClient,
    session: AsyncSession,
    db: Database,
    settings: Settings,
    tmp_path: Path,
) -> None:
    from app.audit.checkpoints import create_checkpoint
    from app.audit.signing import load_signing_key

    auditor, _, _ = await _seed(db, session)
    await seal_pending(db)
    await create_checkpoint(db, load_signing_key(settings))
    page = (await client.get(f"{API}/checkpoints", headers=auditor.headers)).json()
    assert len(page["items"]) >= 1
    checkpoint = page["items"][0]
    assert checkpoint["text"].startswith("canet audit checkpoint v1\n")
    assert f"seq: {checkpoint['seq']}\n" in checkpoint["text"]

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    # An outside party with nothing but the PEM public key and openssl.
    pem = (await client.get(f"{API}/public-key", headers=auditor.headers)).json()
    (tmp_path / "pub.pem").write_text(pem["public_key_pem"])
    body, signature_line = checkpoint["text"].rstrip("\n").rsplit("\n", 1)
    (tmp_path / "msg").write_text(body + "\n")
    import base64

    (tmp_path / "sig").write_bytes(base64.b64decode(signature_line.split(": ", 1)[1]))
    command = [
        "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin",
        "-in", "msg", "-sigfile", "sig",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    (tmp_path / "msg").write_text(body.replace("seq: ", "seq: 1") + "\n")
    forged = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert forged.returncode != 0


@pytest.mark.parametrize("role", ["officer", "admin", "moderator", "liaison_magistrate"])
async def test_every_other_role_is_refused_and_the_attempt_recorded(
    client: httpx.AsyncClient, session: AsyncSession, db: Database, role: str
) -> None:
    member = await make_member(session, roles=[role])
    await session.commit()
    for path in ENDPOINTS:
        response = await client.get(path, headers=member.headers)
        assert response.status_code == 403, (path, response.text)
        assert (await client.get(path)).status_code == 401
    denied = await _entries(db, "audit.access.denied")
    assert len(denied) == len(ENDPOINTS)
    assert all(e["outcome"] == "denied" and e["actor_user_id"] == member.id for e in denied)
    assert await _entries(db, "audit.searched") == []
    assert await _entries(db, "audit.exported") == []


async def test_cli_checkpoint_export_and_offline_verify(
    session: AsyncSession, db: Database, settings: Settings, tmp_path: Path
) -> None:
    import argparse
    import asyncio
    import contextlib

    from app.audit.cli import cmd_audit

    await _seed(db, session)

    def run(**kwargs: object) -> int:
        return cmd_audit(argparse.Namespace(**kwargs), settings)

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert await asyncio.to_thread(run, audit_command="checkpoint") == 0
        assert await asyncio.to_thread(run, audit_command="public-key") == 0
    assert "canet audit checkpoint v1" in out.getvalue()
    pem = out.getvalue()[out.getvalue().index("-----BEGIN") :]
    (tmp_path / "pub.pem").write_text(pem)
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    exported = tmp_path / "range.jsonl"
    assert (
        await asyncio.to_thread(
            run,
            audit_command="export",
            since=datetime.fromisoformat(since),
            until=None,
            format="jsonl",
            output=str(exported),
        )
        == 0
    )
    with contextlib.redirect_stdout(io.StringIO()) as verdict:
        code = run(
            audit_command="verify",
            file=str(exported),
            public_key=str(tmp_path / "pub.pem"),
            checkpoints=None,
            since_checkpoint=False,
        )
    assert code == 0, verdict.getvalue()
    assert verdict.getvalue().startswith("OK: 6 entries, 6 anchored")
    with contextlib.redirect_stdout(io.StringIO()) as verdict:
        code = await asyncio.to_thread(
            run, audit_command="verify", file=None, since_checkpoint=False
        )
    assert code == 0, verdict.getvalue()
    assert await _entries(db, "audit.exported")

    # Checkpoints kept apart from the entries (`canet audit checkpoints > cps.txt`).
    with contextlib.redirect_stdout(io.StringIO()) as listing:
        assert await asyncio.to_thread(run, audit_command="checkpoints") == 0
    (tmp_path / "cps.txt").write_text(listing.getvalue())
    entries_only = tmp_path / "entries.jsonl"
    entries_only.write_text(
        "".join(
            line
            for line in exported.read_text().splitlines(keepends=True)
            if not line.startswith('{"checkpoint"')
        )
    )
    common = {"public_key": str(tmp_path / "pub.pem"), "since_checkpoint": False}
    with contextlib.redirect_stdout(io.StringIO()) as verdict:
        assert run(audit_command="verify", file=str(entries_only), checkpoints=None, **common)
    assert "nothing is proven" in verdict.getvalue()
    with contextlib.redirect_stdout(io.StringIO()) as verdict:
        code = run(
            audit_command="verify",
            file=str(entries_only),
            checkpoints=str(tmp_path / "cps.txt"),
            **common,
        )
    assert code == 0, verdict.getvalue()


async def test_search_needs_a_valid_cursor(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    auditor = await make_member(session, roles=["auditor"])
    await session.commit()
    response = await client.get(f"{API}/events?cursor=garbage", headers=auditor.headers)
    assert response.status_code == 400

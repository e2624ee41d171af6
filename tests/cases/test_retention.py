"""Retention of case files: deletion with a tombstone, legal holds, the purge and the sweep.

Real database, real files: the purge and sweep tests run an app of their own on a data
directory of their own, so what they find in the storage is only what they put there.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.crypto import Vault
from app.cases.purge import run_pass
from app.cases.repository.retention import PURGE_LOCK_KEY
from app.cases.service.attachments import upload_attachment
from app.cases.settings import CasesSettings
from app.cases.storage import LocalDirectoryStorage, storage_for
from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models.cases import Case, CaseAttachment, CaseTimelineEntry
from app.models.events import Event
from tests.cases.conftest import Network, act_ok, audit_rows, submitted_case
from tests.factories import make_member

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + os.urandom(5_000) + b"\n%%EOF\n"
DAY = 86_400


async def _upload(
    client: httpx.AsyncClient, member: Any, case_id: str, name: str = "records.pdf"
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/cases/{case_id}/attachments",
        files={"file": (name, PDF, "application/pdf")},
        headers=member.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _files(client: httpx.AsyncClient, member: Any, case_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/cases/{case_id}/attachments", headers=member.headers)
    assert response.status_code == 200, response.text
    return {f["id"]: f for f in response.json()}


async def _delete(
    client: httpx.AsyncClient, member: Any, case_id: str, file_id: str, reason: str | None
) -> httpx.Response:
    body = {} if reason is None else {"reason": reason}
    return await client.request(
        "DELETE",
        f"/api/v1/cases/{case_id}/attachments/{file_id}",
        json=body,
        headers=member.headers,
    )


async def _hold(
    client: httpx.AsyncClient, member: Any, case_id: str, method: str, reason: str = "litigation"
) -> httpx.Response:
    return await client.request(
        method,
        f"/api/v1/cases/{case_id}/legal-hold",
        json={"reason": reason},
        headers=member.headers,
    )


async def _closed_case(client: httpx.AsyncClient, net: Network) -> str:
    case = await submitted_case(client, net)
    cid: str = case["id"]
    await act_ok(client, net.it, cid, "acknowledge")
    await act_ok(client, net.it, cid, "start_execution")
    await act_ok(client, net.it, cid, "execute")
    await act_ok(client, net.fr, cid, "close")
    return cid


async def _age_case(session: AsyncSession, case_id: str, years: int) -> None:
    """Move the case's end back by `years` (and a day)."""
    await session.execute(
        sa.text(
            "UPDATE cases SET closed_at = closed_at - make_interval(years => :y, days => 1),"
            " completed_at = completed_at - make_interval(years => :y, days => 1)"
            " WHERE id = :id"
        ),
        {"y": years, "id": uuid.UUID(case_id)},
    )
    await session.commit()


async def _row(session: AsyncSession, file_id: str) -> CaseAttachment:
    row = await session.get(CaseAttachment, uuid.UUID(file_id), populate_existing=True)
    assert row is not None
    return row


def _problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == f"urn:canet:problem:{code}"


# --- deletion ---------------------------------------------------------------------------------


async def test_deletion_leaves_a_tombstone_and_the_file_is_gone(
    client: httpx.AsyncClient, session: AsyncSession, net: Network, settings: Settings
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    meta = await _upload(client, net.fr, cid, "Statement of J. Doe.pdf")
    fid = meta["id"]
    assert meta["allowed_actions"] == ["delete"]  # the uploader, while the case is under way
    path = storage_for(settings).path_of(f"{cid}/{fid}")  # type: ignore[attr-defined]
    assert path.exists()

    # The other side sees the file but may not delete it; the uploader's focal point may.
    assert (await _files(client, net.it, cid))[fid]["allowed_actions"] == []
    assert (await _files(client, net.it_focal, cid))[fid]["allowed_actions"] == []
    assert (await _files(client, net.fr_focal, cid))[fid]["allowed_actions"] == ["delete"]
    assert (await _files(client, net.fr2, cid))[fid]["allowed_actions"] == []

    _problem(await _delete(client, net.fr, cid, fid, None), 422, "validation-failed")
    _problem(await _delete(client, net.fr, cid, fid, "   "), 422, "validation-failed")
    _problem(await _delete(client, net.it_focal, cid, fid, "not ours"), 403, "forbidden")
    [denied] = await audit_rows(session, "case.access.denied", cid)
    assert denied.actor_user_id == net.it_focal.id
    assert path.exists()

    deleted = await _delete(client, net.fr, cid, fid, "uploaded to the wrong case")
    assert deleted.status_code == 200, deleted.text
    body = deleted.json()
    name_hash = hashlib.sha256(b"Statement of J. Doe.pdf").hexdigest()
    assert body["filename"] == ""
    assert body["sha256"] == meta["sha256"] and body["size"] == meta["size"]
    assert body["allowed_actions"] == []
    tomb = body["deleted"]
    assert tomb["kind"] == "deleted"
    assert tomb["deleted_by"] == str(net.fr.id)
    assert tomb["reason"] == "uploaded to the wrong case"
    assert tomb["filename_sha256"] == name_hash
    assert not path.exists()

    row = await _row(session, fid)
    assert (row.filename, row.filename_sha256, row.deletion_kind) == ("", name_hash, "deleted")
    assert row.deleted_by == net.fr.id and row.deleted_at is not None

    # Both sides see the tombstone in the list and in the case file; the bytes answer 410.
    for member in (net.fr, net.it):
        listed = (await _files(client, member, cid))[fid]
        assert listed["deleted"]["reason"] == "uploaded to the wrong case"
        assert listed["filename"] == ""
    export = (await client.get(f"/api/v1/cases/{cid}/export", headers=net.it.headers)).json()
    assert [a["deleted"]["kind"] for a in export["attachments"]] == ["deleted"]
    gone = await client.get(f"/api/v1/cases/{cid}/attachments/{fid}", headers=net.it.headers)
    _problem(gone, 410, "attachment-deleted")
    _problem(await _delete(client, net.fr, cid, fid, "again"), 410, "attachment-deleted")

    timeline = (await client.get(f"/api/v1/cases/{cid}/timeline", headers=net.it.headers)).json()
    [entry] = [e for e in timeline if e["kind"] == "attachment_deleted"]
    assert entry["note"] == "uploaded to the wrong case"
    assert entry["actor_user_id"] == str(net.fr.id)
    assert entry["data"]["attachment_id"] == fid
    assert entry["data"]["sha256"] == meta["sha256"]

    [audited] = await audit_rows(session, "case.attachment.deleted", fid)
    assert audited.actor_user_id == net.fr.id
    assert audited.details == {
        "case_id": cid,
        "kind": "deleted",
        "size": meta["size"],
        "sha256": meta["sha256"],
        "filename_sha256": name_hash,
    }
    assert "Doe" not in str(audited.details) and "wrong case" not in str(audited.details)
    assert set(audited.authority_ids) == {net.fra.id, net.ita.id}
    published = (
        (await session.execute(select(Event).where(Event.name == "case.attachment.deleted")))
        .scalars()
        .all()
    )
    assert [e.data for e in published] == [{"case_id": cid, "attachment_id": fid}]


async def test_after_the_outcome_only_the_uploading_sides_focal_point_deletes(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    ours = await _upload(client, net.fr, cid, "request.pdf")
    theirs = await _upload(client, net.it, cid, "answer.pdf")
    await act_ok(client, net.it, cid, "acknowledge")
    await act_ok(client, net.it, cid, "start_execution")
    await act_ok(client, net.it, cid, "execute")
    await act_ok(client, net.fr, cid, "close")

    _problem(await _delete(client, net.fr, cid, ours["id"], "tidy up"), 403, "forbidden")
    _problem(await _delete(client, net.fr_focal, cid, theirs["id"], "x"), 403, "forbidden")
    assert (await _files(client, net.it_focal, cid))[theirs["id"]]["allowed_actions"] == ["delete"]
    done = await _delete(client, net.fr_focal, cid, ours["id"], "duplicate of the other file")
    assert done.status_code == 200, done.text
    assert done.json()["deleted"]["deleted_by"] == str(net.fr_focal.id)
    done = await _delete(client, net.it_focal, cid, theirs["id"], "sent by mistake")
    assert done.status_code == 200, done.text
    assert len(await audit_rows(session, "case.attachment.deleted")) == 2


# --- legal hold -------------------------------------------------------------------------------


async def test_legal_hold_stops_deletion_and_only_its_side_releases_it(
    client: httpx.AsyncClient, session: AsyncSession, net: Network, settings: Settings
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    meta = await _upload(client, net.fr, cid)
    path = storage_for(settings).path_of(f"{cid}/{meta['id']}")  # type: ignore[attr-defined]
    read = (await client.get(f"/api/v1/cases/{cid}", headers=net.fr_focal.headers)).json()
    assert read["legal_hold"] is None and read["legal_hold_actions"] == ["set"]
    for member in (net.fr, net.it):
        seen = (await client.get(f"/api/v1/cases/{cid}", headers=member.headers)).json()
        assert seen["legal_hold_actions"] == []
        _problem(await _hold(client, member, cid, "POST"), 403, "forbidden")
    assert len(await audit_rows(session, "case.access.denied", cid)) == 2
    _problem(await _hold(client, net.fr_focal, cid, "DELETE"), 409, "no-legal-hold")
    empty = await client.post(
        f"/api/v1/cases/{cid}/legal-hold", json={"reason": ""}, headers=net.fr_focal.headers
    )
    _problem(empty, 422, "validation-failed")

    held = await _hold(client, net.fr_focal, cid, "POST", "proceedings pending in Lyon")
    assert held.status_code == 200, held.text
    hold = held.json()["legal_hold"]
    assert hold["reason"] == "proceedings pending in Lyon"
    assert hold["side"] == "requesting" and hold["set_by"] == str(net.fr_focal.id)
    assert held.json()["legal_hold_actions"] == ["release"]
    other = (await client.get(f"/api/v1/cases/{cid}", headers=net.it_focal.headers)).json()
    assert other["legal_hold"]["reason"] == "proceedings pending in Lyon"
    assert other["legal_hold_actions"] == []
    _problem(await _hold(client, net.it_focal, cid, "POST"), 409, "legal-hold-exists")
    _problem(await _hold(client, net.it_focal, cid, "DELETE"), 403, "forbidden")

    # Under the hold nobody deletes, and nobody is offered to.
    assert (await _files(client, net.fr, cid))[meta["id"]]["allowed_actions"] == []
    assert (await _files(client, net.fr_focal, cid))[meta["id"]]["allowed_actions"] == []
    _problem(await _delete(client, net.fr, cid, meta["id"], "mistake"), 409, "legal-hold")
    _problem(await _delete(client, net.fr_focal, cid, meta["id"], "mistake"), 409, "legal-hold")
    assert path.exists()
    assert (await _row(session, meta["id"])).deleted_at is None

    released = await _hold(client, net.fr_focal, cid, "DELETE", "proceedings ended")
    assert released.status_code == 200, released.text
    assert released.json()["legal_hold"] is None
    assert released.json()["legal_hold_actions"] == ["set"]
    timeline = (await client.get(f"/api/v1/cases/{cid}/timeline", headers=net.it.headers)).json()
    steps = [(e["kind"], e["note"]) for e in timeline if e["kind"].startswith("legal_hold")]
    assert steps == [
        ("legal_hold_set", "proceedings pending in Lyon"),
        ("legal_hold_released", "proceedings ended"),
    ]
    [placed] = await audit_rows(session, "case.legal_hold.set", cid)
    [lifted] = await audit_rows(session, "case.legal_hold.released", cid)
    assert placed.actor_user_id == lifted.actor_user_id == net.fr_focal.id
    assert placed.details == {"side": "requesting"}
    assert "Lyon" not in str(placed.details)
    assert (await _delete(client, net.fr, cid, meta["id"], "mistake")).status_code == 200


async def test_a_moderator_holds_only_a_case_they_take_part_in(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    officer_moderator = await make_member(
        session, roles=["officer", "moderator"], authority=net.ita
    )
    await session.commit()
    case = await submitted_case(client, net)
    cid = case["id"]
    # A moderator as such does not know the case exists.
    assert (await _hold(client, net.moderator, cid, "POST")).status_code == 404
    seen = (await client.get(f"/api/v1/cases/{cid}", headers=officer_moderator.headers)).json()
    assert seen["legal_hold_actions"] == ["set"]
    held = await _hold(client, officer_moderator, cid, "POST", "asked by the court")
    assert held.status_code == 200, held.text
    assert held.json()["legal_hold"]["side"] == "requested"


async def test_outsiders_get_404_on_the_retention_routes(
    client: httpx.AsyncClient, session: AsyncSession, net: Network
) -> None:
    case = await submitted_case(client, net)
    cid = case["id"]
    meta = await _upload(client, net.fr, cid)
    for member in net.outsiders.values():
        for response in (
            await _delete(client, member, cid, meta["id"], "x"),
            await _hold(client, member, cid, "POST"),
            await _hold(client, member, cid, "DELETE"),
        ):
            _problem(response, 404, "not-found")
    # A file id of another case is not found either, even to a participant.
    other = await submitted_case(client, net)
    _problem(await _delete(client, net.fr, other["id"], meta["id"], "x"), 404, "not-found")
    assert (await _files(client, net.fr, cid))[meta["id"]]["deleted"] is None


# --- purge and sweep --------------------------------------------------------------------------


@pytest.fixture
async def own(
    settings: Settings, db: Database, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    """An app whose attachments live in a directory of this test's own."""
    mine = settings.model_copy(update={"data_dir": tmp_path / "data"})
    application: FastAPI = create_app(mine, database=db)
    application.state.db = db
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client, mine


def _policy(**overrides: Any) -> CasesSettings:
    values: dict[str, Any] = {
        "retention_years": 10,
        "retention_years_by_type": {"extradition": 30},
        "purge_batch": 1,
        "_env_file": None,
    }
    values.update(overrides)
    return CasesSettings(**values)


async def test_purge_after_retention_respects_holds_and_is_idempotent(
    own: tuple[httpx.AsyncClient, Settings], session: AsyncSession, net: Network, db: Database
) -> None:
    client, mine = own
    storage = storage_for(mine)
    expired = await _closed_case(client, net)  # mla, ended 11 years ago
    expired_files = [await _upload(client, net.fr, expired, f"f{i}.pdf") for i in range(2)]
    held = await _closed_case(client, net)  # mla, ended 11 years ago, under a hold
    held_file = await _upload(client, net.it, held)
    extradition = await _closed_case(client, net)
    await session.execute(
        sa.update(Case).where(Case.id == uuid.UUID(extradition)).values(type="extradition")
    )
    await session.commit()
    extradition_file = await _upload(client, net.fr, extradition)
    recent = await _closed_case(client, net)  # ended yesterday
    recent_file = await _upload(client, net.fr, recent)
    under_way = (await submitted_case(client, net))["id"]
    under_way_file = await _upload(client, net.fr, under_way)
    for cid in (expired, held, extradition):
        await _age_case(session, cid, 11)
    assert (await _hold(client, net.it_focal, held, "POST", "appeal pending")).status_code == 200
    policy = _policy()

    def blob(cid: str, meta: dict[str, Any]) -> Path:
        return storage.path_of(f"{cid}/{meta['id']}")  # type: ignore[attr-defined]

    # The dry run lists what would go and changes nothing.
    dry = await run_pass(db, storage, settings=policy, dry_run=True)
    assert dry is not None
    assert sorted(str(f.attachment_id) for f in dry.purged) == sorted(
        f["id"] for f in expired_files
    )
    assert all(f.years == 10 and f.case_type == "mla" for f in dry.purged)
    assert all(blob(expired, f).exists() for f in expired_files)
    assert await audit_rows(session, "case.attachment.purged") == []

    report = await run_pass(db, storage, settings=policy)
    assert report is not None
    assert sorted(str(f.attachment_id) for f in report.purged) == sorted(
        f["id"] for f in expired_files
    )
    for meta in expired_files:
        row = await _row(session, meta["id"])
        assert row.deletion_kind == "purged" and row.deleted_by is None
        assert row.deletion_reason == "retention: 10 years after closure"
        assert row.filename == "" and row.filename_sha256 is not None
        assert not blob(expired, meta).exists()
    for cid, meta in (
        (held, held_file),
        (extradition, extradition_file),
        (recent, recent_file),
        (under_way, under_way_file),
    ):
        assert (await _row(session, meta["id"])).deleted_at is None
        assert blob(cid, meta).exists()
    purged_audit = await audit_rows(session, "case.attachment.purged")
    assert sorted(e.target_id for e in purged_audit) == sorted(f["id"] for f in expired_files)
    assert all(e.actor_user_id is None and e.details["retention_years"] == 10 for e in purged_audit)
    # One batch of one file each (purge_batch=1): one timeline entry per case and batch.
    entries = (
        (
            await session.execute(
                select(CaseTimelineEntry).where(CaseTimelineEntry.kind == "attachments_purged")
            )
        )
        .scalars()
        .all()
    )
    assert sum(e.data["count"] for e in entries) == 2
    assert {str(e.case_id) for e in entries} == {expired}
    listed = await _files(client, net.it, expired)
    assert {f["deleted"]["kind"] for f in listed.values()} == {"purged"}
    gone = await client.get(
        f"/api/v1/cases/{expired}/attachments/{expired_files[0]['id']}", headers=net.fr.headers
    )
    _problem(gone, 410, "attachment-deleted")

    # Again: nothing more to do, nothing more recorded.
    again = await run_pass(db, storage, settings=policy)
    assert again is not None and again.purged == [] and again.sweep.removed == 0
    assert len(await audit_rows(session, "case.attachment.purged")) == 2

    # Released, the held case's file goes; the extradition case's only past 30 years.
    assert (await _hold(client, net.it_focal, held, "DELETE", "appeal decided")).status_code == 200
    await _age_case(session, extradition, 20)
    report = await run_pass(db, storage, settings=policy)
    assert report is not None
    assert sorted(str(f.attachment_id) for f in report.purged) == sorted(
        [held_file["id"], extradition_file["id"]]
    )
    assert (await _row(session, recent_file["id"])).deleted_at is None
    assert (await _row(session, under_way_file["id"])).deleted_at is None

    # Kept forever for a type set to 0.
    forever = _policy(retention_years=0, retention_years_by_type={})
    await _age_case(session, recent, 90)
    report = await run_pass(db, storage, settings=forever)
    assert report is not None and report.purged == []


async def test_sweep_removes_orphans_unfinished_uploads_and_tombstone_blobs(
    own: tuple[httpx.AsyncClient, Settings], session: AsyncSession, net: Network, db: Database
) -> None:
    client, mine = own
    storage = storage_for(mine)
    assert isinstance(storage, LocalDirectoryStorage)
    cid = (await submitted_case(client, net))["id"]
    live = await _upload(client, net.fr, cid, "live.pdf")
    crashed = await _upload(client, net.fr, cid, "crashed.pdf")
    # A deletion whose process died after the commit, before removing the blob.
    await session.execute(
        sa.update(CaseAttachment)
        .where(CaseAttachment.id == uuid.UUID(crashed["id"]))
        .values(deleted_at=sa.func.now(), deletion_kind="deleted", deletion_reason="x")
    )
    await session.commit()

    async def put(key: str) -> Path:
        writer = await storage.create(key)
        await writer.write(b"ciphertext")
        await writer.commit()
        return storage.path_of(key)

    def part(key: str) -> Path:
        path = storage.path_of(key).with_name(storage.path_of(key).name + ".part")
        path.write_bytes(b"half a file")
        return path

    def age(path: Path, seconds: float) -> None:
        then = time.time() - seconds
        os.utime(path, (then, then))

    old_orphan = await put(f"{cid}/{uuid.uuid4()}")
    new_orphan = await put(f"{cid}/{uuid.uuid4()}")
    other_case_orphan = await put(f"{uuid.uuid4()}/{uuid.uuid4()}")
    old_part, new_part = part(f"{cid}/{uuid.uuid4()}"), part(f"{cid}/{uuid.uuid4()}")
    live_path = storage.path_of(f"{cid}/{live['id']}")
    crashed_path = storage.path_of(f"{cid}/{crashed['id']}")
    for path in (old_orphan, other_case_orphan, old_part, live_path):
        age(path, 2 * DAY)
    stray = storage.root / cid / "notes.txt"  # not ours to judge: left alone
    stray.write_text("x")
    age(stray, 9 * DAY)

    dry = await run_pass(db, storage, settings=_policy(), dry_run=True)
    assert dry is not None and dry.sweep.removed == 4
    assert old_orphan.exists() and crashed_path.exists() and old_part.exists()

    report = await run_pass(db, storage, settings=_policy())
    assert report is not None
    sweep = report.sweep
    assert sweep.tombstone_blobs == [f"{cid}/{crashed['id']}"]
    assert sorted(sweep.orphans) == sorted(
        [f"{cid}/{old_orphan.name}", f"{other_case_orphan.parent.name}/{other_case_orphan.name}"]
    )
    assert sweep.unfinished == [f"{cid}/{old_part.name.removesuffix('.part')}"]
    for path in (old_orphan, other_case_orphan, old_part, crashed_path):
        assert not path.exists(), path
    for path in (new_orphan, new_part, live_path, stray):
        assert path.exists(), path
    [swept] = await audit_rows(session, "case.storage.swept")
    assert swept.details == {"tombstone_blobs": 1, "orphans": 2, "unfinished_uploads": 1}
    url = f"/api/v1/cases/{cid}/attachments/{live['id']}"
    download = await client.get(url, headers=net.it.headers)
    assert download.status_code == 200 and download.content == PDF


async def test_one_pass_at_a_time(db: Database, tmp_path: Path) -> None:
    storage = LocalDirectoryStorage(tmp_path)
    async with db.engine.connect() as other:
        await other.execute(sa.select(sa.func.pg_advisory_lock(PURGE_LOCK_KEY)))
        assert await run_pass(db, storage, settings=_policy()) is None
        await other.execute(sa.select(sa.func.pg_advisory_unlock(PURGE_LOCK_KEY)))
    assert await run_pass(db, storage, settings=_policy()) is not None


async def test_a_rolled_back_upload_leaves_no_file(
    session: AsyncSession, net: Network, db: Database, tmp_path: Path, settings: Settings
) -> None:
    case = Case(
        reference=f"MLA-2026-{uuid.uuid4().int % 10**6:06d}",
        type="mla",
        status="submitted",
        requesting_authority_id=net.fra.id,
        requested_authority_id=net.ita.id,
        title="t",
        legal_basis={"kind": "untoc_art18"},
    )
    session.add(case)
    await session.commit()
    storage = LocalDirectoryStorage(tmp_path)
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )

    async def chunks() -> AsyncIterator[bytes]:
        yield body

    stored: list[str] = []
    with pytest.raises(RuntimeError, match="after the upload"):
        async with db.transaction() as tx:
            meta = await upload_attachment(
                tx,
                actor=net.fr.actor,
                case_id=case.id,
                body=chunks(),
                content_type=f"multipart/form-data; boundary={boundary}",
                vault=Vault(settings),
                storage=storage,
                limit=10_000_000,
            )
            stored.append(f"{case.id}/{meta.id}")
            assert storage.path_of(stored[0]).exists()
            raise RuntimeError("something failed after the upload")
    assert not storage.path_of(stored[0]).exists()
    assert list(tmp_path.rglob("*")) == [tmp_path / str(case.id)]  # no .part either
    assert await session.scalar(sa.select(sa.func.count()).select_from(CaseAttachment)) == 0


def test_retention_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown case types"):
        CasesSettings(retention_years_by_type={"mutual": 5}, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="0 \\(keep forever\\) to 100"):
        CasesSettings(retention_years_by_type={"mla": 500}, _env_file=None)  # type: ignore[call-arg]
    policy = CasesSettings(
        retention_years=7,
        retention_years_by_type={"extradition": 0},
        _env_file=None,  # type: ignore[call-arg]
    )
    assert policy.retention_for("mla") == 7 and policy.retention_for("extradition") == 0
    assert CasesSettings(_env_file=None).retention_years == 10  # type: ignore[call-arg]


async def test_the_purge_command_lists_what_it_would_do(
    own: tuple[httpx.AsyncClient, Settings], session: AsyncSession, net: Network
) -> None:
    client, mine = own
    cid = await _closed_case(client, net)
    meta = await _upload(client, net.fr, cid)
    await _age_case(session, cid, 11)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANET_")}
    env |= {
        "CANET_DATABASE_URL": mine.database_url or "",
        "CANET_DATA_DIR": str(mine.data_dir),
        "CANET_SECRET_KEY": mine.secret_key.get_secret_value() if mine.secret_key else "",
        "CANET_LOG_LEVEL": "WARNING",
        "CANET_CASES_RETENTION_YEARS": "10",
    }
    run = subprocess.run(
        [sys.executable, "-m", "app.cli", "cases", "purge", "--dry-run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    [line] = run.stdout.splitlines()
    assert line.startswith(f"would purge {meta['id']} of ")
    assert "retention 10 years" in line
    assert "1 files to purge" in run.stderr
    assert (await _row(session, meta["id"])).deleted_at is None

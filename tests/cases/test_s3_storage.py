"""Attachments in S3-compatible object storage, against a real HTTP server on loopback.

The server is moto's standalone server (`python -m moto.server`): an S3-compatible EMULATOR
speaking the S3 REST protocol, not AWS and not MinIO. It checks our request sequence
(multipart create/part/complete/abort, 5 MiB minimum parts, ETags) the way an S3 API does,
but cannot vouch for one provider's quirks.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiobotocore.session import get_session
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.crypto import HEADER_BYTES, SEGMENT, TAG
from app.cases.purge import run_pass
from app.cases.settings import CasesSettings
from app.cases.storage import storage_for
from app.cases.storage_s3 import PART_SIZE, S3Storage
from app.config import ConfigurationError, Settings
from app.db import Database
from app.main import create_app
from app.models.base import utcnow
from app.models.cases import CaseAttachment
from tests.cases.conftest import Network, audit_rows, submitted_case

MiB = 1024 * 1024
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _pdf(size: int) -> bytes:
    head = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    tail = b"\n%%EOF\n"
    return head + os.urandom(size - len(head) - len(tail)) + tail


def _ciphertext_size(plain: int) -> int:
    segments = max(1, -(-plain // SEGMENT))
    return HEADER_BYTES + plain + segments * TAG


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3-compatible server in its own process on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@asynccontextmanager
async def s3_client(endpoint: str) -> AsyncIterator[Any]:
    async with get_session().create_client(
        "s3", region_name="us-east-1", endpoint_url=endpoint, **KEYS
    ) as client:
        yield client


@pytest.fixture
async def bucket(s3_endpoint: str) -> str:
    name = f"canet-{uuid.uuid4().hex[:12]}"
    async with s3_client(s3_endpoint) as client:
        await client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_settings(settings: Settings, s3_endpoint: str, bucket: str) -> Settings:
    return settings.model_copy(
        update={
            "storage_backend": "s3",
            "s3_endpoint_url": s3_endpoint,
            "s3_bucket": bucket,
            "s3_access_key_id": "testing",
            "s3_secret_access_key": SecretStr("testing"),
            "s3_prefix": "attachments/",
            "max_attachment_bytes": 12 * MiB,
        }
    )


@pytest.fixture
async def s3_api(s3_settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(s3_settings, database=db)
    app.state.db = db
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def _post_file(
    client: httpx.AsyncClient, url: str, filename: str, content: bytes, headers: dict[str, str]
) -> httpx.Response:
    """POST a multipart `file` streamed in 32 KiB chunks, as a server hands a body over.

    Below the 64 KiB margin the edge middleware allows above the attachment limit, so the
    upload's own limit (413 from the service, which aborts the storage write) trips first.
    """
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 32 * 1024):
            yield body[start : start + 32 * 1024]

    return await client.post(
        url,
        content=chunks(),
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


async def _bucket_state(endpoint: str, bucket: str) -> tuple[list[str], list[str]]:
    """(object keys, keys of multipart uploads still pending)."""
    async with s3_client(endpoint) as client:
        objects = await client.list_objects_v2(Bucket=bucket)
        pending = await client.list_multipart_uploads(Bucket=bucket)
    return (
        [o["Key"] for o in objects.get("Contents", [])],
        [u["Key"] for u in pending.get("Uploads", [])],
    )


async def test_multipart_upload_and_download_through_the_api(
    s3_api: httpx.AsyncClient, session: AsyncSession, net: Network, s3_endpoint: str, bucket: str
) -> None:
    plain = _pdf(11 * MiB)
    case = await submitted_case(s3_api, net)
    url = f"/api/v1/cases/{case['id']}/attachments"
    upload = await _post_file(s3_api, url, "records.pdf", plain, net.fr.headers)
    assert upload.status_code == 201, upload.text
    meta = upload.json()
    assert meta["size"] == len(plain)
    assert meta["sha256"] == hashlib.sha256(plain).hexdigest()
    stored = await session.get(CaseAttachment, uuid.UUID(meta["id"]))
    assert stored is not None

    object_key = f"attachments/{stored.storage_key}"
    assert await _bucket_state(s3_endpoint, bucket) == ([object_key], [])
    async with s3_client(s3_endpoint) as client:
        head = await client.head_object(Bucket=bucket, Key=object_key)
        response = await client.get_object(Bucket=bucket, Key=object_key)
        async with response["Body"] as body:
            blob = await body.read()
    # 11 MiB of ciphertext in 5 MiB parts: a multipart ETag names its part count.
    assert head["ETag"].strip('"').endswith("-3")
    # The bucket holds ciphertext only.
    assert len(blob) == _ciphertext_size(len(plain))
    assert blob.startswith(b"CNE1")
    assert b"%PDF" not in blob
    for offset in (1000, 5 * MiB + 17, len(plain) - 200):
        assert plain[offset : offset + 64] not in blob

    download = await s3_api.get(f"{url}/{meta['id']}", headers=net.it.headers)
    assert download.status_code == 200
    assert download.headers["x-content-sha256"] == meta["sha256"]
    assert hashlib.sha256(download.content).hexdigest() == meta["sha256"]
    assert download.content == plain
    assert len(await audit_rows(session, "case.attachment.downloaded", meta["id"])) == 1


async def test_upload_over_the_limit_aborts_the_multipart_upload(
    s3_api: httpx.AsyncClient, session: AsyncSession, net: Network, s3_endpoint: str, bucket: str
) -> None:
    # 13 MiB against a 12 MiB limit: two parts are already sent when the limit is crossed.
    case = await submitted_case(s3_api, net)
    url = f"/api/v1/cases/{case['id']}/attachments"
    too_big = await _post_file(s3_api, url, "big.pdf", _pdf(13 * MiB), net.fr.headers)
    assert too_big.status_code == 413
    assert await _bucket_state(s3_endpoint, bucket) == ([], [])
    assert await session.scalar(select(func.count()).select_from(CaseAttachment)) == 0
    assert await audit_rows(session, "case.attachment.created") == []


async def test_storage_calls_against_the_bucket(s3_settings: Settings, s3_endpoint: str) -> None:
    storage = storage_for(s3_settings)
    assert isinstance(storage, S3Storage)
    bucket = storage.bucket
    case_id, small_id, exact_id, aborted_id = (uuid.uuid4() for _ in range(4))

    # A file below one part goes up as a single PutObject.
    writer = await storage.create(f"{case_id}/{small_id}")
    await writer.write(b"ciphertext ")
    await writer.write(b"of a small file")
    await writer.commit()
    assert b"".join([c async for c in storage.read(f"{case_id}/{small_id}")]) == (
        b"ciphertext of a small file"
    )

    # Exactly two full parts: nothing left for a last part; Complete still succeeds.
    exact = os.urandom(2 * PART_SIZE)
    writer = await storage.create(f"{case_id}/{exact_id}")
    await writer.write(exact[: 3 * MiB])
    await writer.write(exact[3 * MiB :])
    await writer.commit()
    assert b"".join([c async for c in storage.read(f"{case_id}/{exact_id}")]) == exact

    # An aborted upload leaves no pending multipart upload and no object.
    writer = await storage.create(f"{case_id}/{aborted_id}")
    await writer.write(os.urandom(PART_SIZE + 1))
    assert (await _bucket_state(s3_endpoint, bucket))[1] == [f"attachments/{case_id}/{aborted_id}"]
    await writer.abort()
    objects, pending = await _bucket_state(s3_endpoint, bucket)
    assert pending == []
    assert sorted(objects) == sorted(
        [f"attachments/{case_id}/{small_id}", f"attachments/{case_id}/{exact_id}"]
    )

    await storage.delete(f"{case_id}/{small_id}")
    assert (await _bucket_state(s3_endpoint, bucket))[0] == [f"attachments/{case_id}/{exact_id}"]

    with pytest.raises(ValueError, match="unsafe storage key"):
        await storage.create("../../etc/passwd")


def test_s3_backend_needs_a_bucket() -> None:
    with pytest.raises(ConfigurationError, match="CANET_S3_BUCKET"):
        Settings(env="test", storage_backend="s3", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="at least 5 MiB"):
        S3Storage(bucket="b", part_size=MiB)


async def test_deletion_and_the_sweep_in_the_bucket(
    s3_api: httpx.AsyncClient,
    s3_settings: Settings,
    session: AsyncSession,
    net: Network,
    db: Database,
    s3_endpoint: str,
    bucket: str,
) -> None:
    case = await submitted_case(s3_api, net)
    cid = case["id"]
    url = f"/api/v1/cases/{cid}/attachments"
    kept = (await _post_file(s3_api, url, "kept.pdf", _pdf(4096), net.fr.headers)).json()
    gone = (await _post_file(s3_api, url, "gone.pdf", _pdf(4096), net.fr.headers)).json()
    crashed = (await _post_file(s3_api, url, "crashed.pdf", _pdf(4096), net.fr.headers)).json()
    deleted = await s3_api.request(
        "DELETE", f"{url}/{gone['id']}", json={"reason": "wrong file"}, headers=net.fr.headers
    )
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["deleted"]["kind"] == "deleted"
    objects, _ = await _bucket_state(s3_endpoint, bucket)
    assert f"attachments/{cid}/{gone['id']}" not in objects

    # A deletion that committed but died before removing its object, an object without a
    # row and a multipart upload a crash left pending: the sweep finds all three.
    await session.execute(
        update(CaseAttachment)
        .where(CaseAttachment.id == uuid.UUID(crashed["id"]))
        .values(deleted_at=func.now(), deletion_kind="deleted", deletion_reason="x")
    )
    await session.commit()
    orphan = f"attachments/{cid}/{uuid.uuid4()}"
    pending = f"attachments/{cid}/{uuid.uuid4()}"
    async with s3_client(s3_endpoint) as client:
        await client.put_object(Bucket=bucket, Key=orphan, Body=b"ciphertext")
        started = await client.create_multipart_upload(Bucket=bucket, Key=pending)
        await client.upload_part(
            Bucket=bucket,
            Key=pending,
            UploadId=started["UploadId"],
            PartNumber=1,
            Body=os.urandom(PART_SIZE),
        )
    storage = storage_for(s3_settings)
    policy = CasesSettings(_env_file=None)  # type: ignore[call-arg]
    soon = await run_pass(db, storage, settings=policy)
    assert soon is not None
    assert soon.sweep.tombstone_blobs == [f"{cid}/{crashed['id']}"]
    assert soon.sweep.orphans == []  # too recent yet: it may be an upload about to commit
    # moto reports every pending upload as initiated on 2010-11-10: already past the grace.
    assert soon.sweep.unfinished == [pending.removeprefix("attachments/")]
    later = await run_pass(db, storage, settings=policy, now=lambda: utcnow() + timedelta(days=2))
    assert later is not None
    assert later.sweep.orphans == [orphan.removeprefix("attachments/")]
    assert await _bucket_state(s3_endpoint, bucket) == ([f"attachments/{cid}/{kept['id']}"], [])
    download = await s3_api.get(f"{url}/{kept['id']}", headers=net.it.headers)
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == kept["sha256"]

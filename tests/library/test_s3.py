"""Library files in S3-compatible storage (moto's standalone server, as for case files): the
same backend as attachments, under the library's own prefix, stored as uploaded."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Database
from app.library.storage import library_prefix
from app.main import create_app
from app.models.library import LibraryFile
from tests.cases.test_s3_storage import MiB, bucket, s3_client, s3_endpoint, s3_settings
from tests.library.conftest import API, World, create, law, pdf, upload

__all__ = ["bucket", "s3_endpoint", "s3_settings"]  # fixtures shared with the cases' tests


def test_the_library_prefix_sits_beside_the_attachments_one() -> None:
    assert library_prefix("attachments/") == "library/"
    assert library_prefix("canet/attachments/") == "canet/library/"
    assert library_prefix("") == "library/"


@pytest.fixture
async def s3_api(s3_settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(s3_settings, database=db)
    app.state.db = db
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def test_upload_and_download_through_s3(
    s3_api: httpx.AsyncClient,
    session: AsyncSession,
    world: World,
    s3_endpoint: str,
    bucket: str,
) -> None:
    doc = await create(s3_api, world.fra_focal, law())
    content = pdf(6 * MiB)
    uploaded = await upload(s3_api, world.fra_focal, doc["id"], content)
    assert uploaded.status_code == 201, uploaded.text
    meta = uploaded.json()["file"]
    row = await session.get(LibraryFile, uuid.UUID(meta["id"]))
    assert row is not None
    async with s3_client(s3_endpoint) as client:
        listed = await client.list_objects_v2(Bucket=bucket)
        keys = [o["Key"] for o in listed.get("Contents", [])]
        assert keys == [f"library/{row.storage_key}"]
        response = await client.get_object(Bucket=bucket, Key=keys[0])
        async with response["Body"] as body:
            blob = await body.read()
    # Not encrypted: the bucket holds the file as uploaded.
    assert blob == content
    download = await s3_api.get(
        f"{API}/library/documents/{doc['id']}/file", headers=world.officer.headers
    )
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == meta["sha256"]
    assert download.headers["content-type"] == "application/pdf"

"""Files: streamed in, typed by content, size-limited, digested, kept per version, streamed
out with their type and name; stored as uploaded (not encrypted) apart from case files."""

from __future__ import annotations

import hashlib
import tracemalloc

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models.library import LibraryFile
from tests.library.conftest import (
    API,
    World,
    audit_rows,
    create,
    law,
    multipart_chunks,
    pdf,
    upload,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


async def test_upload_version_and_download(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    doc = await create(client, world.fra_focal, law())
    content = pdf(50_000, marker=b"version one")
    uploaded = await upload(client, world.fra_focal, doc["id"], content, "Code pénal – livre V.pdf")
    assert uploaded.status_code == 201, uploaded.text
    first = uploaded.json()
    assert first["version"] == 2
    meta = first["file"]
    assert meta["content_type"] == "application/pdf"
    assert meta["size"] == len(content)
    assert meta["sha256"] == hashlib.sha256(content).hexdigest()
    assert meta["filename"] == "Code pénal – livre V.pdf"

    # Stored as it came (public texts are not encrypted per case), in the library's own place.
    row = await session.get(LibraryFile, meta["id"])
    assert row is not None
    stored = settings.data_dir / "library" / row.storage_key
    assert stored.read_bytes() == content
    assert not (settings.data_dir / "attachments" / row.storage_key).exists()

    download = await client.get(
        f"{API}/library/documents/{doc['id']}/file", headers=world.officer.headers
    )
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == (
        'attachment; filename="Code p_nal _ livre V.pdf"; '
        "filename*=UTF-8''Code%20p%C3%A9nal%20%E2%80%93%20livre%20V.pdf"
    )
    assert download.headers["x-content-sha256"] == meta["sha256"]
    assert download.headers["x-content-type-options"] == "nosniff"

    # A second file is a new version; the first stays downloadable from its revision.
    second_content = pdf(30_000, marker=b"version two")
    second = await upload(
        client, world.admin, doc["id"], second_content, "amended.pdf", note="2025 amendment"
    )
    assert second.status_code == 201, second.text
    assert second.json()["version"] == 3
    current = await client.get(
        f"{API}/library/documents/{doc['id']}/file", headers=world.officer.headers
    )
    assert current.content == second_content
    revisions = (
        await client.get(
            f"{API}/library/documents/{doc['id']}/revisions", headers=world.officer.headers
        )
    ).json()["items"]
    assert [(r["version"], r["action"]) for r in revisions] == [
        (3, "file"),
        (2, "file"),
        (1, "created"),
    ]
    assert revisions[0]["note"] == "2025 amendment"
    assert revisions[0]["changes"]["file_id"] == {
        "old": meta["id"],
        "new": second.json()["file"]["id"],
    }
    assert revisions[2]["file"] is None
    old = await client.get(revisions[1]["file"]["url"], headers=world.officer.headers)
    assert old.status_code == 200 and old.content == content

    # A file of another document is not reachable through this one.
    other = await create(client, world.admin, law(title="Code pénal"))
    crossed = await client.get(
        f"{API}/library/documents/{other['id']}/files/{meta['id']}", headers=world.admin.headers
    )
    assert crossed.status_code == 404
    no_file = await client.get(
        f"{API}/library/documents/{other['id']}/file", headers=world.admin.headers
    )
    assert no_file.status_code == 404

    uploads = await audit_rows(session, "library.file.uploaded", doc["id"])
    assert [u.details["sha256"] for u in uploads if u.details] == [
        meta["sha256"],
        hashlib.sha256(second_content).hexdigest(),
    ]
    assert uploads[0].details and uploads[0].details["version"] == 2


async def test_only_editors_upload_and_refusals_leave_nothing(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    doc = await create(client, world.fra_focal, law())
    for member in (world.ita_focal, world.officer, world.moderator):
        refused = await upload(client, member, doc["id"], pdf())
        assert refused.status_code == 403, refused.text
    assert (await upload(client, world.auditor, doc["id"], pdf())).status_code == 403
    denied = await audit_rows(session, "library.file.upload", doc["id"])
    assert len(denied) == 3 and {d.outcome for d in denied} == {"denied"}
    assert await session.scalar(select(func.count()).select_from(LibraryFile)) == 0
    assert not list((settings.data_dir / "library").rglob(f"{doc['id']}/*"))


async def test_files_are_typed_by_their_content(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    doc = await create(client, world.fra_focal, law())
    refused = [
        (PNG + b"\x00" * 100, "law.pdf"),  # the name says PDF, the content is an image
        (b"MZ\x90\x00" + b"\x00" * 200, "law.pdf"),  # an executable
        (b"PK\x03\x04" + b"\x00" * 200, "laws.zip"),  # an archive: not a text of the library
        (b"<html><script>alert(1)</script></html>", "law.html"),  # a page a browser would run
    ]
    for content, name in refused:
        response = await upload(client, world.fra_focal, doc["id"], content, name)
        assert response.status_code == 415, (name, response.text)
        assert response.json()["type"] == "urn:canet:problem:unsupported-file-type"
    text = "Article 694: les demandes d'entraide émanant des autorités étrangères…".encode()
    plain = await upload(client, world.fra_focal, doc["id"], text, "article-694.txt")
    assert plain.status_code == 201, plain.text
    assert plain.json()["file"]["content_type"] == "text/plain"
    scan = await upload(client, world.fra_focal, doc["id"], PNG + b"\x00" * 100, "page1.png")
    assert scan.json()["file"]["content_type"] == "image/png"
    empty = await upload(client, world.fra_focal, doc["id"], b"", "empty.pdf")
    assert empty.status_code == 422
    no_file = await client.post(
        f"{API}/library/documents/{doc['id']}/file",
        data={"note": "no file"},
        files={"other": ("x.txt", b"x", "text/plain")},
        headers=world.fra_focal.headers,
    )
    assert no_file.status_code == 422
    not_multipart = await client.post(
        f"{API}/library/documents/{doc['id']}/file",
        content=b"%PDF-1.4",
        headers={**world.fra_focal.headers, "Content-Type": "application/pdf"},
    )
    assert not_multipart.status_code == 400
    # Only the two accepted files were kept, and nothing half-written remains.
    assert await session.scalar(select(func.count()).select_from(LibraryFile)) == 2
    assert not list((settings.data_dir / "library").rglob("*.part"))


async def test_size_limit(
    settings: Settings, db: Database, session: AsyncSession, world: World
) -> None:
    small = settings.model_copy(update={"max_attachment_bytes": 100_000})
    app: FastAPI = create_app(small, database=db)
    app.state.db = db
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        doc = await create(client, world.fra_focal, law())
        too_big = await upload(client, world.fra_focal, doc["id"], pdf(100_001))
        assert too_big.status_code == 413, too_big.text
        fits = await upload(client, world.fra_focal, doc["id"], pdf(100_000))
        assert fits.status_code == 201, fits.text
    assert not list((small.data_dir / "library").rglob("*.part"))
    assert await session.scalar(select(func.count()).select_from(LibraryFile)) == 1


async def test_a_large_upload_is_streamed_not_held_in_memory(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, world: World
) -> None:
    """30 MB sent in 64 KiB pieces: the peak allocation while it is received stays under
    4 MiB (about 1 MiB measured), as it could not if the body or the file were gathered
    before being written."""
    doc = await create(client, world.fra_focal, law())
    size = 30 * 1024 * 1024
    content_type, body = multipart_chunks("large.pdf", size)
    tracemalloc.start()
    try:
        response = await client.post(
            f"{API}/library/documents/{doc['id']}/file",
            content=body,
            headers={**world.fra_focal.headers, "Content-Type": content_type},
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 201, response.text
    meta = response.json()["file"]
    assert meta["size"] == size
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes for a {size}-byte upload"
    row = await session.get(LibraryFile, meta["id"])
    assert row is not None
    stored = (settings.data_dir / "library" / row.storage_key).read_bytes()
    assert len(stored) == size and hashlib.sha256(stored).hexdigest() == meta["sha256"]

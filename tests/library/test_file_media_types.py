"""The OpenAPI document says what a library download really is, and that an upload can be 415.

Found by the fuzzer (tests/fuzz): a file is served with the type judged at upload (a PDF as
application/pdf) while the document promised application/octet-stream only, and the 415 of
an upload of a type the library does not take was not declared.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.library.files import LIBRARY_TYPES
from tests.library.conftest import API, World, create, law, pdf, upload


async def test_downloads_are_served_as_documented(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    paths = app.openapi()["paths"]
    for path in (
        "/api/v1/library/documents/{document_id}/file",
        "/api/v1/library/documents/{document_id}/files/{file_id}",
    ):
        content = paths[path]["get"]["responses"]["200"]["content"]
        # Bytes first, for client generators; then every type a file may be served as.
        assert next(iter(content)) == "application/octet-stream"
        assert set(content) == {"application/octet-stream", *LIBRARY_TYPES}
    assert "415" in paths["/api/v1/library/documents/{document_id}/file"]["post"]["responses"]

    doc = await create(client, world.fra_focal, law())
    assert (await upload(client, world.fra_focal, doc["id"], pdf())).status_code == 201
    download = await client.get(
        f"{API}/library/documents/{doc['id']}/file", headers=world.officer.headers
    )
    assert download.status_code == 200
    assert download.headers["content-type"] in content
    refused = await upload(client, world.fra_focal, doc["id"], b"MZ\x90\x00", "tool.exe")
    assert refused.status_code == 415
    assert refused.headers["content-type"] == "application/problem+json"

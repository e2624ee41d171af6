"""A download is served as the document says: application/octet-stream, whatever was uploaded.

Found by the fuzzer (tests/fuzz): the download carried the type judged from the content at
upload (application/pdf ...) while the OpenAPI document promised application/octet-stream.
The judged type stays in the attachment's metadata; the download never invites rendering.
An upload of a type not accepted answers 415, which the document declares.
"""

from __future__ import annotations

import httpx

from tests.cases.conftest import Network, submitted_case


async def test_download_is_octet_stream_whatever_the_declared_type(
    client: httpx.AsyncClient, net: Network
) -> None:
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}/attachments"
    files = {
        "note.txt": (b"Bank records attached.", "text/plain"),
        "scan.pdf": (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "application/pdf"),
    }
    for name, (content, judged) in files.items():
        upload = await client.post(
            url, files={"file": (name, content, "text/html")}, headers=net.fr.headers
        )
        assert upload.status_code == 201, upload.text
        assert upload.json()["content_type"] == judged
        download = await client.get(f"{url}/{upload.json()['id']}", headers=net.it.headers)
        assert download.status_code == 200
        assert download.headers["content-type"] == "application/octet-stream"
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.content == content
    listed = await client.get(url, headers=net.it.headers)
    assert sorted(a["content_type"] for a in listed.json()) == ["application/pdf", "text/plain"]
    refused = await client.post(
        url,
        files={"file": ("tool.exe", b"MZ\x90\x00", "application/octet-stream")},
        headers=net.fr.headers,
    )
    assert refused.status_code == 415
    assert refused.headers["content-type"] == "application/problem+json"


async def test_a_text_named_as_text_is_text_whatever_its_first_line_looks_like(
    client: httpx.AsyncClient, net: Network
) -> None:
    # puremagic reads "Word: ..." on the first line as a mail header; a treaty's text starts so.
    case = await submitted_case(client, net)
    url = f"/api/v1/cases/{case['id']}/attachments"
    for name, judged in (("treaty.txt", "text/plain"), ("treaty.md", "text/markdown")):
        upload = await client.post(
            url,
            files={"file": (name, b"Article 1: Scope\nThe Parties shall...\n", "text/plain")},
            headers=net.fr.headers,
        )
        assert upload.status_code == 201, upload.text
        assert upload.json()["content_type"] == judged
    script = await client.post(
        url,
        files={"file": ("run.txt", b"#!/bin/sh\nrm -rf /\n", "text/plain")},
        headers=net.fr.headers,
    )
    assert script.status_code == 415

"""Attachment blobs in S3-compatible object storage (CANET_STORAGE_BACKEND=s3).

Like every `BlobStorage`, this only ever sees ciphertext (crypto.py encrypts before `write`).
The mapping onto S3:

- `create` opens a client; nothing is sent yet.
- `write` buffers ciphertext and, once a full part (5 MiB, the S3 minimum) is buffered,
  starts a multipart upload (CreateMultipartUpload) and sends the part (UploadPart). Memory
  per upload stays near one part.
- `commit` sends the rest as the last (smaller) part and CompleteMultipartUpload; a file that
  never filled one part goes up as one PutObject instead.
- `abort` sends AbortMultipartUpload, so a refused upload (too large, wrong type, client gone)
  leaves neither an object nor a pending upload that would be billed.
- `read` streams GetObject's body in chunks; `delete` is DeleteObject.
- `list_blobs` pages through ListObjectsV2 under the prefix, then ListMultipartUploads (the
  uploads a crash left pending); `discard` deletes an object or aborts such an upload.

aiobotocore is an optional dependency (`pip install canet[s3]`), imported only when this
backend is configured.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any

from aiobotocore.session import AioSession, get_session

from app.cases.storage import READ_CHUNK, BlobWriter, StoredBlob, _check_key
from app.config import ConfigurationError, Settings

# S3 refuses parts below 5 MiB (except the last); larger parts only cost memory per upload.
PART_SIZE = 5 * 1024 * 1024
_KEY = re.compile(r"^[0-9a-f-]{36}/[0-9a-f-]{36}$")


@lru_cache(maxsize=1)
def _session() -> AioSession:
    # One session per process: it caches the parsed S3 service model that clients share.
    return get_session()


class _S3Writer:
    def __init__(self, storage: S3Storage, key: str, client: Any, exits: Any) -> None:
        self._storage = storage
        self._key = key
        self._client = client
        self._exits = exits
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._closed = False

    async def write(self, data: bytes) -> None:
        self._buffer += data
        size = self._storage.part_size
        while len(self._buffer) >= size:
            part = bytes(self._buffer[:size])
            del self._buffer[:size]
            await self._send_part(part)

    async def _send_part(self, body: bytes) -> None:
        if self._upload_id is None:
            started = await self._client.create_multipart_upload(
                Bucket=self._storage.bucket,
                Key=self._key,
                ContentType="application/octet-stream",
            )
            self._upload_id = started["UploadId"]
        number = len(self._parts) + 1
        sent = await self._client.upload_part(
            Bucket=self._storage.bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=body,
        )
        self._parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    async def commit(self) -> None:
        try:
            if self._upload_id is None:
                await self._client.put_object(
                    Bucket=self._storage.bucket,
                    Key=self._key,
                    Body=bytes(self._buffer),
                    ContentType="application/octet-stream",
                )
            else:
                if self._buffer:
                    await self._send_part(bytes(self._buffer))
                await self._client.complete_multipart_upload(
                    Bucket=self._storage.bucket,
                    Key=self._key,
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                )
            self._buffer.clear()
        finally:
            await self._close()

    async def abort(self) -> None:
        try:
            if self._upload_id is not None:
                await self._client.abort_multipart_upload(
                    Bucket=self._storage.bucket, Key=self._key, UploadId=self._upload_id
                )
                self._upload_id = None
        finally:
            self._buffer.clear()
            await self._close()

    async def _close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._exits.aclose()


class S3Storage:
    """Blobs as objects `<prefix><case id>/<attachment id>` in one S3-compatible bucket."""

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "attachments/",
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        part_size: int = PART_SIZE,
    ) -> None:
        if part_size < PART_SIZE:
            raise ValueError("S3 multipart parts must be at least 5 MiB")
        self.bucket = bucket
        self.prefix = prefix
        self.part_size = part_size
        # Without explicit keys, botocore's default chain applies (AWS_* variables, instance
        # or task roles).
        self._client_args: dict[str, Any] = {
            "region_name": region,
            "endpoint_url": endpoint_url,
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
        }

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        if not settings.s3_bucket:
            raise ConfigurationError("CANET_STORAGE_BACKEND=s3 needs CANET_S3_BUCKET")
        secret = settings.s3_secret_access_key
        return cls(
            bucket=settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret is not None else None,
        )

    def object_key(self, key: str) -> str:
        return self.prefix + _check_key(key)

    async def _open(self) -> tuple[Any, contextlib.AsyncExitStack]:
        # A client per operation: it lives as long as the upload or download it serves and
        # is bound to the event loop that uses it (the service model is cached per session).
        exits = contextlib.AsyncExitStack()
        client = await exits.enter_async_context(
            _session().create_client("s3", **self._client_args)
        )
        return client, exits

    async def create(self, key: str) -> BlobWriter:
        object_key = self.object_key(key)
        client, exits = await self._open()
        return _S3Writer(self, object_key, client, exits)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        object_key = self.object_key(key)
        client, exits = await self._open()
        async with exits:
            response = await client.get_object(Bucket=self.bucket, Key=object_key)
            async with response["Body"] as body:
                while chunk := await body.read(READ_CHUNK):
                    yield chunk

    async def delete(self, key: str) -> None:
        object_key = self.object_key(key)
        client, exits = await self._open()
        async with exits:
            await client.delete_object(Bucket=self.bucket, Key=object_key)

    async def list_blobs(self) -> AsyncIterator[StoredBlob]:
        """Every object under the prefix, then every multipart upload still pending there."""
        client, exits = await self._open()
        async with exits:
            objects = client.get_paginator("list_objects_v2")
            async for page in objects.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix) :]
                    if _KEY.match(key):
                        yield StoredBlob(key, item["LastModified"])
            uploads = client.get_paginator("list_multipart_uploads")
            async for page in uploads.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for upload in page.get("Uploads", []):
                    key = upload["Key"][len(self.prefix) :]
                    if _KEY.match(key):
                        yield StoredBlob(
                            key, upload["Initiated"], partial=True, upload_id=upload["UploadId"]
                        )

    async def discard(self, blob: StoredBlob) -> None:
        object_key = self.object_key(blob.key)
        client, exits = await self._open()
        async with exits:
            if blob.partial:
                await client.abort_multipart_upload(
                    Bucket=self.bucket, Key=object_key, UploadId=blob.upload_id
                )
            else:
                await client.delete_object(Bucket=self.bucket, Key=object_key)

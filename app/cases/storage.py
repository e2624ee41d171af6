"""Where encrypted attachment bytes live, behind a small interface.

`LocalDirectoryStorage` (the default) keeps blobs under `<data_dir>/attachments`. Any
implementation only ever sees ciphertext: encryption happens before `write` and after `read`
(see crypto.py). `S3Storage` (storage_s3.py, CANET_STORAGE_BACKEND=s3) maps the same calls
onto S3 multipart uploads; see the README's "Case-request channels" section.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO, Protocol

from app.config import Settings

READ_CHUNK = 1024 * 1024
_SAFE_KEY = re.compile(r"^[0-9a-f-]{36}/[0-9a-f-]{36}$")


class BlobWriter(Protocol):
    async def write(self, data: bytes) -> None: ...
    async def commit(self) -> None: ...
    async def abort(self) -> None: ...


class BlobStorage(Protocol):
    async def create(self, key: str) -> BlobWriter: ...
    def read(self, key: str) -> AsyncIterator[bytes]: ...
    async def delete(self, key: str) -> None: ...


def _check_key(key: str) -> str:
    # Keys are "<case uuid>/<attachment uuid>": never a path a caller could steer.
    if not _SAFE_KEY.match(key):
        raise ValueError(f"unsafe storage key {key!r}")
    return key


class _LocalWriter:
    def __init__(self, final: Path, handle: BinaryIO, partial: Path) -> None:
        self._final = final
        self._handle = handle
        self._partial = partial

    async def write(self, data: bytes) -> None:
        if data:
            await asyncio.to_thread(self._handle.write, data)

    def _commit(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self._partial, self._final)

    async def commit(self) -> None:
        await asyncio.to_thread(self._commit)

    def _abort(self) -> None:
        self._handle.close()
        self._partial.unlink(missing_ok=True)

    async def abort(self) -> None:
        await asyncio.to_thread(self._abort)


class LocalDirectoryStorage:
    """Blobs as files under one directory (0700), written to `.part` then renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, key: str) -> Path:
        return self.root / _check_key(key)

    def _open(self, key: str) -> _LocalWriter:
        final = self.path_of(key)
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = final.with_name(final.name + ".part")
        handle = open(partial, "wb")  # noqa: SIM115 -- closed by commit/abort
        os.chmod(partial, 0o600)
        return _LocalWriter(final, handle, partial)

    async def create(self, key: str) -> BlobWriter:
        return await asyncio.to_thread(self._open, key)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(open, self.path_of(key), "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, READ_CHUNK):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path_of(key).unlink, True)


def storage_for(settings: Settings) -> BlobStorage:
    """The configured storage: the local directory, or an S3-compatible bucket."""
    if settings.storage_backend == "s3":
        # Imported here: aiobotocore is an optional extra, needed only for this backend.
        from app.cases.storage_s3 import S3Storage

        return S3Storage.from_settings(settings)
    return LocalDirectoryStorage(settings.ensure_data_dir() / "attachments")

"""Where encrypted attachment bytes live, behind a small interface.

`LocalDirectoryStorage` (the default) keeps blobs under `<data_dir>/attachments`. Any
implementation only ever sees ciphertext: encryption happens before `write` and after `read`
(see crypto.py). `S3Storage` (storage_s3.py, CANET_STORAGE_BACKEND=s3) maps the same calls
onto S3 multipart uploads; see the README's "Case-request channels" section.

A blob is never visible half-written: the local writer fills `<key>.part`, fsyncs it, renames
it and fsyncs the directory; S3 shows an object only once its upload completes. `list_blobs`
and `discard` let the retention pass (app/cases/purge.py) find and remove what no attachment
row accounts for, unfinished uploads included.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from app.config import Settings

READ_CHUNK = 1024 * 1024
_SAFE_KEY = re.compile(r"^[0-9a-f-]{36}/[0-9a-f-]{36}$")
_UUID_NAME = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PARTIAL_SUFFIX = ".part"


@dataclass(frozen=True, slots=True)
class StoredBlob:
    """One thing in the storage: a finished blob, or an upload never finished (`partial`)."""

    key: str  # "<case id>/<attachment id>"
    modified_at: datetime
    partial: bool = False
    # What the backend needs to remove an unfinished upload (S3: its upload id).
    upload_id: str | None = None


class BlobWriter(Protocol):
    async def write(self, data: bytes) -> None: ...
    async def commit(self) -> None: ...
    async def abort(self) -> None: ...


class BlobStorage(Protocol):
    async def create(self, key: str) -> BlobWriter: ...
    def read(self, key: str) -> AsyncIterator[bytes]: ...
    async def delete(self, key: str) -> None: ...
    def list_blobs(self) -> AsyncIterator[StoredBlob]: ...
    async def discard(self, blob: StoredBlob) -> None: ...


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
        # The rename itself survives a power cut only once the directory is synced.
        _fsync_directory(self._final.parent)

    async def commit(self) -> None:
        await asyncio.to_thread(self._commit)

    def _abort(self) -> None:
        self._handle.close()
        self._partial.unlink(missing_ok=True)

    async def abort(self) -> None:
        await asyncio.to_thread(self._abort)


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _scan_case_directory(directory: Path) -> list[StoredBlob]:
    found = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                name, partial = entry.name, entry.name.endswith(PARTIAL_SUFFIX)
                if partial:
                    name = name[: -len(PARTIAL_SUFFIX)]
                if not _UUID_NAME.match(name) or not entry.is_file(follow_symlinks=False):
                    continue
                try:
                    modified = datetime.fromtimestamp(entry.stat().st_mtime, UTC)
                except FileNotFoundError:
                    continue  # renamed (an upload finishing) or removed meanwhile
                found.append(StoredBlob(f"{directory.name}/{name}", modified, partial))
    except FileNotFoundError:
        pass
    return found


def _case_directories(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    with os.scandir(root) as entries:
        return [
            Path(e.path)
            for e in entries
            if e.is_dir(follow_symlinks=False) and _UUID_NAME.match(e.name)
        ]


class LocalDirectoryStorage:
    """Blobs as files under one directory (0700), written to `.part` then renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, key: str) -> Path:
        return self.root / _check_key(key)

    def _open(self, key: str) -> _LocalWriter:
        final = self.path_of(key)
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = final.with_name(final.name + PARTIAL_SUFFIX)
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

    async def list_blobs(self) -> AsyncIterator[StoredBlob]:
        """Every blob and every `.part` file left by an upload, one case directory at a time."""
        for directory in await asyncio.to_thread(_case_directories, self.root):
            for blob in await asyncio.to_thread(_scan_case_directory, directory):
                yield blob

    async def discard(self, blob: StoredBlob) -> None:
        path = self.path_of(blob.key)
        if blob.partial:
            path = path.with_name(path.name + PARTIAL_SUFFIX)
        await asyncio.to_thread(path.unlink, True)


def storage_for(settings: Settings) -> BlobStorage:
    """The configured storage: the local directory, or an S3-compatible bucket."""
    if settings.storage_backend == "s3":
        # Imported here: aiobotocore is an optional extra, needed only for this backend.
        from app.cases.storage_s3 import S3Storage

        return S3Storage.from_settings(settings)
    return LocalDirectoryStorage(settings.ensure_data_dir() / "attachments")

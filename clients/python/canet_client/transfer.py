"""Streaming attachments: a multipart body read from disk in chunks, a download written to a
temporary file beside its target; both hashed on the way and checked against the SHA-256
the server reports (`sha256` of the upload's answer, `X-Content-SHA256` of a download)."""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from canet_client.errors import IntegrityError

# Called with (bytes done, total bytes or None when unknown).
Progress = Callable[[int, int | None], None]
CHUNK = 256 * 1024


def _quote(name: str) -> str:
    # As browsers do (WHATWG multipart/form-data): escape the quote and line breaks.
    return name.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class FileUpload:
    """A multipart/form-data body with one `file` part, streamed and hashed as it is sent.

    Restartable: each attempt (a retry) reads the file from the start again.
    """

    def __init__(
        self,
        source: str | Path | bytes | BinaryIO,
        *,
        filename: str | None = None,
        handling_code: str | None = None,
        progress: Progress | None = None,
        chunk_size: int = CHUNK,
    ) -> None:
        self._path: Path | None = None
        self._data: bytes | None = None
        self._file: BinaryIO | None = None
        if isinstance(source, bytes):
            self._data = source
            size = len(source)
        elif isinstance(source, str | Path):
            self._path = Path(source)
            size = self._path.stat().st_size
            filename = filename or self._path.name
        else:
            self._file = source
            start = source.tell()
            size = source.seek(0, os.SEEK_END) - start
            source.seek(start)
            self._start = start
            filename = filename or Path(getattr(source, "name", "") or "attachment").name
        self.filename = filename or "attachment"
        self.size = size
        self.progress = progress
        self.chunk_size = chunk_size
        boundary = uuid.uuid4().hex
        self.content_type = f"multipart/form-data; boundary={boundary}"
        head = b""
        if handling_code:
            head += (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="handling_code"\r\n\r\n'
                f"{handling_code}\r\n"
            ).encode()
        part_type = mimetypes.guess_type(self.filename)[0] or "application/octet-stream"
        head += (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{_quote(self.filename)}"\r\n'
            f"Content-Type: {part_type}\r\n\r\n"
        ).encode()
        self._head = head
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self.length = len(self._head) + self.size + len(self._tail)
        self._hash = hashlib.sha256()
        self.sent = 0

    @property
    def sha256(self) -> str:
        """The digest of the file's bytes as sent by the last attempt."""
        return self._hash.hexdigest()

    def restart(self) -> None:
        self._hash = hashlib.sha256()
        self.sent = 0

    def _chunks(self) -> Iterator[bytes]:
        if self._data is not None:
            view = memoryview(self._data)
            for start in range(0, len(view), self.chunk_size):
                yield bytes(view[start : start + self.chunk_size])
            return
        if self._path is not None:
            with self._path.open("rb") as handle:
                while chunk := handle.read(self.chunk_size):
                    yield chunk
            return
        assert self._file is not None
        self._file.seek(self._start)
        while chunk := self._file.read(self.chunk_size):
            yield chunk

    def __iter__(self) -> Iterator[bytes]:
        self.restart()
        yield self._head
        if self.progress:
            self.progress(0, self.size)
        for chunk in self._chunks():
            self._hash.update(chunk)
            self.sent += len(chunk)
            if self.progress:
                self.progress(self.sent, self.size)
            yield chunk
        yield self._tail

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk

    def check(self, reported: str) -> None:
        """Raise IntegrityError unless the server stored exactly the bytes sent."""
        if reported.lower() != self.sha256:
            raise IntegrityError(
                f"The server stored {self.filename} with SHA-256 {reported}, "
                f"but the bytes sent have {self.sha256}.",
                expected=self.sha256,
                actual=reported,
            )


class DownloadSink:
    """Receives a download's chunks into a temporary file beside `target`, hashing them.

    `finish()` checks the digest and moves the file into place atomically; a mismatch
    removes the temporary file and raises IntegrityError, leaving `target` untouched.
    """

    def __init__(
        self,
        target: str | Path | BinaryIO,
        *,
        expected_sha256: str | None,
        total: int | None,
        progress: Progress | None = None,
    ) -> None:
        self.expected = expected_sha256.lower() if expected_sha256 else None
        self.total = total
        self.progress = progress
        self.received = 0
        self._hash = hashlib.sha256()
        self._tmp: str | None = None
        if isinstance(target, str | Path):
            self.target: Path | None = Path(target)
            self.target.parent.mkdir(parents=True, exist_ok=True)
            fd, self._tmp = tempfile.mkstemp(
                dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".part"
            )
            self._out: BinaryIO = os.fdopen(fd, "wb")
        else:
            self.target = None
            self._out = target
        if self.progress:
            self.progress(0, self.total)

    def feed(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self._out.write(chunk)
        self.received += len(chunk)
        if self.progress:
            self.progress(self.received, self.total)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def abort(self) -> None:
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._out.close()
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)
            self._tmp = None

    def finish(self) -> str:
        """Check and commit; returns the digest."""
        actual = self.sha256
        if self.expected is not None and actual != self.expected:
            self.abort()
            raise IntegrityError(
                f"The download has SHA-256 {actual}, the server reports {self.expected}.",
                expected=self.expected,
                actual=actual,
            )
        if self._tmp is not None and self.target is not None:
            self._out.flush()
            os.fsync(self._out.fileno())
            self._out.close()
            os.replace(self._tmp, self.target)
            self._tmp = None
        return actual


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()

"""Streamed multipart parsing and content checks for attachment uploads.

The body is parsed as it arrives (python-multipart's push parser), so a 100 MB upload never
sits in memory or, in plaintext, in a temporary file: each piece is hashed, encrypted and
written as it comes.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import puremagic
from python_multipart.multipart import MultipartParser, parse_options_header

from app.cases.exceptions import MalformedMultipart, NotMultipart, UnsupportedFileType

SNIFF_BYTES = 8192
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')

# What may be uploaded, by the type its content shows (not its name).
ALLOWED_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/tiff",
        "image/webp",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/zip",
        "audio/mpeg",
        "audio/x-wav",
        "audio/wav",
        "video/mp4",
        "text/plain",
    }
)
# Text content may keep one of these declared types; any other text is stored as text/plain
# (never text/html or image/svg+xml, which a careless client could render).
TEXT_TYPES = frozenset(
    {"text/plain", "text/csv", "text/markdown", "message/rfc822", "application/json"}
)
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"#!")


def sanitize_filename(raw: str | None) -> str:
    """A safe display and download name: no path, no control or reserved characters."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE_CHARS.sub("_", name).strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 16 else name[:200]
    return name or "attachment"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sniffing boundary is still text.
        return exc.start >= len(head) - 3
    return True


def classify(head: bytes, filename: str) -> str:
    """The content type to store, judged by content; 415 if not accepted or not matching."""
    if head.startswith(_EXECUTABLE_MAGIC):
        raise UnsupportedFileType("Executable files and scripts are not accepted.")
    expected, _ = mimetypes.guess_type(filename, strict=False)
    if expected in TEXT_TYPES and head and _looks_like_text(head):
        # Text named as text stays text: puremagic's guesses about text are heuristics (it
        # reads a first line like "Article 1: ..." as a mail header) and no ground to refuse;
        # text is served as the type named here, never rendered.
        return expected
    try:
        candidates = [c.mime_type for c in puremagic.magic_string(head) if c.mime_type]
    except (puremagic.PureError, ValueError):
        candidates = []
    if not candidates:
        if not head or _looks_like_text(head):
            return expected if expected in TEXT_TYPES else "text/plain"
        raise UnsupportedFileType("The file's content is not of an accepted type.")
    if expected and expected in candidates:
        sniffed = expected
    elif expected and expected not in ("application/octet-stream",):
        raise UnsupportedFileType(
            f"The content ({candidates[0]}) does not match the file name ({expected})."
        )
    else:
        sniffed = candidates[0]
    if sniffed not in ALLOWED_TYPES:
        raise UnsupportedFileType(f"Files of type {sniffed} are not accepted.")
    return sniffed


@dataclass
class Part:
    name: str
    filename: str | None
    content_type: str | None


@dataclass
class MultipartStream:
    """Push body chunks in, get ("begin", Part) / ("data", bytes) / ("end", None) events out."""

    content_type: str
    events: list[tuple[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        ctype, params = parse_options_header(self.content_type)
        boundary = params.get(b"boundary")
        if ctype != b"multipart/form-data" or not boundary:
            raise NotMultipart()
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        callbacks: Any = {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._header_field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": lambda d, s, e: self.events.append(("data", bytes(d[s:e]))),
            "on_part_end": lambda: self.events.append(("end", None)),
        }
        self._parser = MultipartParser(boundary, callbacks)

    def _part_begin(self) -> None:
        self._headers = {}

    def _header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        filename = params.get(b"filename")
        ctype = self._headers.get(b"content-type")
        self.events.append(
            (
                "begin",
                Part(
                    name=params.get(b"name", b"").decode("utf-8", "replace"),
                    filename=filename.decode("utf-8", "replace") if filename is not None else None,
                    content_type=ctype.decode("latin-1") if ctype else None,
                ),
            )
        )

    def feed(self, chunk: bytes) -> list[tuple[str, Any]]:
        try:
            self._parser.write(chunk)
        except Exception as exc:  # python-multipart raises several error types
            raise MalformedMultipart() from exc
        out, self.events = self.events, []
        return out

    def close(self) -> None:
        self._parser.finalize()

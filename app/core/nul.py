"""NUL characters in text input, refused at the edge.

PostgreSQL cannot store U+0000 in text: a NUL that reaches a query fails there, as a 500.
No field of this API has a use for one, so the middleware refuses it wherever a text can come
from: the path, the query string and JSON or form-encoded bodies. Bodies are watched as they
stream past, never held.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.types import Scope

# `\u0000` in JSON text, unless its backslash is itself escaped (`\\u0000` is six characters).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def nul_in_url(scope: Scope) -> str | None:
    """Where the URL holds a NUL: "path", or the name of the query parameter; else None."""
    if "\x00" in scope.get("path", ""):
        return "path"
    query: bytes = scope.get("query_string", b"")
    if b"%00" not in query and b"\x00" not in query:
        return None
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "") or "query"
    return "query"


class BodyScanner:
    """Feeds on a body's chunks; says True once a NUL has gone by."""

    def feed(self, chunk: bytes) -> bool:
        raise NotImplementedError


class _JsonScanner(BodyScanner):
    def __init__(self) -> None:
        # The end of the previous chunk that a match could still start in: its last run of
        # backslashes (whole, so an escaped backslash is told apart) and what follows it.
        self.carry = b""

    def feed(self, chunk: bytes) -> bool:
        if b"\x00" in chunk:
            return True
        data = self.carry + chunk
        if _JSON_NUL.search(data):
            return True
        last = data.rfind(b"\\", max(0, len(data) - 6))
        self.carry = data[len(data[: last + 1].rstrip(b"\\")) :] if last >= 0 else b""
        return False


class _FormScanner(BodyScanner):
    def __init__(self) -> None:
        self.carry = b""

    def feed(self, chunk: bytes) -> bool:
        data = self.carry + chunk
        self.carry = data[-2:]
        return b"%00" in data or b"\x00" in data


def body_scanner(content_type: bytes | None) -> BodyScanner | None:
    """A scanner for the bodies whose texts reach the database as they are, else None."""
    # Without a content type the app parses no JSON, so nothing of such a body is stored as text.
    media = (content_type or b"").split(b";")[0].strip().lower()
    if media == b"application/json" or media.endswith(b"+json"):
        return _JsonScanner()
    if media == b"application/x-www-form-urlencoded":
        return _FormScanner()
    return None

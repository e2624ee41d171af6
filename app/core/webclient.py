"""The browser client (clients/web/), served by the app on the API's own origin.

Its files are plain ES modules, served as they are in the repository: no build step, so no
Node.js to run or install the app. They answer under `/static/<version>/`, where the version
is a digest of every file: a changed file changes every URL, so browsers may keep them for a
year. The page itself (index.html) is revalidated on every load and names the current
version; every GET outside the API, the docs, the health checks and the files answers it, so
that deep links from emails and notifications (`/verify-email?token=...`, `/threads/{id}`)
open the client on that view, and the client decides what is there. Unknown `/api/...`
paths never reach this router's catch-all: they stay problem+json 404s.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request, Response
from starlette.convertors import Convertor, register_url_convertor

from app.core.errors import NotFound

log = logging.getLogger(__name__)

STATIC_PREFIX = "/static"
# Top-level path segments that belong to the server, never to the client's routes.
# (`metrics` answers 404 here: the figures are served on CANET_METRICS_LISTEN only.)
SERVER_SEGMENTS = ("api", "docs", "redoc", "static", "healthz", "readyz", "ws", "metrics")
_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}
_SKIP_DIRS = {"scripts"}  # the vendoring script is for maintainers, not browsers
_IMMUTABLE = "public, max-age=31536000, immutable"
_PLACEHOLDER = "{{static}}"
# Small files gain nothing from gzip and cost a header.
_GZIP_FROM = 512


def client_dir() -> Path:
    """clients/web of this checkout (editable installs), else the copy a wheel installed."""
    checkout = Path(__file__).resolve().parents[2] / "clients" / "web"
    if (checkout / "index.html").is_file():
        return checkout
    # pyproject.toml's [tool.setuptools.data-files] installs it under the environment's data
    # directory (the venv's prefix).
    return Path(sysconfig.get_path("data")) / "share" / "canet" / "web"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


@dataclass(frozen=True, slots=True)
class Bundle:
    version: str
    assets: dict[str, Asset]
    index: str  # index.html with the placeholder left in (the root path varies per request)
    stamp: tuple[tuple[str, int, int], ...]  # (path, mtime_ns, size) of every file


def _files(root: Path) -> list[Path]:
    found = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(names):
            path = Path(directory) / name
            if path.suffix in _MEDIA_TYPES or name == "index.html":
                found.append(path)
    return found


def _stamp(root: Path) -> tuple[tuple[str, int, int], ...]:
    stamp = []
    for path in _files(root):
        info = path.stat()
        stamp.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(stamp)


def load_bundle(root: Path) -> Bundle:
    assets: dict[str, Asset] = {}
    version = hashlib.sha256()
    index = ""
    for path in _files(root):
        relative = path.relative_to(root).as_posix()
        body = path.read_bytes()
        version.update(relative.encode() + b"\0" + body + b"\0")
        if relative == "index.html":
            index = body.decode()
            continue
        packed = gzip.compress(body, mtime=0) if len(body) >= _GZIP_FROM else None
        assets[relative] = Asset(
            body=body,
            gzipped=packed if packed is not None and len(packed) < len(body) else None,
            media_type=_MEDIA_TYPES[path.suffix],
            etag='"' + hashlib.sha256(body).hexdigest()[:20] + '"',
        )
    return Bundle(version.hexdigest()[:16], assets, index, _stamp(root))


class _ClientPath(Convertor[str]):
    """Any path whose first segment is not the server's own (`api`, `docs`, ...)."""

    regex = "(?!(?:" + "|".join(SERVER_SEGMENTS) + ")(?:/|$)).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("clientpath", _ClientPath())


class WebClient:
    """The loaded client; re-read when a file changes if `reload` (development)."""

    def __init__(self, root: Path, *, reload: bool) -> None:
        self.root = root
        self.reload = reload
        self._bundle = load_bundle(root)

    @property
    def bundle(self) -> Bundle:
        if self.reload and _stamp(self.root) != self._bundle.stamp:
            self._bundle = load_bundle(self.root)
        return self._bundle

    def index_response(self, request: Request) -> Response:
        bundle = self.bundle
        root = str(request.scope.get("root_path", "")).rstrip("/")
        page = bundle.index.replace(_PLACEHOLDER, f"{root}{STATIC_PREFIX}/{bundle.version}")
        return Response(
            page,
            media_type="text/html; charset=utf-8",
            # Always revalidated: it names the current version of every other file.
            headers={"Cache-Control": "no-cache"},
        )

    def asset_response(self, request: Request, version: str, name: str) -> Response:
        bundle = self.bundle
        asset = bundle.assets.get(name)
        if asset is None:
            raise NotFound("No such file.")
        # An older page may still ask for the previous version during a deployment: give it
        # the current file, but only the exact version may be kept for good.
        cache = _IMMUTABLE if version == bundle.version else "no-cache"
        headers = {"Cache-Control": cache, "ETag": asset.etag, "Vary": "Accept-Encoding"}
        if asset.etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type=asset.media_type, headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def web_client_router(root: Path, *, reload: bool) -> APIRouter:
    """The client's files and its page; include it after every other router (catch-all)."""
    router = APIRouter(include_in_schema=False)
    if not (root / "index.html").is_file():
        # The API works without it; say so once rather than failing every page later.
        log.warning("web client not found in %s: only the API is served", root)
        return router
    client = WebClient(root, reload=reload)

    @router.api_route(STATIC_PREFIX + "/{version}/{name:path}", methods=["GET", "HEAD"])
    async def client_file(request: Request, version: str, name: str) -> Response:
        return client.asset_response(request, version, name)

    @router.api_route("/{path:clientpath}", methods=["GET", "HEAD"])
    async def client_page(request: Request, path: str) -> Response:
        return client.index_response(request)

    return router

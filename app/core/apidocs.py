"""The interactive API docs at /docs, served entirely from this origin.

Swagger UI's files come from a pinned package (fastapi-offline ships swagger-ui-dist), never
from a CDN: a script from elsewhere would run on the origin of the cookie session, whose CSRF
cookie script can read. The page runs no inline script, so its CSP allows scripts from
'self' only.
"""

from __future__ import annotations

import html
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from app.core.errors import NotFound

DOCS_PATH = "/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"

_VENDOR = Path(fastapi_offline.__file__).parent / "static"
_ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui-bundle.js": (_VENDOR / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (_VENDOR / "swagger-ui.css", "text/css"),
    "favicon.png": (_VENDOR / "favicon.png", "image/png"),
    "swagger-init.js": (Path(__file__).with_name("apidocs_init.js"), "text/javascript"),
}

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="icon" href="{assets}/favicon.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-init.js"></script>
</body>
</html>
"""


def docs_router(*, openapi_url: str, title: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(DOCS_PATH)
    async def docs_page(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return HTMLResponse(
            _PAGE.format(
                title=html.escape(title),
                assets=html.escape(root + ASSETS_PATH),
                openapi_url=html.escape(root + openapi_url),
            )
        )

    @router.get(ASSETS_PATH + "/{name}")
    async def docs_asset(name: str) -> FileResponse:
        asset = _ASSETS.get(name)
        if asset is None:
            raise NotFound()
        path, media_type = asset
        return FileResponse(path, media_type=media_type)

    return router

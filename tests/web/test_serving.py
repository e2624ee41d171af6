"""How the app serves the web client: its page on every client route, its files, its CSP."""

from __future__ import annotations

import glob
import json
import re
import tomllib
import uuid
from pathlib import Path

import httpx

from app.core.webclient import client_dir, load_bundle

ROOT = Path(__file__).resolve().parents[2]
ID = str(uuid.uuid4())


def _main_script(page: str) -> str:
    found = re.search(r'src="(/static/[0-9a-f]+/src/main\.js)"', page)
    assert found, page
    return found.group(1)


def server_links() -> set[str]:
    """The paths of every link the server puts in mails and notification `url` fields."""
    paths: set[str] = set()
    for source in (ROOT / "app").rglob("*.py"):
        text = source.read_text()
        paths.update(re.findall(r"link\(base_url, '([\w/-]+)'", text))
        paths.update(re.findall(r"\{base_url(?:\.rstrip\('/'\))?\}/([\w/-]*)", text))
        paths.update(re.findall(r'f"/((?:threads|cases|forums|settings)[^"#]*)', text))
    # /docs is the server's own page (the API docs), not the client's.
    return {"/" + re.sub(r"\{[^}]+\}", ID, p) for p in paths if p != "docs"}


def test_the_server_sends_the_links_this_test_knows() -> None:
    links = server_links()
    for expected in ("/verify-email", "/reset-password", "/", f"/threads/{ID}", f"/cases/{ID}"):
        assert expected in links, links


async def test_every_link_the_server_sends_opens_the_client(client: httpx.AsyncClient) -> None:
    for path in [*sorted(server_links()), f"/forums/{ID}/threads/{ID}", "/no/such/page"]:
        response = await client.get(path, params={"token": "abc"})
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert response.headers["cache-control"] == "no-cache"
        _main_script(response.text)


async def test_the_client_page_has_a_strict_csp(client: httpx.AsyncClient) -> None:
    response = await client.get("/verify-email", params={"token": "abc"})
    csp = {
        d.split()[0]: d.split()[1:] for d in response.headers["content-security-policy"].split("; ")
    }
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]  # 'self' covers ws: and wss: of this host
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert "unsafe" not in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    # No inline script to allow: the page loads modules from this origin only.
    assert "<script>" not in response.text and "importmap" not in response.text


async def test_unknown_api_paths_stay_problem_json(client: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", "/api/v1/no-such-thing"),
        ("POST", "/api/v1/no-such-thing"),
        ("GET", "/api"),
        ("GET", "/api/v2/threads"),
    ):
        response = await client.request(method, path)
        assert response.status_code == 404, (method, path)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "urn:canet:problem:not-found"


async def test_server_paths_are_not_taken_by_the_client(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_files_are_cached_for_good_under_their_version(client: httpx.AsyncClient) -> None:
    script = _main_script((await client.get("/")).text)
    response = await client.get(script, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-encoding"] == "gzip"
    assert "import" in response.text
    etag = response.headers["etag"]
    again = await client.get(script, headers={"if-none-match": etag})
    assert again.status_code == 304
    # Another version (an older page during a deployment): the current file, not kept.
    older = await client.get(re.sub(r"/static/[0-9a-f]+/", "/static/0000/", script))
    assert older.status_code == 200 and older.headers["cache-control"] == "no-cache"
    assert (await client.head(script)).status_code == 200


async def test_only_the_client_files_are_served(client: httpx.AsyncClient) -> None:
    script = _main_script((await client.get("/")).text)
    base = script.removesuffix("src/main.js")
    for name in ("scripts/vendor.sh", "index.html", "src/nothing.js", "../pyproject.toml"):
        response = await client.get(base + name, follow_redirects=True)
        assert response.status_code == 404, name
    assert (await client.get(base + "i18n/core.fr.json")).json()["signIn.title"] == "Se connecter"
    assert (await client.get(base + "vendor/preact.mjs")).status_code == 200


def test_a_wheel_installs_every_served_file() -> None:
    """pyproject.toml's data-files list each folder; a new folder must be added there."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["data-files"]
    packaged = {
        Path(match).relative_to("clients/web").as_posix()
        for globs in patterns.values()
        for pattern in globs
        for match in glob.glob(pattern, root_dir=ROOT)
    }
    bundle = load_bundle(client_dir())
    assert set(bundle.assets) | {"index.html"} <= packaged


def test_every_catalog_key_used_by_the_client_is_in_english_and_french() -> None:
    web = client_dir()
    used: set[str] = set()
    for source in (web / "src").rglob("*.js"):
        used.update(re.findall(r"\bt\('([\w.-]+)'", source.read_text()))
    areas = sorted(p.name.split(".")[0] for p in (web / "i18n").glob("*.en.json"))
    script = (web / "src" / "i18n.js").read_text()
    assert areas == sorted(re.findall(r"'(\w+)'", script.split("const AREAS = [")[1].split("]")[0]))
    english: dict[str, object] = {}
    for area in areas:
        entries = json.loads((web / "i18n" / f"{area}.en.json").read_text())
        french = json.loads((web / "i18n" / f"{area}.fr.json").read_text())
        assert set(french) == set(entries), (area, sorted(set(entries) ^ set(french)))
        assert not set(entries) & set(english), (area, sorted(set(entries) & set(english)))
        english |= entries
    assert used, "no t('...') calls found"
    assert not used - set(english), sorted(used - set(english))

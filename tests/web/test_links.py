"""Every link the server sends has a page in the client.

The links are read from the code, not listed by hand: every string in app/ that starts with
a path ("/threads/{id}#post-...", notification `url`s and search hits' `link`s), every
`{base_url}/...` in a mail's text, and the paths passed to a helper that builds
`{base_url}/{path}?token=...` links. A new link in the server's code is found here, and this
test fails until the client has a route for it (clients/web/src/main.js ROUTES).
"""

from __future__ import annotations

import ast
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from app.core.webclient import SERVER_SEGMENTS

ROOT = Path(__file__).resolve().parents[2]
MAIN_JS = ROOT / "clients" / "web" / "src" / "main.js"
SAMPLE = str(uuid.uuid4())

# Links to pages that part 2 of the web client builds (cases, vetting queues; see the issue
# "Web client, part 2"). Until then they open the client's not-found page. Remove an entry
# when its route lands: the last test below fails while an entry here has a route.
PART_2_ROUTES_NOT_YET_BUILT: set[str] = set()

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_AFTER_BASE_URL = re.compile(r"\{base_url[^{}]*\}(/[^\s?#\"')]*)")


@dataclass(frozen=True)
class Link:
    path: str  # with each variable part as {}
    where: str  # file:line that emits it


def _template(node: ast.AST) -> str | None:
    """A string literal or f-string, with each interpolation written as {expression}."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append("{" + ast.unparse(value.value) + "}")
        return "".join(parts)
    return None


def _route_declarations(tree: ast.AST) -> set[int]:
    """Strings that declare the server's own paths: route decorators, prefixes, doc URLs."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                ids.update(id(n) for n in ast.walk(decorator))
        if isinstance(node, ast.keyword) and node.arg in ("prefix", "openapi_url", "docs_url"):
            ids.update(id(n) for n in ast.walk(node.value))
    return ids


def _normalise(path: str) -> str | None:
    path = re.split(r"[?#]", path, maxsplit=1)[0].rstrip(".,;:")
    path = _PLACEHOLDER.sub("{}", path) or "/"
    first = path.strip("/").split("/")[0]
    if first in SERVER_SEGMENTS:
        return None  # the API, its docs, the client's files: served by the server itself
    return path


def server_links() -> set[Link]:
    links: set[Link] = set()
    # Helpers that put a path parameter after base_url: {function name: parameter position}.
    builders: dict[str, tuple[int, str]] = {}
    trees = {
        source: ast.parse(source.read_text()) for source in sorted((ROOT / "app").rglob("*.py"))
    }
    for source, tree in trees.items():
        declared = _route_declarations(tree)
        inner: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                params = [a.arg for a in node.args.args + node.args.kwonlyargs]
                for sub in ast.walk(node):
                    text = _template(sub)
                    for found in _AFTER_BASE_URL.finditer(text or ""):
                        name = found.group(1).strip("/").strip("{}")
                        if found.group(1) == "/{" + name + "}" and name in params:
                            builders[node.name] = (params.index(name), name)
            if id(node) in declared or id(node) in inner:
                continue
            if isinstance(node, ast.JoinedStr):
                inner.update(id(n) for n in ast.walk(node) if n is not node)
            text = _template(node)
            if text is None:
                continue
            where = f"{source.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            candidates = [m.group(1) for m in _AFTER_BASE_URL.finditer(text)]
            if re.match(r"/[a-z{]", text):
                candidates.append(text)
            for candidate in candidates:
                if candidate.startswith("/{") and candidate.strip("/{}").isidentifier():
                    continue  # `{base_url}/{path}`: resolved through the builder's callers
                path = _normalise(candidate)
                if path is not None:
                    links.add(Link(path, where))
    for source, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(
                node.func, ast.Name | ast.Attribute
            ):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name not in builders:
                continue
            position, keyword = builders[name]
            argument = node.args[position] if len(node.args) > position else None
            for kw in node.keywords:
                if kw.arg == keyword:
                    argument = kw.value
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                path = _normalise("/" + argument.value)
                if path is not None:
                    links.add(Link(path, f"{source.relative_to(ROOT)}:{node.lineno}"))
    return links


def client_routes() -> list[re.Pattern[str]]:
    """The route patterns of main.js's ROUTES, compiled as router.js compiles them."""
    script = MAIN_JS.read_text()
    table = script.split("const ROUTES = [", 1)[1].split("];", 1)[0]
    patterns = re.findall(r"path:\s*'([^']+)'", table)
    assert patterns, "no routes found in main.js"
    return [re.compile("^" + re.sub(r":\w+", "[^/]+", pattern) + "/?$") for pattern in patterns]


def _routed(path: str, routes: list[re.Pattern[str]]) -> bool:
    concrete = path.replace("{}", SAMPLE)
    return any(route.match(concrete) for route in routes)


def test_the_scan_finds_the_links_known_to_be_sent() -> None:
    paths = {link.path for link in server_links()}
    for known in (
        "/",
        "/verify-email",
        "/reset-password",
        "/provide-information",
        "/threads/{}",
        "/cases/{}",
        "/authorities/{}",
        "/settings/notifications",
        "/notifications",
        "/vetting/status",
    ):
        assert known in paths, sorted(paths)
    assert not any(p.startswith(("/api", "/docs", "/static")) for p in paths), sorted(paths)


def test_every_link_the_server_sends_has_a_client_route() -> None:
    routes = client_routes()
    missing = sorted(
        f"{link.path}  (from {link.where})"
        for link in server_links()
        if link.path not in PART_2_ROUTES_NOT_YET_BUILT and not _routed(link.path, routes)
    )
    assert not missing, "links the server sends with no client route:\n" + "\n".join(missing)


def test_the_list_of_routes_left_to_part_2_is_current() -> None:
    routes = client_routes()
    sent = {link.path for link in server_links()}
    assert sent >= PART_2_ROUTES_NOT_YET_BUILT, PART_2_ROUTES_NOT_YET_BUILT - sent
    built = sorted(p for p in PART_2_ROUTES_NOT_YET_BUILT if _routed(p, routes))
    assert not built, f"these have a route now; remove them from the set: {built}"

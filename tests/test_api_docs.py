"""/docs runs only this origin's files, and the OpenAPI document describes errors as answered."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import httpx
from fastapi import FastAPI
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name):
                self.urls.append((tag, str(values[name])))
        if tag == "script":
            self._in_script = True
        if "style" in values or any(name.startswith("on") for name in values):
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1


async def test_docs_load_only_same_origin_assets(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = _References()
    page.feed(response.text)
    assert page.inline_scripts == 0, "no inline script, style or event handler"
    assert page.urls, "the page loads Swagger UI"
    for _tag, url in page.urls:
        assert url.startswith("/docs/assets/"), url
    assert "/api/v1/openapi.json" in response.text

    expected = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    for _tag, url in page.urls:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert asset.headers["content-type"].startswith(expected[suffix]), url
        assert len(asset.content) > 0
    bundle = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in bundle.text[:2000]
    init = await client.get("/docs/assets/swagger-init.js")
    assert "validatorUrl: null" in init.text  # no call to a third-party validator


async def test_docs_assets_are_an_allowlist(client: httpx.AsyncClient) -> None:
    for name in ("core.py", "..%2F__init__.py", "redoc.standalone.js", "index.html"):
        response = await client.get(f"/docs/assets/{name}")
        assert response.status_code == 404, name
        assert response.headers["content-type"] == PROBLEM_JSON


async def test_docs_csp_allows_no_other_origin_and_no_inline_script(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/docs", "/docs/assets/swagger-init.js"):
        csp = (await client.get(path)).headers["content-security-policy"]
        assert not re.search(r"https?:", csp), csp
        directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
        assert directives["script-src"] == ["'self'"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert directives["default-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]


async def test_openapi_declares_how_to_sign_in(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["bearerAuth"]["description"],
    }
    assert schemes["sessionCookie"]["in"] == "cookie"
    assert schemes["sessionCookie"]["name"] == "__Host-canet_session"
    assert schemes["csrfToken"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": schemes["csrfToken"]["description"],
    }
    paths = document["paths"]
    assert paths["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}, {"sessionCookie": []}]
    assert paths["/api/v1/forums"]["post"]["security"] == [
        {"bearerAuth": []},
        {"sessionCookie": [], "csrfToken": []},
    ]
    # Authenticated in the endpoint's body, not by a dependency.
    assert paths["/api/v1/events"]["get"]["security"]
    # Anonymous operations stay open.
    assert "security" not in paths["/api/v1/auth/login"]["post"]
    assert "security" not in document


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


async def test_every_error_answer_is_the_problem_schema(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    text = json.dumps(document)
    assert "HTTPValidationError" not in text
    assert "#/components/schemas/ValidationError" not in text
    assert "ValidationError" not in document["components"]["schemas"]
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert {"errors", "request_id"} <= set(problem["properties"])
    assert problem["additionalProperties"] is True
    field_error = document["components"]["schemas"]["ProblemFieldError"]
    assert set(field_error["required"]) == {"field", "message"}

    failures = []
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        errors = {code: r for code, r in responses.items() if code[:1] in ("4", "5")}
        expected = {"400", "500", "503"}
        if "security" in operation:
            expected |= {"401", "403"}
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"413", "422"}
        if method not in ("get", "head", "options"):
            expected.add("409")
        if missing := expected - set(errors):
            failures.append(f"{method} {path}: no {sorted(missing)}")
        for code, answer in errors.items():
            if answer.get("content") != {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}:
                failures.append(f"{method} {path} {code}: {answer.get('content')}")
        assert "503" in errors and "Retry-After" in errors["503"]["headers"]
    assert not failures, "\n".join(failures)
    # Routes keep the statuses they declared themselves, as problems.
    login = document["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"401", "429"} <= set(login)
    assert "Retry-After" in login["429"]["headers"]


def test_operations_that_name_objects_by_id_declare_404(app: FastAPI) -> None:
    # Found by the fuzzer (tests/fuzz): an id in the query or the body names an object the
    # caller may not see, answered 404 like a missing one, which the document did not list.
    paths = app.openapi()["paths"]
    assert "404" in paths["/api/v1/users"]["get"]["responses"]  # ?authority_id=
    assert "404" in paths["/api/v1/cases"]["post"]["responses"]  # requested_authority_id
    assert "404" in paths["/api/v1/catalogue/entries"]["post"]["responses"]  # case_id
    assert "404" in paths["/api/v1/cases/{case_id}"]["get"]["responses"]  # in the path
    assert "404" not in paths["/api/v1/me"]["get"]["responses"]  # names nothing
    assert "404" not in paths["/api/v1/forums"]["post"]["responses"]


def test_observer_invitation_requires_expires_at_in_the_schema(app: FastAPI) -> None:
    schema = app.openapi()["components"]["schemas"]["ParticipantCreate"]
    validator = Draft202012Validator(schema)
    someone = "00000000-0000-4000-8000-000000000001"
    later = "2030-01-01T00:00:00Z"
    assert not validator.is_valid({"user_id": someone})
    assert not validator.is_valid({"user_id": someone, "role": "observer"})
    assert not validator.is_valid({"user_id": someone, "expires_at": None})
    assert validator.is_valid({"user_id": someone, "expires_at": later})
    assert validator.is_valid({"user_id": someone, "role": "assigned"})


def test_openapi_document_validates(app: FastAPI) -> None:
    validate(app.openapi())

"""The OpenAPI document as the service really answers.

FastAPI describes a 422 as its own `HTTPValidationError` and knows nothing of the errors the
app raises, the edge middleware or how callers sign in. This rewrites the generated document
once per process: every error answer is the one problem+json schema, each operation lists
the error statuses it can return, operations that need a signed-in member say how to
sign in (so "Authorize" in /docs works), and every schema has a name a client generator can
turn into a class. Operations are named by `operation_id` (the endpoint's name).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Collection
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.errors import PROBLEM_JSON

# Set on an operation (openapi_extra) that authenticates inside its body rather than through
# a dependency, so the document still says it needs a signed-in member.
SIGN_IN_MARKER = "x-canet-requires-sign-in"

_SCHEMA_REF = "#/components/schemas/"
PROBLEM_REF = f"{_SCHEMA_REF}Problem"
# A schema's name, as client generators turn it into a class name.
_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_SAFE_METHODS = frozenset({"get", "head", "options"})
_ID_NAME = re.compile(r"_ids?$")

_PROBLEM = {
    "title": "Problem",
    "description": (
        "RFC 9457 problem details. `type` is `urn:canet:problem:<code>` with a stable code; "
        "`status` always equals the HTTP status. Some problems add members of their own."
    ),
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "examples": ["urn:canet:problem:validation-failed"]},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "One entry per invalid field (validation problems).",
            "items": {"$ref": "#/components/schemas/ProblemFieldError"},
        },
        "request_id": {"type": "string", "description": "Quote it when reporting a problem."},
    },
    "additionalProperties": True,
}
_FIELD_ERROR = {
    "title": "ProblemFieldError",
    "type": "object",
    "required": ["field", "message"],
    "properties": {
        "field": {"type": "string", "examples": ["position"]},
        "message": {"type": "string"},
    },
}

_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer"},
    }
}
_DESCRIPTIONS = {
    "400": "Bad request: malformed JSON, an invalid cursor, or characters a text may not "
    "hold (NUL).",
    "401": "Not signed in, or the session has ended.",
    "403": "Visible but not allowed: the caller's role, a missing CSRF header on a cookie "
    "session, or lapsed vetting.",
    "404": "Missing, or not visible to the caller.",
    "409": "Conflict with the current state.",
    "413": "The request body is too large.",
    "422": "Invalid input: `errors` names each field and what is wrong with it.",
    "429": "Too many requests: `Retry-After` says when to try again.",
    "500": "Internal error: quote `request_id` when reporting it.",
    "503": "The database is unavailable (`database-unavailable`): try again after "
    "`Retry-After` seconds.",
}

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The access token from POST /api/v1/auth/mfa/verify or /auth/refresh.",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "__Host-canet_session",
        "description": (
            "The browser session set by signing in with a cookie session (named "
            "`canet_session` over plain-http development)."
        ),
    },
    "csrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "With the session cookie, on writes: the value of the `canet_csrf` cookie.",
    },
}


def operation_id(route: APIRoute) -> str:
    """The operationId of a route: its name, the endpoint function's (`list_cases`, `get_case`).

    FastAPI's default appends the path and method (`list_cases_api_v1_cases_get`), which a
    generated client turns into its function names. Endpoint names are unique across the app
    (tests/test_openapi_client.py checks it); a clash is resolved by renaming an endpoint.
    """
    return route.name


def install_openapi(app: FastAPI, *, sign_in_dependencies: Collection[Callable[..., Any]]) -> None:
    """Replace `app.openapi` with the rewritten document.

    `sign_in_dependencies` are the dependencies that authenticate the caller (core does not
    know them): an operation that depends on one of them needs a signed-in member.
    """

    generate = app.openapi  # FastAPI's own, which regenerates when routes are added
    cache: dict[str, dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        generated = generate()
        if cache.get("generated") is not generated:
            cache["generated"] = generated
            document = describe_errors(app, copy.deepcopy(generated), sign_in_dependencies)
            cache["document"] = name_schemas(document)
        return cache["document"]

    app.openapi = openapi  # type: ignore[method-assign]


def describe_errors(
    app: FastAPI, document: dict[str, Any], sign_in_dependencies: Collection[Callable[..., Any]]
) -> dict[str, Any]:
    routes = {
        (context.path_format, method.lower()): context.dependant
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        for method in context.methods or ()
    }
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            dependant = routes.get((path, method))
            signed_in = bool(operation.pop(SIGN_IN_MARKER, False)) or (
                dependant is not None and _depends_on(dependant, sign_in_dependencies)
            )
            _describe_operation(
                operation,
                method=method,
                signed_in=signed_in,
                names_objects=_names_objects(operation, document),
            )

    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = _PROBLEM
    schemas["ProblemFieldError"] = _FIELD_ERROR
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    text = json.dumps(document)
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        assert f"#/components/schemas/{name}" not in text, f"{name} is still referenced"
    return document


def name_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """Give the schemas that pydantic or FastAPI name for themselves a name a client can use.

    A generated client names its classes after the schemas, so each needs one name made of
    letters and digits. pydantic keys a generic model by its parameters (`Page_PostRead_`,
    titled by `Page.model_parametrized_name` as `PostReadPage`) and FastAPI a form body by its
    operation (`Body_<operationId>`): those take their title, or `<OperationId>Body`. Names
    pydantic gives to settle a clash (`X-Input`/`X-Output`, `app__<module>__X`) are left for
    tests/test_openapi_client.py to refuse: the fix is renaming the model.
    """
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    renames: dict[str, str] = {}
    for key, schema in schemas.items():
        if key.startswith("Body_"):
            name = "".join(part[:1].upper() + part[1:] for part in key[5:].split("_")) + "Body"
        else:
            name = schema.get("title") or key
        if name != key and _NAME.fullmatch(name) and name not in schemas:
            renames[key] = name
    if len(set(renames.values())) != len(renames):
        return document  # two schemas would take one name: leave both for the test to show
    for old, new in renames.items():
        schemas[new] = {**schemas.pop(old), "title": new}
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    refs = {f"{_SCHEMA_REF}{old}": f"{_SCHEMA_REF}{new}" for old, new in renames.items()}
    _rewrite_refs(document, refs)
    return document


def _rewrite_refs(node: Any, refs: dict[str, str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref in refs:
            node["$ref"] = refs[ref]
        for value in node.values():
            _rewrite_refs(value, refs)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, refs)


def _names_objects(operation: dict[str, Any], document: dict[str, Any]) -> bool:
    """Whether the operation names objects by id: in its path, a query `..._id(s)` or a body
    field `..._id(s)` (`requested_authority_id`, `case_id`). A caller may not see what it names,
    which the API answers as missing: 404."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" or (
            parameter.get("in") == "query" and _ID_NAME.search(parameter.get("name", ""))
        ):
            return True
    for content in operation.get("requestBody", {}).get("content", {}).values():
        schema = content.get("schema", {})
        ref = schema.get("$ref", "")
        if ref.startswith(_SCHEMA_REF):
            schema = (
                document.get("components", {}).get("schemas", {}).get(ref[len(_SCHEMA_REF) :], {})
            )
        if any(_ID_NAME.search(name) for name in schema.get("properties", {})):
            return True
    return False


def _describe_operation(
    operation: dict[str, Any], *, method: str, signed_in: bool, names_objects: bool
) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    statuses = {"400", "500", "503"}
    if signed_in:
        statuses |= {"401", "403"}
        csrf: dict[str, list[str]] = {} if method in _SAFE_METHODS else {"csrfToken": []}
        operation["security"] = [{"bearerAuth": []}, {"sessionCookie": [], **csrf}]
    if names_objects:
        statuses.add("404")
    if has_body:
        statuses.add("413")
    if parameters or has_body:
        statuses.add("422")
    if method not in _SAFE_METHODS:
        # Which writes can conflict is known only inside each service (a transition from the
        # wrong status, a spent token, a taken handle, an idempotency key reused with another
        # body): declaring 409 on every write over-promises less than leaving it out.
        statuses.add("409")
    # Statuses a route declared itself (401/409/429/410...) keep their own description.
    statuses |= {code for code in responses if code[:1] in ("4", "5")}
    for code in sorted(statuses):
        declared = responses.get(code, {})
        description = declared.get("description")
        if not description or code == "422":
            description = _DESCRIPTIONS.get(code, "Refused.")
        answer: dict[str, Any] = {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
        }
        if code in ("429", "503"):
            answer["headers"] = _RETRY_AFTER
        responses[code] = answer


def _depends_on(dependant: Dependant, targets: Collection[Callable[..., Any]]) -> bool:
    return any(sub.call in targets or _depends_on(sub, targets) for sub in dependant.dependencies)

"""The SDK's hand-written models against the live OpenAPI document: a change of shape fails.

Each model names the operation(s) it maps (`__openapi__`); schemas are found through the
operations, never by their names (which may change). For every model and operation:
- every field of the model is a property of the schema;
- a response model has every property the API always sends, makes optional (a default) what
  the API may leave out, and allows None where the API may send null;
- a request model requires every property the API requires.
A field a model lists in `__pending_fields__` (announced by server work under way) may be
missing from the document; once there it is checked like the others.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Union

import pytest
from canet_client.models import Model, model_classes

from app.config import Settings
from app.db import Database
from app.main import create_app
from tests.factories import TEST_SECRET_KEY

# Operations the service-account work adds; until they exist their models are skipped.
PENDING = {"/api/v1/oauth/token"}
# Creating writes the SDK re-sends with the same Idempotency-Key after a lost answer.
IDEMPOTENT_CREATES = [("post", "/api/v1/cases"), ("post", "/api/v1/cases/{case_id}/messages")]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    # Built in-process; describing the API needs no database connection.
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        database_url="postgresql://unused@127.0.0.1:1/unused",
        secret_key=TEST_SECRET_KEY,
        base_url="http://testserver",
    )
    return create_app(settings, database=Database(settings.database_url)).openapi()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while True:
        if "$ref" in schema:
            name = schema["$ref"].split("/")[-1]
            schema = document["components"]["schemas"][name]
        elif len(schema.get("allOf", [])) == 1:
            schema = schema["allOf"][0]
        else:
            return schema


def _non_null(document: dict[str, Any], schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The schema without its null alternative, and whether null is allowed."""
    schema = _resolve(document, schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        rest = [o for o in options if o.get("type") != "null"]
        if len(rest) == 1:
            return _resolve(document, rest[0]), len(rest) < len(options)
    return schema, schema.get("type") == "null"


def schema_at(document: dict[str, Any], ref: tuple[str, ...]) -> dict[str, Any] | None:
    method, path, where, *steps = ref
    operation = document["paths"].get(path, {}).get(method)
    if operation is None:
        return None
    if where == "request":
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
    else:
        schema = operation["responses"][where]["content"]["application/json"]["schema"]
    schema, _ = _non_null(document, schema)
    for step in steps:
        schema = schema["items"] if step == "[]" else schema["properties"][step]
        schema, _ = _non_null(document, schema)
    return schema


def _allows_none(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    return origin in (Union, types.UnionType) and type(None) in typing.get_args(tp)


def _has_default(f: dataclasses.Field[Any]) -> bool:
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def problems_of(document: dict[str, Any], model: type[Model], ref: tuple[str, ...]) -> list[str]:
    schema = schema_at(document, ref)
    assert schema is not None, f"{model.__name__}: no operation {ref[:2]} in the document"
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    hints = typing.get_type_hints(model)
    fields = {f.name: f for f in dataclasses.fields(model)}  # type: ignore[arg-type]
    where = f"{model.__name__} vs {' '.join(ref)}"
    pending = model.__pending_fields__
    problems = [
        f"{where}: field {name!r} is not in the API"
        for name in fields
        if name not in properties and name not in pending
    ]
    if ref[2] == "request":
        problems += [
            f"{where}: the API requires {name!r}, the model does not"
            for name in sorted(required)
            if name not in fields or _has_default(fields[name])
        ]
        return problems
    problems += [
        f"{where}: the API always sends {name!r}, the model lacks it"
        for name in sorted(required - set(fields))
    ]
    for name, f in fields.items():
        if name not in properties:
            continue
        if name not in required and not _has_default(f):
            problems.append(f"{where}: {name!r} may be absent, the model requires it")
        _, nullable = _non_null(document, properties[name])
        if nullable and not _allows_none(hints[name]):
            problems.append(f"{where}: {name!r} may be null, the model's type does not allow it")
    return problems


MAPPINGS = [
    pytest.param(model, ref, id=f"{model.__name__}:{ref[0]} {ref[1]} {' '.join(ref[2:])}")
    for model in model_classes()
    for ref in model.__openapi__
]


def test_every_model_maps_an_operation() -> None:
    assert all(model.__openapi__ for model in model_classes())
    assert len(MAPPINGS) >= 30


@pytest.mark.parametrize(("model", "ref"), MAPPINGS)
def test_model_matches_the_document(
    document: dict[str, Any], model: type[Model], ref: tuple[str, ...]
) -> None:
    if ref[1] in PENDING and ref[1] not in document["paths"]:
        pytest.skip(f"{ref[0].upper()} {ref[1]} is not in the API yet")
    assert problems_of(document, model, ref) == []


def test_the_check_catches_a_change_of_shape(document: dict[str, Any]) -> None:
    """The comparison itself fails on a renamed, dropped or newly required field."""
    from canet_client.models import Attachment, CaseCreate

    ref = Attachment.__openapi__[0]
    schema = schema_at(document, ref)
    assert schema is not None
    renamed = dict(schema, properties=dict(schema["properties"]))
    renamed["properties"]["digest"] = renamed["properties"].pop("sha256")
    renamed["required"] = [("digest" if r == "sha256" else r) for r in schema["required"]]
    name = ref[1]
    changed = {
        **document,
        "paths": {
            **document["paths"],
            name: {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"type": "array", "items": renamed}}}}}}},
        },
    }  # fmt: skip
    found = problems_of(changed, Attachment, ref)
    assert any("'sha256' is not in the API" in p for p in found)
    assert any("always sends 'digest'" in p for p in found)

    create_ref = CaseCreate.__openapi__[0]
    create = schema_at(document, create_ref)
    assert create is not None
    stricter = dict(create, required=[*create["required"], "summary"])
    path = create_ref[1]
    changed = {
        **document,
        "paths": {
            **document["paths"],
            path: {"post": {"requestBody": {"content": {"application/json": {
                "schema": stricter}}}}},
        },
    }  # fmt: skip
    assert problems_of(changed, CaseCreate, create_ref) == [
        f"CaseCreate vs {' '.join(create_ref)}: the API requires 'summary', the model does not"
    ]


@pytest.mark.parametrize(("method", "path"), IDEMPOTENT_CREATES)
def test_creates_the_sdk_retries_take_an_idempotency_key(
    document: dict[str, Any], method: str, path: str
) -> None:
    parameters = document["paths"][path][method].get("parameters", [])
    assert any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in parameters)

"""Input that looks invalid to the document's JSON Schema but that the API reads on purpose.

Schemathesis judges a request by JSON types: `0` for a boolean, `"5"` for an integer, `0`
for a date-time are invalid, and an API that accepts them fails negative_data_rejection.
canet reads its input with pydantic in its ordinary (lax) mode, which takes such a value when
its meaning is unambiguous: 0 and 1, "true" and "false" for booleans, an integral 5.0 or "5"
for an integer, a number as a Unix timestamp for a date or a time. And it trims text of
surrounding whitespace before judging its length or pattern. Those are forms the API accepts
by design, with one meaning, so accepting them is not accepting invalid data.

`only_coercions(case)` says whether every invalid part of a negative case is such a value:
the part's value is validated by pydantic against the Python type its schema declares, as
the app would. Anything else an invalid case breaks (a length, a pattern, an enum, a missing
field, a string where a number is declared) is judged as Schemathesis generated it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError
from schemathesis import Case
from schemathesis.core.parameters import ParameterLocation

_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "boolean": TypeAdapter(bool),
    "integer": TypeAdapter(int),
    "number": TypeAdapter(float),
    "date": TypeAdapter(date),
    "date-time": TypeAdapter(datetime),
}
_MISSING = object()


def _resolve(schema: Any, document: dict[str, Any]) -> Any:
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema = node
    return schema


def _branches(schema: Any, document: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(schema, document)
    if not isinstance(schema, dict):
        return []
    found = [schema]
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            found.extend(_branches(branch, document))
    return found


def _kinds(schema: Any, document: dict[str, Any]) -> set[str]:
    """The coercible kinds a schema declares: boolean, integer, number, date, date-time."""
    kinds = set()
    for branch in _branches(schema, document):
        kind = branch.get("type")
        if kind in ("boolean", "integer", "number"):
            kinds.add(kind)
        elif kind == "string" and branch.get("format") in ("date", "date-time"):
            kinds.add(branch["format"])
    return kinds


def _coerced(value: Any, schema: Any, document: dict[str, Any]) -> bool:
    if isinstance(value, str) and value != value.strip():
        # Text fields are trimmed before they are judged (`Trimmed` in the schemas): a value
        # valid once stripped of surrounding whitespace is read as that value.
        resolved = _resolve(schema, document)
        if isinstance(resolved, dict) and Draft202012Validator(resolved).is_valid(value.strip()):
            return True
    for kind in _kinds(schema, document):
        try:
            _ADAPTERS[kind].validate_python(value)
        except ValidationError:
            continue
        return True
    return False


def _body_property(schema: Any, path: tuple[Any, ...], document: dict[str, Any]) -> Any:
    for key in path:
        properties: dict[str, Any] = {}
        for branch in _branches(schema, document):
            properties.update(branch.get("properties", {}))
        if key not in properties:
            return _MISSING
        schema = properties[key]
    return schema


def _pointer_path(pointer: str | None) -> tuple[str, ...] | None:
    """("a", "b") from a coverage location like /properties/a/properties/b/type."""
    if not pointer:
        return None
    parts = pointer.strip("/").split("/")
    path = tuple(parts[i + 1] for i in range(0, len(parts) - 1) if parts[i] == "properties")
    return path or None


def _negated_parts(case: Case) -> list[tuple[ParameterLocation, tuple[Any, ...]]] | None:
    meta = case.meta
    if meta is None:
        return None
    data = meta.phase.data
    mutations = getattr(data, "mutations", ()) or ()
    parts: list[tuple[ParameterLocation, tuple[Any, ...]]] = []
    if mutations:
        for mutation in mutations:
            if mutation.parameter_location == ParameterLocation.BODY:
                parts.append((mutation.parameter_location, tuple(mutation.path)))
            elif mutation.parameter:
                parts.append((mutation.parameter_location, (mutation.parameter,)))
            else:
                return None
        return parts
    location = getattr(data, "parameter_location", None)
    if location == ParameterLocation.BODY:
        path = _pointer_path(getattr(data, "location", None))
        return [(location, path)] if path else None
    parameter = getattr(data, "parameter", None)
    if location is None or parameter is None:
        return None
    return [(location, (parameter,))]


def only_coercions(case: Case) -> bool:
    """Whether every invalid part of the case is a value pydantic coerces to the declared type."""
    parts = _negated_parts(case)
    if not parts:
        return False
    document = case.operation.schema.raw_schema
    raw = case.operation.definition.raw
    for location, path in parts:
        if location == ParameterLocation.BODY:
            content = (_resolve(raw.get("requestBody", {}), document) or {}).get("content", {})
            body_schema = content.get(case.media_type or "", {}).get("schema")
            schema = _body_property(body_schema, path, document)
            value: Any = case.body
            for key in path:
                value = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
        else:
            declared = {
                (p.get("in"), p.get("name")): p.get("schema", {})
                for p in (_resolve(p, document) for p in raw.get("parameters", []))
                if isinstance(p, dict)
            }
            schema = declared.get((location.value, path[0]), _MISSING)
            value = (case.get_container(location) or {}).get(path[0], _MISSING)
        if schema is _MISSING or value is _MISSING or not _coerced(value, schema, document):
            return False
    return True

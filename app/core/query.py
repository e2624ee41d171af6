"""One value per query parameter, unless the operation takes a list there.

`?status=open&status=all` on a parameter read as one value is ambiguous: FastAPI keeps the
last value, while a proxy, a cache or a filter in front of the service may have judged the
first (HTTP parameter pollution). By the OpenAPI document it is an array where a single
value is declared, so it is refused like any other invalid input: 422, naming the parameter.
Parameters declared as lists (`state`, `status` on the case inbox ...) repeat as before.
"""

from __future__ import annotations

from typing import Any

from fastapi._compat import field_annotation_is_sequence
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import HTTPConnection

from app.core.errors import ValidationFailed

# Per route (by id; APIRoute is not hashable): the route and the names of its query
# parameters that take one value. Holding the route keeps its id from being reused.
_SINGLE: dict[int, tuple[APIRoute, frozenset[str]]] = {}


def _query_parameters(dependant: Dependant) -> list[tuple[str, Any]]:
    """(name in the URL, annotation) of each query parameter of the route and its dependencies."""
    found: list[tuple[str, Any]] = []
    for field in dependant.query_params:
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            # A model of query parameters (`Annotated[Filters, Query()]`): its fields.
            found.extend(
                (info.alias or name, info.annotation)
                for name, info in annotation.model_fields.items()
            )
        else:
            found.append((field.alias, annotation))
    for sub in dependant.dependencies:
        found.extend(_query_parameters(sub))
    return found


def _single_valued(route: APIRoute) -> frozenset[str]:
    cached = _SINGLE.get(id(route))
    if cached is not None and cached[0] is route:
        return cached[1]
    names = frozenset(
        name
        for name, annotation in _query_parameters(route.dependant)
        if not field_annotation_is_sequence(annotation)
    )
    _SINGLE[id(route)] = (route, names)
    return names


async def single_valued_query(request: HTTPConnection) -> None:
    """Refuse a query parameter given twice where the operation takes one value (422).

    Typed as a connection, not a request: the routers' websocket routes run it too, and
    FastAPI gives a websocket route no Request (it failed every websocket with a 500)."""
    # The raw query string, not `request.url`: building the URL was most of this check's cost.
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.scope.get("query_string"):
        return
    single = _single_valued(route)
    seen: set[str] = set()
    repeated: list[str] = []
    for name, _ in request.query_params.multi_items():
        if name in seen and name in single and name not in repeated:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise ValidationFailed(
            "; ".join(f"{name}: given more than once" for name in repeated),
            errors=[{"field": name, "message": "given more than once"} for name in repeated],
        )

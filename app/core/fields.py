"""Annotations shared by request schemas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

# PostgreSQL's int4, the type of integer columns unless a model says otherwise.
INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1
INT8_MAX = 2**63 - 1

# An integer stored in an int4 column: a larger one would fail in the database, as a 500.
Int4 = Annotated[int, Field(ge=INT4_MIN, le=INT4_MAX)]


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("not_null", "may be left out, but not null")
    return value


@dataclass(frozen=True)
class _NotNull:
    """For partial updates: `X | None = None` means "left out", and an explicit null is refused.

    Without it a null either crashed on a NOT NULL column or was silently taken for "left out".
    The JSON schema then says the field is X, not X or null.
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(_refuse_null, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        branches = [b for b in json_schema.get("anyOf", []) if b != {"type": "null"}]
        if "anyOf" in json_schema and len(branches) == 1:
            rest = {k: v for k, v in json_schema.items() if k != "anyOf"}
            return {**branches[0], **rest}
        return json_schema


NotNull = _NotNull()

"""The exchange formats of the directory: row shapes, CSV columns, parsing (no database).

JSON holds everything: `{"format": "canet-directory", "version": 1, "authorities": [...],
"requirement_sheets": [...], "treaties": [...]}`. CSV holds one entity per file, one row per
line: list cells are `;`-separated (`fr;en`), `law_links` and `contacts` are JSON, booleans
`true`/`false`, empty cells null.

Row numbers: JSON rows count from 1 within their array; CSV rows are file line numbers (the
header is line 1), as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime
from typing import Any, Literal

from app.directory.constants import AuthorityType, Measure
from app.directory.fields import AUTHORITY_FIELDS, SHEET_FIELDS, TREATY_FIELDS
from app.directory.schemas import AuthorityCreate, RequirementSheetFields, StateCode, TreatyCreate

Entity = Literal["authorities", "requirement_sheets", "treaties"]
Format = Literal["json", "csv"]
ENTITIES: tuple[Entity, ...] = ("authorities", "requirement_sheets", "treaties")


class AuthorityRow(AuthorityCreate):
    id: uuid.UUID | None = None
    last_verified_at: datetime | None = None


class SheetRow(RequirementSheetFields):
    id: uuid.UUID | None = None  # informative: sheets are matched by their key
    state_code: StateCode
    request_type: AuthorityType
    measure: Measure | None = None
    last_verified_at: datetime | None = None


class TreatyRow(TreatyCreate):
    id: uuid.UUID | None = None


COLUMNS: dict[Entity, tuple[str, ...]] = {
    "authorities": ("id", *AUTHORITY_FIELDS, "last_verified_at"),
    "requirement_sheets": (
        "id",
        "state_code",
        "request_type",
        "measure",
        *SHEET_FIELDS,
        "last_verified_at",
    ),
    "treaties": ("id", *TREATY_FIELDS, "parties"),
}
_LIST_COLUMNS = {
    "types",
    "languages",
    "channels",
    "requirements",
    "subjects",
    "parties",
}
_JSON_COLUMNS = {"law_links", "contacts"}


def to_csv(entity: Entity, rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = COLUMNS[entity]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(name, row.get(name)) for name in columns])
    return out.getvalue()


# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection"):
# such cells are written with a leading apostrophe, which the import removes again. Cells
# that start with an apostrophe get one too, so the round trip is exact.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in _JSON_COLUMNS:
        text = json.dumps(value, ensure_ascii=False) if value else ""
    elif name in _LIST_COLUMNS:
        text = ";".join(value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _uncell(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


# --- parsing ---------------------------------------------------------------------------------

Problem = dict[str, str]
Rows = dict[Entity, list[tuple[int, dict[str, Any]]]]


def problem(entity: str, row: int, field: str, message: str) -> Problem:
    where = f"{entity}.{row}" + (f".{field}" if field else "")
    return {"entity": entity, "row": str(row), "field": where, "message": message}


def parse_json(raw: bytes) -> tuple[Rows, list[Problem]]:
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, [{"field": "body", "message": f"not valid JSON: {exc}"}]
    if not isinstance(document, dict):
        return {}, [{"field": "body", "message": "expected an object with entity arrays"}]
    unknown = set(document) - set(ENTITIES) - {"format", "version", "exported_at"}
    problems = [{"field": name, "message": "unknown entity"} for name in sorted(unknown)]
    rows: Rows = {}
    for entity in ENTITIES:
        items = document.get(entity, [])
        if not isinstance(items, list):
            problems.append({"field": entity, "message": "expected an array"})
            continue
        rows[entity] = [(i, item) for i, item in enumerate(items, start=1)]
    return rows, problems


def parse_csv(raw: bytes, entity: Entity) -> tuple[Rows, list[Problem]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {}, [{"field": "body", "message": "CSV must be UTF-8"}]
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    unknown = [h for h in header if h not in COLUMNS[entity]]
    if not header or unknown:
        message = f"unknown columns: {', '.join(unknown)}" if unknown else "no header row"
        return {}, [problem(entity, 1, "", message)]
    rows: list[tuple[int, dict[str, Any]]] = []
    problems: list[Problem] = []
    for record in reader:
        line = reader.line_num
        if None in record:
            problems.append(problem(entity, line, "", "more cells than columns"))
            continue
        row: dict[str, Any] = {}
        for name, raw_cell in record.items():
            cell = _uncell((raw_cell or "").strip())
            if name in _LIST_COLUMNS:
                row[name] = [p.strip() for p in cell.split(";") if p.strip()]
            elif name in _JSON_COLUMNS:
                try:
                    row[name] = json.loads(cell) if cell else []
                except json.JSONDecodeError:
                    problems.append(problem(entity, line, name, "not valid JSON"))
            else:
                row[name] = cell or None
        rows.append((line, row))
    return {entity: rows}, problems


def rows_of(document: dict[str, list[dict[str, Any]]]) -> Rows:
    """A JSON-shaped document (as the export writes it) as numbered rows."""
    return {
        entity: [(i, row) for i, row in enumerate(document.get(entity, []), start=1)]
        for entity in ENTITIES
    }

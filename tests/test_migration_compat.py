"""Zero-downtime migrations: after an expand step, the previous release still runs.

The rule is in docs/migrations.md. During a rolling deploy the migration runs first, so for a
while the previous release's code serves requests on the new schema. That code cannot run
here, so the check is structural: the chain is applied one revision at a time to a scratch
database, and each step must leave everything the previous schema had usable by a reader and
writer that knows nothing of the step. In short, a step only adds:

- no table, view, sequence, column, function, trigger or enum label disappears (a rename is
  a disappearance);
- no column changes type, except a varchar that grows (or becomes text);
- no column that accepted NULL stops accepting it, no NOT NULL column loses its default, and
  no new NOT NULL column without a default appears in a table that existed;
- no new CHECK, foreign key, exclusion or primary key constraint on columns that existed, no
  new unique key made only of columns that existed, no changed constraint, and no unique key
  removed (an old `ON CONFLICT` needs it).

A step that must break this (dropping what no running code uses any more) is a contract step:
its docstring has a line `Contract: <why it is safe now>`, and it ships in a release after
the one that stopped using what it removes. Steps written before the rule that break it are
listed in ACCEPTED_HISTORY; the test also checks that they still do, so the list stays true.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest
from alembic.script import Script, ScriptDirectory

from app import migrate
from app.db import plain_url
from tests.conftest import ScratchServer

# Steps that break the rule and predate it, with what an old writer would have hit.
ACCEPTED_HISTORY: dict[str, str] = {
    "0003_audit": (
        "audit_entries.xact_id is NOT NULL without a default; the BEFORE INSERT trigger "
        "audit_entries_stamp_xact fills it, so old writers were never refused"
    ),
    "0013_search_rendered": (
        "forum_posts.body_text became NOT NULL without a default: the previous release's "
        "code could not create posts between the migration and its own replacement"
    ),
}

CONTRACT_MARKER = re.compile(r"^Contract:\s*(\S.*)$", re.MULTILINE)


# --- the schema as an old reader and writer sees it --------------------------------------------


@dataclass(frozen=True)
class Column:
    type: str  # format_type(), e.g. "character varying(100)"
    base: str  # the type's name, e.g. "varchar"
    typmod: int
    not_null: bool
    has_default: bool  # a default, identity or generated value


@dataclass(frozen=True)
class Constraint:
    table: str
    kind: str  # c check, f foreign key, p primary key, u unique (or unique index), x exclusion
    definition: str
    columns: frozenset[str]


@dataclass
class Schema:
    relations: set[str] = field(default_factory=set)
    columns: dict[tuple[str, str], Column] = field(default_factory=dict)
    constraints: set[Constraint] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)
    triggers: set[str] = field(default_factory=set)
    enum_labels: set[tuple[str, str]] = field(default_factory=set)


_RELATIONS = """
SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
"""
_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
       t.typname AS base, a.atttypmod AS typmod, a.attnotnull,
       a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '' AS has_default
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND a.attnum > 0 AND NOT a.attisdropped
"""
_CONSTRAINTS = """
SELECT c.relname, con.contype::text AS kind, pg_get_constraintdef(con.oid) AS definition,
       ARRAY(SELECT attname FROM pg_attribute
              WHERE attrelid = con.conrelid AND attnum = ANY(con.conkey)) AS columns
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND con.contype IN ('c', 'f', 'p', 'u', 'x')
"""
# Unique indexes that back no constraint (CREATE UNIQUE INDEX): they refuse writes just the same.
_UNIQUE_INDEXES = """
SELECT c.relname, pg_get_indexdef(ix.indexrelid) AS definition,
       ARRAY(SELECT attname FROM pg_attribute
              WHERE attrelid = ix.indrelid AND attnum > 0 AND NOT attisdropped
                AND (attnum = ANY(ix.indkey)
                     -- an expression: the columns it names
                     OR pg_get_expr(ix.indexprs, ix.indrelid) ~ ('\\m' || attname || '\\M')))
         AS columns
  FROM pg_index ix
  JOIN pg_class c ON c.oid = ix.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND ix.indisunique
   AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = ix.indexrelid)
"""
_FUNCTIONS = """
SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""
_TRIGGERS = """
SELECT c.relname || '.' || t.tgname FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND NOT t.tgisinternal
"""
_ENUM_LABELS = """
SELECT t.typname, e.enumlabel FROM pg_enum e
  JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = 'public'
"""
_INDEX_NAME = re.compile(r"^CREATE UNIQUE INDEX \S+ ON ")


async def read_schema(url: str) -> Schema:
    conn = await asyncpg.connect(plain_url(url))
    try:
        schema = Schema()
        schema.relations = {
            f"{r['relname']} ({r['relkind']})" for r in await conn.fetch(_RELATIONS)
        }
        for r in await conn.fetch(_COLUMNS):
            schema.columns[(r["relname"], r["attname"])] = Column(
                r["type"], r["base"], r["typmod"], r["attnotnull"], r["has_default"]
            )
        for r in await conn.fetch(_CONSTRAINTS):
            schema.constraints.add(
                Constraint(r["relname"], r["kind"], r["definition"], frozenset(r["columns"]))
            )
        for r in await conn.fetch(_UNIQUE_INDEXES):
            # Named by what it constrains, not by its name: a renamed index changes nothing.
            definition = _INDEX_NAME.sub("CREATE UNIQUE INDEX ON ", r["definition"])
            schema.constraints.add(
                Constraint(r["relname"], "u", definition, frozenset(r["columns"]))
            )
        schema.functions = {r[0] for r in await conn.fetch(_FUNCTIONS)}
        schema.triggers = {r[0] for r in await conn.fetch(_TRIGGERS)}
        schema.enum_labels = {(r[0], r[1]) for r in await conn.fetch(_ENUM_LABELS)}
        return schema
    finally:
        await conn.close()


# --- the rule ----------------------------------------------------------------------------------


def _type_still_fits(old: Column, new: Column) -> bool:
    if new.type == old.type:
        return True
    if old.base == "varchar":
        # Growing, or losing its limit, accepts everything the old code writes.
        if new.base == "text":
            return True
        return new.base == "varchar" and (new.typmod == -1 or new.typmod >= old.typmod)
    return False


def compatibility_problems(before: Schema, after: Schema) -> list[str]:
    """What a reader or writer of `before` would trip over in `after` (empty: compatible)."""
    problems = [
        f"relation dropped or renamed: {r}" for r in sorted(before.relations - after.relations)
    ]
    old_tables = {table for table, _ in before.columns}
    for (table, name), old in sorted(before.columns.items()):
        new = after.columns.get((table, name))
        if new is None:
            problems.append(f"column dropped or renamed: {table}.{name}")
            continue
        if not _type_still_fits(old, new):
            problems.append(f"column type changed: {table}.{name} {old.type} -> {new.type}")
        if new.not_null and not old.not_null:
            problems.append(f"column became NOT NULL: {table}.{name}")
        if old.not_null and old.has_default and not new.has_default:
            problems.append(f"NOT NULL column lost its default: {table}.{name}")
    for (table, name), new in sorted(after.columns.items()):
        added = table in old_tables and (table, name) not in before.columns
        if added and new.not_null and not new.has_default:
            problems.append(f"new NOT NULL column without a default: {table}.{name}")
    old_columns = set(before.columns)
    for constraint in sorted(after.constraints - before.constraints, key=repr):
        if constraint.table not in old_tables:
            continue
        existing = {c for c in constraint.columns if (constraint.table, c) in old_columns}
        if constraint.kind == "u":
            # A unique key that includes a new column: old writers leave it NULL, and NULLs
            # are distinct, so it refuses nothing they write.
            binding = bool(existing) and existing == set(constraint.columns)
        else:
            binding = bool(existing)
        if binding:
            problems.append(
                f"new constraint on existing columns of {constraint.table}: {constraint.definition}"
            )
    for constraint in sorted(before.constraints - after.constraints, key=repr):
        if constraint.kind in ("u", "p") and constraint.table in {t for t, _ in after.columns}:
            problems.append(f"unique key removed from {constraint.table}: {constraint.definition}")
    problems += [f"function dropped: {f}" for f in sorted(before.functions - after.functions)]
    problems += [f"trigger dropped: {t}" for t in sorted(before.triggers - after.triggers)]
    problems += [
        f"enum label removed: {t}.{label}"
        for t, label in sorted(before.enum_labels - after.enum_labels)
    ]
    return problems


def contract_reason(script: Script) -> str | None:
    """The `Contract: ...` line of a migration's docstring, if it is a contract step."""
    match = CONTRACT_MARKER.search(script.module.__doc__ or "")
    return match.group(1) if match else None


def revisions_in_order() -> list[Script]:
    """Every revision, each after all of its parents (base first)."""
    script = ScriptDirectory.from_config(migrate.alembic_config("postgresql://unused"))
    return list(reversed(list(script.walk_revisions("base", "heads"))))


# --- the chain ---------------------------------------------------------------------------------


async def _step_problems(scratch_server: ScratchServer) -> dict[str, list[str]]:
    """Apply the chain one revision at a time; what each step breaks for the code before it."""
    url = await scratch_server.create("canet_migration_compat")
    try:
        found: dict[str, list[str]] = {}
        before = await read_schema(url)
        for script in revisions_in_order():
            await asyncio.to_thread(migrate.upgrade, url, script.revision)
            after = await read_schema(url)
            found[script.revision] = compatibility_problems(before, after)
            before = after
        return found
    finally:
        await scratch_server.drop(url)


async def test_every_expand_step_keeps_the_previous_schema_usable(
    scratch_server: ScratchServer,
) -> None:
    found = await _step_problems(scratch_server)
    assert found.keys() == {s.revision for s in revisions_in_order()}
    contracts = {s.revision: contract_reason(s) for s in revisions_in_order()}
    breaking = {
        revision: problems
        for revision, problems in found.items()
        if problems and revision not in ACCEPTED_HISTORY and not contracts[revision]
    }
    assert not breaking, (
        "these migration steps would break the previous release during a rolling deploy "
        "(docs/migrations.md): split them into expand and contract steps, or mark a step "
        f"that only removes what no running code uses with 'Contract: <why>': {breaking}"
    )
    # The accepted history still breaks the rule as recorded (else its entry goes).
    for revision in ACCEPTED_HISTORY:
        assert found[revision], f"{revision} no longer breaks the rule; drop it from the list"


def test_contract_markers_give_a_reason() -> None:
    for script in revisions_in_order():
        doc = script.module.__doc__ or ""
        if re.search(r"^Contract\b", doc, re.MULTILINE):
            assert contract_reason(script), f"{script.path}: 'Contract:' needs a reason"
    assert set(ACCEPTED_HISTORY) <= {s.revision for s in revisions_in_order()}


# --- the check itself can fail -----------------------------------------------------------------

BASELINE = """
CREATE TABLE parent (id integer PRIMARY KEY);
CREATE TABLE item (
    id integer PRIMARY KEY,
    parent_id integer REFERENCES parent (id),
    code varchar(20) NOT NULL DEFAULT 'x',
    title varchar(100),
    amount integer,
    note text
);
CREATE UNIQUE INDEX uq_item_code ON item (code);
CREATE INDEX ix_item_title ON item (title);
CREATE FUNCTION item_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER item_touch BEFORE INSERT ON item FOR EACH ROW EXECUTE FUNCTION item_touch();
"""

FORBIDDEN = {
    "drop table": ("DROP TABLE item", "relation dropped or renamed: item"),
    "rename table": ("ALTER TABLE item RENAME TO items", "relation dropped or renamed: item"),
    "drop column": ("ALTER TABLE item DROP COLUMN note", "column dropped or renamed: item.note"),
    "rename column": (
        "ALTER TABLE item RENAME COLUMN note TO notes",
        "column dropped or renamed: item.note",
    ),
    "change type": (
        "ALTER TABLE item ALTER COLUMN amount TYPE bigint",
        "column type changed: item.amount",
    ),
    "shorten varchar": (
        "ALTER TABLE item ALTER COLUMN title TYPE varchar(50)",
        "column type changed: item.title",
    ),
    "set not null": (
        "ALTER TABLE item ALTER COLUMN amount SET NOT NULL",
        "column became NOT NULL: item.amount",
    ),
    "drop default": (
        "ALTER TABLE item ALTER COLUMN code DROP DEFAULT",
        "NOT NULL column lost its default: item.code",
    ),
    "new not null column": (
        "ALTER TABLE item ADD COLUMN kind text NOT NULL",
        "new NOT NULL column without a default: item.kind",
    ),
    "check on an old column": (
        "ALTER TABLE item ADD CONSTRAINT ck_amount CHECK (amount > 0) NOT VALID",
        "new constraint on existing columns of item",
    ),
    "foreign key on an old column": (
        "ALTER TABLE item ADD CONSTRAINT fk_amount FOREIGN KEY (amount) REFERENCES parent (id)",
        "new constraint on existing columns of item",
    ),
    "unique index on old columns": (
        "CREATE UNIQUE INDEX uq_item_title ON item (title)",
        "new constraint on existing columns of item",
    ),
    "drop a unique key": ("DROP INDEX uq_item_code", "unique key removed from item"),
    "drop a trigger": ("DROP TRIGGER item_touch ON item", "trigger dropped: item.item_touch"),
    "drop a function": (
        "DROP TRIGGER item_touch ON item; DROP FUNCTION item_touch()",
        "function dropped: item_touch()",
    ),
}

ALLOWED = {
    "new table": "CREATE TABLE other (id integer PRIMARY KEY, name text NOT NULL)",
    "new nullable column": "ALTER TABLE item ADD COLUMN extra text",
    "new column with a default": "ALTER TABLE item ADD COLUMN flag boolean NOT NULL DEFAULT false",
    "new identity column": "ALTER TABLE item ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY",
    "new index": "CREATE INDEX ix_item_amount ON item (amount)",
    "drop a plain index": "DROP INDEX ix_item_title",
    "rename an index": "ALTER INDEX uq_item_code RENAME TO uq_item_code_2",
    "widen varchar": "ALTER TABLE item ALTER COLUMN title TYPE varchar(200)",
    "varchar to text": "ALTER TABLE item ALTER COLUMN title TYPE text",
    "drop not null": "ALTER TABLE item ALTER COLUMN code DROP NOT NULL",
    "drop a foreign key": "ALTER TABLE item DROP CONSTRAINT item_parent_id_fkey",
    "unique key with a new column": (
        "ALTER TABLE item ADD COLUMN ref text; CREATE UNIQUE INDEX uq_ref ON item (code, ref)"
    ),
    "check on a new column": ("ALTER TABLE item ADD COLUMN score integer CHECK (score >= 0)"),
    "new trigger": (
        "CREATE TRIGGER item_touch_2 BEFORE UPDATE ON item FOR EACH ROW "
        "EXECUTE FUNCTION item_touch()"
    ),
}


Sandbox = Callable[[str], Awaitable[list[str]]]


@pytest.fixture(scope="module")
async def sandbox(
    scratch_server: ScratchServer,
) -> AsyncIterator[Callable[[str], Awaitable[list[str]]]]:
    url = await scratch_server.create("canet_compat_rule")

    async def problems_of(change: str) -> list[str]:
        conn = await asyncpg.connect(plain_url(url))
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            await conn.execute(BASELINE)
        finally:
            await conn.close()
        before = await read_schema(url)
        conn = await asyncpg.connect(plain_url(url))
        try:
            await conn.execute(change)
        finally:
            await conn.close()
        return compatibility_problems(before, await read_schema(url))

    yield problems_of
    await scratch_server.drop(url)


@pytest.mark.parametrize("case", sorted(FORBIDDEN))
async def test_the_check_reports_what_the_rule_forbids(sandbox: Sandbox, case: str) -> None:
    change, expected = FORBIDDEN[case]
    problems = await sandbox(change)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize("case", sorted(ALLOWED))
async def test_the_check_accepts_what_the_rule_allows(sandbox: Sandbox, case: str) -> None:
    assert await sandbox(ALLOWED[case]) == []


def test_the_rule_is_written_down() -> None:
    doc = Path(__file__).resolve().parent.parent / "docs" / "migrations.md"
    text = doc.read_text()
    assert "Contract:" in text and "tests/test_migration_compat.py" in text
    for revision in ACCEPTED_HISTORY:
        assert revision in text, f"docs/migrations.md does not name {revision}"

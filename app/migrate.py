"""Run Alembic from code (the `canet db` commands, tests, readiness)."""

from __future__ import annotations

import ast
import contextlib
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    # Alembic is imported by the commands that run migrations only (see _revision_graph).
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def _assignments(path: Path) -> dict[str, Any]:
    """The module-level `name = <literal>` (or `name: type = <literal>`) of a script."""
    found: dict[str, Any] = {}
    for node in ast.parse(path.read_text(), str(path)).body:
        targets: list[ast.expr]
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                with contextlib.suppress(ValueError):
                    found[target.id] = ast.literal_eval(value)
    return found


@functools.cache
def _revision_graph() -> dict[str, tuple[str, ...]]:
    """revision -> its down revisions, from the scripts' `revision` and `down_revision`
    literals: what Alembic's ScriptDirectory reads, without importing Alembic (with Mako and
    Pygments, about 7 MB in every worker) or the scripts. A test holds it to Alembic's."""
    graph: dict[str, tuple[str, ...]] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        values = _assignments(path)
        revision, down = values.get("revision"), values.get("down_revision")
        if isinstance(revision, str):
            graph[revision] = (down,) if isinstance(down, str) else tuple(down or ())
    return graph


def head_revisions() -> tuple[str, ...]:
    """The schema the code expects (several heads while domain branches are unmerged)."""
    graph = _revision_graph()
    below = {down for downs in graph.values() for down in downs}
    return tuple(sorted(set(graph) - below))


def known_revisions() -> frozenset[str]:
    """Every revision this code's migrations know of."""
    return frozenset(_revision_graph())


def serves(current: tuple[str, ...], expected: tuple[str, ...]) -> bool:
    """Whether code expecting `expected` may serve a database at `current`: the same schema,
    or a newer one that this code does not know. During a rolling release the new release's
    migration runs first, while pods of the previous release still serve; migrations only
    expand in the release that brings them (docs/migrations.md), so the previous code keeps
    working and stays ready. A schema this code knows but is not at (behind, or a branch)
    is not served: `canet db upgrade` first."""
    if current == expected:
        return True
    return bool(current) and not (set(current) & known_revisions())


def describe(revisions: tuple[str, ...]) -> str:
    return "+".join(revisions) or "(empty)"


# Read Alembic's table directly: MigrationContext.configure logs two lines per call, and the
# readiness probe asks every few seconds.
_VERSION_TABLE_EXISTS = text("SELECT to_regclass('alembic_version') IS NOT NULL")
_CURRENT_VERSIONS = text("SELECT version_num FROM alembic_version")


async def current_revisions(connection: AsyncConnection) -> tuple[str, ...]:
    """The revisions the database is at (none before the first upgrade)."""
    if not await connection.scalar(_VERSION_TABLE_EXISTS):
        return ()
    rows = await connection.execute(_CURRENT_VERSIONS)
    return tuple(sorted(str(version) for (version,) in rows))

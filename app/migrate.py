"""Run Alembic from code (the `canet db` commands, tests, readiness)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revisions() -> tuple[str, ...]:
    """The schema the code expects (several heads while domain branches are unmerged)."""
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused"))
    return tuple(sorted(script.get_heads()))


def known_revisions() -> frozenset[str]:
    """Every revision this code's migrations know of."""
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused"))
    return frozenset(rev.revision for rev in script.walk_revisions())


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

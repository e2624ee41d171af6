"""Migrations produce exactly the models' schema, and downgrade to base works."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app import migrate
from app.db import sqlalchemy_url
from app.models import metadata
from tests.conftest import ScratchServer


async def _diff(url: str) -> list[object]:
    engine = create_async_engine(sqlalchemy_url(url), poolclass=NullPool)
    try:
        async with engine.connect() as conn:

            def compare(sync_conn):  # type: ignore[no-untyped-def]
                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "compare_server_default": True}
                )
                return compare_metadata(context, metadata)

            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


async def test_migrations_match_models_and_downgrade(scratch_server: ScratchServer) -> None:
    url = await scratch_server.create("canet_migrations")
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        assert await _diff(url) == []
        await asyncio.to_thread(migrate.downgrade, url, "base")
        await asyncio.to_thread(migrate.upgrade, url)
        assert await _diff(url) == []
    finally:
        await scratch_server.drop(url)


def test_the_revision_graph_is_alembics() -> None:
    """A serving worker reads the heads and known revisions from the scripts' literals
    instead of importing Alembic: the same answers as Alembic's own ScriptDirectory."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("postgresql://unused"))
    assert migrate.head_revisions() == tuple(sorted(script.get_heads()))
    assert migrate.known_revisions() == frozenset(r.revision for r in script.walk_revisions())
    scripts = list((migrate.MIGRATIONS_DIR / "versions").glob("*.py"))
    assert len(migrate.known_revisions()) == len(scripts)


def test_a_serving_worker_does_not_import_alembic() -> None:
    """What a worker imports to serve (the app and the revision it expects) leaves Alembic,
    Mako and Pygments out: about 7 MB of every worker's memory."""
    import subprocess
    import sys

    code = (
        "import sys; from app.main import create_app; from app import migrate; "
        "create_app(); migrate.head_revisions(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'mako', 'pygments'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr

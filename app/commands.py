"""What every `canet` command shares: the database to work on, and how a command refuses.

Kept apart from app.cli (which registers every command) so that the domains' commands can
import it at module level without a cycle through the command table.
"""

from __future__ import annotations

from collections.abc import Callable

from app.config import CommandError, Settings
from app.core.embedded_pg import EmbeddedPostgresMissing
from app.db import describe_url, log_database_in_use, resolve_database

__all__ = ["CommandError", "with_database"]


def with_database(settings: Settings, *, create: bool = False) -> tuple[str, Callable[[], None]]:
    """The database to work on, and how to let go of it.

    Only the commands that make a database (`serve`, `db upgrade`, `demo`) pass create=True.
    Every other command needs an existing canet schema: pointed at the wrong data directory,
    it says so in one line instead of making an empty cluster there.
    """
    try:
        url, embedded = resolve_database(settings, create=create)
    except EmbeddedPostgresMissing as exc:
        raise CommandError(_where_to_look(settings, str(exc))) from exc
    release = embedded.release if embedded is not None else (lambda: None)
    log_database_in_use(url, embedded is not None)
    if not create:
        try:
            has_schema = _has_schema(url)
        except BaseException:
            release()
            raise
        if not has_schema:
            release()
            raise CommandError(
                f"the database at {describe_url(url)} has no canet schema yet; "
                "run `canet db upgrade` (or `make run`) first, or point this command at the "
                "server's database"
            )
    return url, release


def _where_to_look(settings: Settings, problem: str) -> str:
    return (
        f"{problem} (CANET_DATA_DIR={settings.data_dir}); run this command with the "
        "server's CANET_DATA_DIR (or from the directory whose .env sets it), or set "
        "CANET_DATABASE_URL"
    )


def _has_schema(url: str) -> bool:
    import asyncio

    import asyncpg

    from app.db import plain_url

    async def check() -> bool:
        connection = await asyncpg.connect(plain_url(url))
        try:
            found = await connection.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL")
            return bool(found)
        finally:
            await connection.close()

    return asyncio.run(check())

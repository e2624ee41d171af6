"""forums: keep the threads without a tag out of the tag index written per reply

Every reply updates its thread's row, and not as a HOT update (the row moves in the forum's
listing index), so each index of forum_threads gets an entry per reply: the GIN tag index
too, even when the thread has no tag (GIN files an empty array under an "empty item" entry,
through its pending list). Most threads have no tag. ix_forum_threads_tags now holds only
the threads that have one (`WHERE tags <> '{}'`): a tag filter names a tag, so it never
wants the others. Queries on a tag say `tags <> '{}'` too, so that PostgreSQL can prove the
index applies (app/forums/repository/threads.py, `tagged`).

Rebuilt concurrently (build the new one, drop the old, rename): every reply writes the
table, and a plain CREATE INDEX would hold those writes for the whole build. Each step is
safe to run again if the migration stops half way.

Revision ID: 0019_reply_indexes
Revises: 0018_actor_changes
Create Date: 2026-12-06 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019_reply_indexes"
down_revision: str | None = "0018_actor_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name -> its definition without the name: as it was, and partial
INDEXES = {
    "ix_forum_threads_tags": (
        "ON forum_threads USING gin (tags)",
        "ON forum_threads USING gin (tags) WHERE tags <> '{}'",
    ),
}


def rebuild_index(name: str, definition: str) -> None:
    """Replace index `name` by one of `definition` without blocking writes to its table."""
    building = f"{name}_new"
    with op.get_context().autocommit_block():
        # A failed concurrent build leaves an invalid index behind: start from nothing.
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {building}")
        op.execute(f"CREATE INDEX CONCURRENTLY {building} {definition}")
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        op.execute(f"ALTER INDEX {building} RENAME TO {name}")


def upgrade() -> None:
    for name, (_full, partial) in INDEXES.items():
        rebuild_index(name, partial)


def downgrade() -> None:
    for name, (full, _partial) in INDEXES.items():
        rebuild_index(name, full)

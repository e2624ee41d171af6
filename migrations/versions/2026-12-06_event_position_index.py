"""realtime: keep the events not yet numbered out of the position index

Every event is inserted without a position, which the sequencer stamps later, so
ix_events_position took a NULL entry per event that nothing reads: every query of positions
compares them (`position > $1`, `position <= $1`, `max(position)`), which implies a
non-null position. It is now unique over the non-null positions only. NULLs were never
constrained, so it refuses exactly the rows it refused before. Rebuilt concurrently, as in
0019: every audited request writes an event.

Contract: the only thing an earlier release could miss is `ON CONFLICT (position)` on
events, which cannot use a partial unique index; no release has ever written one (events
are inserted without a position, and only canet_sequence_events sets it, by id).

Revision ID: 0020_event_position_index
Revises: 0019_reply_indexes
Create Date: 2026-12-06 16:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_event_position_index"
down_revision: str | None = "0019_reply_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FULL = "ON events (position)"
PARTIAL = "ON events (position) WHERE position IS NOT NULL"


def _rebuild(definition: str) -> None:
    """As 0019 rebuilds its index (a migration stays as it shipped, so it keeps its own copy)."""
    name, building = "ix_events_position", "ix_events_position_new"
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {building}")
        op.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {building} {definition}")
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        op.execute(f"ALTER INDEX {building} RENAME TO {name}")


def upgrade() -> None:
    _rebuild(PARTIAL)


def downgrade() -> None:
    _rebuild(FULL)

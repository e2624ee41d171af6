"""merge the domain branches: one head from here on

The domains were built in parallel, each as a branch from 0002_core; later migrations
follow this one in a single line.

Revision ID: 0010_merge
Revises: 0003_audit, 0009_deadline_near, 0005_directory, 0006_forums, 0004_identity, 0008_realtime
Create Date: 2026-11-29 02:21:51.486424
"""

from collections.abc import Sequence

revision: str = "0010_merge"
down_revision: str | Sequence[str] | None = (
    "0003_audit",
    "0009_deadline_near",
    "0005_directory",
    "0006_forums",
    "0004_identity",
    "0008_realtime",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

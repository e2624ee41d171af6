"""cases: retention, legal holds, attachment tombstones: reserved, filled in by the change that needs it

Revision ID: 0017_retention
Revises: 0016_library
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

revision: str = "0017_retention"
down_revision: str | None = "0016_library"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""library: legal texts and their revisions: reserved, filled in by the change that needs it

Revision ID: 0016_library
Revises: 0015_catalogue
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

revision: str = "0016_library"
down_revision: str | None = "0015_catalogue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

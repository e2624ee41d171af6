"""cases: remember which due date's nearness the deadline monitor announced

Revision ID: 0009_deadline_near
Revises: 0007_cases
Create Date: 2026-11-29 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_deadline_near"
down_revision: str | None = "0007_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("deadline_near_for", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "deadline_near_for")

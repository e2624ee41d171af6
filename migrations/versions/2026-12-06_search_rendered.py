"""search: index the rendered text of posts

Revision ID: 0013_search_rendered
Revises: 0012_vetting_audit_actors
Create Date: 2026-12-06 04:00:00
"""

from collections.abc import Sequence

revision: str = "0013_search_rendered"
down_revision: str | None = "0012_vetting_audit_actors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

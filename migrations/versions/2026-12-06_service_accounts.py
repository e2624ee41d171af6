"""identity: service accounts and their keys: reserved, filled in by the change that needs it

Revision ID: 0014_service_accounts
Revises: 0013_search_rendered
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

revision: str = "0014_service_accounts"
down_revision: str | None = "0013_search_rendered"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

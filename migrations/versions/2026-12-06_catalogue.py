"""catalogue: entries, consent and review: reserved, filled in by the change that needs it

Revision ID: 0015_catalogue
Revises: 0014_service_accounts
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

revision: str = "0015_catalogue"
down_revision: str | None = "0014_service_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""identity: no schema change (kept so the chain stays linear)

Wrong second-factor codes are counted per member in the existing login_throttles table
(key `mfa:<user id>`), so this step, reserved for that change, turned out empty.

Revision ID: 0011_mfa_lockout
Revises: 0010_merge
Create Date: 2026-12-06 04:00:00
"""

from collections.abc import Sequence

revision: str = "0011_mfa_lockout"
down_revision: str | None = "0010_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""vetting overrides without endorsement; audit entries name the actor's handle and name

Revision ID: 0012_vetting_audit_actors
Revises: 0011_mfa_lockout
Create Date: 2026-12-06 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_vetting_audit_actors"
down_revision: str | None = "0011_mfa_lockout"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns with no default: no row is rewritten, so the append-only triggers on
    # audit_entries never fire, and entries sealed before keep their hashes (the canonical
    # form leaves null optional fields out, app/audit/chain.py).
    op.add_column("audit_entries", sa.Column("actor_handle", sa.Text(), nullable=True))
    op.add_column("audit_entries", sa.Column("actor_name", sa.Text(), nullable=True))
    op.add_column(
        "applications", sa.Column("endorsement_override_reason", sa.Text(), nullable=True)
    )
    op.add_column(
        "vetting_steps", sa.Column("endorsement_override_reason", sa.Text(), nullable=True)
    )


def downgrade() -> None:
    # Entries sealed with a handle or name no longer verify once these columns are gone: a
    # downgrade is for development databases, never for a log anyone relies on.
    op.drop_column("vetting_steps", "endorsement_override_reason")
    op.drop_column("applications", "endorsement_override_reason")
    op.drop_column("audit_entries", "actor_name")
    op.drop_column("audit_entries", "actor_handle")

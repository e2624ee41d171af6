"""cases: retention, legal holds, attachment tombstones

`cases` gains the legal hold (reason, the side that placed it, who, when: all null when the
case is not held). `case_attachments` gains the uploader's side (filled in for existing rows
from the uploader's authority) and the tombstone of a deleted or purged file: when, by whom,
`deleted` or `purged`, why, and the SHA-256 of the name it had. Every new column is
nullable: the previous release reads and writes both tables as before.

Revision ID: 0017_retention
Revises: 0016_library
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017_retention"
down_revision: str | None = "0016_library"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("legal_hold_reason", sqlmodel.AutoString(), nullable=True))
    op.add_column(
        "cases", sa.Column("legal_hold_side", sqlmodel.AutoString(length=16), nullable=True)
    )
    op.add_column("cases", sa.Column("legal_hold_set_by", sa.Uuid(), nullable=True))
    op.add_column(
        "cases", sa.Column("legal_hold_set_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_foreign_key(
        op.f("fk_cases_legal_hold_set_by_users"),
        "cases",
        "users",
        ["legal_hold_set_by"],
        ["id"],
        ondelete="SET NULL",
    )

    op.add_column(
        "case_attachments", sa.Column("side", sqlmodel.AutoString(length=16), nullable=True)
    )
    op.add_column(
        "case_attachments", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("case_attachments", sa.Column("deleted_by", sa.Uuid(), nullable=True))
    op.add_column(
        "case_attachments",
        sa.Column("deletion_kind", sqlmodel.AutoString(length=16), nullable=True),
    )
    op.add_column(
        "case_attachments", sa.Column("deletion_reason", sqlmodel.AutoString(), nullable=True)
    )
    op.add_column(
        "case_attachments",
        sa.Column("filename_sha256", sqlmodel.AutoString(length=64), nullable=True),
    )
    op.create_foreign_key(
        op.f("fk_case_attachments_deleted_by_users"),
        "case_attachments",
        "users",
        ["deleted_by"],
        ["id"],
        ondelete="SET NULL",
    )
    # Files uploaded before sides were recorded: the side of the uploader's authority now
    # (an uploader who left keeps no side; focal points of either side may then delete).
    op.execute(
        """
        UPDATE case_attachments AS a
        SET side = CASE
            WHEN u.authority_id = c.requesting_authority_id THEN 'requesting'
            WHEN u.authority_id = c.requested_authority_id THEN 'requested'
            ELSE 'observer'
        END
        FROM cases AS c, users AS u
        WHERE c.id = a.case_id AND u.id = a.uploaded_by AND a.side IS NULL
        """
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_case_attachments_deleted_by_users"), "case_attachments", type_="foreignkey"
    )
    for column in (
        "filename_sha256",
        "deletion_reason",
        "deletion_kind",
        "deleted_by",
        "deleted_at",
        "side",
    ):
        op.drop_column("case_attachments", column)
    op.drop_constraint(op.f("fk_cases_legal_hold_set_by_users"), "cases", type_="foreignkey")
    for column in (
        "legal_hold_set_at",
        "legal_hold_set_by",
        "legal_hold_side",
        "legal_hold_reason",
    ):
        op.drop_column("cases", column)

"""The outgoing mail queue: mails are rows first, so none is lost when SMTP is down."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import UUIDPrimaryKey, utcnow


class OutgoingMail(UUIDPrimaryKey, SQLModel, table=True):
    __tablename__ = "mail_queue"
    __table_args__ = (
        # The sender's only query: due mails still queued.
        sa.Index(
            "ix_mail_queue_due",
            "next_attempt_at",
            postgresql_where=sa.text("status = 'queued'"),
        ),
    )

    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    kind: str = Field(max_length=64)
    # queued | sent | failed (gave up after the last retry)
    status: str = Field(default="queued", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"nullable": False},
    )
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )


__all__ = ["OutgoingMail"]

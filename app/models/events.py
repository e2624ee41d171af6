"""Domain events, stored in the transaction that caused them, delivered after commit.

`id` is handed out at insert time, in no useful order across concurrent transactions.
`position` is the stream position clients see and resume from: NULL until the sequencer
(app/realtime/sequencer.py, SQL function `canet_sequence_events`) stamps committed rows, one
sequencer run at a time, so positions become visible strictly in increasing order and a
reader that has seen position N never later finds a committed event below N.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import utcnow

# The sequence that positions come from; standalone (not owned by the column) so that
# truncating the table never winds positions back under a reader that remembers them.
POSITION_SEQUENCE = "event_positions"


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (
        # Non-null positions only: events are inserted without one, and every query of
        # positions compares them, which implies not null (migration 0019).
        sa.Index(
            "ix_events_position",
            "position",
            unique=True,
            postgresql_where=sa.text("position IS NOT NULL"),
        ),
        # The sequencer's work list: only rows still waiting for a position.
        sa.Index("ix_events_unpositioned", "id", postgresql_where=sa.text("position IS NULL")),
        sa.Index("ix_events_created_at", "created_at"),
    )

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    )
    position: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    name: str = Field(max_length=64)
    # Who may receive it: ("thread", id), ("forum", id), ("case", id), ("user", id),
    # ("moderators", None). Checked again against current permissions at send time.
    audience_kind: str = Field(max_length=16)
    audience_id: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSONB(), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now(), "nullable": False},
    )


class EventRetention(SQLModel, table=True):
    """One row: events at or below `pruned_through` were deleted by the retention job."""

    __tablename__ = "event_retention"

    id: int = Field(default=1, primary_key=True)
    pruned_through: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    pruned_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))

"""The figures per authority and per pair: two queries with GROUPING SETS compute every
level at once (pair, as requesting, as requested, total), percentiles included."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.constants import CONVENTION_BASES, OPEN_STATUSES

# GROUPING(requesting, requested): 0 pair, 1 as requesting, 2 as requested, 3 total.
_SETS = "GROUPING SETS ((c.requesting_authority_id, c.requested_authority_id), "
_SETS += "(c.requesting_authority_id), (c.requested_authority_id), ())"

# Drafts are never counted: the requested side does not know of them. A case restricted to
# its assigned officers counts only for those who may open it (case_side in cases.access): its
# assigned officers and the focal points of its two authorities. Nobody else, administrators
# included, learns from a count that it exists.
_FIGURES_FILTER = """
    c.status <> 'draft'
    AND (CAST(:authority AS uuid) IS NULL
         OR c.requesting_authority_id = CAST(:authority AS uuid)
         OR c.requested_authority_id = CAST(:authority AS uuid))
    AND (CAST(:since AS timestamptz) IS NULL OR c.submitted_at >= CAST(:since AS timestamptz))
    AND (CAST(:until AS timestamptz) IS NULL OR c.submitted_at < CAST(:until AS timestamptz))
    AND (NOT c.restricted
         OR CAST(:focal_authority AS uuid) IN (c.requesting_authority_id, c.requested_authority_id)
         OR EXISTS (
         SELECT 1 FROM case_participants p
         WHERE p.case_id = c.id AND p.user_id = CAST(:viewer AS uuid) AND p.role = 'assigned'
           AND p.revoked_at IS NULL AND (p.expires_at IS NULL OR p.expires_at > now())))
"""

_FIGURES = sa.text(
    """
    SELECT c.requesting_authority_id AS req, c.requested_authority_id AS reqd,
      GROUPING(c.requesting_authority_id, c.requested_authority_id) AS g,
      count(*) AS cases,
      count(*) FILTER (WHERE c.due_date < :today AND c.status = ANY(:open)) AS overdue,
      count(*) FILTER (WHERE c.legal_basis->>'kind' = ANY(:convention)) AS convention,
      count(c.acknowledged_at) AS ack_n,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY ack.hours) AS ack_median,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY ack.hours) AS ack_p90,
      count(ex.days) AS exec_n,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY ex.days) AS exec_median,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY ex.days) AS exec_p90
    FROM cases c
    CROSS JOIN LATERAL (SELECT
      extract(epoch FROM c.acknowledged_at - c.submitted_at) / 3600.0 AS hours) ack
    CROSS JOIN LATERAL (SELECT CASE WHEN c.outcome IN ('executed', 'partially_executed')
      THEN extract(epoch FROM c.completed_at - c.submitted_at) / 86400.0 END AS days) ex
    WHERE {filter}
    GROUP BY {sets}
    """.replace("{filter}", _FIGURES_FILTER).replace("{sets}", _SETS)
)

_BREAKDOWN = sa.text(
    """
    SELECT c.requesting_authority_id AS req, c.requested_authority_id AS reqd,
      GROUPING(c.requesting_authority_id, c.requested_authority_id) AS g,
      c.status, c.outcome, c.refusal_ground, count(*) AS n
    FROM cases c
    WHERE {filter}
    GROUP BY GROUPING SETS (
      (c.requesting_authority_id, c.requested_authority_id, c.status, c.outcome,
       c.refusal_ground),
      (c.requesting_authority_id, c.status, c.outcome, c.refusal_ground),
      (c.requested_authority_id, c.status, c.outcome, c.refusal_ground),
      (c.status, c.outcome, c.refusal_ground))
    """.replace("{filter}", _FIGURES_FILTER)
)


def _figures_params(
    authority_id: uuid.UUID | None,
    viewer_id: uuid.UUID,
    focal_authority_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
    today: date,
) -> dict[str, Any]:
    return {
        "authority": str(authority_id) if authority_id else None,
        "viewer": str(viewer_id),
        "focal_authority": str(focal_authority_id) if focal_authority_id else None,
        "since": since,
        "until": until,
        "today": today,
        "open": list(OPEN_STATUSES),
        "convention": list(CONVENTION_BASES),
    }


async def figures_by_level(
    session: AsyncSession,
    *,
    authority_id: uuid.UUID | None,
    viewer_id: uuid.UUID,
    focal_authority_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
    today: date,
) -> Sequence[sa.Row[Any]]:
    """Counts and turnaround percentiles per pair, as requesting, as requested and in total
    (`g` tells which), of the cases submitted in the window that involve `authority_id`
    (all if None) and that `viewer_id` (a focal point of `focal_authority_id`, if set) may
    count."""
    params = _figures_params(authority_id, viewer_id, focal_authority_id, since, until, today)
    return (await session.execute(_FIGURES, params)).all()


async def breakdown_by_level(
    session: AsyncSession,
    *,
    authority_id: uuid.UUID | None,
    viewer_id: uuid.UUID,
    focal_authority_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
    today: date,
) -> Sequence[sa.Row[Any]]:
    """The same cases counted by status, outcome and refusal ground at each level."""
    params = _figures_params(authority_id, viewer_id, focal_authority_id, since, until, today)
    return (await session.execute(_BREAKDOWN, params)).all()

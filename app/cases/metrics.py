"""Figures per authority and per pair of authorities: counts, turnaround, refusals, basis.

These are the figures the Conference of the Parties lacks. Two queries with GROUPING SETS
compute every level at once (pair, as requesting, as requested, total) in PostgreSQL,
percentiles included. Drafts are never counted: the requested side does not know of them.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any, cast

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission, Role
from app.cases.access import deny
from app.cases.constants import CASE_STATUSES, CONVENTION_BASES, OPEN_STATUSES, OUTCOME_STATUSES
from app.cases.schemas import CaseMetrics, CaseStats, PairStats, Percentiles
from app.cases.service.common import today
from app.core import audit
from app.core.errors import Forbidden

# GROUPING(requesting, requested): 0 pair, 1 as requesting, 2 as requested, 3 total.
_SETS = "GROUPING SETS ((c.requesting_authority_id, c.requested_authority_id), "
_SETS += "(c.requesting_authority_id), (c.requested_authority_id), ())"

_FILTER = """
    c.status <> 'draft'
    AND (CAST(:authority AS uuid) IS NULL
         OR c.requesting_authority_id = CAST(:authority AS uuid)
         OR c.requested_authority_id = CAST(:authority AS uuid))
    AND (CAST(:since AS timestamptz) IS NULL OR c.submitted_at >= CAST(:since AS timestamptz))
    AND (CAST(:until AS timestamptz) IS NULL OR c.submitted_at < CAST(:until AS timestamptz))
    AND (CAST(:viewer AS uuid) IS NULL OR NOT c.restricted OR EXISTS (
         SELECT 1 FROM case_participants p
         WHERE p.case_id = c.id AND p.user_id = CAST(:viewer AS uuid) AND p.role = 'assigned'
           AND p.revoked_at IS NULL AND (p.expires_at IS NULL OR p.expires_at > now())))
"""

_FIGURES = text(
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
    """.replace("{filter}", _FILTER).replace("{sets}", _SETS)
)

_BREAKDOWN = text(
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
    """.replace("{filter}", _FILTER)
)

Key = tuple[int, uuid.UUID | None, uuid.UUID | None]


def _round(value: Any) -> float | None:
    return round(float(value), 2) if value is not None else None


def _check_scope(actor: Actor, authority_id: uuid.UUID | None) -> uuid.UUID | None:
    if actor.can(Permission.CASE_METRICS_ALL):
        return authority_id
    if actor.has_role(Role.OFFICER) and actor.authority_id is not None:
        if authority_id not in (None, actor.authority_id):
            raise Forbidden("Officers see the figures of their own authority.")
        return actor.authority_id
    raise Forbidden("Case figures are for officers (own authority) and administrators.")


async def case_metrics(
    session: AsyncSession,
    *,
    actor: Actor,
    authority_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> CaseMetrics:
    """Counts by status, turnaround percentiles, overdue, refusal grounds, Convention share."""
    try:
        scope = _check_scope(actor, authority_id)
    except Forbidden as refused:
        await deny(session, actor, refused, case_id=None)
    # An officer's figures count only the cases they may see: a case restricted to its
    # assigned officers is not counted for their unassigned colleagues (its existence, outcome
    # and refusal ground would show in a pair's figures). Focal points see restricted cases.
    viewer = None
    if not actor.can(Permission.CASE_METRICS_ALL) and not actor.focal_point:
        viewer = actor.user_id
    params = {
        "authority": str(scope) if scope else None,
        "viewer": str(viewer) if viewer else None,
        "since": since,
        "until": until,
        "today": today(),
        "open": list(OPEN_STATUSES),
        "convention": list(CONVENTION_BASES),
    }
    figures = {
        (row.g, row.req, row.reqd): row for row in (await session.execute(_FIGURES, params)).all()
    }
    by_status: dict[Key, dict[str, int]] = defaultdict(dict)
    by_outcome: dict[Key, dict[str, int]] = defaultdict(dict)
    grounds: dict[Key, dict[str, int]] = defaultdict(dict)
    for row in (await session.execute(_BREAKDOWN, params)).all():
        key = (row.g, row.req, row.reqd)
        by_status[key][row.status] = by_status[key].get(row.status, 0) + row.n
        if row.outcome:
            by_outcome[key][row.outcome] = by_outcome[key].get(row.outcome, 0) + row.n
        if row.refusal_ground:
            grounds[key][row.refusal_ground] = grounds[key].get(row.refusal_ground, 0) + row.n

    def stats(key: Key) -> dict[str, Any]:
        row = figures.get(key)
        cases = int(row.cases) if row else 0
        convention = int(row.convention) if row else 0
        return {
            "cases": cases,
            "by_status": by_status.get(key, {}),
            "by_outcome": by_outcome.get(key, {}),
            "overdue": int(row.overdue) if row else 0,
            "hours_to_acknowledge": Percentiles(
                n=int(row.ack_n) if row else 0,
                median=_round(row.ack_median) if row else None,
                p90=_round(row.ack_p90) if row else None,
            ),
            "days_to_execute": Percentiles(
                n=int(row.exec_n) if row else 0,
                median=_round(row.exec_median) if row else None,
                p90=_round(row.exec_p90) if row else None,
            ),
            "refusal_grounds": grounds.get(key, {}),
            "convention_basis": convention,
            "convention_basis_share": round(convention / cases, 4) if cases else None,
        }

    pairs = [
        PairStats(
            requesting_authority_id=cast(uuid.UUID, key[1]),
            requested_authority_id=cast(uuid.UUID, key[2]),
            **stats(key),
        )
        for key in sorted(figures, key=str)
        if key[0] == 0
    ]
    result = CaseMetrics(
        authority_id=scope,
        since=since,
        until=until,
        total=CaseStats(**stats((3, None, None))),
        outgoing=CaseStats(**stats((1, scope, None))) if scope else None,
        incoming=CaseStats(**stats((2, None, scope))) if scope else None,
        pairs=pairs,
    )
    await audit.record(
        session,
        actor=actor,
        action="case.metrics.viewed",
        target=None,
        details={"authority_id": scope, "since": since, "until": until},
        authority_ids=[scope],
    )
    return result


_STAT_COLUMNS = [
    "cases",
    "overdue",
    "hours_to_acknowledge_n",
    "hours_to_acknowledge_median",
    "hours_to_acknowledge_p90",
    "days_to_execute_n",
    "days_to_execute_median",
    "days_to_execute_p90",
    "convention_basis",
    "convention_basis_share",
]


def _csv_row(scope: str, req: Any, reqd: Any, stats: CaseStats) -> list[Any]:
    return [
        scope,
        req or "",
        reqd or "",
        stats.cases,
        stats.overdue,
        stats.hours_to_acknowledge.n,
        stats.hours_to_acknowledge.median,
        stats.hours_to_acknowledge.p90,
        stats.days_to_execute.n,
        stats.days_to_execute.median,
        stats.days_to_execute.p90,
        stats.convention_basis,
        stats.convention_basis_share,
        *[stats.by_status.get(s, 0) for s in CASE_STATUSES if s != "draft"],
        *[stats.by_outcome.get(o, 0) for o in OUTCOME_STATUSES],
        ";".join(f"{g}={n}" for g, n in sorted(stats.refusal_grounds.items())),
    ]


def metrics_csv(metrics: CaseMetrics) -> str:
    """The same figures as CSV: one row per level (total, outgoing, incoming, each pair)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "scope",
            "requesting_authority_id",
            "requested_authority_id",
            *_STAT_COLUMNS,
            *[f"status_{s}" for s in CASE_STATUSES if s != "draft"],
            *[f"outcome_{o}" for o in OUTCOME_STATUSES],
            "refusal_grounds",
        ]
    )
    a = metrics.authority_id
    writer.writerow(_csv_row("total", None, None, metrics.total))
    if metrics.outgoing is not None:
        writer.writerow(_csv_row("outgoing", a, None, metrics.outgoing))
    if metrics.incoming is not None:
        writer.writerow(_csv_row("incoming", None, a, metrics.incoming))
    for pair in metrics.pairs:
        writer.writerow(
            _csv_row("pair", pair.requesting_authority_id, pair.requested_authority_id, pair)
        )
    return out.getvalue()

"""Figures per authority and per pair of authorities: counts, turnaround, refusals, basis.

These are the figures the Conference of the Parties lacks. PostgreSQL computes every level
at once (repository.figures); here they are scoped to the caller, shaped and written as CSV.
Drafts are never counted: the requested side does not know of them.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.actor import Actor
from app.auth.permissions import Permission, Role
from app.cases import repository
from app.cases.access import deny
from app.cases.constants import CASE_STATUSES, OUTCOME_STATUSES
from app.cases.due_dates import today
from app.cases.exceptions import FiguresNotForRole, OtherAuthorityFigures
from app.cases.schemas import MIN_CELL, CaseMetrics, CaseStats, PairStats, Percentiles
from app.core import audit

Key = tuple[int, uuid.UUID | None, uuid.UUID | None]


def _round(value: Any) -> float | None:
    return round(float(value), 2) if value is not None else None


def _check_scope(actor: Actor, authority_id: uuid.UUID | None) -> uuid.UUID | None:
    if actor.can(Permission.CASE_METRICS_ALL):
        return authority_id
    if actor.has_role(Role.OFFICER) and actor.authority_id is not None:
        if authority_id not in (None, actor.authority_id):
            raise OtherAuthorityFigures()
        return actor.authority_id
    raise FiguresNotForRole()


def _small(n: int | None) -> bool:
    return n is not None and 0 < n < MIN_CELL


def _withhold_small(stats: dict[str, Any]) -> dict[str, Any]:
    """An outsider's view of one level: every figure resting on 1 or 2 cases is withheld. A
    level with fewer than 3 cases in all is withheld whole (its `cases` is None; pairs like
    that are left out of the list, so nobody learns that the two authorities have a case)."""
    if _small(stats["cases"]):
        empty = Percentiles(n=None, median=None, p90=None)
        return {
            "cases": None,
            "by_status": {},
            "by_outcome": {},
            "overdue": None,
            "hours_to_acknowledge": empty,
            "days_to_execute": empty,
            "refusal_grounds": {},
            "convention_basis": None,
            "convention_basis_share": None,
            "withheld": True,
        }
    shown = dict(stats)
    for field in ("by_status", "by_outcome", "refusal_grounds"):
        shown[field] = {k: n for k, n in stats[field].items() if not _small(n)}
    for field in ("hours_to_acknowledge", "days_to_execute"):
        if _small(stats[field].n):
            shown[field] = Percentiles(n=None, median=None, p90=None)
    if _small(stats["overdue"]):
        shown["overdue"] = None
    if _small(stats["convention_basis"]):
        shown["convention_basis"] = None
        shown["convention_basis_share"] = None
    shown["withheld"] = shown != stats
    return shown


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
    except (OtherAuthorityFigures, FiguresNotForRole) as refused:
        await deny(session, actor, refused, case_id=None)
    # Restricted cases count only for those who may open them (the repository's filter), so
    # the viewer and, for a focal point, their authority go with every query.
    assert actor.user_id is not None
    focal = actor.authority_id if actor.focal_point and actor.has_role(Role.OFFICER) else None
    on = today()
    figures = {
        (row.g, row.req, row.reqd): row
        for row in await repository.figures_by_level(
            session,
            authority_id=scope,
            viewer_id=actor.user_id,
            focal_authority_id=focal,
            since=since,
            until=until,
            today=on,
        )
    }
    by_status: dict[Key, dict[str, int]] = defaultdict(dict)
    by_outcome: dict[Key, dict[str, int]] = defaultdict(dict)
    grounds: dict[Key, dict[str, int]] = defaultdict(dict)
    breakdown = await repository.breakdown_by_level(
        session,
        authority_id=scope,
        viewer_id=actor.user_id,
        focal_authority_id=focal,
        since=since,
        until=until,
        today=on,
    )
    for row in breakdown:
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

    own = actor.authority_id

    def shown(key: Key) -> dict[str, Any]:
        # A level is the viewer's own when their authority is party to every case it counts:
        # they may see those cases anyway. Any other level is an outsider's view.
        insider = own is not None and (own in (key[1], key[2]) or (key[0] == 3 and scope == own))
        return stats(key) if insider else _withhold_small(stats(key))

    pairs = [
        PairStats(
            requesting_authority_id=cast(uuid.UUID, key[1]),
            requested_authority_id=cast(uuid.UUID, key[2]),
            **figures_,
        )
        for key in sorted(figures, key=str)
        if key[0] == 0 and (figures_ := shown(key))["cases"] is not None
    ]
    result = CaseMetrics(
        authority_id=scope,
        since=since,
        until=until,
        total=CaseStats(**shown((3, None, None))),
        outgoing=CaseStats(**shown((1, scope, None))) if scope else None,
        incoming=CaseStats(**shown((2, None, scope))) if scope else None,
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

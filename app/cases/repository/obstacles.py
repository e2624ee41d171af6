"""Counts of what slowed or stopped cases between two States or for one measure.

Counts only, over every case known to both sides (no drafts) and never a restricted one: the
catalogue's obstacles view shows them to every member, so a case kept to its assigned officers
must not move a figure. The States are read from the authorities' rows (the directory's table,
read, never written), as forums read a member's region.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

_SCOPE = """
    SELECT c.id, c.status, c.outcome, c.refusal_ground
    FROM cases c
    JOIN authorities ra ON ra.id = c.requesting_authority_id
    JOIN authorities rd ON rd.id = c.requested_authority_id
    WHERE c.status <> 'draft' AND NOT c.restricted
      AND (CAST(:requesting AS text) IS NULL OR ra.state_code = CAST(:requesting AS text))
      AND (CAST(:requested AS text) IS NULL OR rd.state_code = CAST(:requested AS text))
      AND (CAST(:measure AS text) IS NULL OR CAST(:measure AS text) = ANY(c.measures))
"""

_TOTALS = sa.text(  # the scope is a constant of this module, not input
    f"""
    WITH scope AS ({_SCOPE})
    SELECT
      count(*) AS cases,
      count(*) FILTER (WHERE s.status = 'refused' OR s.outcome = 'refused') AS refused,
      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM case_deadline_notices n
                                     WHERE n.case_id = s.id AND n.kind = 'delay'))
        AS reported_delay,
      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM case_deadline_notices n
                                     WHERE n.case_id = s.id AND n.kind = 'postponement'))
        AS postponed,
      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM case_timeline_entries t
                                     WHERE t.case_id = s.id
                                       AND t.action = 'request_information'))
        AS information_requested,
      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM case_timeline_entries t
                                     WHERE t.case_id = s.id AND t.kind = 'overdue'))
        AS went_overdue
    FROM scope s
    """  # noqa: S608
)

_GROUNDS = sa.text(
    f"""
    WITH scope AS ({_SCOPE})
    SELECT s.refusal_ground AS ground, count(*) AS n
    FROM scope s
    WHERE s.refusal_ground IS NOT NULL AND (s.status = 'refused' OR s.outcome = 'refused')
    GROUP BY s.refusal_ground
    """  # noqa: S608
)


async def obstacle_totals(
    session: AsyncSession, *, requesting: str | None, requested: str | None, measure: str | None
) -> tuple[sa.Row[Any], list[sa.Row[Any]]]:
    """(the totals row, the refusal grounds' rows) of the cases in scope."""
    params = {"requesting": requesting, "requested": requested, "measure": measure}
    totals = (await session.execute(_TOTALS, params)).one()
    grounds = list((await session.execute(_GROUNDS, params)).all())
    return totals, grounds

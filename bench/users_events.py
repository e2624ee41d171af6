"""What the members of the `users` scenario should have received, against what they did.

Posts and case messages: the load process made every one of them, so it knows each one's
audience (everyone for a network forum's thread, the region's members for a group forum's,
the two authorities' officers for a case) and which members had a socket open; each of those
must have received it once. Notifications: the server decides who gets one (followers,
replied-to authors, case participants), so the expected set is read back from the table: every
notification made for a connected member from an event after the sockets were all open.
Each socket is held to account on its own (a loss on one never hides behind a duplicate on
another): lost = (id, member) pairs never received, duplicates = event ids received twice,
unexpected = ids received by a member outside their audience.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import asyncpg

from app.db import plain_url
from bench.users_seed import group_of, pair_of

if TYPE_CHECKING:
    from bench.users_member import Member, Plan, Recorder


async def head_position(database_url: str) -> int:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        return int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events") or 0)
    finally:
        await conn.close()


async def _notifications(database_url: str, user_ids: list[str], after: int) -> list[Any]:
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        return list(
            await conn.fetch(
                "SELECT id::text, user_id::text FROM notifications "
                "WHERE event_position > $1 AND user_id = ANY($2::uuid[])",
                after,
                user_ids,
            )
        )
    finally:
        await conn.close()


def _figures(expected: int, received: int) -> dict[str, int]:
    return {"expected": expected, "received": received, "lost": expected - received}


async def account(
    plan: Plan, members: Sequence[Member], connected: Sequence[bool], head: int
) -> dict[str, Any]:
    """Events expected, received, lost, duplicated and unexpected, by kind and in all."""
    live = [m for m, ok in zip(members, connected, strict=True) if ok]
    audiences: dict[tuple[str, int], list[Member]] = {("all", 0): live}
    for m in live:
        audiences.setdefault(("group", group_of(m.index)), []).append(m)
        audiences.setdefault(("pair", pair_of(m.index)), []).append(m)

    by_kind: dict[str, dict[str, int]] = {}
    for kind, audience_kinds in (("posts", ("all", "group")), ("messages", ("pair",))):
        expected = received = 0
        for m in members:
            for write_id, audience in m.writes:
                if audience[0] not in audience_kinds:
                    continue
                for reader in audiences.get(audience, []):
                    expected += 1
                    received += write_id in reader.listener.ids
        by_kind[kind] = _figures(expected, received)
    # Received by a member outside the write's audience: a leak, if ever non-zero.
    made = {write_id for m in members for write_id, _ in m.writes}
    matched = by_kind["posts"]["received"] + by_kind["messages"]["received"]
    unexpected = sum(len(m.listener.ids & made) for m in live) - matched

    index = {plan.crowd.user_ids[m.index]: m for m in live}
    rows = await _notifications(plan.database_url, list(index), head)
    got = sum(1 for note_id, user_id in rows if note_id in index[user_id].listener.notifications)
    by_kind["notifications"] = _figures(len(rows), got)

    totals = {k: sum(f[k] for f in by_kind.values()) for k in ("expected", "received", "lost")}
    return {
        "events_expected": totals["expected"],
        "events_received": totals["received"],
        "events_lost": totals["lost"],
        "events_duplicated": sum(m.listener.duplicates for m in live),
        "events_unexpected": unexpected,
        "events": by_kind,
    }


def percentile(ordered: list[float], p: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def action_figures(recorder: Recorder, seconds: float) -> dict[str, dict[str, Any]]:
    """Per action: requests in the window, their rate, p50/p95/p99/max, errors by cause."""
    out = {}
    names = dict.fromkeys([*recorder.latencies_ms, *recorder.errors])
    for name in names:
        ordered = sorted(recorder.latencies_ms.get(name, []))
        errors = recorder.errors.get(name, {})
        out[name] = {
            "count": len(ordered),
            "rps": round(len(ordered) / seconds, 2),
            "p50_ms": round(percentile(ordered, 50), 1),
            "p95_ms": round(percentile(ordered, 95), 1),
            "p99_ms": round(percentile(ordered, 99), 1),
            "max_ms": round(ordered[-1], 1) if ordered else None,
            "errors": sum(errors.values()),
            "error_causes": errors,
        }
    return out

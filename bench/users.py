"""The `users` scenario: N members served at once, and the largest N that is served well.

    .venv/bin/python -m bench users 200              # one size, 60 s window
    .venv/bin/python -m bench users 100 200 400      # several sizes
    .venv/bin/python -m bench users --max 400        # sizing search up to 400
    .venv/bin/python -m bench users 50 --seconds 20 --speed 10    # a quick trial

N members each hold a websocket and go about their work at the issue's rates
(bench/users_member.py says what they do); `make bench-full` runs the sizing search after
every other scenario. A size passes when every action's p95 is under 1 s, with no error (a
non-2xx answer, a failed request, a socket that did not connect or closed early) and no
event lost, duplicated or delivered outside its audience. The search doubles N from --start
while it passes, then halves the gap between the last pass and the first failure down to 50
members or an eighth. Server and PostgreSQL share the machine; the members run in one
process pinned to the last core, whose own CPU and loop lag are reported: past about 85 % or
100 ms it is the generator, not the server, that slows, and the size is marked
generator-bound.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import dataclass
from typing import Any

from bench.report import Report, machine_facts
from bench.seed import Seeded, seed
from bench.server import ScratchDatabase, Server, running_server, settle
from bench.users_load import raise_open_files, run_members
from bench.users_member import ACTIONS, Plan, Rates
from bench.users_seed import Crowd, seed_crowd

P95_LIMIT_MS = 1000.0
GENERATOR_CPU_LIMIT_PCT = 85.0
GENERATOR_LAG_LIMIT_MS = 100.0
GRAIN = 50  # sizes tried by the search are multiples of this


@dataclass
class Options:
    seconds: float = 60.0
    warmup: float = 10.0
    speed: float = 1.0
    seed: int = 1
    live: bool = True


def _loadavg() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def _generator_cpu() -> int | None:
    cores = os.cpu_count() or 1
    return cores - 1 if cores > 1 else None


def _sortable(ms: float) -> float:
    return ms if ms == ms else -1.0  # NaN (an action without a sample) sorts first


def verdict(figures: dict[str, Any]) -> list[str]:
    """Why a size fails (empty when it passes)."""
    reasons = [
        f"{name} p95 {a['p95_ms']} ms"
        for name, a in figures["actions"].items()
        if a["count"] and a["p95_ms"] >= P95_LIMIT_MS
    ]
    if figures["errors"]:
        reasons.append(f"{figures['errors']} errors")
    for key in ("events_lost", "events_duplicated", "events_unexpected"):
        if figures[key]:
            reasons.append(f"{figures[key]} {key.removeprefix('events_')}")
    return reasons


class Sizing:
    """Runs sizes against one server and crowd, and keeps their figures for the summary."""

    def __init__(
        self,
        server: Server,
        database_url: str,
        crowd: Crowd,
        seeded: Seeded,
        options: Options,
        report: Report,
    ) -> None:
        self.server = server
        self.database_url = database_url
        self.crowd = crowd
        self.seeded = seeded
        self.options = options
        self.report = report
        self.results: list[dict[str, Any]] = []

    def step(self, members: int) -> bool:
        backlog, waited = settle(self.database_url)
        if backlog:
            print(f"  background work still pending after {waited} s: {backlog}", flush=True)
        print(f"  {members} members: connecting and running ...", flush=True)
        plan = Plan(
            base_url=self.server.base_url,
            database_url=self.database_url,
            crowd=self.crowd,
            members=members,
            seconds=self.options.seconds,
            warmup=self.options.warmup,
            rates=Rates().faster(self.options.speed),
            search_words=self.seeded.search_words,
            finder_queries=self.seeded.finder_queries,
            seed=self.options.seed,
            live=self.options.live,
            server_pids=self.server.worker_pids(),
        )
        figures = run_members(plan, _generator_cpu())
        actions = figures["actions"]
        figures["requests"] = sum(a["count"] for a in actions.values())
        figures["rps"] = round(figures["requests"] / self.options.seconds, 1)
        figures["errors"] = (
            sum(a["errors"] for a in actions.values())
            + figures["connect_errors"]
            + figures["closed_early"]
        )
        worst = max(actions.items(), key=lambda kv: _sortable(kv[1]["p95_ms"]), default=None)
        figures["worst_p95_ms"] = worst[1]["p95_ms"] if worst else None
        figures["worst_action"] = worst[0] if worst else None
        figures["generator_bound"] = (
            figures["generator_cpu_pct"] > GENERATOR_CPU_LIMIT_PCT
            or figures["generator_lag_p99_ms"] > GENERATOR_LAG_LIMIT_MS
        )
        reasons = verdict(figures)
        figures["pass"] = not reasons
        figures["fail_reasons"] = "; ".join(reasons)
        figures |= {"window_s": self.options.seconds, "speed": self.options.speed}
        figures["live_pages"] = self.options.live
        figures |= {"settled_s": waited, "load": _loadavg()}
        self.results.append(figures)
        self.report.add("users", f"{members} members", figures)
        print(step_table(figures), flush=True)
        return bool(figures["pass"])

    def search(self, start: int, limit: int) -> int:
        """Largest passing size: doubling from `start`, then halving the gap (0: none)."""
        passed, failed, n = 0, 0, start
        while True:
            if self.step(n):
                passed = n
            else:
                failed = n
                break
            if n >= limit:
                break
            n = min(limit, 2 * n)
        while failed and failed - passed > max(GRAIN, passed // 8):
            n = max(GRAIN, round((passed + failed) / 2 / GRAIN) * GRAIN)
            if n in (passed, failed):
                break
            if self.step(n):
                passed = n
            else:
                failed = n
        return passed

    def summary(self) -> str:
        passing = [r["members"] for r in self.results if r["pass"]]
        lines = [
            "| members | verdict | worst p95 ms (action) | req/s | errors | events expected "
            "| received | lost | dup | generator CPU % | generator lag p99 ms "
            "| CPU % machine / server / PostgreSQL |",
            "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in self.results:
            verdict_text = "pass" if r["pass"] else f"FAIL: {r['fail_reasons']}"
            if r["generator_bound"]:
                verdict_text += " (generator-bound)"
            lines.append(
                f"| {r['members']} | {verdict_text} | {r['worst_p95_ms']} ({r['worst_action']}) "
                f"| {r['rps']} | {r['errors']} | {r['events_expected']} "
                f"| {r['events_received']} | {r['events_lost']} | {r['events_duplicated']} "
                f"| {r['generator_cpu_pct']} | {r['generator_lag_p99_ms']} "
                f"| {r['machine_cpu_pct']} / {r['server_cpu_pct']} / {r['postgres_cpu_pct']} |"
            )
        best = max(passing, default=0)
        lines.append("")
        lines.append(f"Largest size served well: {best} members" if best else "No size passed.")
        return "\n".join(lines)


def step_table(figures: dict[str, Any]) -> str:
    state = "pass" if figures["pass"] else f"FAIL ({figures['fail_reasons']})"
    lines = [
        "",
        f"### {figures['members']} members: {state}",
        "",
        "| action | count | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    actions = figures["actions"]
    for name in [*ACTIONS, *(a for a in actions if a not in ACTIONS)]:
        a = actions.get(name)
        if a is None:
            continue
        causes = ", ".join(f"{k} x{v}" for k, v in a["error_causes"].items())
        lines.append(
            f"| {name} | {a['count']} | {a['rps']} | {a['p50_ms']} | {a['p95_ms']} "
            f"| {a['p99_ms']} | {a['max_ms']} | {a['errors']}{f' ({causes})' if causes else ''} |"
        )
    kinds = ", ".join(
        f"{kind} {e['received']}/{e['expected']} (lost {e['lost']})"
        for kind, e in figures["events"].items()
    )
    lines += [
        "",
        f"events received/expected: {kinds}; duplicated {figures['events_duplicated']}, "
        f"unexpected {figures['events_unexpected']}",
        f"sockets: {figures['connected']}/{figures['members']} connected in "
        f"{figures['connect_s']} s, {figures['closed_early']} closed early; "
        f"drain {figures['drain_s']} s",
        f"generator: {figures['generator_cpu_pct']} % of its core, loop lag p99 "
        f"{figures['generator_lag_p99_ms']} ms (max {figures['generator_lag_max_ms']})"
        f"{' -- GENERATOR-BOUND' if figures['generator_bound'] else ''}",
        f"CPU: machine {figures['machine_cpu_pct']} % of all cores busy; server workers "
        f"{figures['server_cpu_pct']} %, PostgreSQL {figures['postgres_cpu_pct']} % of one core",
    ]
    return "\n".join(lines)


def run_in_suite(
    server: Server, database_url: str, seeded: Seeded, report: Report, *, full: bool, limit: int
) -> None:
    """The suite's run: seed the crowd now (after every other scenario), then search."""
    start, options = (250, Options()) if full else (50, Options(seconds=20.0, warmup=5.0))
    crowd = asyncio.run(seed_crowd(database_url, limit))
    sizing = Sizing(server, database_url, crowd, seeded, options, report)
    sizing.search(min(start, limit), limit)
    print(sizing.summary(), flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench users", description=__doc__.splitlines()[0]
    )
    parser.add_argument("members", type=int, nargs="*", help="sizes to run (none: search)")
    parser.add_argument("--start", type=int, default=250, help="search: first size")
    parser.add_argument("--max", type=int, default=3000, help="search: largest size")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window per size")
    parser.add_argument("--warmup", type=float, default=10.0, help="unmeasured start per size")
    parser.add_argument("--speed", type=float, default=1.0, help="think times divided by this")
    parser.add_argument("--corpus", type=int, default=100_000, help="posts seeded for search")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1, help="the members' random choices")
    parser.add_argument(
        "--no-live", action="store_true", help="members do not reload the page they have open"
    )
    args = parser.parse_args(argv)
    options = Options(args.seconds, args.warmup, args.speed, args.seed, live=not args.no_live)
    raise_open_files()  # the server inherits it
    scratch = ScratchDatabase.create()
    try:
        print(f"seeding (corpus {args.corpus:,} posts) ...", flush=True)
        seeded = asyncio.run(
            seed(scratch.url, load_members=2, login_members=0, corpus_posts=args.corpus)
        )
        facts = machine_facts(scratch.server_version())
        facts |= {
            "database": "embedded PostgreSQL" if scratch.embedded else "local PostgreSQL server",
            "workers": args.workers,
            "window_s": args.seconds,
            "warmup_s": args.warmup,
            "speed": args.speed,
            "corpus_posts": seeded.corpus_posts,
            "load_at_start": _loadavg(),
            "generator_cpu": _generator_cpu(),
        }
        report = Report(facts)
        with running_server(scratch.url, workers=args.workers) as server:
            size = max(args.members or [args.max])
            print(f"seeding {size} members ...", flush=True)
            crowd = asyncio.run(seed_crowd(scratch.url, size))
            sizing = Sizing(server, scratch.url, crowd, seeded, options, report)
            if args.members:
                for n in args.members:
                    sizing.step(n)
            else:
                sizing.search(args.start, args.max)
        print()
        print(sizing.summary())
        print(f"\nJSON lines: {report.path}")
    finally:
        scratch.drop()
    return 0

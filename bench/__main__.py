"""`make bench` / `make bench-full`: every scenario of the suite against a real server.

    .venv/bin/python -m bench [--full] [--only post,search,...] [--seconds S] [--workers N]
    .venv/bin/python -m bench users [N ...] [--max N] [--seconds S] [--speed X]

Creates a scratch database (CANET_BENCH_DATABASE_URL or CANET_TEST_DATABASE_URL, else an
embedded server), seeds it, starts `canet serve --workers 2`, signs the load members in
through the API, runs each scenario from a separate load process pinned to the last core,
and writes one JSON line per scenario to bench/results/ plus a markdown table at the end.
The `users` scenario (members served at once, bench/users.py) runs last and only in
`--full` (a sizing search of several minutes), or when named in --only; `bench users`
runs it alone.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench import factories as requests
from bench import fanout, users
from bench.load import LoadResult, generate_load
from bench.report import Report, machine_facts
from bench.seed import Seeded, seed
from bench.server import ScratchDatabase, running_server, settle
from bench.signin import login_load, sign_in_all
from bench.users_load import raise_open_files

SCENARIOS = (
    "ceiling",
    "baseline",
    "post",
    "case_message",
    "read",
    "search",
    "finder",
    "login",
    "delivery",
    "users",
)


def _load_cpu() -> int | None:
    cores = os.cpu_count() or 1
    return cores - 1 if cores > 1 else None


def _loadavg() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def wait_for_quiet(limit: float, patience_s: float) -> str:
    """Wait (up to `patience_s`) for the 1-minute load average to drop below `limit`."""
    deadline = time.monotonic() + patience_s
    while True:
        load = _loadavg()
        if float(load.split()[0]) < limit or time.monotonic() >= deadline:
            return load
        print(f"  waiting for a quieter machine (load {load})", flush=True)
        time.sleep(15)


class Suite:
    def __init__(
        self, args: argparse.Namespace, report: Report, base_url: str, database_url: str
    ) -> None:
        self.args = args
        self.report = report
        self.base_url = base_url
        self.database_url = database_url
        self.cpu = _load_cpu()

    def load(
        self,
        scenario: str,
        variant: str,
        factory: requests.Factory,
        concurrency: int,
        **extra: Any,
    ) -> LoadResult:
        backlog, waited = settle(self.database_url)
        if backlog:
            print(f"  background work still pending after {waited} s: {backlog}", flush=True)
        elif waited > 10:
            print(f"  waited {waited} s for background work to catch up", flush=True)
        result = generate_load(
            self.base_url,
            factory,
            concurrency=concurrency,
            duration_s=self.args.seconds,
            warmup_s=self.args.warmup,
            cpu=self.cpu,
        )
        self.report.add(
            scenario,
            variant,
            {
                **result.summary(),
                "concurrency": concurrency,
                "load": _loadavg(),
                "settled_s": waited,
                **extra,
            },
        )
        return result


def run(args: argparse.Namespace) -> int:
    full = args.full
    # The sizing search of `users` takes many minutes: quick mode runs it only when asked.
    everything = set(SCENARIOS) if full else set(SCENARIOS) - {"users"}
    only = set(args.only.split(",")) if args.only else everything
    load_before = wait_for_quiet(args.max_load, args.patience)
    scratch = ScratchDatabase.create()
    where = "embedded PostgreSQL" if scratch.embedded else "local PostgreSQL server"
    try:
        print(f"database: {where}; seeding (corpus {args.corpus:,} posts) ...", flush=True)
        t0 = time.monotonic()
        seeded: Seeded = asyncio.run(
            seed(
                scratch.url,
                load_members=64,
                login_members=args.login_members,
                corpus_posts=args.corpus if "search" in only else 0,
            )
        )
        print(f"  seeded in {time.monotonic() - t0:.0f} s {seeded.timings}", flush=True)
        listeners: tuple[list[str], str] | None = None
        if "delivery" in only:
            from bench.delivery import _seed as seed_listeners

            listeners = asyncio.run(seed_listeners(scratch.url, max(args.delivery_clients) + 1))
        facts = machine_facts(scratch.server_version())
        facts |= {
            "database": where,
            "workers": args.workers,
            "window_s": args.seconds,
            "warmup_s": args.warmup,
            "mode": "full" if full else "quick",
            "corpus_posts": seeded.corpus_posts,
            "load_at_start": load_before,
            "generator_cpu": _load_cpu(),
        }
        report = Report(facts)
        raise_open_files()  # the server inherits it: thousands of sockets in delivery, users
        with running_server(scratch.url, workers=args.workers) as server:
            tokens = asyncio.run(sign_in_all(server.base_url, seeded.load_members))
            suite = Suite(args, report, server.base_url, scratch.url)
            _run_scenarios(suite, only, seeded, tokens, server, listeners)
            if "users" in only:
                users.run_in_suite(
                    server, scratch.url, seeded, report, full=full, limit=args.users_max
                )
            facts["worker_rss_mb_end"] = server.worker_rss_mb()
        facts["load_at_end"] = _loadavg()
        print()
        print(report.markdown())
        print(_ratios(report))
        print(f"\nJSON lines: {report.path}")
    finally:
        scratch.drop()
    return 0


def _run_scenarios(
    suite: Suite,
    only: set[str],
    seeded: Seeded,
    tokens: list[str],
    server: Any,
    listeners: tuple[list[str], str] | None,
) -> None:
    p = functools.partial
    if "ceiling" in only:
        suite.load("ceiling", "GET /healthz c=64", requests.healthz, 64)
    if "baseline" in only:
        suite.load("baseline", "GET /me c=64", p(requests.me, tokens), 64)
    if "post" in only:
        for c in (1, 16, 64):
            suite.load(
                "post",
                f"c={c}",
                p(requests.forum_post, tokens, seeded.post_thread_ids),
                c,
                threads=len(seeded.post_thread_ids),
            )
    if "case_message" in only:
        for c in (1, 16, 64):
            suite.load(
                "case_message",
                f"c={c}",
                p(requests.case_message, tokens, seeded.case_ids),
                c,
                cases=len(seeded.case_ids),
            )
    if "read" in only:
        suite.load(
            "read",
            "thread page 50 c=16",
            p(requests.thread_page, tokens, seeded.read_thread_id),
            16,
        )
        suite.load("read", "case c=16", p(requests.case, tokens, seeded.read_case_id), 16)
        suite.load(
            "read",
            "case messages 50 c=16",
            p(requests.case_messages, tokens, seeded.read_case_id),
            16,
        )
    if "search" in only:
        for c in (1, 16):
            suite.load(
                "search",
                f"forums c={c}",
                p(requests.search, tokens, seeded.search_words),
                c,
                posts=seeded.corpus_posts,
            )
    if "finder" in only:
        for c in (1, 16):
            suite.load(
                "finder", f"finder c={c}", p(requests.finder, tokens, seeded.finder_queries), c
            )
        suite.load("finder", "directory search c=16", p(requests.directory, tokens), 16)
    if "login" in only:
        _login(suite, seeded, tokens)
    if "delivery" in only and listeners is not None:
        listener_tokens, forum_id = listeners
        for clients in suite.args.delivery_clients:
            figures = fanout.run_delivery(
                server,
                listener_tokens[1:],
                listener_tokens[0],
                forum_id,
                clients=clients,
                seconds=suite.args.seconds,
            )
            suite.report.add("delivery", f"{clients} sockets", {**figures, "load": _loadavg()})


def _login(suite: Suite, seeded: Seeded, tokens: list[str]) -> None:
    """8 sign-ins at once, and what they do to everyone else: GET /me at concurrency 4,
    alone and then alongside the sign-ins (its p99 should stay within 3x)."""
    me = functools.partial(requests.me, tokens)
    idle = suite.load("login", "GET /me c=4 alone", me, 4)
    window = {"duration_s": suite.args.seconds, "warmup_s": suite.args.warmup, "cpu": suite.cpu}
    with ThreadPoolExecutor(max_workers=1) as beside:
        during = beside.submit(generate_load, suite.base_url, me, concurrency=4, **window)
        result = login_load(suite.base_url, seeded.login_members, concurrency=8, **window)
        me_during = during.result()
    suite.report.add(
        "login", "password+TOTP c=8", {**result.summary(), "concurrency": 8, "load": _loadavg()}
    )
    p99_idle = idle.percentile(99)
    suite.report.add(
        "login",
        "GET /me c=4 during 8 sign-ins",
        {
            **me_during.summary(),
            "concurrency": 4,
            "p99_vs_alone": round(me_during.percentile(99) / p99_idle, 2) if p99_idle else None,
            "load": _loadavg(),
        },
    )


def _ratios(report: Report) -> str:
    base = report.find("baseline", "GET /me c=64")
    lines = []
    for scenario in ("post", "case_message"):
        row = report.find(scenario, "c=64")
        if base and row and base.get("rps"):
            lines.append(
                f"{scenario} / baseline at concurrency 64: {row['rps']} / {base['rps']} = "
                f"{row['rps'] / base['rps']:.2f}"
            )
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:2] == ["users"]:
        raise SystemExit(users.main(sys.argv[2:]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--full", action="store_true", help="1M posts, 18 s windows, 5,000 sockets, users search"
    )
    parser.add_argument("--only", help="comma-separated scenarios: " + ",".join(SCENARIOS))
    parser.add_argument("--seconds", type=float, help="measured window per scenario")
    parser.add_argument("--warmup", type=float, help="unmeasured warm-up per scenario")
    parser.add_argument("--corpus", type=int, help="posts seeded for search")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-load", type=float, default=1.0, help="wait for loadavg below")
    parser.add_argument("--patience", type=float, default=300, help="seconds to wait for it")
    parser.add_argument("--users-max", type=int, help="users: largest size the search tries")
    args = parser.parse_args()
    args.seconds = args.seconds or (18.0 if args.full else 5.0)
    args.warmup = args.warmup if args.warmup is not None else (3.0 if args.full else 1.5)
    args.corpus = args.corpus if args.corpus is not None else (1_000_000 if args.full else 100_000)
    args.delivery_clients = [100, 1000, 5000] if args.full else [100, 1000]
    args.login_members = 1500 if args.full else 400
    args.users_max = args.users_max or (3000 if args.full else 200)
    if not args.full:
        print(
            f"quick run: {args.seconds:g} s windows after {args.warmup:g} s warm-up, "
            f"{args.corpus:,} posts for search (`make bench-full`: 18 s, 1,000,000 posts, "
            "5,000 sockets, the members-served-at-once search)",
            flush=True,
        )
    raise SystemExit(run(args))


if __name__ == "__main__":
    main()

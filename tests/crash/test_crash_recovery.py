"""Acknowledged writes survive kill -9 of a worker and of the whole server; a database restart
is answered with 503 and Retry-After, never a hang, and the service recovers by itself.

One real `canet serve --workers 2` on a PostgreSQL of the test's own, attachments on the
local disk. Writers post forum replies, case messages and streamed attachments (each write
one Idempotency-Key, retried with it after a connection error or a 503) while websocket and
long-poll clients listen and resume from their last id. One worker is killed with SIGKILL
(the supervisor starts another), then the whole server (started again), then PostgreSQL is
stopped fast and started again while canet is left alone. Afterwards:

- every write that got a 2xx is in the database exactly once, with one audit entry and one
  event; an attachment's row has the digest and size of the bytes sent;
- every attachment row has its blob, which decrypts (through the API) to its SHA-256; a blob
  with no row, or an upload left half-written, is found only where a kill came (the
  retention sweep's business), never after a database restart or in ordinary operation;
- every event has its stream position, and every listener received each event of the
  thread (and of the case, if it takes part) after it first connected, once and in order;
- while the database was away every request was answered within OUTAGE_ANSWER_BOUND, with a
  2xx or a 503 problem carrying Retry-After, and writes succeeded again within
  RECOVERY_BOUND of its return, with the same processes;
- `canet audit verify` passes.

The figures (requests, failures by phase, the longest request during the outage, recovery
time, orphans) are printed as a table, never asserted beyond those bounds. CANET_CRASH_FULL=1
runs the long form (more writers and listeners, three worker kills, two server kills, two
database restarts).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.audit.signing import generate_private_key_text
from app.cases.purge import SweepReport, sweep_storage
from app.cases.settings import get_cases_settings
from app.cases.storage import LocalDirectoryStorage
from app.db import Database
from app.models.base import utcnow
from tests.cluster.actors import WsClient
from tests.cluster.harness import Node, Postgres, cli, free_port, log_tail
from tests.crash.facts import Facts, Storage, StoredFile
from tests.crash.load import Attempt, LongPoller
from tests.crash.scenario import (
    OUTAGE_ANSWER_BOUND,
    POLL_WAIT,
    RECOVERY_BOUND,
    SHAPE,
    START_BOUND,
    Network,
    Phase,
    Run,
    open_thread_and_case,
    seed,
    wait_ready,
)
from tests.factories import TEST_SECRET_KEY

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds the server's workers in /proc (Linux)"
)


@dataclass
class Service:
    postgres: Postgres
    node: Node
    env: dict[str, str]
    data_dir: Path
    directory: Path

    @property
    def attachments(self) -> Path:
        return self.data_dir / "attachments"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    postgres = Postgres(tmp_path / "pg")
    node: Node | None = None
    try:
        url = postgres.start()
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CANET_")} | {
            "CANET_ENV": "production",
            "CANET_DATABASE_URL": url,
            "CANET_SECRET_KEY": TEST_SECRET_KEY,
            "CANET_AUDIT_SIGNING_KEY": generate_private_key_text(),
            "CANET_STORAGE_MASTER_KEY": secrets.token_urlsafe(32),
            "CANET_DATA_DIR": str(data_dir),
            "CANET_BASE_URL": f"http://127.0.0.1:{port}",
            "CANET_LOG_LEVEL": "INFO",
            "CANET_METRICS_LISTEN": "",
            "CANET_DB_POOL_SIZE": "8",
            "CANET_DB_MAX_OVERFLOW": "8",
        }
        migrated = cli(env, "db", "upgrade")
        assert migrated.returncode == 0, migrated.stderr
        node = Node("canet", "127.0.0.1", port, env, tmp_path / "canet.log")
        node.start()
        yield Service(postgres, node, env, data_dir, tmp_path)
    finally:
        if node is not None:
            node.stop()
        postgres.remove()


# --- after the run ----------------------------------------------------------------------------


Listener = WsClient | LongPoller


def expected_for(facts: Facts, network: Network, listener: Listener) -> set[int]:
    """Positions of the thread's (and the case's) events after the listener's first ready."""
    wanted = facts.audience_positions("thread", network.thread_id)
    if listener.case:
        wanted |= facts.audience_positions("case", network.case_id)
    floor = listener.first_after if listener.first_after is not None else 2**62
    return {p for p in wanted if p > floor}


async def settle(run: Run, url: str, network: Network) -> Facts:
    """Until every event has its position, every audit entry its seal and every listener
    what it is owed; at most 60 s (what is still missing then is reported by the checks)."""
    deadline = time.monotonic() + 60
    while True:
        facts = await Facts.read(url, network.thread_id, network.case_id)
        delivered = all(
            expected_for(facts, network, c) <= {r.id for r in c.received} for c in run.listeners
        )
        if (facts.unpositioned == 0 and facts.unsealed == 0 and delivered) or (
            time.monotonic() > deadline
        ):
            return facts
        await asyncio.sleep(0.25)


async def download_digests(base_url: str, run: Run, facts: Facts) -> dict[str, str]:
    """Each attachment's bytes as the API serves them, decrypted: their SHA-256."""
    reader = run.network.writers[0]
    digests: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        for attachment_id in facts.attachments:
            digest = hashlib.sha256()
            path = f"/api/v1/cases/{run.network.case_id}/attachments/{attachment_id}"
            async with http.stream("GET", path, headers=reader.headers) as response:
                if response.status_code != 200:
                    digests[attachment_id] = f"HTTP {response.status_code}"
                    continue
                async for chunk in response.aiter_bytes():
                    digest.update(chunk)
            digests[attachment_id] = digest.hexdigest()
    return digests


# A kill leaves an upload's file as it was at that moment: last written shortly before it.
KILL_LOOKBACK = 10.0


def kill_behind(run: Run, stored: StoredFile) -> Phase | None:
    """The kill that explains a file left without a row: it was last written just before."""
    for phase in run.phases:
        if phase.kind in ("worker", "server") and (
            phase.wall_begin - KILL_LOOKBACK <= stored.modified <= phase.wall_begin + 2.0
        ):
            return phase
    return None


def phase_of_file(run: Run, stored: StoredFile) -> Phase | None:
    """The kill behind a file, else the phase during which it was last written."""
    behind = kill_behind(run, stored)
    if behind is not None:
        return behind
    for phase in run.phases:
        if phase.wall_begin <= stored.modified <= phase.wall_end:
            return phase
    return None


def outage_attempts(run: Run, phase: Phase, *, polls: bool = False) -> list[Attempt]:
    """Writes (or long-polls) under way while the database was away: from its stop to the
    first 2xx write after its return."""
    until = phase.facts.get("recovered") or phase.end
    attempts = (
        [a for p in run.pollers for a in p.attempts]
        if polls
        else [a for w in run.writes for a in w.attempts]
    )
    return [a for a in attempts if a.started <= until and a.started + a.seconds >= phase.begin]


async def sweep_as_if_past_the_grace(url: str, root: Path) -> SweepReport:
    """The retention pass's sweep, two days on: what it removes of what the kills left."""
    database = Database(url, pool_size=2, max_overflow=0)
    try:
        return await sweep_storage(
            database,
            LocalDirectoryStorage(root),
            now=utcnow() + timedelta(days=2),
            grace=timedelta(hours=get_cases_settings().orphan_grace_hours),
        )
    finally:
        await database.dispose()


def check_sweep(before: Storage, swept: SweepReport, after: Storage, facts: Facts) -> list[str]:
    """The sweep removed exactly the blobs without a row and the unfinished uploads."""
    problems = []
    orphans = sorted(f.key for f in before.orphans(facts.attachments))
    unfinished = sorted(f.key for f in before.unfinished())
    if sorted(swept.orphans) != orphans or sorted(swept.unfinished) != unfinished:
        problems.append(
            f"the sweep removed {swept.orphans} and unfinished {swept.unfinished}, "
            f"not {orphans} and {unfinished}"
        )
    if swept.tombstone_blobs:
        problems.append(f"the sweep removed blobs of tombstones: {swept.tombstone_blobs}")
    left = [f.key for f in [*after.orphans(facts.attachments), *after.unfinished()]]
    if left:
        problems.append(f"after the sweep, files without a row remain: {left}")
    for row in after.missing(facts.attachments):
        problems.append(f"after the sweep, attachment {row.id} has no blob")
    return problems


def check(
    run: Run,
    facts: Facts,
    storage: Storage,
    digests: dict[str, str],
) -> list[str]:
    """Every hard guarantee; the problems found, in words."""
    problems: list[str] = []
    network = run.network
    for w in run.writes:
        if w.error:
            problems.append(f"{w.kind} {w.marker!r} was answered {w.error}")
        elif not w.ok:
            outcomes = [a.outcome for a in w.attempts[-5:]]
            problems.append(f"{w.kind} {w.marker!r} got no 2xx: {outcomes}")
        rows = facts.rows[w.kind].get(w.marker, [])
        if w.ok and rows != [w.resource_id]:
            problems.append(
                f"{w.kind} {w.marker!r} was answered {w.resource_id}, the database has {rows}"
            )
        if not w.ok and len(rows) > 1:
            problems.append(f"{w.kind} {w.marker!r} is in the database {len(rows)} times")
        if not w.ok or w.resource_id is None:
            continue
        if facts.created_events[w.kind][w.resource_id] != 1:
            count = facts.created_events[w.kind][w.resource_id]
            problems.append(f"{w.kind} {w.resource_id} has {count} creation events")
        if facts.audit_entries[w.kind][w.resource_id] != 1:
            count = facts.audit_entries[w.kind][w.resource_id]
            problems.append(f"{w.kind} {w.resource_id} has {count} audit entries")
        if w.kind == "attachment":
            row = facts.attachments.get(w.resource_id)
            answer = w.answer or {}
            if row is None or (row.sha256, row.size) != (w.sha256, w.size):
                problems.append(f"attachment {w.resource_id} is not what was sent: {row}")
            if (answer.get("sha256"), answer.get("size")) != (w.sha256, w.size):
                problems.append(f"attachment {w.resource_id} was answered {answer}")
    # The attachment directory against the rows.
    for row in storage.missing(facts.attachments):
        problems.append(f"attachment {row.id} has no blob ({row.storage_key})")
    for attachment_id, row in facts.attachments.items():
        if digests.get(attachment_id) != row.sha256:
            problems.append(
                f"attachment {attachment_id} decrypts to {digests.get(attachment_id)}, "
                f"its row says {row.sha256}"
            )
    for stored in [*storage.orphans(facts.attachments), *storage.unfinished()]:
        if kill_behind(run, stored) is None:
            phase = phase_of_file(run, stored)
            where = phase.name if phase else "outside every phase"
            what = "an unfinished upload" if stored.partial else "a blob without a row"
            problems.append(f"{what} ({stored.key}) was left during {where}, not by a kill")
    if storage.strays:
        problems.append(f"unexpected entries in the attachment directory: {storage.strays[:5]}")
    # The event stream.
    if facts.unpositioned:
        problems.append(f"{facts.unpositioned} events were never given a stream position")
    if facts.unsealed:
        problems.append(f"{facts.unsealed} audit entries were never sealed into the chain")
    case_positions = facts.audience_positions("case", network.case_id)
    listeners: list[tuple[str, Listener]] = [
        *((f"socket {c.index}", c) for c in run.sockets),
        *((f"long-poll {i}", p) for i, p in enumerate(run.pollers)),
    ]
    for label, listener in listeners:
        got = [r.id for r in listener.received]
        expected = expected_for(facts, network, listener)
        tracked = [p for p in got if p in expected]
        if listener.out_of_order:
            problems.append(f"{label} got ids out of order or twice: {listener.out_of_order[:5]}")
        if isinstance(listener, WsClient) and listener.resets:
            problems.append(f"{label} was told to reset: {listener.resets[:2]}")
        if tracked != sorted(expected):
            missing = sorted(expected - set(tracked))
            problems.append(
                f"{label} missed {len(missing)} events (first {missing[:5]}), "
                f"{len(tracked) - len(set(tracked))} duplicates"
            )
        for p in got:
            if p not in facts.events:
                problems.append(f"{label} received {p}, an event the database lacks")
                continue
            name, kind, ident, _ = facts.events[p]
            if (kind == "user" and ident != str(listener.member_id)) or (
                not listener.case and p in case_positions
            ):
                problems.append(f"{label} received {name} for {kind} {ident}")
    # The database restarts: fast answers, 503 with Retry-After, recovery without a restart.
    for phase in run.phases:
        if phase.kind != "database":
            continue
        for a in outage_attempts(run, phase):
            if not a.answered:
                problems.append(f"{phase.name}: a request got no answer ({a.outcome})")
            elif a.seconds > OUTAGE_ANSWER_BOUND:
                problems.append(f"{phase.name}: a request took {a.seconds:.1f} s ({a.outcome})")
            if a.outcome == "503" and not (
                a.retry_after and (a.content_type or "").startswith("application/problem+json")
            ):
                problems.append(
                    f"{phase.name}: a 503 without Retry-After or problem+json "
                    f"({a.retry_after!r}, {a.content_type!r})"
                )
            if a.answered and a.outcome != "503" and not a.outcome.startswith("2"):
                problems.append(f"{phase.name}: a request was answered {a.outcome}")
        # A long-poll waits for events up to its `timeout`: the bound comes on top of that.
        for a in outage_attempts(run, phase, polls=True):
            bound = POLL_WAIT + OUTAGE_ANSWER_BOUND
            if not a.answered or a.seconds > bound or a.outcome not in ("200", "503"):
                problems.append(
                    f"{phase.name}: a long-poll got {a.outcome} after {a.seconds:.1f} s"
                )
            elif a.outcome == "503" and not a.retry_after:
                problems.append(f"{phase.name}: a long-poll's 503 had no Retry-After")
        if phase.facts.get("recovered") is None:
            problems.append(f"{phase.name}: no write succeeded within {RECOVERY_BOUND} s")
        if phase.facts.get("restarted_canet"):
            problems.append(f"{phase.name}: canet's processes changed while PostgreSQL restarted")
    return problems


# --- the report -------------------------------------------------------------------------------


def report(run: Run, facts: Facts, storage: Storage, audit: str, elapsed: float) -> dict[str, Any]:
    phases: dict[str, dict[str, Any]] = {}
    for phase in run.phases:
        phases[phase.name] = {
            "seconds": round(phase.end - phase.begin, 1),
            "requests": 0,
            "2xx": 0,
            "failures": Counter(),
            "longest_s": 0.0,
            "writes": 0,
            "writes_ok": 0,
            **{k: v for k, v in phase.facts.items() if k.endswith("_s")},
        }
    outside: dict[str, Any] = {"requests": 0, "2xx": 0, "failures": Counter(), "longest_s": 0.0}
    for w in run.writes:
        started_in = run.phase_of(w.started)
        if started_in is not None:
            phases[started_in.name]["writes"] += 1
            phases[started_in.name]["writes_ok"] += int(w.ok)
        for a in w.attempts:
            at = run.phase_of(a.started)
            bucket = phases[at.name] if at is not None else outside
            bucket["requests"] += 1
            if a.outcome.startswith("2"):
                bucket["2xx"] += 1
            else:
                bucket["failures"][a.outcome] += 1
            bucket["longest_s"] = round(max(bucket["longest_s"], a.seconds), 2)
    if outside["requests"]:
        phases["between phases"] = outside
    outages = []
    for phase in run.phases:
        if phase.kind != "database":
            continue
        attempts = outage_attempts(run, phase)
        recovered = phase.facts.get("recovered")
        outages.append(
            {
                "phase": phase.name,
                "database_down_s": round(phase.facts["back"] - phase.facts["stopped"], 2),
                "requests": len(attempts),
                "answered_503": sum(a.outcome == "503" for a in attempts),
                "longest_request_s": round(max((a.seconds for a in attempts), default=0), 2),
                "recovered_after_db_back_s": (
                    round(recovered - phase.facts["back"], 2) if recovered else None
                ),
                "unready_s": _unready(run, phase),
            }
        )
    orphans: dict[str, dict[str, int]] = {}
    for stored in [*storage.orphans(facts.attachments), *storage.unfinished()]:
        found = phase_of_file(run, stored)
        key = found.name if found else "outside every phase"
        what = "unfinished" if stored.partial else "without_row"
        orphans.setdefault(key, {"without_row": 0, "unfinished": 0})[what] += 1
    listeners = run.listeners
    began = run.phases[0].begin if run.phases else 0.0
    # Attempts that got no answer where the server was up (a kill's in-flight requests, or
    # a kept-alive connection to the worker that died, tried once more afterwards).
    unanswered = [
        {
            "phase": getattr(run.phase_of(a.started), "name", None),
            "kind": w.kind,
            "at_s": round(a.started - began, 2),
            "seconds": round(a.seconds, 2),
            "outcome": a.outcome,
        }
        for w in run.writes
        for a in w.attempts
        if not a.answered and a.outcome != "ConnectError"
    ]
    return {
        "form": SHAPE.name,
        "writers": len(run.writers),
        "sockets": len(run.sockets),
        "long_polls": len(run.pollers),
        "elapsed_s": round(elapsed, 1),
        "requests": sum(len(w.attempts) for w in run.writes),
        "requests_2xx": sum(a.outcome.startswith("2") for w in run.writes for a in w.attempts),
        "writes": dict(Counter(w.kind for w in run.writes)),
        "writes_ok": sum(w.ok for w in run.writes),
        "writes_failed": sum(not w.ok for w in run.writes),
        "attachments_mb": round(sum(w.size or 0 for w in run.writes if w.ok) / 1e6, 1),
        "phases": {
            name: values | {"failures": dict(values["failures"])} for name, values in phases.items()
        },
        "database_outages": outages,
        "unanswered_attempts": unanswered,
        "attachment_rows": len(facts.attachments),
        "orphans_by_phase": orphans,
        "events": len(facts.events),
        "position_numbering_holes": facts.numbering_holes(),
        "events_received": sum(len(c.received) for c in listeners),
        "socket_resumes": sum(
            1 for c in run.sockets for conn in c.connections if conn.resumed_after is not None
        ),
        "long_poll_failed_polls": sum(len(p.failures) for p in run.pollers),
        "audit_verify": audit,
        "load_average_1min_at_end": round(os.getloadavg()[0], 1),
    }


def _unready(run: Run, phase: Phase) -> float | None:
    window = run.probe.unready_window("canet", phase.begin)
    if window is None or window[1] is None:
        return None
    return round(window[1] - window[0], 2)


def table(data: dict[str, Any]) -> str:
    rows = [
        (
            "form",
            f"{data['form']}: 1 server x 2 workers, {data['writers']} writers, "
            f"{data['sockets']} sockets, {data['long_polls']} long-polls",
        ),
        ("requests sent / 2xx", f"{data['requests']} / {data['requests_2xx']}"),
        (
            "writes ok / failed",
            f"{data['writes_ok']} / {data['writes_failed']} {json.dumps(data['writes'])}, "
            f"{data['attachments_mb']} MB of attachments",
        ),
    ]
    for name, p in data["phases"].items():
        extra = "".join(f", {k} {v}" for k, v in p.items() if k.endswith("_s") and k != "longest_s")
        failures = f" {json.dumps(p['failures'])}" if p["failures"] else ""
        rows.append(
            (
                f"  {name}",
                f"{p.get('seconds', '-')} s: {p['requests']} requests, {p['2xx']} 2xx, "
                f"failed{failures or ' 0'}, longest {p['longest_s']} s{extra}",
            )
        )
    for o in data["database_outages"]:
        rows.append(
            (
                o["phase"],
                f"down {o['database_down_s']} s; {o['requests']} requests "
                f"({o['answered_503']} answered 503), longest {o['longest_request_s']} s; "
                f"writes again {o['recovered_after_db_back_s']} s after it was back; "
                f"/readyz unready {o['unready_s']} s",
            )
        )
    rows += [
        (
            "attachments, orphans",
            f"{data['attachment_rows']} rows; left by phase: "
            f"{json.dumps(data['orphans_by_phase']) or 'none'}; the sweep removed "
            f"{json.dumps(data.get('swept'))}",
        ),
        (
            "events",
            f"{data['events']} positioned ({data['position_numbering_holes']} numbers never "
            f"handed out); {data['events_received']} received, {data['socket_resumes']} socket "
            f"resumes, {data['long_poll_failed_polls']} failed polls",
        ),
        ("audit verify", data["audit_verify"]),
        (
            "elapsed",
            f"{data['elapsed_s']} s (host load average {data['load_average_1min_at_end']})",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k.ljust(width)}  {v}" for k, v in rows)


async def test_acknowledged_writes_survive_kills_and_a_database_restart(
    service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    began = time.monotonic()
    network = await seed(service.postgres.url)
    await wait_ready(service.node.url, START_BOUND)
    await open_thread_and_case(service.node.url, network)
    run = Run(service.node, service.postgres, network, uuid.uuid4().hex[:8])
    try:
        async with asyncio.timeout(SHAPE.budget):
            await run.play()
            facts = await settle(run, service.postgres.url, network)
    except TimeoutError:
        pytest.fail(
            f"the scenario overran its {SHAPE.budget} s budget\n{log_tail(service.node.log)}"
        )
    finally:
        await run.stop_listeners()
    storage = Storage.scan(service.attachments)
    swept = await sweep_as_if_past_the_grace(service.postgres.url, service.attachments)
    after_sweep = Storage.scan(service.attachments)
    digests = await download_digests(service.node.url, run, facts)
    # The sweep's audit entry and the downloads' are sealed by the server's workers.
    await settle(run, service.postgres.url, network)
    verified = await asyncio.to_thread(cli, service.env, "audit", "verify")
    audit_line = (verified.stdout.strip().splitlines() or ["(no output)"])[-1]
    data = report(run, facts, storage, audit_line, time.monotonic() - began)
    data["swept"] = {"without_row": len(swept.orphans), "unfinished": len(swept.unfinished)}
    path = service.directory / "crash-report.json"
    path.write_text(json.dumps(data, indent=2))
    with capsys.disabled():
        print(f"\n\ncrash scenario ({SHAPE.name})\n{table(data)}\n  report: {path}\n")
    problems = check(run, facts, storage, digests)
    problems += check_sweep(storage, swept, after_sweep, facts)
    if verified.returncode != 0:
        problems.append(f"canet audit verify failed:\n{verified.stdout}\n{verified.stderr}")
    assert not problems, "\n".join(problems[:40]) + "\n" + log_tail(service.node.log, 80)

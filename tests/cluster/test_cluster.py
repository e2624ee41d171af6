"""Three canet nodes behind HAProxy on one PostgreSQL behave as one service through faults.

Each node is `canet serve --workers 2` on its own loopback address; HAProxy balances them
round-robin and takes a node out when its /readyz fails. While websocket clients listen and
writers post forum replies and case messages (each logical write one Idempotency-Key,
retried on connection errors, 502 and 503), one node is killed with SIGKILL, the other two
are rolled with SIGTERM one at a time, and the database is restarted. Afterwards:

- every write that got a 2xx is in the database exactly once, with exactly one event;
- every client received every event of the thread (and of the case, if it takes part)
  published after it first connected, exactly once and in order, and none it may not see;
- sockets on a node stopped with SIGTERM closed with 1001, and their clients resumed;
- the nodes went unready while the database was down and ready again without a restart;
- `canet audit verify` passes.

Timings (retried attempts, the longest unready window, delivery latency) are reported, never
asserted. `make cluster-test` runs the full form (CANET_CLUSTER_FULL=1: 300 clients); the
short form (30 clients) is part of `make test`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from app.audit.signing import generate_private_key_text
from app.db import Database, plain_url
from tests.cluster.actors import ReadinessProbe, Write, Writer, WsClient
from tests.cluster.harness import (
    NODE_HOSTS,
    HAProxy,
    Node,
    Postgres,
    cli,
    find_haproxy,
    free_port,
    log_tail,
    port_free_on_every,
)
from tests.factories import TEST_SECRET_KEY, Member, make_authority, make_forum, make_member

FULL = os.environ.get("CANET_CLUSTER_FULL") == "1"
# A node's access log line for a 5xx other than 503 (the database is unavailable: retry).
SERVER_ERROR = re.compile(r"\bstatus=5(?!03)\d\d\b")
RELAYED_500 = re.compile(r" nodes/n\d \S+ 500 ")


@dataclass(frozen=True)
class Shape:
    name: str
    clients: int
    steady: float  # seconds of ordinary traffic between two faults
    writer_interval: float  # mean pause between two writes of one writer
    db_down: float  # seconds the database stays stopped
    budget: float  # a bound on the scenario against hanging (seconds), not a speed goal


SHAPE = (
    Shape("full", clients=300, steady=10.0, writer_interval=0.4, db_down=2.0, budget=600)
    if FULL
    else Shape("short", clients=30, steady=2.0, writer_interval=0.3, db_down=1.0, budget=400)
)
WRITE_DEADLINE = 45.0  # a logical write that has no 2xx after this long counts as failed
READY_AGAIN_BOUND = 30.0  # nodes must be ready this soon after the database is back
# A node's start: three interpreters importing the app. Seconds on a quiet host, far more on
# a shared one; a bound against hanging, not a speed requirement.
NODE_START_BOUND = 180.0


@dataclass
class Cluster:
    postgres: Postgres
    nodes: list[Node]
    haproxy: HAProxy
    env: dict[str, str]
    directory: Path

    def logs(self) -> str:
        parts = [log_tail(n.log) for n in self.nodes] + [log_tail(self.haproxy.log)]
        return "\n".join(parts)


async def _wait_status(haproxy: HAProxy, names: list[str], want: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        states = await asyncio.to_thread(haproxy.server_status)
        if all(states.get(name) == want for name in names):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"HAProxy did not see {names} {want} within {timeout} s: {states}")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    haproxy_binary = find_haproxy()
    if haproxy_binary is None:
        pytest.skip("HAProxy is not installed and could not be (apt-get install haproxy)")
    postgres = Postgres(tmp_path / "pg")
    nodes: list[Node] = []
    haproxy: HAProxy | None = None
    try:
        url = postgres.start()
        data_dir = tmp_path / "data"  # shared by the nodes, as a shared volume would be
        data_dir.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CANET_")} | {
            "CANET_ENV": "production",
            "CANET_DATABASE_URL": url,
            "CANET_SECRET_KEY": TEST_SECRET_KEY,
            "CANET_AUDIT_SIGNING_KEY": generate_private_key_text(),
            "CANET_STORAGE_MASTER_KEY": secrets.token_urlsafe(32),
            "CANET_DATA_DIR": str(data_dir),
            "CANET_LOG_LEVEL": "INFO",
            "CANET_DB_POOL_SIZE": "8",
            "CANET_DB_MAX_OVERFLOW": "8",
        }
        migrated = cli(env, "db", "upgrade")
        assert migrated.returncode == 0, migrated.stderr
        front = free_port()
        env["CANET_BASE_URL"] = f"http://127.0.0.1:{front}"
        port = port_free_on_every(NODE_HOSTS)
        metrics_port = port_free_on_every(NODE_HOSTS)
        nodes = [
            Node(
                f"n{i + 1}",
                host,
                port,
                # Each node's operator port on its own address, as on separate machines.
                env | {"CANET_METRICS_LISTEN": f"{host}:{metrics_port}"},
                tmp_path / f"n{i + 1}.log",
            )
            for i, host in enumerate(NODE_HOSTS)
        ]
        haproxy = HAProxy(haproxy_binary, tmp_path, nodes, front)
        for node in nodes:
            node.start()
        haproxy.start()
        yield Cluster(postgres, nodes, haproxy, env, tmp_path)
    finally:
        if haproxy is not None:
            haproxy.stop()
        for node in nodes:
            node.terminate()
        for node in nodes:
            node.stop()
        postgres.remove()


# --- the network the scenario needs -----------------------------------------------------------


@dataclass
class Network:
    writers: list[Member]
    listeners: list[tuple[Member, bool]]  # (member, takes part in the case)
    forum_id: uuid.UUID
    thread_id: str = ""
    case_id: str = ""


async def _seed(url: str, clients: int) -> Network:
    """Officers of France and Italy (both sides of the case) and of Brazil (the forum only)."""
    database = Database(url, pool_size=1, max_overflow=0)
    try:
        async with database.sessionmaker() as session:
            fra = await make_authority(session, state_code="FRA", name="Ministère de la Justice")
            ita = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
            bra = await make_authority(session, state_code="BRA", name="DRCI")
            writers = [
                await make_member(session, authority=fra),
                await make_member(session, authority=ita),
                await make_member(session, authority=fra),
            ]
            listeners = []
            for n in range(clients):
                authority = (fra, fra, ita, ita, bra)[n % 5]
                member = await make_member(session, authority=authority)
                listeners.append((member, authority is not bra))
            forum = await make_forum(session, name="Operations")
            await session.commit()
    finally:
        await database.dispose()
    return Network(writers, listeners, forum.id)


async def _post(
    http: httpx.AsyncClient, path: str, body: dict[str, Any], member: Member
) -> httpx.Response:
    """One setup write, with one Idempotency-Key, until it is answered by a node (not 503)."""
    headers = member.headers | {"Idempotency-Key": uuid.uuid4().hex}
    deadline = time.monotonic() + 60
    while True:
        try:
            response = await http.post(path, json=body, headers=headers)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        else:
            if response.status_code != 503 or time.monotonic() > deadline:
                return response
        await asyncio.sleep(0.5)


async def _open_thread_and_case(http: httpx.AsyncClient, network: Network) -> None:
    author = network.writers[0]
    thread = await _post(
        http,
        f"/api/v1/forums/{network.forum_id}/threads",
        {"title": "Rolling restart", "body": "Replies arrive during faults."},
        author,
    )
    assert thread.status_code == 201, thread.text
    network.thread_id = thread.json()["id"]
    case = await _post(
        http,
        "/api/v1/cases",
        {
            "type": "mla",
            "requested_authority_id": str(network.writers[1].user.authority_id),
            "title": "Bank records of Acme Ltd",
            "summary": "Laundering of proceeds of fraud through accounts held in Milan.",
            "legal_basis": {"kind": "untoc_art18"},
            "offences": ["money laundering"],
            "measures": ["banking_information"],
            "languages": ["fr", "en"],
            "urgency": "normal",
            "deadline": (date.today() + timedelta(days=60)).isoformat(),
            "deadline_reason": "trial date",
        },
        author,
    )
    assert case.status_code == 201, case.text
    network.case_id = case.json()["id"]
    submitted = await _post(
        http, f"/api/v1/cases/{network.case_id}/transitions", {"action": "submit"}, author
    )
    assert submitted.status_code == 200, submitted.text


# --- the scenario -----------------------------------------------------------------------------


@dataclass
class Timeline:
    phases: dict[str, tuple[float, float]] = field(default_factory=dict)
    marks: dict[str, float] = field(default_factory=dict)

    def phase_of(self, at: float) -> str:
        for name, (begin, end) in self.phases.items():
            if begin <= at <= end:
                return name
        return "between phases"


class Run:
    def __init__(self, cluster: Cluster, network: Network, run_id: str) -> None:
        self.cluster = cluster
        self.network = network
        self.timeline = Timeline()
        self.start = time.monotonic()
        self.deadline = self.start + SHAPE.budget
        self.clients = [
            WsClient(i, member.id, member.token, case=in_case)
            for i, (member, in_case) in enumerate(network.listeners)
        ]
        self.writers = [
            Writer(
                i,
                member.headers,
                base_url=cluster.haproxy.url,
                thread_id=network.thread_id,
                case_id=network.case_id,
                run_id=run_id,
                interval=SHAPE.writer_interval,
                write_deadline=WRITE_DEADLINE,
            )
            for i, member in enumerate(network.writers)
        ]
        self.probe = ReadinessProbe({n.name: n.url for n in cluster.nodes})
        self.db_restart: dict[str, Any] = {}
        self.exit_codes: dict[str, int] = {}
        self.start_seconds: dict[str, float] = {}  # start -> in service behind HAProxy
        self.loop_lag: list[float] = []
        self.stop_seconds: dict[str, float] = {}  # SIGTERM -> exited

    @property
    def writes(self) -> list[Write]:
        return [w for writer in self.writers for w in writer.writes]

    async def steady(self, name: str) -> None:
        begin = time.monotonic()
        await asyncio.sleep(SHAPE.steady)
        self.timeline.phases[name] = (begin, time.monotonic())

    async def kill_and_replace(self, node: Node) -> None:
        begin = time.monotonic()
        await asyncio.to_thread(node.kill)
        self.timeline.marks[f"{node.name} killed"] = time.monotonic()
        await asyncio.sleep(1.0)  # the orchestrator notices, then starts a replacement
        await self.start_node(node)
        self.timeline.phases["kill -9"] = (begin, time.monotonic())

    async def start_node(self, node: Node) -> None:
        """Start the node and wait until HAProxy has it in service again."""
        begin = time.monotonic()
        node.start()
        await _wait_status(self.cluster.haproxy, [node.name], "UP", NODE_START_BOUND)
        self.start_seconds[node.name] = round(time.monotonic() - begin, 1)

    async def roll(self, nodes: list[Node]) -> None:
        begin = time.monotonic()
        for node in nodes:
            self.timeline.marks[f"{node.name} SIGTERM"] = time.monotonic()
            node.terminate()
            self.exit_codes[node.name] = await asyncio.to_thread(node.wait_exit, 40)
            self.timeline.marks[f"{node.name} exited"] = time.monotonic()
            self.stop_seconds[node.name] = round(
                self.timeline.marks[f"{node.name} exited"]
                - self.timeline.marks[f"{node.name} SIGTERM"],
                2,
            )
            await self.start_node(node)
        self.timeline.phases["rolling restart"] = (begin, time.monotonic())

    async def restart_database(self) -> None:
        nodes = self.cluster.nodes
        before = {n.name: (n.pid, n.starts) for n in nodes}
        begin = time.monotonic()
        await asyncio.to_thread(self.cluster.postgres.stop)
        stopped = time.monotonic()
        await asyncio.sleep(SHAPE.db_down)
        await asyncio.to_thread(self.cluster.postgres.start)
        back = time.monotonic()
        # Ready again by themselves: the probe watches each node's /readyz directly.
        ready_deadline = back + READY_AGAIN_BOUND
        while time.monotonic() < ready_deadline:
            windows = [self.probe.unready_window(n.name, begin) for n in nodes]
            if all(w is not None and w[1] is not None for w in windows):
                break
            await asyncio.sleep(0.1)
        await _wait_status(self.cluster.haproxy, [n.name for n in nodes], "UP", READY_AGAIN_BOUND)
        self.timeline.phases["database restart"] = (begin, time.monotonic())
        after = {n.name: (n.pid, n.starts) for n in nodes}
        self.db_restart = {
            "began": begin,
            "stopped": stopped,
            "back": back,
            "nodes_restarted": [name for name in before if before[name] != after[name]],
            "nodes_alive": all(n.alive() for n in nodes),
        }

    async def play(self) -> None:
        nodes = self.cluster.nodes
        client_tasks = [
            asyncio.create_task(c.run(self.cluster.haproxy.ws_url, self.deadline))
            for c in self.clients
        ]
        probe_task = asyncio.create_task(self.probe.run(self.deadline))
        lag_task = asyncio.create_task(self.measure_loop_lag())
        writer_tasks: list[asyncio.Task[None]] = []
        try:
            async with asyncio.timeout(60):
                await asyncio.gather(*(c.ready.wait() for c in self.clients))
            writer_tasks = [
                asyncio.create_task(w.run(self.deadline - WRITE_DEADLINE)) for w in self.writers
            ]
            await self.steady("steady, before the faults")
            await self.kill_and_replace(nodes[0])
            await self.steady("steady, after kill -9")
            await self.roll(nodes[1:])
            await self.steady("steady, after the roll")
            await self.restart_database()
            await self.steady("steady, after the database restart")
            for writer in self.writers:
                writer.stopping = True
            async with asyncio.timeout(WRITE_DEADLINE + 15):
                await asyncio.gather(*writer_tasks)
            await self.wait_for_delivery()
        finally:
            for writer in self.writers:
                writer.stopping = True
            self.probe.stopping = True
            await asyncio.gather(*(c.stop() for c in self.clients))
            lag_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lag_task
            for task in [*client_tasks, *writer_tasks, probe_task]:
                if not task.done():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(task, timeout=10)

    async def measure_loop_lag(self) -> None:
        while True:
            asked = time.monotonic()
            await asyncio.sleep(0.1)
            self.loop_lag.append(max(0.0, time.monotonic() - asked - 0.1))

    async def wait_for_delivery(self) -> None:
        """Until every client has every event of its audiences, or 60 s have passed."""
        url = self.cluster.postgres.url
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            facts = await Facts.read(url, self.network)
            if facts.unpositioned == 0 and all(
                facts.expected_for(c) <= {r.id for r in c.received} for c in self.clients
            ):
                return
            await asyncio.sleep(0.25)


# --- what the database holds ------------------------------------------------------------------


@dataclass
class Facts:
    posts: dict[str, list[str]]  # marker -> ids
    messages: dict[str, list[str]]
    events: dict[int, tuple[str, str, str | None, dict[str, Any]]]  # position -> event
    unpositioned: int
    thread_id: str
    case_id: str

    @classmethod
    async def read(cls, url: str, network: Network) -> Facts:
        conn = await asyncpg.connect(plain_url(url))
        try:
            posts: dict[str, list[str]] = {}
            for row in await conn.fetch(
                "SELECT id::text, body FROM forum_posts WHERE thread_id = $1::uuid",
                network.thread_id,
            ):
                posts.setdefault(row["body"], []).append(row["id"])
            messages: dict[str, list[str]] = {}
            for row in await conn.fetch(
                "SELECT id::text, body FROM case_messages WHERE case_id = $1::uuid",
                network.case_id,
            ):
                messages.setdefault(row["body"], []).append(row["id"])
            events = {
                int(row["position"]): (
                    row["name"],
                    row["audience_kind"],
                    row["audience_id"],
                    json.loads(row["data"]),
                )
                for row in await conn.fetch(
                    "SELECT position, name, audience_kind, audience_id, data::text FROM events "
                    "WHERE position IS NOT NULL"
                )
            }
            unpositioned = int(
                await conn.fetchval("SELECT count(*) FROM events WHERE position IS NULL")
            )
        finally:
            await conn.close()
        return cls(posts, messages, events, unpositioned, network.thread_id, network.case_id)

    def audience_positions(self, kind: str, ident: str) -> set[int]:
        return {p for p, (_, k, i, _) in self.events.items() if k == kind and i == ident}

    def expected_for(self, client: WsClient) -> set[int]:
        """Positions of the thread's (and the case's) events after the client's first ready."""
        wanted = self.audience_positions("thread", self.thread_id)
        if client.case:
            wanted |= self.audience_positions("case", self.case_id)
        floor = client.first_after if client.first_after is not None else 2**62
        return {p for p in wanted if p > floor}


# --- checks and the report --------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _delivery(run: Run, facts: Facts) -> dict[str, list[float]]:
    """(receipt on a client) - (the writer's 2xx) for every entitled client and write, by the
    phase the 2xx came in."""
    by_resource = {w.resource_id: w for w in run.writes if w.ok}
    written_at: dict[int, float] = {}
    for position, (name, kind, _ident, data) in facts.events.items():
        resource = data.get("post_id") if kind == "thread" else data.get("message_id")
        write = by_resource.get(resource)
        if write is not None and write.finished is not None and name.endswith(".created"):
            written_at[position] = write.finished
    latencies: dict[str, list[float]] = {}
    for client in run.clients:
        expected = facts.expected_for(client)
        for received in client.received:
            if received.id in expected and received.id in written_at:
                at = written_at[received.id]
                latencies.setdefault(run.timeline.phase_of(at), []).append(
                    max(0.0, received.at - at)
                )
    return latencies


def _figures(latencies: list[float]) -> dict[str, Any]:
    return {
        "receipts": len(latencies),
        "p50": _ms(_percentile(latencies, 0.5)),
        "p99": _ms(_percentile(latencies, 0.99)),
        "max": _ms(max(latencies, default=None)),
    }


def _check(run: Run, facts: Facts) -> list[str]:
    """Every hard guarantee; the problems found, in words."""
    problems: list[str] = []
    writes = run.writes
    for w in writes:
        if w.error:
            problems.append(f"write {w.writer}/{w.n} ({w.kind}) was answered {w.error}")
        elif not w.ok:
            problems.append(f"write {w.writer}/{w.n} ({w.kind}) got no 2xx: {w.attempts[-5:]}")
    # Exactly once in the database, with exactly one event each.
    event_count = Counter(
        data.get("post_id") if kind == "thread" else data.get("message_id")
        for name, kind, _i, data in facts.events.values()
        if name in ("post.created", "case.message.created") and kind in ("thread", "case")
    )
    for w in writes:
        rows = (facts.posts if w.kind == "post" else facts.messages).get(w.marker, [])
        if w.ok and rows != [w.resource_id]:
            problems.append(f"write {w.marker!r} answered {w.resource_id}, database has {rows}")
        if not w.ok and len(rows) > 1:
            problems.append(f"write {w.marker!r} is in the database {len(rows)} times")
        if w.ok and event_count[w.resource_id] != 1:
            problems.append(f"write {w.marker!r} has {event_count[w.resource_id]} events")
    if facts.unpositioned:
        problems.append(f"{facts.unpositioned} events were never given a position")
    # Every client: all it was entitled to, once, in order, and nothing it may not see.
    case_positions = facts.audience_positions("case", facts.case_id)
    for c in run.clients:
        got = [r.id for r in c.received]
        expected = facts.expected_for(c)
        tracked = [p for p in got if p in expected]
        if c.out_of_order:
            problems.append(f"client {c.index} got ids out of order or twice: {c.out_of_order[:5]}")
        if c.resets:
            problems.append(f"client {c.index} was told to reset: {c.resets[:2]}")
        if tracked != sorted(expected):
            missing = sorted(expected - set(tracked))
            problems.append(
                f"client {c.index} missed {len(missing)} events (first {missing[:5]}), "
                f"{len(tracked) - len(set(tracked))} duplicates"
            )
        for p in got:
            if p not in facts.events:
                problems.append(f"client {c.index} received {p}, an event the database lacks")
                continue
            name, kind, ident, _ = facts.events[p]
            if (kind == "user" and ident != str(c.member_id)) or (
                not c.case and p in case_positions
            ):
                problems.append(f"client {c.index} received {name} for {kind} {ident}")
    # Sockets on a node stopped with SIGTERM closed with 1001 ("going away").
    for name, codes in _sigterm_closes(run).items():
        wrong = {code: n for code, n in codes.items() if code != "1001"}
        if wrong or not codes:
            problems.append(f"sockets serving on {name} at SIGTERM closed with {codes}, not 1001")
    # No node answered a server error other than "unavailable, retry" (503).
    for node in run.cluster.nodes:
        errors = [
            line
            for line in node.log.read_text(errors="replace").splitlines()
            if "canet.access:" in line and SERVER_ERROR.search(line)
        ]
        if errors:
            problems.append(f"{node.name} answered {len(errors)} server errors: {errors[:3]}")
    # ... nor did HAProxy see one (it logs every request that did not go well).
    relayed = [
        line
        for line in run.cluster.haproxy.log.read_text(errors="replace").splitlines()
        if RELAYED_500.search(line)
    ]
    if relayed:
        problems.append(f"HAProxy relayed {len(relayed)} answers 500: {relayed[:3]}")
    # The database restart: unready, then ready again on their own.
    restart = run.db_restart
    if restart.get("nodes_restarted") or not restart.get("nodes_alive", False):
        problems.append(f"nodes restarted or died during the database restart: {restart}")
    for node in run.cluster.nodes:
        window = run.probe.unready_window(node.name, restart["began"])
        if window is None:
            problems.append(f"{node.name} never went unready while the database was down")
        elif window[1] is None or window[1] - restart["back"] > READY_AGAIN_BOUND:
            problems.append(f"{node.name} was not ready again within {READY_AGAIN_BOUND} s")
    return problems


def _sigterm_closes(run: Run) -> dict[str, dict[str, int]]:
    """Close codes of the sockets that were serving on a node when it got SIGTERM."""
    closes = {}
    for name in ("n2", "n3"):
        at = run.timeline.marks.get(f"{name} SIGTERM")
        if at is None:
            continue
        closes[name] = dict(
            Counter(
                str(conn.code)
                for c in run.clients
                for conn in c.connections
                if conn.node == name
                and conn.ready is not None
                and conn.opened < at
                and (conn.closed is None or conn.closed >= at)
            )
        )
    return closes


def _report(run: Run, facts: Facts, audit: str, elapsed: float) -> dict[str, Any]:
    timeline = run.timeline
    writes = run.writes
    phases = sorted(timeline.phases, key=lambda name: timeline.phases[name][0])
    per_phase: dict[str, dict[str, Any]] = {}
    for p in [*phases, "between phases"]:
        span = timeline.phases.get(p)
        per_phase[p] = {
            "seconds": round(span[1] - span[0], 1) if span else None,
            "writes": 0,
            "ok": 0,
            "failed": 0,
            "retried_attempts": Counter(),
        }
    for w in writes:
        bucket = per_phase[timeline.phase_of(w.started)]
        bucket["writes"] += 1
        bucket["ok"] += int(w.ok)
        bucket["failed"] += int(not w.ok)
        bucket["retried_attempts"].update(w.attempts if not w.error else w.attempts[:-1])
    if not per_phase["between phases"]["writes"]:
        del per_phase["between phases"]
    restart = run.db_restart
    windows = {}
    for node in run.cluster.nodes:
        window = run.probe.unready_window(node.name, restart["began"])
        if window is not None and window[1] is not None:
            windows[node.name] = {
                "unready_s": round(window[1] - window[0], 2),
                # From `pg_ctl start` returning; 0 when a node was ready before it returned.
                "ready_after_db_back_s": round(max(0.0, window[1] - restart["back"]), 2),
            }
    latencies = _delivery(run, facts)
    connected = [c for c in run.clients if c.connections]
    connections = [conn for c in run.clients for conn in c.connections]
    resumed_elsewhere = sum(
        1
        for c in run.clients
        for before, after in zip(c.connections, c.connections[1:], strict=False)
        if after.ready is not None and after.node != before.node
    )
    return {
        "form": SHAPE.name,
        "nodes": len(run.cluster.nodes),
        "workers_per_node": 2,
        "clients": len(run.clients),
        "writers": len(run.writers),
        "elapsed_s": round(elapsed, 1),
        "phases": {
            name: counts | {"retried_attempts": dict(counts["retried_attempts"])}
            for name, counts in per_phase.items()
        },
        "sigterm_closes": _sigterm_closes(run),
        "failed_writes_rolling_restart": per_phase["rolling restart"]["failed"],
        "failed_writes_total": sum(not w.ok for w in writes),
        "database_down_s": round(restart["back"] - restart["stopped"], 2),
        "unready_after_db_restart": windows,
        "longest_unready_window_s": max((w["unready_s"] for w in windows.values()), default=None),
        "longest_ready_again_after_db_back_s": max(
            (w["ready_after_db_back_s"] for w in windows.values()), default=None
        ),
        "delivery_ms": _figures([x for values in latencies.values() for x in values]),
        "delivery_ms_by_phase": {
            name: _figures(latencies[name])
            for name in [*phases, "between phases"]
            if name in latencies
        },
        # How late the test's own event loop (300 sockets, 3 writers) woke up: the share of
        # delivery time that is the measuring process's, not the cluster's.
        "test_loop_lag_ms": _figures(run.loop_lag),
        "events_received": sum(len(c.received) for c in run.clients),
        "clients_per_node_at_start": dict(
            sorted(Counter(str(c.connections[0].node) for c in connected).items())
        ),
        "load_average_1min_at_end": round(os.getloadavg()[0], 1),
        "socket_closes": dict(Counter(str(c.code) for c in connections if c.closed is not None)),
        "resumes": sum(1 for c in connections if c.resumed_after is not None and c.ready),
        "resumed_on_another_node": resumed_elsewhere,
        "failed_connection_attempts": sum(len(c.failures) for c in run.clients),
        "node_exit_codes_on_sigterm": run.exit_codes,
        "node_stop_after_sigterm_s": run.stop_seconds,
        "node_start_until_in_service_s": run.start_seconds,
        "audit_verify": audit,
    }


def _table(report: dict[str, Any]) -> str:
    rows = [
        (
            "form",
            f"{report['form']}: {report['nodes']} nodes x {report['workers_per_node']} "
            f"workers, {report['clients']} websocket clients, {report['writers']} writers",
        ),
        (
            "writes ok / total",
            f"{sum(p['ok'] for p in report['phases'].values())} / "
            f"{sum(p['writes'] for p in report['phases'].values())}",
        ),
        ("failed writes, rolling restart", str(report["failed_writes_rolling_restart"])),
        ("failed writes, whole run", str(report["failed_writes_total"])),
    ]
    for phase, counts in report["phases"].items():
        retried = counts["retried_attempts"]
        detail = f" {json.dumps(retried)}" if retried else ""
        rows.append(
            (
                f"  {phase}",
                f"{counts['seconds']} s, {counts['writes']} writes, "
                f"{sum(retried.values())} retried attempts{detail}",
            )
        )
    rows += [
        ("database down", f"{report['database_down_s']} s"),
        ("longest unready window", f"{report['longest_unready_window_s']} s"),
        ("ready again after db back", f"{report['longest_ready_again_after_db_back_s']} s (max)"),
        (
            "delivery p50 / p99 / max",
            f"{report['delivery_ms']['p50']} / {report['delivery_ms']['p99']} / "
            f"{report['delivery_ms']['max']} ms over {report['delivery_ms']['receipts']} receipts",
        ),
    ]
    for phase, figures in report["delivery_ms_by_phase"].items():
        rows.append(
            (
                f"  {phase}",
                f"{figures['p50']} / {figures['p99']} / {figures['max']} ms "
                f"({figures['receipts']})",
            )
        )
    rows += [
        (
            "test loop lag p50 / p99 / max",
            f"{report['test_loop_lag_ms']['p50']} / {report['test_loop_lag_ms']['p99']} / "
            f"{report['test_loop_lag_ms']['max']} ms",
        ),
        ("clients per node at start", json.dumps(report["clients_per_node_at_start"])),
        ("socket closes", json.dumps(report["socket_closes"])),
        ("open at SIGTERM, closed with", json.dumps(report["sigterm_closes"])),
        ("resumes (on another node)", f"{report['resumes']} ({report['resumed_on_another_node']})"),
        (
            "node stop / start",
            f"SIGTERM to exit {json.dumps(report['node_stop_after_sigterm_s'])} s; "
            f"start to in service {json.dumps(report['node_start_until_in_service_s'])} s",
        ),
        ("audit verify", report["audit_verify"]),
        (
            "elapsed",
            f"{report['elapsed_s']} s (host load average {report['load_average_1min_at_end']})",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k.ljust(width)}  {v}" for k, v in rows)


async def test_three_nodes_behind_haproxy_survive_kills_rolls_and_a_database_restart(
    cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    began = time.monotonic()
    run_id = uuid.uuid4().hex[:8]
    network = await _seed(cluster.postgres.url, SHAPE.clients)
    await _wait_status(cluster.haproxy, [n.name for n in cluster.nodes], "UP", NODE_START_BOUND)
    async with httpx.AsyncClient(base_url=cluster.haproxy.url, timeout=30) as http:
        await _open_thread_and_case(http, network)
    run = Run(cluster, network, run_id)
    try:
        async with asyncio.timeout(SHAPE.budget):
            await run.play()
    except TimeoutError:
        pytest.fail(f"the scenario overran its {SHAPE.budget} s budget\n{cluster.logs()}")
    facts = await Facts.read(cluster.postgres.url, network)
    verified = await asyncio.to_thread(cli, cluster.env, "audit", "verify")
    audit_line = (verified.stdout.strip().splitlines() or ["(no output)"])[-1]
    report = _report(run, facts, audit_line, time.monotonic() - began)
    path = cluster.directory / "cluster-report.json"
    path.write_text(json.dumps(report, indent=2))
    with capsys.disabled():
        print(f"\n\nmulti-node scenario ({SHAPE.name})\n{_table(report)}\n  report: {path}\n")
    problems = _check(run, facts)
    if verified.returncode != 0:
        problems.append(f"canet audit verify failed:\n{verified.stdout}\n{verified.stderr}")
    assert not problems, "\n".join(problems[:40]) + "\n" + cluster.logs()

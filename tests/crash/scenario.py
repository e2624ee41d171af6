"""The crash scenario's moving parts: the server's processes, the network, the phases.

The server is one real `canet serve --workers 2` (tests/cluster/harness.py's Node: its own
process group, so kill -9 of the group takes the workers too) on the test's own embedded
PostgreSQL (the harness's Postgres: stopped fast and started again mid-run).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.db import Database
from tests.cluster.actors import ReadinessProbe, WsClient
from tests.cluster.harness import Node, Postgres
from tests.crash.load import LongPoller, Write, Writer
from tests.crash.processes import worker_pids
from tests.factories import Member, make_authority, make_forum, make_member

FULL = os.environ.get("CANET_CRASH_FULL") == "1"


@dataclass(frozen=True)
class Shape:
    name: str
    writers: int
    sockets: int  # websocket listeners
    pollers: int  # long-poll listeners
    steady: float  # seconds of ordinary load between two faults
    interval: float  # mean pause between two writes of one writer
    worker_kills: int
    server_kills: int
    db_restarts: int
    db_down: float  # seconds PostgreSQL stays stopped
    attachment_bytes: tuple[int, int]
    budget: float  # a bound on the scenario against hanging (seconds), not a speed goal


SHAPE = (
    Shape(
        "full",
        writers=6,
        sockets=12,
        pollers=2,
        steady=8.0,
        interval=0.15,
        worker_kills=3,
        server_kills=2,
        db_restarts=2,
        db_down=5.0,
        attachment_bytes=(100_000, 800_000),
        budget=900,
    )
    if FULL
    else Shape(
        "short",
        writers=3,
        sockets=3,
        pollers=1,
        steady=2.5,
        interval=0.2,
        worker_kills=1,
        server_kills=1,
        db_restarts=1,
        db_down=2.0,
        attachment_bytes=(100_000, 400_000),
        budget=400,
    )
)
WRITE_DEADLINE = 60.0  # a logical write with no 2xx after this long counts as failed
# The client's own limit on one attempt: well past the bound below, so that a slow answer is
# measured (and fails the check) rather than cut short and retried.
ATTEMPT_TIMEOUT = 30.0
OUTAGE_ANSWER_BOUND = 10.0  # every request while the database is away is answered this soon
RECOVERY_BOUND = 30.0  # writes succeed again this soon after PostgreSQL is back
POLL_WAIT = 5.0  # the long-polls' `timeout`
# A start of the server (three interpreters importing the app): seconds on a quiet host, far
# more on a shared one. A bound against hanging, not a speed requirement.
START_BOUND = 180.0


def startups(log: Path) -> int:
    """How many times a worker of the server finished its startup (uvicorn says so)."""
    try:
        return log.read_text(errors="replace").count("Application startup complete")
    except FileNotFoundError:
        return 0


async def wait_ready(url: str, bound: float = START_BOUND) -> None:
    """Until the server answers /readyz with 200 (bounded: a start must not hang)."""
    deadline = time.monotonic() + bound
    async with httpx.AsyncClient(base_url=url, timeout=2) as http:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get("/readyz")).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"the server was not ready within {bound} s")
            await asyncio.sleep(0.1)


# --- the network ----------------------------------------------------------------------------


@dataclass
class Network:
    writers: list[Member]
    listeners: list[tuple[Member, bool]]  # (member, takes part in the case)
    forum_id: uuid.UUID
    thread_id: str = ""
    case_id: str = ""


async def seed(url: str) -> Network:
    """Officers of France and Italy (both sides of the case) and of Brazil (the forum only)."""
    database = Database(url, pool_size=1, max_overflow=0)
    try:
        async with database.sessionmaker() as session:
            fra = await make_authority(session, state_code="FRA", name="Ministère de la Justice")
            ita = await make_authority(session, state_code="ITA", name="Ministero della Giustizia")
            bra = await make_authority(session, state_code="BRA", name="DRCI")
            writers = [
                await make_member(session, authority=(fra, ita)[n % 2])
                for n in range(SHAPE.writers)
            ]
            listeners = []
            for n in range(SHAPE.sockets + SHAPE.pollers):
                authority = (fra, ita, bra)[n % 3]
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
    headers = member.headers | {"Idempotency-Key": uuid.uuid4().hex}
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(httpx.TransportError):
            response = await http.post(path, json=body, headers=headers)
            if response.status_code != 503 or time.monotonic() > deadline:
                return response
        if time.monotonic() > deadline:
            raise AssertionError(f"POST {path} got no answer in 60 s")
        await asyncio.sleep(0.5)


async def open_thread_and_case(base_url: str, network: Network) -> None:
    author = network.writers[0]
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        thread = await _post(
            http,
            f"/api/v1/forums/{network.forum_id}/threads",
            {"title": "Crash drill", "body": "Replies arrive while the server is killed."},
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


# --- the run --------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    kind: str  # "steady" | "worker" | "server" | "database"
    begin: float
    end: float = 0.0
    wall_begin: float = field(default_factory=time.time)
    wall_end: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)


class Run:
    def __init__(self, node: Node, postgres: Postgres, network: Network, run_id: str) -> None:
        self.node = node
        self.postgres = postgres
        self.network = network
        self.phases: list[Phase] = []
        self.deadline = time.monotonic() + SHAPE.budget
        listeners = network.listeners
        self.sockets = [
            WsClient(i, member.id, member.token, case=in_case)
            for i, (member, in_case) in enumerate(listeners[: SHAPE.sockets])
        ]
        self.pollers = [
            LongPoller(member.id, member.token, case=in_case, wait=POLL_WAIT)
            for member, in_case in listeners[SHAPE.sockets :]
        ]
        self.writers = [
            Writer(
                i,
                member.headers,
                base_url=node.url,
                thread_id=network.thread_id,
                case_id=network.case_id,
                run_id=run_id,
                interval=SHAPE.interval,
                write_deadline=WRITE_DEADLINE,
                attempt_timeout=ATTEMPT_TIMEOUT,
                attachment_bytes=SHAPE.attachment_bytes,
            )
            for i, member in enumerate(network.writers)
        ]
        self.probe = ReadinessProbe({"canet": node.url})
        self._listener_tasks: list[asyncio.Task[None]] = []

    @property
    def listeners(self) -> list[WsClient | LongPoller]:
        return [*self.sockets, *self.pollers]

    @property
    def writes(self) -> list[Write]:
        return [w for writer in self.writers for w in writer.writes]

    def phase_of(self, at: float) -> Phase | None:
        for phase in self.phases:
            if phase.begin <= at <= phase.end:
                return phase
        return None

    def _open(self, name: str, kind: str) -> Phase:
        phase = Phase(name, kind, time.monotonic())
        self.phases.append(phase)
        return phase

    @staticmethod
    def _close(phase: Phase) -> None:
        phase.end, phase.wall_end = time.monotonic(), time.time()

    async def steady(self) -> None:
        phase = self._open(f"steady {sum(p.kind == 'steady' for p in self.phases) + 1}", "steady")
        await asyncio.sleep(SHAPE.steady)
        self._close(phase)

    async def kill_a_worker(self, n: int) -> None:
        """kill -9 one worker; the supervisor starts another, the other worker keeps serving."""
        assert self.node.pid is not None
        before = await self._workers(2)
        started = startups(self.node.log)
        phase = self._open(f"kill -9 a worker ({n})", "worker")
        victim = random.choice(sorted(before))
        os.kill(victim, signal.SIGKILL)
        while True:
            workers = worker_pids(self.node.pid)
            if len(workers) == 2 and victim not in workers:
                break
            await self._tick("no replacement worker")
        phase.facts["replaced_s"] = round(time.monotonic() - phase.begin, 2)
        while startups(self.node.log) <= started:
            await self._tick("the replacement worker never finished its startup")
        phase.facts["serving_again_s"] = round(time.monotonic() - phase.begin, 2)
        self._close(phase)

    async def kill_the_server(self, n: int) -> None:
        """kill -9 the main process and its workers at once, then start the server again."""
        phase = self._open(f"kill -9 the server ({n})", "server")
        await asyncio.to_thread(self.node.kill)
        await asyncio.sleep(0.5)  # the supervisor (systemd, an orchestrator) notices
        self.node.start()
        await self.wait_ready()
        phase.facts["serving_again_s"] = round(time.monotonic() - phase.begin, 2)
        self._close(phase)

    async def restart_postgres(self, n: int) -> None:
        """Stop PostgreSQL (fast), leave it down, start it: canet is left alone throughout."""
        assert self.node.pid is not None
        processes = (self.node.pid, frozenset(await self._workers(2)))
        phase = self._open(f"restart PostgreSQL ({n})", "database")
        await asyncio.to_thread(self.postgres.stop)
        phase.facts["stopped"] = time.monotonic()
        await asyncio.sleep(SHAPE.db_down)
        await asyncio.to_thread(self.postgres.start)
        back = phase.facts["back"] = time.monotonic()
        recovered: float | None = None
        while recovered is None:
            done = [
                a.started + a.seconds
                for w in self.writes
                for a in w.attempts
                if a.started >= back and a.outcome.startswith("2")
            ]
            recovered = min(done, default=None)
            if recovered is None:
                if time.monotonic() > back + RECOVERY_BOUND:
                    break
                await asyncio.sleep(0.1)
        phase.facts["recovered"] = recovered
        await self.wait_ready(RECOVERY_BOUND)
        phase.facts["restarted_canet"] = (
            self.node.pid,
            frozenset(worker_pids(self.node.pid)),
        ) != processes
        self._close(phase)

    async def _workers(self, count: int) -> set[int]:
        assert self.node.pid is not None
        while len(workers := worker_pids(self.node.pid)) != count:
            await self._tick(f"the server does not have {count} workers")
        return workers

    async def _tick(self, what: str) -> None:
        if time.monotonic() > self.deadline:
            raise AssertionError(f"{what} within the scenario's budget")
        await asyncio.sleep(0.05)

    async def wait_ready(self, bound: float = START_BOUND) -> None:
        await wait_ready(self.node.url, bound)

    async def play(self) -> None:
        ws_url = "ws" + self.node.url.removeprefix("http") + "/api/v1/ws"
        self._listener_tasks = [
            *(asyncio.create_task(c.run(ws_url, self.deadline)) for c in self.sockets),
            *(asyncio.create_task(p.run(self.node.url, self.deadline)) for p in self.pollers),
        ]
        probe = asyncio.create_task(self.probe.run(self.deadline))
        writers: list[asyncio.Task[None]] = []
        try:
            async with asyncio.timeout(60):
                await asyncio.gather(*(c.ready.wait() for c in self.listeners))
            writers = [asyncio.create_task(w.run(self.deadline)) for w in self.writers]
            await self.steady()
            for n in range(1, SHAPE.worker_kills + 1):
                await self.kill_a_worker(n)
                await self.steady()
            for n in range(1, SHAPE.server_kills + 1):
                await self.kill_the_server(n)
                await self.steady()
            for n in range(1, SHAPE.db_restarts + 1):
                await self.restart_postgres(n)
                await self.steady()
            for writer in self.writers:
                writer.stopping = True
            async with asyncio.timeout(WRITE_DEADLINE + ATTEMPT_TIMEOUT):
                await asyncio.gather(*writers)
        finally:
            for writer in self.writers:
                writer.stopping = True
            for task in writers:
                task.cancel()
            self.probe.stopping = True
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(probe, 5)

    async def stop_listeners(self) -> None:
        for poller in self.pollers:
            poller.stopping = True
        await asyncio.gather(*(c.stop() for c in self.sockets))
        for task in self._listener_tasks:
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

"""Prometheus metrics for operators (the list, and what to do about each: docs/observability.md).

Each figure is measured where it costs least:

- Requests, database connections, websockets and readiness are counted by the worker that
  serves them, in memory-mapped files (prometheus_client's multiprocess mode): workers of
  `canet serve --workers N` are separate processes, and a scrape must see all of them.
- Backlogs that live in the database (unsequenced events, unsealed audit entries, queued mail,
  applications waiting for review, open contact failures) are read when Prometheus scrapes,
  with ONE statement on a short-lived connection, never per request. Each is declared with
  `database_gauge()` by the module that owns its table, as domains declare their event rules
  in app.core.event_rules: core names no domain's table.

`canet serve` answers scrapes on CANET_METRICS_LISTEN (default 127.0.0.1:9464), from its
supervisor process, apart from the public port: the figures are for operators, and the API
port answers /metrics with 404 like any unknown path.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client import values as prometheus_values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.routing import walk_included

log = logging.getLogger(__name__)

# Seconds. Most API answers take milliseconds; uploads, exports and long-polls take seconds.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Methods outside this set are counted as "other": a client must not mint label values.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"

# Where figures go when no `canet serve` collects them (tests, other ASGI servers). Also keeps
# them off prometheus_client's global registry, which would refuse a second app's metrics.
REGISTRY = CollectorRegistry()


class Instruments:
    """The figures each process keeps; created once per process, after the mode is chosen."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "canet_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ("method", "route", "status"),
            registry=registry,
        )
        self.duration = Histogram(
            "canet_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by route template.",
            ("method", "route"),
            buckets=HTTP_BUCKETS,
            registry=registry,
        )
        self.pool_in_use = Gauge(
            "canet_db_pool_connections_in_use",
            "Database connections checked out of the workers' pools.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.pool_waiting = Gauge(
            "canet_db_pool_waiting",
            "Requests for a database connection waiting because a pool is at its limit.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.websockets_open = Gauge(
            "canet_websockets_open",
            "Authenticated websocket connections open.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.ready = Gauge(
            "canet_ready",
            "1 if the latest /readyz answer (from any worker) was ready, else 0.",
            registry=registry,
            multiprocess_mode="livemostrecent",
        )
        self.readiness_changes = Counter(
            "canet_readiness_changes",
            "Times a worker's /readyz answer differed from its previous one.",
            registry=registry,
        )
        self.mail_failures = Counter(
            "canet_mail_failures",
            "Mail delivery attempts that failed: retrying (will try again) or given_up.",
            ("outcome",),
            registry=registry,
        )
        # Known label values start at 0, so that increase() sees the first failure.
        for outcome in ("retrying", "given_up"):
            self.mail_failures.labels(outcome)


_instruments: Instruments | None = None


def instruments() -> Instruments:
    global _instruments
    if _instruments is None:
        _instruments = Instruments(REGISTRY)
    return _instruments


# --- requests ------------------------------------------------------------------------------


def _route_templates(app: Any) -> dict[int, str]:
    """id(route) -> its full path template, prefixes of included routers and all.

    Walks the routers as included (prefixes only): iter_route_contexts would build every
    included route's effective context (its dependant, response fields and validators),
    a second copy of all routes in every worker from its first request on.
    """
    templates: dict[int, str] = {}
    for prefix, route in walk_included(app.routes):
        template = getattr(route, "path_format", None)
        if prefix is not None and isinstance(template, str):
            # A route included twice under different prefixes keeps the first.
            templates.setdefault(id(route), prefix + template)
    return templates


class MetricsMiddleware:
    """Counts and times every HTTP request by route template; pure ASGI, a few microseconds.

    Outermost, so it sees the status the client got, also when the edge middleware answered
    (413, 503). The template comes from the route the router matched (`scope["route"]`),
    so a raw path, with its ids, never becomes a label; a path no route matched is
    `unmatched`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._instruments = instruments()
        self._templates: dict[int, str] | None = None
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the server answers when an error escapes before a response
        recorded = False

        async def send_and_record(message: Message) -> None:
            nonlocal status, recorded
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not (
                recorded or message.get("more_body")
            ):
                # Counted before the last chunk leaves: whoever got the answer, or an
                # operator who scrapes right after, finds the request counted.
                recorded = True
                self._record(scope, status, time.perf_counter() - started)
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_and_record)
        finally:
            if not recorded:
                self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        method = scope["method"]
        if method not in _METHODS:
            method = "other"
        route = scope.get("route")
        if route is None:
            template = UNMATCHED
        else:
            if self._templates is None:
                self._templates = _route_templates(scope["app"])
            template = self._templates.get(id(route)) or UNMATCHED
        key = (method, template, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self._instruments.requests.labels(method, template, str(status)),
                self._instruments.duration.labels(method, template),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(elapsed)


# --- database pool ---------------------------------------------------------------------------


class MeteredPool(AsyncAdaptedQueuePool):
    """The engine's usual pool, counting the requests that wait for a connection.

    "Waiting" means: asked for a connection while the pool was at pool_size + max_overflow
    with none idle, and not served yet. Such a request waits up to the pool timeout (30 s)
    and then fails with 503. `_do_get` is where QueuePool blocks; it is private but has
    kept its name and meaning across SQLAlchemy 1.4 to 2.1.
    """

    def _do_get(self) -> Any:
        if 0 <= self._max_overflow <= self._overflow and self._pool.empty():
            waiting = instruments().pool_waiting
            waiting.inc()
            try:
                return super()._do_get()
            finally:
                waiting.dec()
        return super()._do_get()


def meter_pool(engine: AsyncEngine) -> None:
    """Count the connections `engine`'s pool has checked out (every engine of the process)."""
    in_use = instruments().pool_in_use

    def checked_out(*_: object) -> None:
        in_use.inc()

    def checked_in(*_: object) -> None:
        in_use.dec()

    # Pool events on the engine outlive a pool recreated after an invalidation.
    event.listen(engine.sync_engine, "checkout", checked_out)
    event.listen(engine.sync_engine, "checkin", checked_in)


# --- websockets and readiness ----------------------------------------------------------------


def websocket_opened() -> None:
    instruments().websockets_open.inc()


def websocket_closed() -> None:
    instruments().websockets_open.dec()


_last_readiness: bool | None = None


def readiness_answered(ready: bool) -> None:
    """Record what /readyz just answered; a change from this worker's last answer counts."""
    global _last_readiness
    figures = instruments()
    figures.ready.set(1 if ready else 0)
    if _last_readiness is not None and _last_readiness != ready:
        figures.readiness_changes.inc()
    _last_readiness = ready


def mail_failed(*, given_up: bool) -> None:
    instruments().mail_failures.labels("given_up" if given_up else "retrying").inc()


# --- gauges read from the database at scrape time --------------------------------------------


@dataclass(frozen=True, slots=True)
class DatabaseGauge:
    name: str
    documentation: str
    # A SELECT of one number; NULL (no row, nothing pending) reads as 0. Keep it on an index:
    # it runs at every scrape.
    query: str


_database_gauges: dict[str, DatabaseGauge] = {}


def database_gauge(name: str, documentation: str, query: str) -> None:
    """Declare a gauge read from the database at each scrape (by the module owning the table)."""
    gauge = DatabaseGauge(name, documentation, " ".join(query.split()))
    existing = _database_gauges.get(name)
    if existing is not None and existing != gauge:
        raise ValueError(f"metric {name} is declared twice, differently")
    _database_gauges[name] = gauge


def database_gauges() -> list[DatabaseGauge]:
    return sorted(_database_gauges.values(), key=lambda g: g.name)


def database_gauges_statement(gauges: list[DatabaseGauge]) -> str:
    """All the declared gauges as the columns of one SELECT: one round trip per scrape."""
    return "SELECT " + ", ".join(f"coalesce(({g.query})::float8, 0)" for g in gauges)


async def read_database_gauges(url: str) -> dict[str, float]:
    """The declared gauges' current values, on a connection of their own (read-only)."""
    gauges = database_gauges()
    if not gauges:
        return {}
    connection = await asyncpg.connect(
        url,
        timeout=5,
        server_settings={
            "application_name": "canet-metrics",
            "default_transaction_read_only": "on",
            "statement_timeout": "5000",
        },
    )
    try:
        row = await connection.fetchrow(database_gauges_statement(gauges))
    finally:
        await connection.close()
    assert row is not None
    return {gauge.name: float(row[i]) for i, gauge in enumerate(gauges)}


# --- the listener run by `canet serve` -------------------------------------------------------


def build_version() -> str:
    try:
        return metadata.version("canet")
    except metadata.PackageNotFoundError:
        return "unknown"


class ServeCollector(Collector):
    """What a scrape of `canet serve` returns: every worker's figures, the database's, build."""

    def __init__(self, directory: Path, database_url: str) -> None:
        self.directory = directory
        self.database_url = database_url
        self._workers = MultiProcessCollector(None, path=str(directory))
        self._dead: set[int] = set()
        self._database_failing = False

    def collect(self) -> Iterator[Any]:
        self._forget_dead_workers()
        yield from self._workers.collect()
        info = GaugeMetricFamily("canet_build_info", "The running build.", labels=["version"])
        info.add_metric([build_version()], 1)
        yield info
        yield from self._database_families()

    def _forget_dead_workers(self) -> None:
        # uvicorn restarts a worker that died without telling anyone: a worker whose files
        # remain but whose process is gone leaves the "live" gauges (its counters still count).
        for path in self.directory.glob("*.db"):
            pid_text = path.stem.rpartition("_")[2]
            if not pid_text.isdigit() or int(pid_text) in self._dead:
                continue
            pid = int(pid_text)
            if not _process_alive(pid):
                mark_process_dead(pid, str(self.directory))
                self._dead.add(pid)

    def _database_families(self) -> Iterable[Any]:
        up = GaugeMetricFamily(
            "canet_database_up", "1 if this scrape's query of the database gauges succeeded."
        )
        seconds = GaugeMetricFamily(
            "canet_metrics_query_seconds", "Time this scrape's database query took."
        )
        started = time.perf_counter()
        try:
            figures = asyncio.run(read_database_gauges(self.database_url))
        except Exception as exc:
            if not self._database_failing:
                log.warning("metrics: database gauges unavailable: %s", type(exc).__name__)
            self._database_failing = True
            up.add_metric([], 0)
            yield up
            return
        if self._database_failing:
            log.info("metrics: database gauges available again")
        self._database_failing = False
        up.add_metric([], 1)
        seconds.add_metric([], time.perf_counter() - started)
        yield up
        yield seconds
        for gauge in database_gauges():
            family = GaugeMetricFamily(gauge.name, gauge.documentation)
            family.add_metric([], figures[gauge.name])
            yield family


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_DIRECTORY_PREFIX = "metrics-"


def fresh_directory(data_dir: Path) -> Path:
    """A new private directory for this serve's worker files; stale ones of this host go.

    Under `<data_dir>/run` (a tmp directory if that is not writable), named after host and
    pid: several `canet serve` on one data directory never share one, and a directory left
    by a serve that was killed is removed by the next one on the same host.
    """
    host = socket.gethostname().replace("-", "_") or "host"
    try:
        base = data_dir / "run"
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        probe = tempfile.mkdtemp(prefix=".probe-", dir=base)
        os.rmdir(probe)
    except OSError:
        base = Path(tempfile.gettempdir())
    for stale in base.glob(f"{_DIRECTORY_PREFIX}{host}-*"):
        pid_text = stale.name.removeprefix(f"{_DIRECTORY_PREFIX}{host}-").partition("-")[0]
        if pid_text.isdigit() and not _process_alive(int(pid_text)):
            shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{_DIRECTORY_PREFIX}{host}-{os.getpid()}-", dir=base))


def use_multiprocess_directory(directory: Path) -> None:
    """Make this process and the workers it starts keep their figures in `directory`.

    prometheus_client picks its storage when first imported; this process may have imported
    it before `canet serve` chose the directory, so the choice is made again here, before
    any figure exists (a worker process imports it after, with the variable set).
    """
    if _instruments is not None:
        raise RuntimeError("metrics were created before the multiprocess directory was set")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    prometheus_values.ValueClass = prometheus_values.get_value_class()


class MetricsListener:
    """The scrape endpoint of one `canet serve`: a thread of its supervisor process."""

    def __init__(self, server: Any, thread: Any, directory: Path, address: str) -> None:
        self._server = server
        self._thread = thread
        self.directory = directory
        self.address = address

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        shutil.rmtree(self.directory, ignore_errors=True)


def start_listener(
    host: str, port: int, *, database_url: str, data_dir: Path
) -> MetricsListener | None:
    """Serve every worker's figures on host:port; None (logged) when that cannot be done.

    Call before the workers start: they inherit the directory through the environment.
    """
    try:
        directory = fresh_directory(data_dir)
    except OSError as exc:
        log.error(
            "metrics: no writable directory for the workers' figures (%s); serving without metrics",
            exc,
        )
        return None
    registry = CollectorRegistry()
    registry.register(ServeCollector(directory, database_url))
    try:
        server, thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        # The API matters more than its figures: serve without them, loudly.
        log.error("metrics: cannot listen on %s:%s (%s); serving without metrics", host, port, exc)
        shutil.rmtree(directory, ignore_errors=True)
        return None
    use_multiprocess_directory(directory)
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    log.info("metrics for Prometheus on http://%s/metrics", address)
    return MetricsListener(server, thread, directory, address)

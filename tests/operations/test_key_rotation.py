"""Key rotation drills (docs/keys.md): the storage master key, the audit signing key and the
secret key, each rotated the way an operator does it, with the real `canet` commands.

Every node of the drill is an app built from its own settings on the test database (as after
a rolling restart with new environment variables); the commands run as real processes.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.checkpoints import create_checkpoint
from app.audit.sealing import seal_pending
from app.audit.signing import (
    generate_private_key_text,
    key_id,
    parse_private_key,
    public_key_pem,
    raw_public,
    sign_checkpoint,
    trusted_public_keys,
)
from app.audit.verify import verify_database
from app.auth.dependencies import CSRF_HEADER, SESSION_COOKIE
from app.auth.tokens import InvalidToken, decode_access_token, issue_access_token
from app.cases.crypto import derive_master_key, master_key_id
from app.config import Settings
from app.db import Database
from app.identity import mfa
from app.identity.keys import ROTATION_RUN
from app.main import create_app
from tests.audit.helpers import write_entries
from tests.cases.conftest import Network, net, submitted_case  # noqa: F401 -- the fixture
from tests.factories import TEST_SECRET_KEY, make_member
from tests.identity.helpers import PASSWORD, code_for, enrolled_user

# --- nodes and commands -------------------------------------------------------------------------


@pytest.fixture
def shared_dir(tmp_path: Path) -> Path:
    """The nodes' common data directory (attachments live under it)."""
    path = tmp_path / "data"
    path.mkdir()
    return path


def node_settings(database_url: str, data_dir: Path, **keys: Any) -> Settings:
    """One node's configuration; `keys` are the key settings it was restarted with."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        database_url=database_url,
        data_dir=data_dir,
        base_url="http://testserver",
        run_background_tasks=False,
        **({"secret_key": TEST_SECRET_KEY} | keys),
    )


@asynccontextmanager
async def node(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings, database=db)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


def canet_env(database_url: str, data_dir: Path, **canet: str) -> dict[str, str]:
    """The environment of a `canet` command on a node: no CANET_* setting but these."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("CANET_")}
    return base | {
        "CANET_ENV": "test",
        "CANET_DATABASE_URL": database_url,
        "CANET_DATA_DIR": str(data_dir),
        "CANET_SECRET_KEY": TEST_SECRET_KEY,
        "CANET_LOG_LEVEL": "WARNING",
        "CANET_METRICS_LISTEN": "",
        **canet,
    }


async def canet(
    args: list[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=env,
            cwd=cwd,  # no stray .env file from the checkout
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    return await asyncio.to_thread(run)


async def scalar(db: Database, query: str, **params: Any) -> Any:
    async with db.engine.connect() as conn:
        return await conn.scalar(text(query), params)


async def audit_details(db: Database, action: str) -> list[dict[str, Any]]:
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT actor_user_id, actor_handle, details FROM audit_entries "
                    "WHERE action = :a ORDER BY id"
                ),
                {"a": action},
            )
        ).all()
    assert all(row.actor_user_id is None and row.actor_handle is None for row in rows)
    return [dict(row.details) for row in rows]


# --- the storage master key ---------------------------------------------------------------------

OLD_MASTER = "old storage master key " + "0" * 40
NEW_MASTER = secrets.token_urlsafe(48)


async def _master_ids(db: Database) -> dict[str, int]:
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT master_key_id, count(*) FROM case_data_keys GROUP BY 1")
            )
        ).all()
    return {str(kid): int(n) for kid, n in rows}


async def _download_all(
    client: httpx.AsyncClient, network: Network, files: dict[tuple[str, str], str]
) -> None:
    for (case_id, attachment_id), digest in files.items():
        response = await client.get(
            f"/api/v1/cases/{case_id}/attachments/{attachment_id}", headers=network.it.headers
        )
        assert response.status_code == 200, response.text
        assert hashlib.sha256(response.content).hexdigest() == digest


async def _cannot_download(
    client: httpx.AsyncClient, network: Network, files: dict[tuple[str, str], str]
) -> None:
    """The node cannot unwrap the case keys (a server error, and the log names the key)."""
    for case_id, attachment_id in files:
        response = await client.get(
            f"/api/v1/cases/{case_id}/attachments/{attachment_id}", headers=network.it.headers
        )
        assert response.status_code == 500, response.text


async def _upload(
    client: httpx.AsyncClient, network: Network, n: int
) -> tuple[tuple[str, str], str]:
    case = await submitted_case(client, network, title=f"Bank records {n}")
    content = secrets.token_hex(35_000 + n).encode()  # more than one 64 KiB segment
    response = await client.post(
        f"/api/v1/cases/{case['id']}/attachments",
        files={"file": (f"records-{n}.txt", content, "text/plain")},
        headers=network.fr.headers,
    )
    assert response.status_code == 201, response.text
    return (case["id"], response.json()["id"]), hashlib.sha256(content).hexdigest()


async def test_storage_master_key_rotation_keeps_every_download_working(
    net: Network,  # noqa: F811
    db: Database,
    database_url: str,
    shared_dir: Path,
    tmp_path: Path,
) -> None:
    old_id = master_key_id(derive_master_key(OLD_MASTER))
    new_id = master_key_id(derive_master_key(NEW_MASTER))
    before = node_settings(database_url, shared_dir, storage_master_key=OLD_MASTER)
    rotating = node_settings(
        database_url,
        shared_dir,
        storage_master_key=NEW_MASTER,
        storage_master_key_previous=f"{secrets.token_urlsafe(20)},{OLD_MASTER}",
    )
    after = node_settings(database_url, shared_dir, storage_master_key=NEW_MASTER)

    files: dict[tuple[str, str], str] = {}
    async with node(before, db) as client:
        for n in range(6):
            ref, digest = await _upload(client, net, n)
            files[ref] = digest
        await _download_all(client, net, files)
    assert await _master_ids(db) == {old_id: 6}

    # A node given only the new key cannot read them yet: the previous key is really needed.
    async with node(after, db) as client:
        await _cannot_download(client, net, files)

    # Every node restarted with the new key and the old one as previous.
    async with node(rotating, db) as client:
        await _download_all(client, net, files)
        ref, digest = await _upload(client, net, 6)  # new keys are wrapped by the new key
        files[ref] = digest
        assert await _master_ids(db) == {old_id: 6, new_id: 1}

        env = canet_env(
            database_url,
            shared_dir,
            CANET_STORAGE_MASTER_KEY=NEW_MASTER,
            CANET_STORAGE_MASTER_KEY_PREVIOUS=OLD_MASTER,
        )
        # One key per batch, three batches: half-way through, the service serves every file.
        half = await canet(
            ["keys", "rotate", "storage-master", "--batch-size", "1", "--max-batches", "3"],
            env,
            tmp_path,
        )
        assert half.returncode == 3, half.stdout + half.stderr
        lines = half.stdout.splitlines()
        assert lines[0].startswith(f"current storage master key: {new_id}; previous configured: ")
        assert lines[0].endswith("case keys under another key: 6")
        assert lines[1:4] == [f"batch {n}: {n} case keys re-wrapped so far" for n in (1, 2, 3)]
        assert f"3 case keys still under key {old_id}; keep CANET_STORAGE_MASTER_KEY_PREVIOUS" in (
            half.stdout
        )
        assert "run `canet keys rotate storage-master` again to continue" in half.stdout
        assert await _master_ids(db) == {old_id: 3, new_id: 4}
        await _download_all(client, net, files)

        # Resumed, then killed mid-run (as a crash or an operator would) after one more batch:
        # the service serves every file while the command runs, and after it died.
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "keys",
            "rotate",
            "storage-master",
            "--batch-size",
            "1",
            "--pause",
            "600",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert process.stdout is not None
        try:
            line = b""
            while not line.startswith(b"batch 1:"):
                line = await asyncio.wait_for(process.stdout.readline(), timeout=120)
                assert line, "the command ended before its first batch"
            assert await _master_ids(db) == {old_id: 2, new_id: 5}
            await _download_all(client, net, files)
        finally:
            process.kill()
            await process.wait()
        assert process.returncode == -9
        assert await _master_ids(db) == {old_id: 2, new_id: 5}
        await _download_all(client, net, files)

        # Run again: it finishes what is left, and says the old key is no longer needed.
        resumed = await canet(["keys", "rotate", "storage-master"], env, tmp_path)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert "re-wrapped 2 case keys in 1 batch(es)" in resumed.stdout
        assert (
            f"every case key is under {new_id}: the previous key is no longer needed; "
            "remove CANET_STORAGE_MASTER_KEY_PREVIOUS from every node"
        ) in resumed.stdout
        assert await _master_ids(db) == {new_id: 7}
        await _download_all(client, net, files)

    # The previous key removed from every node: everything still downloads.
    async with node(after, db) as client:
        await _download_all(client, net, files)
    # A node left on the old key alone now reads nothing: the keys really moved.
    async with node(before, db) as client:
        await _cannot_download(client, net, files)

    batches = await audit_details(db, "keys.storage_master.rewrapped")
    assert [b["rewrapped"] for b in batches] == [1, 1, 1, 1, 2]
    assert all(b["from_key_ids"] == {old_id: b["rewrapped"]} for b in batches)


async def test_storage_rotation_reports_keys_it_cannot_unwrap(
    net: Network,  # noqa: F811
    db: Database,
    database_url: str,
    shared_dir: Path,
    tmp_path: Path,
) -> None:
    async with node(
        node_settings(database_url, shared_dir, storage_master_key=OLD_MASTER), db
    ) as c:
        await _upload(c, net, 1)
    old_id = master_key_id(derive_master_key(OLD_MASTER))
    # The operator forgot CANET_STORAGE_MASTER_KEY_PREVIOUS.
    env = canet_env(database_url, shared_dir, CANET_STORAGE_MASTER_KEY=NEW_MASTER)
    result = await canet(["keys", "rotate", "storage-master"], env, tmp_path)
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"1 case keys are under key {old_id}, which is not configured" in result.stdout
    assert "no longer needed" not in result.stdout
    assert await _master_ids(db) == {old_id: 1}
    status = await canet(["keys", "status"], env, tmp_path)
    assert status.returncode == 0, status.stderr
    assert f"NOT CONFIGURED {old_id}: 1 case keys cannot be read" in status.stdout


# --- the audit signing key ----------------------------------------------------------------------


def _b64_public(private_text: str) -> str:
    return base64.b64encode(raw_public(parse_private_key(private_text).public_key())).decode()


async def test_audit_signing_key_rotation_verifies_with_the_key_set(
    session: AsyncSession, db: Database, database_url: str, shared_dir: Path, tmp_path: Path
) -> None:
    key_a, key_b = generate_private_key_text(), generate_private_key_text()
    id_a = key_id(parse_private_key(key_a).public_key())
    id_b = key_id(parse_private_key(key_b).public_key())
    pem_a = public_key_pem(parse_private_key(key_a).public_key())

    # Checkpoints under key A, then the rotation to key B, then more checkpoints.
    for private in (key_a, key_a, key_b):
        await write_entries(db, 3)
        await seal_pending(db)
        assert await create_checkpoint(db, parse_private_key(private)) is not None

    with_previous = node_settings(
        database_url,
        shared_dir,
        audit_signing_key=key_b,
        audit_previous_public_keys=_b64_public(key_a),
    )
    only_b = node_settings(database_url, shared_dir, audit_signing_key=key_b)
    report = await verify_database(db, trusted_public_keys(with_previous).values())
    assert report.ok, report.problems
    assert report.checkpoints_checked == 3
    report = await verify_database(db, trusted_public_keys(only_b).values())
    assert not report.ok
    assert any(id_a in p and "CANET_AUDIT_PREVIOUS_PUBLIC_KEYS" in p for p in report.problems)

    # The commands, as an operator runs them on a node.
    env_b = canet_env(database_url, shared_dir, CANET_AUDIT_SIGNING_KEY=key_b)
    env = env_b | {"CANET_AUDIT_PREVIOUS_PUBLIC_KEYS": pem_a}
    verified = await canet(["audit", "verify"], env, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "OK: 9 entries checked" in verified.stdout
    refused = await canet(["audit", "verify"], env_b, tmp_path)
    assert refused.returncode == 1
    assert f"name key {id_a}, which is not a trusted key" in refused.stdout

    listing = await canet(["audit", "public-key"], env, tmp_path)
    assert listing.returncode == 0, listing.stderr
    lines = [line for line in listing.stdout.splitlines() if line.startswith("# key")]
    assert len(lines) == 2
    assert lines[0].startswith(f"# key {id_b} (current): 1 checkpoint(s), seq 9 to 9, signed ")
    assert lines[1].startswith(f"# key {id_a} (previous): 2 checkpoint(s), seq 3 to 6, signed ")
    assert listing.stdout.count("-----BEGIN PUBLIC KEY-----") == 2
    (tmp_path / "keys.pem").write_text(listing.stdout)
    current_only = await canet(["audit", "public-key", "--current"], env, tmp_path)
    (tmp_path / "b.pem").write_text(current_only.stdout)
    (tmp_path / "a.pem").write_text(pem_a)
    assert current_only.stdout.count("-----BEGIN PUBLIC KEY-----") == 1

    # The offline verifier: an export, checked with the key set and with one key only.
    exported = await canet(["audit", "export", "-o", str(tmp_path / "all.jsonl")], env, tmp_path)
    assert exported.returncode == 0, exported.stderr
    offline = ["audit", "verify", "--file", str(tmp_path / "all.jsonl")]
    for keys in (["keys.pem"], ["a.pem", "b.pem"]):
        args = [arg for name in keys for arg in ("--public-key", str(tmp_path / name))]
        result = await canet([*offline, *args], env, tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("OK: 9 entries, 9 anchored by 3 valid checkpoints")
    result = await canet([*offline, "--public-key", str(tmp_path / "b.pem")], env, tmp_path)
    assert result.returncode == 1
    assert f"signed by key {id_a}, which is not among the keys given" in result.stdout

    # The HTTP API of a node configured with both keys, and of one without the old key.
    auditor = await make_member(session, roles=["auditor"])
    await session.commit()
    async with node(with_previous, db) as client:
        body = (await client.get("/api/v1/audit/public-key", headers=auditor.headers)).json()
        assert body["key_id"] == id_b
        assert [
            (k["key_id"], k["status"], k["first_seq"], k["last_seq"]) for k in body["keys"]
        ] == [
            (id_b, "current", 9, 9),
            (id_a, "previous", 3, 6),
        ]
        verify = (await client.get("/api/v1/audit/verify", headers=auditor.headers)).json()
        assert verify["ok"] is True and verify["checkpoints_checked"] == 3
    async with node(only_b, db) as client:
        verify = (await client.get("/api/v1/audit/verify", headers=auditor.headers)).json()
        assert verify["ok"] is False

    # A checkpoint under a key configured nowhere (someone who can write the database signed
    # it with a key of their own) fails verification even with both real keys.
    intruder = parse_private_key(generate_private_key_text())
    head = await scalar(db, "SELECT max(seq) FROM audit_chain")
    hash_ = await scalar(db, "SELECT hash FROM audit_chain WHERE seq = :s", s=head)
    forged = sign_checkpoint(intruder, seq=head, hash_=hash_, at=datetime.now(UTC))
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, signature) "
                "VALUES (:seq, :hash, now(), :kid, :sig)"
            ),
            {"seq": forged.seq, "hash": forged.hash, "kid": forged.key_id, "sig": forged.signature},
        )
    report = await verify_database(db, trusted_public_keys(with_previous).values())
    assert not report.ok
    assert any(forged.key_id in p for p in report.problems)
    listing = await canet(["audit", "public-key"], env, tmp_path)
    assert f"# key {forged.key_id} (untrusted): 1 checkpoint(s)" in listing.stdout


# --- the secret key -----------------------------------------------------------------------------

OLD_SECRET = TEST_SECRET_KEY
NEW_SECRET = "new secret key " + secrets.token_urlsafe(32)


async def _forget_last_step(db: Database, email: str) -> None:
    """Let the member's current TOTP code be used again (each sign-in here is a new phone)."""
    async with db.engine.begin() as conn:
        await conn.execute(
            text("UPDATE users SET totp_last_step = NULL WHERE email = :e"), {"e": email}
        )


async def _sign_in(
    client: httpx.AsyncClient, db: Database, email: str, secret: str, *, cookie: bool = False
) -> httpx.Response:
    await _forget_last_step(db, email)
    first = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert first.status_code == 200, first.text
    body: dict[str, Any] = {
        "challenge_token": first.json()["challenge_token"],
        "code": code_for(secret),
    }
    if cookie:
        body["session"] = "cookie"
    response = await client.post("/api/v1/auth/mfa/verify", json=body)
    assert response.status_code == 200, response.text
    return response


def _needed_until(output: str) -> str:
    match = re.search(r"stay valid until (\S+ \S+ UTC)", output)
    assert match, output
    return match.group(1)


async def test_secret_key_rotation_keeps_tokens_for_their_lifetime_and_reseals_totp(
    session: AsyncSession, db: Database, database_url: str, shared_dir: Path, tmp_path: Path
) -> None:
    ana, ana_secret = await enrolled_user(session, email="ana@example.org")
    ben, ben_secret = await enrolled_user(session, email="ben@example.org")
    await session.commit()
    old_id, new_id = mfa.secret_key_id(OLD_SECRET), mfa.secret_key_id(NEW_SECRET)
    before = node_settings(database_url, shared_dir, secret_key=OLD_SECRET)
    rotating = node_settings(
        database_url, shared_dir, secret_key=NEW_SECRET, secret_key_previous=OLD_SECRET
    )
    after = node_settings(database_url, shared_dir, secret_key=NEW_SECRET)

    # Before the rotation: a bearer session and a browser session, both under the old key.
    async with node(before, db) as client:
        tokens = (await _sign_in(client, db, ana.email, ana_secret)).json()
        browser = await _sign_in(client, db, ben.email, ben_secret, cookie=True)
    old_token = tokens["access_token"]
    claims = decode_access_token(OLD_SECRET, old_token)
    cookie = next(
        c for c in browser.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "=")
    )
    jar = {"Cookie": cookie.split(";", 1)[0]}
    old_csrf = browser.json()["csrf_token"]
    # Under the old key too: one that has expired, and one that lives another ten minutes.
    expired, _ = issue_access_token(
        OLD_SECRET, user_id=ana.id, session_id=claims.session_id, ttl=timedelta(seconds=-10)
    )
    alive, _ = issue_access_token(
        OLD_SECRET, user_id=ana.id, session_id=claims.session_id, ttl=timedelta(minutes=10)
    )
    forged, _ = issue_access_token(
        "a key no node has", user_id=ana.id, session_id=claims.session_id, ttl=timedelta(minutes=5)
    )

    async with node(rotating, db) as client:
        # Made with the previous key: valid until they expire, no longer.
        for token, status in ((old_token, 200), (alive, 200), (expired, 401), (forged, 401)):
            response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == status, (status, response.text)
        # Signing in issues under the new key only, and TOTP secrets sealed under the old key
        # still open.
        fresh = (await _sign_in(client, db, ana.email, ana_secret)).json()["access_token"]
        assert decode_access_token(NEW_SECRET, fresh).user_id == ana.id
        with pytest.raises(InvalidToken):
            decode_access_token(OLD_SECRET, fresh)
        new_browser = await _sign_in(client, db, ana.email, ana_secret, cookie=True)
        assert new_browser.json()["csrf_token"] != old_csrf
        # A made-up CSRF token is still refused.
        response = await client.post("/api/v1/auth/logout", headers={**jar, CSRF_HEADER: "0" * 64})
        assert response.status_code == 403

        # The re-seal: one batch, stopped, then resumed.
        sealed = await scalar(db, "SELECT totp_secret FROM users WHERE id = :i", i=ana.id)
        assert sealed.startswith(f"v2:{old_id}:")
        with pytest.raises(mfa.SealedUnderUnknownKey):
            mfa.open_secret(NEW_SECRET, sealed)
        env = canet_env(
            database_url,
            shared_dir,
            CANET_SECRET_KEY=NEW_SECRET,
            CANET_SECRET_KEY_PREVIOUS=OLD_SECRET,
        )
        args = ["keys", "rotate", "secret", "--batch-size", "1"]
        first = await canet([*args, "--max-batches", "1"], env, tmp_path)
        assert first.returncode == 3, first.stdout + first.stderr
        assert "re-sealed 1 TOTP secrets in 1 batch(es)" in first.stdout
        assert f"1 TOTP secrets not yet sealed under {new_id}; keep CANET_SECRET_KEY_PREVIOUS" in (
            first.stdout
        )
        second = await canet(args, env, tmp_path)
        assert second.returncode == 3, second.stdout + second.stderr
        assert "re-sealed 1 TOTP secrets in 1 batch(es)" in second.stdout
        assert f"every TOTP secret is sealed under {new_id}, but tokens signed" in second.stdout
        # The rotation started with the first run: both runs name the same time.
        until = _needed_until(second.stdout)
        assert until == _needed_until(first.stdout)
        expected = datetime.now(UTC) + timedelta(hours=12)
        parsed = datetime.strptime(until, "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=UTC)
        assert abs(parsed - expected) < timedelta(minutes=5)
        for user, secret in ((ana, ana_secret), (ben, ben_secret)):
            sealed = await scalar(db, "SELECT totp_secret FROM users WHERE id = :i", i=user.id)
            assert sealed.startswith(f"v2:{new_id}:")
            assert mfa.open_secret(NEW_SECRET, sealed) == secret

    # The previous key removed: TOTP sign-in works, old tokens and old CSRF tokens do not.
    async with node(after, db) as client:
        await _sign_in(client, db, ana.email, ana_secret)
        await _sign_in(client, db, ben.email, ben_secret)
        for token in (old_token, alive):
            response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401
        response = await client.post("/api/v1/auth/logout", headers={**jar, CSRF_HEADER: old_csrf})
        assert response.status_code == 403 and response.json()["type"] == "urn:canet:problem:csrf"
    # While the previous key is configured, the browser session's CSRF token still works.
    async with node(rotating, db) as client:
        response = await client.post("/api/v1/auth/logout", headers={**jar, CSRF_HEADER: old_csrf})
        assert response.status_code == 204

    runs = await audit_details(db, ROTATION_RUN)
    assert [r["previous_key_ids"] for r in runs] == [[old_id], [old_id]]
    assert [b["resealed"] for b in await audit_details(db, "keys.secret_key.resealed")] == [1, 1]

    # Once the longest token lifetime has passed since the rotation started, the command says
    # the previous key can go: here, as if the first run had been 13 hours ago.
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO audit_entries (occurred_at, action, target_type, target_id, outcome) "
                "VALUES (now() - interval '13 hours', :a, 'secret_key', :kid, 'success')"
            ),
            {"a": ROTATION_RUN, "kid": new_id},
        )
    done = await canet(["keys", "rotate", "secret"], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "the previous key is no longer needed; remove CANET_SECRET_KEY_PREVIOUS from every node"
    ) in done.stdout


async def test_keys_generate_prints_fresh_keys(tmp_path: Path, shared_dir: Path) -> None:
    env = canet_env("postgresql://unused/none", shared_dir)
    seen = set()
    for kind in ("storage-master", "secret", "audit-signing", "audit-signing"):
        result = await canet(["keys", "generate", kind], env, tmp_path)
        assert result.returncode == 0, result.stderr
        key = result.stdout.strip()
        assert key not in seen and len(key) >= 44
        seen.add(key)
        if kind == "audit-signing":
            public = result.stderr.strip().removeprefix("public key (base64): ")
            assert _b64_public(key) == public


def test_totp_secrets_open_by_the_key_they_name() -> None:
    secret = mfa.new_secret()
    # Sealed before secrets named their key: opened with whichever configured key fits.
    legacy = "v1:" + mfa.seal_secret(OLD_SECRET, secret).split(":", 2)[2]
    assert mfa.open_secret(OLD_SECRET, legacy) == secret
    assert mfa.open_secret(NEW_SECRET, legacy, previous=[OLD_SECRET]) == secret
    with pytest.raises(mfa.SealedUnderUnknownKey):
        mfa.open_secret(NEW_SECRET, legacy)
    sealed = mfa.seal_secret(NEW_SECRET, secret)
    assert sealed.startswith(mfa.sealed_prefix(NEW_SECRET))
    assert mfa.open_secret(OLD_SECRET, sealed, previous=[NEW_SECRET]) == secret
    # A sealed secret whose key id was changed opens with no key.
    other = sealed.replace(mfa.secret_key_id(NEW_SECRET), mfa.secret_key_id(OLD_SECRET))
    with pytest.raises(mfa.SealedUnderUnknownKey):
        mfa.open_secret(NEW_SECRET, other, previous=[OLD_SECRET])

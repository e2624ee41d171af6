"""`canet keys generate|rotate|status`: make keys, and finish a rotation (docs/keys.md).

A rotation is configured first, on every node: the new key in the usual variable, the old one
in its `*_PREVIOUS` variable, then a rolling restart. These commands then move what the old
key protects under the new one, in batches (one transaction and one audit entry each), while
the service runs, and say plainly whether the old key is still needed. Stopped at any point,
they resume where they were when run again.

Exit status: 0 when the previous key is no longer needed, 3 when it still is (run again, or
wait for the time printed), 2 when the command cannot run.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from app.commands import with_database
from app.config import Settings

STILL_NEEDED = 3
KINDS = ("storage-master", "audit-signing", "secret")


def _time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _run(settings: Settings, action: Callable[[Any], Awaitable[int]]) -> int:
    from app.db import Database

    url, release = with_database(settings)

    async def go() -> int:
        db = Database(url, pool_size=2, max_overflow=0)
        try:
            return await action(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(go())
    finally:
        release()


# --- generate ---------------------------------------------------------------------------------


def _generate(kind: str) -> int:
    if kind == "audit-signing":
        from app.audit.signing import generate_private_key_text, parse_private_key, raw_public

        private = generate_private_key_text()
        print(private)
        import base64

        public = base64.b64encode(raw_public(parse_private_key(private).public_key())).decode()
        # The public half on stderr: it goes into CANET_AUDIT_PREVIOUS_PUBLIC_KEYS one day.
        print(f"public key (base64): {public}", file=sys.stderr)
        return 0
    # The secret key and the storage master key: any high-entropy string (384 bits here).
    print(secrets.token_urlsafe(48))
    return 0


# --- rotate storage-master --------------------------------------------------------------------


async def _rotate_storage_master(db: Any, args: argparse.Namespace, settings: Settings) -> int:
    from app.cases.crypto import Vault
    from app.cases.keys import RewrapReport, remaining_case_keys, rewrap_case_keys

    vault = Vault(settings)
    before = await remaining_case_keys(db, vault.master_id)
    print(
        f"current storage master key: {vault.master_id}; previous configured: "
        f"{', '.join(vault.previous_ids) or 'none'}; case keys under another key: "
        f"{sum(before.values())}",
        flush=True,
    )

    def progress(report: RewrapReport) -> None:
        print(
            f"batch {report.batches}: {report.rewrapped} case keys re-wrapped so far",
            flush=True,
        )

    report = await rewrap_case_keys(
        db,
        vault,
        batch_size=args.batch_size,
        max_batches=args.max_batches,
        pause=args.pause,
        progress=progress,
    )
    print(f"re-wrapped {report.rewrapped} case keys in {report.batches} batch(es)")
    for kid, count in sorted(report.unknown.items()):
        print(
            f"{count} case keys are under key {kid}, which is not configured: add that key to "
            "CANET_STORAGE_MASTER_KEY_PREVIOUS and run again (until then their attachments "
            "cannot be read)"
        )
    if report.remaining_total == 0:
        print(
            f"every case key is under {vault.master_id}: the previous key is no longer needed; "
            "remove CANET_STORAGE_MASTER_KEY_PREVIOUS from every node"
        )
        return 0
    for kid, count in sorted(report.remaining.items()):
        if vault.knows(kid):
            print(
                f"{count} case keys still under key {kid}; keep CANET_STORAGE_MASTER_KEY_PREVIOUS"
            )
    if report.stopped_early or not report.unknown:
        print("run `canet keys rotate storage-master` again to continue")
    return STILL_NEEDED


# --- rotate secret ----------------------------------------------------------------------------


async def _rotate_secret(db: Any, args: argparse.Namespace, settings: Settings) -> int:
    from app.identity.keys import ResealReport, reseal_totp_secrets, token_lifetime
    from app.identity.mfa import secret_key_id

    current = settings.resolved_secret_key()
    previous = settings.previous_secret_keys()
    print(
        f"current secret key: {secret_key_id(current)}; previous configured: "
        f"{', '.join(secret_key_id(k) for k in previous) or 'none'}",
        flush=True,
    )

    def progress(report: ResealReport) -> None:
        print(
            f"batch {report.batches}: {report.resealed} TOTP secrets re-sealed so far", flush=True
        )

    report = await reseal_totp_secrets(
        db,
        current,
        previous,
        batch_size=args.batch_size,
        max_batches=args.max_batches,
        pause=args.pause,
        progress=progress,
    )
    print(f"re-sealed {report.resealed} TOTP secrets in {report.batches} batch(es)")
    if report.unopenable:
        print(
            f"{report.unopenable} TOTP secrets are sealed under a key that is neither "
            "CANET_SECRET_KEY nor in CANET_SECRET_KEY_PREVIOUS: add the old key there and run "
            "again (until then those members cannot sign in)"
        )
    now = datetime.now(UTC)
    tokens = (
        f"tokens signed with the previous key stay valid until {_time(report.needed_until)} "
        f"(the rotation started {_time(report.started_at)}; the longest token lifetime is "
        f"{token_lifetime()})"
    )
    if report.remaining:
        print(
            f"{report.remaining} TOTP secrets not yet sealed under {report.current_id}; keep "
            "CANET_SECRET_KEY_PREVIOUS and run `canet keys rotate secret` again; " + tokens
        )
        return STILL_NEEDED
    if now < report.needed_until:
        print(
            f"every TOTP secret is sealed under {report.current_id}, but {tokens}: keep "
            f"CANET_SECRET_KEY_PREVIOUS until {_time(report.needed_until)}, then remove it from "
            "every node"
        )
        return STILL_NEEDED
    print(
        f"every TOTP secret is sealed under {report.current_id} and every token signed with the "
        f"previous key expired by {_time(report.needed_until)}: the previous key is no longer "
        "needed; remove CANET_SECRET_KEY_PREVIOUS from every node"
    )
    return 0


# --- status -----------------------------------------------------------------------------------


async def _status(db: Any, args: argparse.Namespace, settings: Settings) -> int:
    from app.audit.keys import key_validity
    from app.cases.crypto import Vault
    from app.cases.keys import remaining_case_keys
    from app.identity.keys import count_not_sealed_with
    from app.identity.mfa import secret_key_id

    vault = Vault(settings)
    others = await remaining_case_keys(db, vault.master_id)
    print(f"storage master key {vault.master_id} (current)")
    for kid in vault.previous_ids:
        print(f"  previous {kid}: {others.get(kid, 0)} case keys")
    for kid, count in sorted(others.items()):
        if kid not in vault.previous_ids:
            print(f"  NOT CONFIGURED {kid}: {count} case keys cannot be read")
    current = settings.resolved_secret_key()
    print(f"secret key {secret_key_id(current)} (current)")
    for key in settings.previous_secret_keys():
        print(f"  previous {secret_key_id(key)}")
    print(f"  TOTP secrets not yet sealed under it: {await count_not_sealed_with(db, current)}")
    print("audit signing keys")
    async with db.engine.connect() as conn:
        for validity in await key_validity(conn, settings):
            print(f"  {validity.describe()}")
    return 0


# --- the command ------------------------------------------------------------------------------


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    if args.keys_command == "generate":
        return _generate(args.kind)
    actions = {
        ("rotate", "storage-master"): _rotate_storage_master,
        ("rotate", "secret"): _rotate_secret,
        ("status", None): _status,
    }
    action = actions[(args.keys_command, getattr(args, "kind", None))]
    return _run(settings, lambda db: action(db, args, settings))


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def register(commands: Any) -> None:
    keys = commands.add_parser("keys", help="generate keys; finish a key rotation")
    sub = keys.add_subparsers(dest="keys_command", required=True)
    generate = sub.add_parser("generate", help="print a new key")
    generate.add_argument(
        "kind",
        choices=KINDS,
        help="storage-master (CANET_STORAGE_MASTER_KEY), audit-signing "
        "(CANET_AUDIT_SIGNING_KEY; its public half on stderr), secret (CANET_SECRET_KEY)",
    )
    rotate = sub.add_parser(
        "rotate",
        help="move what the previous key protects under the current one, and say whether the "
        "previous key is still needed",
    )
    rotate.add_argument("kind", choices=("storage-master", "secret"))
    rotate.add_argument(
        "--batch-size", type=_positive, default=200, help="rows per transaction (200)"
    )
    rotate.add_argument(
        "--max-batches", type=_positive, help="stop after this many batches (resume later)"
    )
    rotate.add_argument(
        "--pause", type=float, default=0.0, help="seconds to wait between batches (0)"
    )
    sub.add_parser("status", help="the keys configured and what each still protects")
    keys.set_defaults(handler=cmd_keys)

"""`canet audit ...`: checkpoint, verify (database or offline file), export, keys."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.commands import CommandError, with_database
from app.config import Settings

Action = Callable[[Any, argparse.Namespace, Settings], Awaitable[int]]


def _run_with_db(action: Action, args: argparse.Namespace, settings: Settings) -> int:
    from app.db import Database

    url, release = with_database(settings)

    async def go() -> int:
        db = Database(url, pool_size=2, max_overflow=0)
        try:
            return await action(db, args, settings)
        finally:
            await db.dispose()

    try:
        return asyncio.run(go())
    finally:
        release()


async def _checkpoint(db: Any, args: argparse.Namespace, settings: Settings) -> int:
    from app.audit.checkpoints import create_checkpoint
    from app.audit.sealing import seal_pending
    from app.audit.signing import load_signing_key

    await seal_pending(db)
    signed = await create_checkpoint(db, load_signing_key(settings))
    if signed is None:
        print("canet: the audit chain is empty; nothing to sign", file=sys.stderr)
        return 1
    sys.stdout.write(signed.text())
    return 0


async def _verify_database(db: Any, args: argparse.Namespace, settings: Settings) -> int:
    from app.audit.sealing import ChainBroken, seal_pending
    from app.audit.signing import trusted_public_keys
    from app.audit.verify import verify_database

    # Seal what is pending first; a chain whose head was deleted cannot be extended, and
    # the verification below reports exactly that.
    with contextlib.suppress(ChainBroken):
        await seal_pending(db, patience=2.0)
    report = await verify_database(
        db, trusted_public_keys(settings).values(), since_checkpoint=args.since_checkpoint
    )
    for problem in report.problems:
        print(f"problem: {problem}")
    print(
        f"{'OK' if report.ok else 'FAILED'}: {report.checked} entries checked, head seq "
        f"{report.head_seq} hash {report.head_hash}, {report.checkpoints_checked} checkpoint "
        f"matches"
    )
    if report.first_bad_seq is not None:
        print(f"first bad seq: {report.first_bad_seq}")
    return 0 if report.ok else 1


def _verify_file(args: argparse.Namespace) -> int:
    from app.audit.offline import verify_file
    from app.audit.signing import KeyFormatError, parse_public_keys

    # Repeatable (`--public-key a.pem --public-key b.pem`), and each file may hold several
    # PEM blocks (what `canet audit public-key` prints after a rotation).
    paths = [args.public_key] if isinstance(args.public_key, str) else args.public_key or []
    if not paths:
        print("canet: --file needs --public-key (a PEM file)", file=sys.stderr)
        return 2
    public_keys = []
    for path in paths:
        try:
            found = parse_public_keys(Path(path).read_text())
        except (OSError, KeyFormatError, ValueError) as exc:
            print(f"canet: cannot read the public key {path}: {exc}", file=sys.stderr)
            return 2
        if not found:
            print(f"canet: no public key in {path}", file=sys.stderr)
            return 2
        public_keys.extend(found)
    checkpoints = Path(args.checkpoints).read_text() if args.checkpoints else None
    report = verify_file(Path(args.file), public_keys, checkpoints_text=checkpoints)
    for problem in report.problems:
        print(f"problem: {problem}")
    print(report.summary())
    return 0 if report.ok and report.anchored else 1


async def _export(db: Any, args: argparse.Namespace, settings: Settings) -> int:
    from app.audit.checkpoints import maybe_checkpoint
    from app.audit.export import plan_export, stream_export
    from app.audit.repository import EventFilters
    from app.audit.sealing import seal_pending
    from app.audit.signing import load_signing_key
    from app.auth.actor import Actor
    from app.core import audit
    from app.core.audit import Target

    await seal_pending(db)
    # Sign the head if it moved, so the end of the exported range can be anchored.
    await maybe_checkpoint(db, load_signing_key(settings), every=timedelta(0))
    filters = EventFilters(since=args.since, until=args.until)
    plan = await plan_export(db, filters, args.format)
    async with db.transaction() as session:
        await audit.record(
            session,
            actor=Actor.system(),
            action="audit.exported",
            target=Target("audit_log"),
            details={
                "via": "cli",
                "filters": filters.describe(),
                "format": args.format,
                "first_seq": plan.first_seq,
                "last_seq": plan.last_seq,
            },
        )
    # A command-line tool: blocking writes to the output are what we want here.
    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115, ASYNC230
    try:
        async for chunk in stream_export(db, plan):
            out.write(chunk)
    finally:
        if args.output:
            out.close()
        else:
            out.flush()
    return 0


async def _list_checkpoints(db: Any, args: argparse.Namespace, settings: Settings) -> int:
    from app.audit.checkpoints import all_checkpoints

    async with db.engine.connect() as conn:
        for checkpoint in await all_checkpoints(conn):
            sys.stdout.write(checkpoint.text() + "\n")
    return 0


async def _public_keys(db: Any, args: argparse.Namespace, settings: Settings) -> int:
    from app.audit.keys import key_validity

    async with db.engine.connect() as conn:
        keys = await key_validity(conn, settings)
    _print_keys(keys)
    return 0


def _print_keys(keys: list[Any], note: str | None = None) -> None:
    """Each key as a `#` line (its id, status and what it signed) over its PEM block: the
    whole output is a key file for `canet audit verify --file ... --public-key`."""
    if note:
        print(f"# {note}")
    for key in keys:
        print(f"# {key.describe()}")
        if key.public_key_pem:
            sys.stdout.write(key.public_key_pem)


def _print_public_keys(args: argparse.Namespace, settings: Settings) -> int:
    from app.audit.keys import configured_keys

    if getattr(args, "current", False):
        # Just the signing key's PEM, without the database (e.g. for openssl).
        sys.stdout.write(configured_keys(settings)[0].public_key_pem or "")
        return 0
    try:
        return _run_with_db(_public_keys, args, settings)
    except CommandError as exc:
        _print_keys(configured_keys(settings), note=f"what each key signed is unknown: {exc}")
        return 0


def _check_trusted_keys(settings: Settings) -> None:
    """A key in the configuration that cannot be read is one line, not a traceback."""
    from app.audit.signing import KeyFormatError, trusted_public_keys

    try:
        trusted_public_keys(settings)
    except (KeyFormatError, ValueError) as exc:
        raise CommandError(f"cannot read the audit keys: {exc}") from exc


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from app.audit.signing import generate_private_key_text

    command = args.audit_command
    if command == "checkpoint":
        return _run_with_db(_checkpoint, args, settings)
    if command == "verify":
        if args.file:
            return _verify_file(args)
        _check_trusted_keys(settings)
        return _run_with_db(_verify_database, args, settings)
    if command == "export":
        return _run_with_db(_export, args, settings)
    if command == "checkpoints":
        return _run_with_db(_list_checkpoints, args, settings)
    if command == "public-key":
        _check_trusted_keys(settings)
        return _print_public_keys(args, settings)
    if command == "generate-key":
        print(generate_private_key_text())
        return 0
    return 2


def _timestamp(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-11-29T00:00:00Z")
    return parsed


def register(commands: Any) -> None:
    audit = commands.add_parser("audit", help="the tamper-evident audit log")
    sub = audit.add_subparsers(dest="audit_command", required=True)
    sub.add_parser("checkpoint", help="seal pending entries and sign the chain head")
    verify = sub.add_parser(
        "verify", help="recompute the chain and check checkpoints (or an exported file)"
    )
    verify.add_argument(
        "--since-checkpoint", action="store_true", help="start from the latest valid checkpoint"
    )
    verify.add_argument("--file", help="verify an exported JSONL file offline")
    verify.add_argument(
        "--public-key",
        action="append",
        help="PEM public key file (canet audit public-key); repeat it, or give a file of "
        "several keys, to verify checkpoints of earlier signing keys",
    )
    verify.add_argument("--checkpoints", help="extra checkpoint text (canet audit checkpoints)")
    export = sub.add_parser("export", help="export sealed entries of a time window")
    export.add_argument("--since", type=_timestamp, help="ISO 8601 time, inclusive")
    export.add_argument("--until", type=_timestamp, help="ISO 8601 time, exclusive")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--output", "-o", help="write here instead of standard output")
    sub.add_parser("checkpoints", help="print every signed checkpoint")
    public_key = sub.add_parser(
        "public-key",
        help="print every checkpoint public key (PEM): the current one, then the previous "
        "ones, each with the checkpoints it signed",
    )
    public_key.add_argument(
        "--current", action="store_true", help="only the current key's PEM (no database)"
    )
    sub.add_parser("generate-key", help="print a new signing key for CANET_AUDIT_SIGNING_KEY")
    audit.set_defaults(handler=cmd_audit)

"""`canet cases ...`: the retention pass on demand (docs/retention.md)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from app.commands import CommandError, with_database
from app.config import Settings


def register(commands: Any) -> None:
    cases = commands.add_parser("cases", help="case-request channels: retention")
    sub = cases.add_subparsers(dest="cases_command", required=True)
    purge = sub.add_parser(
        "purge",
        help="purge files past retention and sweep the attachment storage now",
        description=(
            "Files of cases that ended more than their type's retention ago "
            "(CANET_CASES_RETENTION_YEARS, CANET_CASES_RETENTION_YEARS_BY_TYPE) and are not "
            "under a legal hold become tombstones; blobs of tombstones, blobs without a row "
            "and unfinished uploads older than CANET_CASES_ORPHAN_GRACE_HOURS are removed."
        ),
    )
    purge.add_argument(
        "--dry-run", action="store_true", help="list what would be purged and swept; change nothing"
    )
    purge.set_defaults(handler=_purge)


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from app.cases.purge import run_pass
    from app.cases.storage import storage_for
    from app.db import Database

    url, release = with_database(settings)

    async def go() -> int:
        database = Database(url, pool_size=2, max_overflow=0)
        try:
            report = await run_pass(database, storage_for(settings), dry_run=args.dry_run)
        finally:
            await database.dispose()
        if report is None:
            raise CommandError("a retention pass is running in another process; try later")
        verb = "would purge" if args.dry_run else "purged"
        for item in report.purged:
            print(
                f"{verb} {item.attachment_id} of {item.reference} ({item.case_type}, ended "
                f"{item.ended_at:%Y-%m-%d}, {item.size} bytes, retention {item.years} years)"
            )
        sweep = report.sweep
        verb = "would remove" if args.dry_run else "removed"
        for label, keys in (
            ("blob of a deleted file", sweep.tombstone_blobs),
            ("blob without an attachment row", sweep.orphans),
            ("unfinished upload", sweep.unfinished),
        ):
            for key in keys:
                print(f"{verb} {label}: {key}")
        print(
            f"{len(report.purged)} files {'to purge' if args.dry_run else 'purged'}; "
            f"{sweep.removed} blobs {'to remove' if args.dry_run else 'removed'}",
            file=sys.stderr,
        )
        return 0

    try:
        return asyncio.run(go())
    finally:
        release()

"""`canet directory ...`: import, export, seed the states' regions, remind stale entries."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from app.commands import with_database
from app.config import Settings

Action = Callable[[Any, argparse.Namespace, Settings], Awaitable[int]]


def register(commands: Any) -> None:
    directory = commands.add_parser("directory", help="the directory of central authorities")
    sub = directory.add_subparsers(dest="directory_command", required=True)

    imp = sub.add_parser("import", help="import a JSON or CSV file (all or nothing)")
    imp.add_argument("file", help="path of the file, or - for standard input")
    imp.add_argument("--format", choices=["json", "csv"], default=None)
    imp.add_argument("--entity", choices=["authorities", "requirement_sheets", "treaties"])
    imp.add_argument("--dry-run", action="store_true", help="validate only")
    imp.set_defaults(handler=_handler(_import))

    exp = sub.add_parser("export", help="export the directory (JSON, or one entity as CSV)")
    exp.add_argument("--format", choices=["json", "csv"], default="json")
    exp.add_argument("--entity", choices=["authorities", "requirement_sheets", "treaties"])
    exp.add_argument("-o", "--output", help="file to write (default: standard output)")
    exp.set_defaults(handler=_handler(_export))

    seed = sub.add_parser("seed", help="fill the states' UN M49 regions again (idempotent)")
    seed.set_defaults(handler=_handler(_seed))

    remind = sub.add_parser("remind-stale", help="remind focal points of stale entries now")
    remind.set_defaults(handler=_handler(_remind))


def _handler(action: Action) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        from app.db import Database

        url, release = with_database(settings)

        async def go() -> int:
            database = Database(url, pool_size=2, max_overflow=0)
            try:
                return await action(database, args, settings)
            finally:
                await database.dispose()

        try:
            return asyncio.run(go())
        finally:
            release()

    return run


async def _import(database: Any, args: argparse.Namespace, settings: Settings) -> int:
    from app.core.errors import ValidationFailed
    from app.directory import access, service
    from app.directory.exchange.formats import Format

    raw = (
        sys.stdin.buffer.read()
        if args.file == "-"
        else await asyncio.to_thread(Path(args.file).read_bytes)
    )
    fmt: Format = "json"
    if args.format == "csv" or (args.format is None and args.file.endswith(".csv")):
        fmt = "csv"
    try:
        async with database.transaction() as session:
            result = await service.import_directory(
                session,
                actor=access.operator(),
                raw=raw,
                format=fmt,
                entity=args.entity,
                dry_run=args.dry_run,
            )
    except ValidationFailed as exc:
        print(f"canet: {exc.detail}", file=sys.stderr)
        for problem in exc.errors or []:
            print(f"  {problem.get('field')}: {problem.get('message')}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=1))
    return 0


async def _export(database: Any, args: argparse.Namespace, settings: Settings) -> int:
    from app.directory import access, service

    async with database.transaction() as session:
        text = await service.export_directory(
            session, actor=access.operator(), format=args.format, entity=args.entity
        )
    if args.output:
        await asyncio.to_thread(Path(args.output).write_text, text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


async def _seed(database: Any, args: argparse.Namespace, settings: Settings) -> int:
    from app.directory.regions import fill_regions

    async with database.transaction() as session:
        count = await fill_regions(session)
    print(f"{count} states have a UN M49 region")
    return 0


async def _remind(database: Any, args: argparse.Namespace, settings: Settings) -> int:
    from app.directory.staleness import remind_stale

    async with database.transaction() as session:
        done = await remind_stale(session)
    print(
        f"reminded: {len(done.authorities)} authorities, {len(done.sheets)} sheets "
        "(their focal points are notified, by mail if they chose it)"
    )
    return 0

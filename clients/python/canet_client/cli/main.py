"""`canet-client`: the canet API from a shell, for people (tables) and scripts (--json).

Exit codes (scripts may rely on them):
  0  success
  1  usage: bad arguments, no or unreadable configuration
  2  authentication: sign-in refused, token no longer accepted (401)
  3  not found: missing, or not visible to you (404)
  4  refused: not allowed (403), conflict with the current state (409), invalid input
     (400, 413, 415, 422), position gone (410), folder locked by another sync
  5  server or network: 5xx, throttled (429), connection failures (after retries)
  6  integrity: a file's SHA-256 does not match the server's
  130 interrupted (Ctrl-C)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from canet_client import errors
from canet_client.auth import FileTokenStore
from canet_client.cli.config import Profile, load_profile
from canet_client.cli.output import (
    ProgressBar,
    plain,
    print_fields,
    print_json,
    print_table,
)
from canet_client.client import CanetClient
from canet_client.models import Case, CaseSummary, Event

if TYPE_CHECKING:
    from canet_client.aio import AsyncCanetClient

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_AUTH = 2
EXIT_NOT_FOUND = 3
EXIT_REFUSED = 4
EXIT_SERVER = 5
EXIT_INTEGRITY = 6
EXIT_INTERRUPTED = 130

TRANSITIONS = [
    "submit", "provide_information", "withdraw", "close", "acknowledge", "start_execution",
    "request_information", "report_delay", "execute", "execute_partially", "refuse", "postpone",
]  # fmt: skip


CASE_TYPES = [
    "mla", "extradition", "transfer_of_sentenced_persons", "transfer_of_proceedings",
    "confiscation", "other",
]  # fmt: skip


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, errors.IntegrityError):
        return EXIT_INTEGRITY
    if isinstance(exc, errors.ConfigurationError):
        return EXIT_USAGE
    if isinstance(exc, errors.Unauthorized):
        return EXIT_AUTH
    if isinstance(exc, errors.NotFound):
        return EXIT_NOT_FOUND
    if isinstance(
        exc,
        errors.Forbidden
        | errors.Conflict
        | errors.ValidationFailed
        | errors.BadRequest
        | errors.PayloadTooLarge
        | errors.UnsupportedMediaType
        | errors.Gone,
    ):
        return EXIT_REFUSED
    if isinstance(exc, errors.Throttled | errors.ServerError | errors.TransportError):
        return EXIT_SERVER
    if isinstance(exc, errors.CanetError):
        return EXIT_REFUSED if (exc.status or 0) < 500 else EXIT_SERVER
    return EXIT_SERVER


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class App:
    """One run of the command: the parsed arguments, the profile, the client."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.json: bool = args.json
        self._profile: Profile | None = None
        self._client: CanetClient | None = None

    @property
    def profile(self) -> Profile:
        if self._profile is None:
            a = self.args
            self._profile = load_profile(a.config, a.profile, base_url=a.url)
        return self._profile

    def client(self) -> CanetClient:
        if self._client is None:
            p = self.profile
            self._client = CanetClient(
                p.base_url, p.credentials(), timeout=p.timeout, verify=p.verify
            )
        return self._client

    def async_client(self) -> AsyncCanetClient:
        from canet_client.aio import AsyncCanetClient

        p = self.profile
        return AsyncCanetClient(p.base_url, p.credentials(), timeout=p.timeout, verify=p.verify)

    def progress(self, label: str) -> ProgressBar:
        enabled = None if self.args.progress is None else self.args.progress
        return ProgressBar(label, enabled=enabled)

    def info(self, message: str) -> None:
        if not self.args.quiet:
            print(message, file=sys.stderr)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


# --- commands ---------------------------------------------------------------------------------


def cmd_login(app: App) -> int:
    client = app.client()
    client.sign_in()
    me = client.me()
    if app.json:
        print_json(me)
    else:
        authority = me.authority.name if me.authority else "no authority"
        print(f"Signed in as {me.full_name} <{me.email}> ({authority}).")
    return EXIT_OK


def cmd_logout(app: App) -> int:
    profile = app.profile
    if profile.is_person:
        store = FileTokenStore(profile.token_cache)
        if store.load() is not None:
            # Already ended, or unreachable: forgetting the tokens is what matters.
            with contextlib.suppress(errors.Unauthorized, errors.TransportError):
                app.client().logout()
        store.clear()
    app.info("Signed out.")
    return EXIT_OK


def cmd_whoami(app: App) -> int:
    me = app.client().me()
    if app.json:
        print_json(me)
        return EXIT_OK
    print_fields(
        [
            ("name", me.full_name),
            ("email", me.email),
            ("handle", me.handle),
            ("roles", me.roles),
            ("authority", me.authority.name if me.authority else None),
            ("focal point", me.focal_point),
        ]
    )
    return EXIT_OK


def _case_rows(cases: Sequence[CaseSummary]) -> list[list[Any]]:
    return [
        [c.id, c.reference, c.status, c.type, c.urgency, c.due_date, c.overdue, c.title]
        for c in cases
    ]


CASE_HEADERS = ["id", "reference", "status", "type", "urgency", "due", "overdue", "title"]


def cmd_cases_list(app: App) -> int:
    a = app.args
    filters: dict[str, Any] = {
        "box": a.box,
        "status": a.status,
        "type": a.type,
        "urgency": a.urgency,
        "overdue": True if a.overdue else None,
    }
    cases = list(app.client().cases.list(max_items=a.limit, **filters))
    if app.json:
        print_json(cases)
    else:
        print_table(_case_rows(cases), CASE_HEADERS)
    return EXIT_OK


def _print_case(app: App, case: Case) -> None:
    if app.json:
        print_json(case)
        return
    print_fields(
        [
            ("id", case.id),
            ("reference", case.reference),
            ("title", case.title),
            ("type", case.type),
            ("status", case.status),
            ("your side", case.side),
            ("urgency", case.urgency),
            ("deadline", case.deadline),
            ("due", case.due_date),
            ("overdue", case.overdue),
            ("requesting", case.requesting_authority_id),
            ("requested", case.requested_authority_id),
            ("created", case.created_at),
            ("submitted", case.submitted_at),
            ("allowed actions", case.allowed_actions),
        ]
    )


def cmd_cases_show(app: App) -> int:
    _print_case(app, app.client().cases.get(app.args.case_id))
    return EXIT_OK


def _read_json_file(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
        return json.loads(text)
    except (OSError, ValueError) as exc:
        raise errors.ConfigurationError(f"cannot read JSON from {path}: {exc}") from exc


def cmd_cases_create(app: App) -> int:
    a = app.args
    data: dict[str, Any] = _read_json_file(a.file) if a.file else {}
    options = {
        "type": a.type,
        "requested_authority_id": a.to,
        "title": a.title,
        "summary": a.summary,
        "legal_basis": a.legal_basis,
        "offences": a.offence,
        "measures": a.measure,
        "languages": a.language,
        "urgency": "urgent" if a.urgent else None,
        "deadline": a.deadline,
        "deadline_reason": a.deadline_reason,
        "confidential": True if a.confidential else None,
        "requesting_reference": a.reference,
    }
    data.update({k: v for k, v in options.items() if v is not None})
    required = ("type", "requested_authority_id", "title", "legal_basis")
    missing = [k for k in required if k not in data]
    if missing:
        raise errors.ConfigurationError(
            "a case needs " + ", ".join(missing) + " (options or --file)"
        )
    case = app.client().cases.create(data, idempotency_key=a.idempotency_key)
    _print_case(app, case)
    return EXIT_OK


def cmd_cases_submit(app: App) -> int:
    a = app.args
    case = app.client().cases.submit(
        a.case_id, note=a.note, missing_essentials_reason=a.missing_essentials_reason
    )
    _print_case(app, case)
    return EXIT_OK


def cmd_cases_transition(app: App) -> int:
    a = app.args
    case = app.client().cases.transition(
        a.case_id,
        a.action,
        note=a.note,
        ground=a.ground,
        ground_text=a.ground_text,
        new_deadline=a.new_deadline,
        missing_essentials_reason=a.missing_essentials_reason,
    )
    _print_case(app, case)
    return EXIT_OK


def cmd_cases_message(app: App) -> int:
    a = app.args
    if a.body_file:
        body = sys.stdin.read() if a.body_file == "-" else Path(a.body_file).read_text()
    elif a.body:
        body = a.body
    else:
        raise errors.ConfigurationError("a message needs --body or --body-file")
    message = app.client().cases.post_message(
        a.case_id,
        body,
        kind="consultation" if a.consultation else None,
        handling_code=a.handling_code,
        handling_note=a.handling_note,
        idempotency_key=a.idempotency_key,
    )
    if app.json:
        print_json(message)
    else:
        print(f"Posted message {message.id} at {message.created_at:%Y-%m-%d %H:%M}.")
    return EXIT_OK


def cmd_cases_messages(app: App) -> int:
    messages = list(app.client().cases.messages(app.args.case_id))
    if app.json:
        print_json(messages)
    else:
        print_table(
            [
                [m.created_at, m.side, m.author_handle, m.kind, m.handling_code, m.body]
                for m in messages
            ],
            ["when", "side", "author", "kind", "code", "body"],
        )
    return EXIT_OK


def cmd_cases_attach(app: App) -> int:
    a = app.args
    client = app.client()
    done = []
    for name in a.files:
        path = Path(name)
        if not path.is_file():
            raise errors.ConfigurationError(f"no such file: {name}")
        bar = app.progress(path.name)
        try:
            attachment = client.cases.upload(
                a.case_id, path, handling_code=a.handling_code, progress=bar
            )
        finally:
            bar.close()
        done.append(attachment)
        if not app.json:
            print(
                f"{attachment.id}  {attachment.filename}  {attachment.size} bytes"
                f"  sha256 {attachment.sha256}"
            )
    if app.json:
        print_json(done)
    return EXIT_OK


def cmd_cases_attachments(app: App) -> int:
    items = app.client().cases.attachments(app.args.case_id)
    if app.json:
        print_json(items)
    else:
        print_table(
            [[x.id, x.filename, x.size, x.content_type, x.handling_code, x.sha256] for x in items],
            ["id", "filename", "size", "type", "code", "sha256"],
        )
    return EXIT_OK


def cmd_cases_download(app: App) -> int:
    a = app.args
    client = app.client()
    attachments = client.cases.attachments(a.case_id)
    if a.attachment_id:
        attachments = [x for x in attachments if x.id == a.attachment_id]
        if not attachments:
            raise errors.NotFound("No such attachment in this case.", status=404, title="Not found")
    if a.out and len(attachments) != 1:
        raise errors.ConfigurationError("--out names one file: give an attachment id, or --dir")
    folder = Path(a.dir or ".")
    results = []
    for attachment in attachments:
        target = Path(a.out) if a.out else folder / Path(attachment.filename).name
        bar = app.progress(attachment.filename)
        try:
            result = client.cases.download(a.case_id, attachment.id, target, progress=bar)
        finally:
            bar.close()
        results.append(
            {"attachment_id": attachment.id, "path": str(target), "size": result.size,
             "sha256": result.sha256}
        )  # fmt: skip
        if not app.json:
            print(f"{target}  {result.size} bytes  sha256 {result.sha256} (checked)")
    if app.json:
        print_json(results)
    return EXIT_OK


def cmd_cases_export(app: App) -> int:
    a = app.args
    data = app.client().cases.export_raw(a.case_id)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if a.out:
        Path(a.out).write_text(text)
        app.info(f"Wrote {a.out}.")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_cases_timeline(app: App) -> int:
    entries = app.client().cases.timeline(app.args.case_id)
    if app.json:
        print_json(entries)
    else:
        print_table(
            [[e.created_at, e.kind, e.action, e.from_status, e.to_status, e.actor_name, e.note]
             for e in entries],
            ["when", "kind", "action", "from", "to", "by", "note"],
        )  # fmt: skip
    return EXIT_OK


def _print_event(app: App, event: Event) -> None:
    if app.json:
        line = {"id": event.id, "event": event.event, "data": event.data}
        sys.stdout.write(json.dumps(line) + "\n")
    else:
        ids = " ".join(f"{k}={v}" for k, v in sorted(event.data.items()))
        sys.stdout.write(f"{event.id}\t{event.event}\t{ids}\n")
    sys.stdout.flush()


def cmd_events_tail(app: App) -> int:
    a = app.args
    if a.once:
        client = app.client()
        for event in client.events.follow(a.after, stop_when_idle=True):
            _print_event(app, event)
        return EXIT_OK

    async def tail() -> None:
        async with app.async_client() as client:
            async for event in client.events.stream(a.after, websocket=not a.no_websocket):
                _print_event(app, event)

    asyncio.run(tail())
    return EXIT_OK


def cmd_directory_find(app: App) -> int:
    a = app.args
    client = app.client()
    if a.requested_state or a.requesting_state:
        if not (a.requested_state and a.requesting_state and a.request_type):
            raise errors.ConfigurationError("the finder needs --from, --to and --request-type")
        answer = client.directory.find(
            requesting_state=a.requesting_state,
            requested_state=a.requested_state,
            request_type=a.request_type,
            measure=a.measure,
            urgent=True if a.urgent else None,
        )
        if app.json:
            print_json(answer)
            return EXIT_OK
        route = f"{answer.requesting_state.name} -> {answer.requested_state.name}"
        print(f"{route}, {answer.request_type}")
        print_table(
            [
                [
                    x.authority.get("id"),
                    x.authority.get("name"),
                    x.handles_request_type,
                    x.authority.get("id") == answer.recommended_authority_id,
                ]
                for x in answer.authorities
            ],
            ["id", "authority", "handles type", "recommended"],
        )
        for warning in answer.warnings:
            print(f"warning: {warning}")
        return EXIT_OK
    found = list(
        client.directory.search(
            max_items=a.limit, q=a.query, state=a.state, type=a.type, language=a.language
        )
    )
    if app.json:
        print_json(found)
    else:
        print_table(
            [[x.id, x.state_code, x.name, x.types, x.languages, x.email] for x in found],
            ["id", "state", "name", "types", "languages", "email"],
        )
    return EXIT_OK


def cmd_directory_show(app: App) -> int:
    authority = app.client().directory.get(app.args.authority_id)
    if app.json:
        print_json(authority)
        return EXIT_OK
    print_fields(
        [
            ("id", authority.id),
            ("name", authority.name),
            ("state", f"{authority.state_name} ({authority.state_code})"),
            ("types", authority.types),
            ("languages", authority.languages),
            ("channels", authority.channels),
            ("email", authority.email),
            ("phone", authority.phone),
            ("website", authority.website),
            ("address", authority.address),
            ("24/7 contact", authority.contact_24_7),
            ("last verified", authority.last_verified_at),
        ]
    )
    return EXIT_OK


def cmd_sync(app: App) -> int:
    from canet_client.mirror import Mirror

    a = app.args

    def progress(label: str) -> Callable[[int, int | None], None] | None:
        return app.progress(label) if a.progress else None

    async def run() -> dict[str, Any]:
        async with app.async_client() as client:
            mirror = Mirror(client, a.dir, log=app.info, progress=progress)
            report = await mirror.run(follow=a.follow, websocket=not a.no_websocket)
            return dict(plain(report.__dict__))

    report = asyncio.run(run())
    if app.json:
        print_json(report)
    else:
        app.info(
            f"{report['cases_written']} cases written, {report['cases_skipped']} already there, "
            f"{report['attachments_downloaded']} attachments downloaded."
        )
    return EXIT_OK


def cmd_keygen(app: App) -> int:
    from canet_client.service_account import (
        KeyFile,
        generate_key,
        jwk_thumbprint,
        load_private_key,
    )

    a = app.args
    if a.out.exists():
        raise errors.ConfigurationError(f"{a.out} exists already: keys are not overwritten")
    private, public = generate_key(a.algorithm)
    kid = a.kid or jwk_thumbprint(load_private_key(private))
    KeyFile(account_id=a.account_id, kid=kid, private_key=private).write(a.out)
    if app.json:
        print_json(
            {"key_file": str(a.out), "kid": kid, "algorithm": a.algorithm, "public_key": public}
        )
    else:
        app.info(
            f"Wrote the private key to {a.out} (owner-only), kid {kid}. Give this public key"
            " to your focal point (ServiceAccountKeyCreate.pem), then put the account's id in"
            " the key file or the profile (account_id):"
        )
        sys.stdout.write(public)
    return EXIT_OK


# --- the parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="canet-client",
        description="The canet API from a shell. Exit codes: 0 ok, 1 usage, 2 authentication, "
        "3 not found, 4 refused (forbidden, conflict, invalid), 5 server or network, "
        "6 digest mismatch.",
    )
    parser.add_argument("--config", type=Path, help="configuration file (CANET_CLIENT_CONFIG)")
    parser.add_argument("--profile", "-p", help="profile in it (CANET_PROFILE)")
    parser.add_argument("--url", help="server URL, overriding the profile's (CANET_URL)")
    parser.add_argument("--json", action="store_true", help="JSON output for scripts")
    parser.add_argument("--quiet", "-q", action="store_true", help="no messages on stderr")
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars on stderr (default: when stderr is a terminal)",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    commands.add_parser("login", help="sign in now and keep the tokens").set_defaults(
        handler=cmd_login
    )
    commands.add_parser("logout", help="end the session, forget the tokens").set_defaults(
        handler=cmd_logout
    )
    commands.add_parser("whoami", help="who the profile signs in as").set_defaults(
        handler=cmd_whoami
    )

    cases = commands.add_parser("cases", help="case-request channels").add_subparsers(
        dest="cases_command", required=True, parser_class=_Parser
    )
    p = cases.add_parser("list", help="the cases you take part in")
    p.add_argument("--box", choices=["incoming", "outgoing"])
    p.add_argument("--status", action="append", help="repeatable")
    p.add_argument("--type", action="append", help="repeatable")
    p.add_argument("--urgency", choices=["normal", "urgent"])
    p.add_argument("--overdue", action="store_true")
    p.add_argument("--limit", type=int, help="at most this many")
    p.set_defaults(handler=cmd_cases_list)

    p = cases.add_parser("show", help="one case")
    p.add_argument("case_id")
    p.set_defaults(handler=cmd_cases_show)

    p = cases.add_parser("create", help="open a draft case (options, or a JSON --file)")
    p.add_argument("--file", help="the case as JSON (POST /cases body); - for stdin")
    p.add_argument("--type", choices=CASE_TYPES)
    p.add_argument("--to", help="the requested authority's id")
    p.add_argument("--title")
    p.add_argument("--summary")
    p.add_argument("--legal-basis", help="untoc_art16, untoc_art18, treaty, reciprocity, other")
    p.add_argument("--offence", action="append", help="repeatable")
    p.add_argument("--measure", action="append", help="repeatable")
    p.add_argument("--language", action="append", help="ISO 639-1, repeatable")
    p.add_argument("--urgent", action="store_true")
    p.add_argument("--deadline", help="YYYY-MM-DD")
    p.add_argument("--deadline-reason")
    p.add_argument("--confidential", action="store_true")
    p.add_argument("--reference", help="your national reference")
    p.add_argument("--idempotency-key", help="the same key again returns the first case")
    p.set_defaults(handler=cmd_cases_create)

    p = cases.add_parser("submit", help="send a draft to the requested authority")
    p.add_argument("case_id")
    p.add_argument("--note")
    p.add_argument("--missing-essentials-reason", help="why it goes although drafting checks fail")
    p.set_defaults(handler=cmd_cases_submit)

    p = cases.add_parser("transition", help="take an action on a case")
    p.add_argument("case_id")
    p.add_argument("action", choices=TRANSITIONS)
    p.add_argument("--note")
    p.add_argument("--ground", help="refusal ground")
    p.add_argument("--ground-text")
    p.add_argument("--new-deadline", help="YYYY-MM-DD (report_delay, postpone)")
    p.add_argument("--missing-essentials-reason")
    p.set_defaults(handler=cmd_cases_transition)

    p = cases.add_parser("message", help="post a message")
    p.add_argument("case_id")
    p.add_argument("--body")
    p.add_argument("--body-file", help="markdown file; - for stdin")
    p.add_argument("--consultation", action="store_true", help="a consultation (art. 18(26))")
    p.add_argument("--handling-code", choices=["H0", "H1", "H2", "H3"])
    p.add_argument("--handling-note")
    p.add_argument("--idempotency-key")
    p.set_defaults(handler=cmd_cases_message)

    p = cases.add_parser("messages", help="a case's messages")
    p.add_argument("case_id")
    p.set_defaults(handler=cmd_cases_messages)

    p = cases.add_parser("attach", help="upload files (streamed, SHA-256 checked)")
    p.add_argument("case_id")
    p.add_argument("files", nargs="+")
    p.add_argument("--handling-code", choices=["H0", "H1", "H2", "H3"])
    p.set_defaults(handler=cmd_cases_attach)

    p = cases.add_parser("attachments", help="a case's files")
    p.add_argument("case_id")
    p.set_defaults(handler=cmd_cases_attachments)

    p = cases.add_parser("download", help="download one file, or all (SHA-256 checked)")
    p.add_argument("case_id")
    p.add_argument("attachment_id", nargs="?")
    p.add_argument("--out", help="file to write (one attachment)")
    p.add_argument("--dir", help="folder to write into (default: here)")
    p.set_defaults(handler=cmd_cases_download)

    p = cases.add_parser("export", help="the case file as JSON")
    p.add_argument("case_id")
    p.add_argument("--out", help="file to write (default: stdout)")
    p.set_defaults(handler=cmd_cases_export)

    p = cases.add_parser("timeline", help="status changes and receipts")
    p.add_argument("case_id")
    p.set_defaults(handler=cmd_cases_timeline)

    events = commands.add_parser("events", help="the event stream").add_subparsers(
        dest="events_command", required=True, parser_class=_Parser
    )
    p = events.add_parser("tail", help="print events as they come (--json: one JSON per line)")
    p.add_argument("--after", type=int, help="resume after this event id (default: from now)")
    p.add_argument("--once", action="store_true", help="stop when caught up")
    p.add_argument("--no-websocket", action="store_true", help="long-poll only")
    p.set_defaults(handler=cmd_events_tail)

    directory = commands.add_parser("directory", help="central authorities").add_subparsers(
        dest="directory_command", required=True, parser_class=_Parser
    )
    p = directory.add_parser(
        "find", help="search authorities, or --from/--to/--request-type for the finder"
    )
    p.add_argument("query", nargs="?")
    p.add_argument("--state", help="ISO 3166 alpha-3")
    p.add_argument("--type")
    p.add_argument("--language")
    p.add_argument("--limit", type=int)
    p.add_argument("--from", dest="requesting_state", help="finder: requesting state")
    p.add_argument("--to", dest="requested_state", help="finder: requested state")
    p.add_argument("--request-type", help="finder: mla, extradition ...")
    p.add_argument("--measure", help="finder: the measure asked for")
    p.add_argument("--urgent", action="store_true")
    p.set_defaults(handler=cmd_directory_find)

    p = directory.add_parser("show", help="one authority")
    p.add_argument("authority_id")
    p.set_defaults(handler=cmd_directory_show)

    p = commands.add_parser("sync", help="mirror your cases into a folder, incrementally")
    p.add_argument("--dir", required=True, type=Path)
    p.add_argument("--follow", action="store_true", help="keep following the event stream")
    p.add_argument("--no-websocket", action="store_true", help="follow by long-poll only")
    p.set_defaults(handler=cmd_sync)

    p = commands.add_parser("keygen", help="a new service-account key file and its public key")
    p.add_argument("--account-id", help="the account's id, once it is known")
    p.add_argument("--kid", help="the key's id (default: its RFC 7638 thumbprint, as canet)")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--algorithm", choices=["EdDSA", "ES256"], default="EdDSA")
    p.set_defaults(handler=cmd_keygen)
    return parser


def _report(app: App | None, exc: errors.CanetError) -> None:
    if app is not None and app.json:
        problem = {
            "type": exc.type,
            "title": exc.title,
            "status": exc.status,
            "detail": exc.detail,
            "errors": [{"field": e.field, "message": e.message} for e in exc.errors],
        }
        print(json.dumps({"error": problem}), file=sys.stderr)
    else:
        print(f"canet-client: {exc}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    app = App(args)
    try:
        return int(args.handler(app))
    except errors.CanetError as exc:
        _report(app, exc)
        return exit_code_for(exc)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    finally:
        app.close()


if __name__ == "__main__":
    sys.exit(main())

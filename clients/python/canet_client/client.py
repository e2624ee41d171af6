"""The synchronous client: `CanetClient` (httpx.Client underneath)."""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Generic, TypeVar

import httpx

from canet_client._common import EventCursor, case_create
from canet_client._engine import Plan, RetryPolicy, Session, SyncDriver, T
from canet_client._ops import Operations, PageFetch, transition_request
from canet_client.auth import Credentials
from canet_client.errors import Gone, ServerError, TransportError
from canet_client.models import (
    Attachment,
    Authority,
    AuthoritySummary,
    Case,
    CaseCreate,
    CaseExport,
    CaseSummary,
    Event,
    EventBatch,
    FinderAnswer,
    Me,
    Message,
    MessageCreate,
    Model,
    Participant,
    TimelineEntry,
)
from canet_client.transfer import CHUNK, DownloadSink, FileUpload, Progress

M = TypeVar("M", bound=Model)


@dataclass
class Download:
    """A finished download: where it went, its size and its checked SHA-256."""

    path: Path | None
    size: int
    sha256: str


class Paginator(Generic[M]):
    """Iterates over every item of a cursor-paginated list, fetching pages as needed."""

    def __init__(
        self, run: Callable[[Any], Any], fetch: PageFetch[M], max_items: int | None = None
    ) -> None:
        self._run = run
        self._fetch = fetch
        self.max_items = max_items

    def pages(self) -> Iterator[list[M]]:
        cursor: str | None = None
        while True:
            items, cursor = self._run(self._fetch(cursor))
            yield items
            if not cursor:
                return

    def __iter__(self) -> Iterator[M]:
        count = 0
        for page in self.pages():
            for item in page:
                if self.max_items is not None and count >= self.max_items:
                    return
                count += 1
                yield item


class _Resource:
    def __init__(self, client: CanetClient) -> None:
        self._client = client
        self._ops = client._ops
        self._run = client._run


class Cases(_Resource):
    """Case-request channels: your authority's incoming and outgoing cases."""

    def list(self, *, max_items: int | None = None, **filters: Any) -> Paginator[CaseSummary]:
        """Every case you take part in (filters: box, status, type, urgency, overdue ...)."""
        return Paginator(self._run, self._ops.list_cases(**filters), max_items)

    def get(self, case_id: str) -> Case:
        return self._run(self._ops.get_case(case_id))

    def create(
        self,
        data: CaseCreate | dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> Case:
        """Open a draft. Retries reuse one Idempotency-Key: the draft is created once."""
        return self._run(self._ops.create_case(case_create(data, **fields), idempotency_key))

    def update(self, case_id: str, **fields: Any) -> Case:
        return self._run(self._ops.update_case(case_id, fields))

    def transition(self, case_id: str, action: str, **fields: Any) -> Case:
        """Take an action (submit, acknowledge, refuse ...); see Case.allowed_actions."""
        return self._run(self._ops.transition(case_id, transition_request(action, **fields)))

    def submit(self, case_id: str, **fields: Any) -> Case:
        return self.transition(case_id, "submit", **fields)

    def messages(self, case_id: str, *, max_items: int | None = None) -> Paginator[Message]:
        return Paginator(self._run, self._ops.messages(case_id), max_items)

    def post_message(
        self,
        case_id: str,
        body: str,
        *,
        kind: str | None = None,
        handling_code: str | None = None,
        handling_note: str | None = None,
        idempotency_key: str | None = None,
    ) -> Message:
        data = MessageCreate(
            body=body,
            kind=kind,  # type: ignore[arg-type]
            handling_code=handling_code,  # type: ignore[arg-type]
            handling_note=handling_note,
        )
        return self._run(self._ops.post_message(case_id, data, idempotency_key))

    def attachments(self, case_id: str) -> builtins.list[Attachment]:
        return self._run(self._ops.attachments(case_id))

    def upload(
        self,
        case_id: str,
        source: str | Path | bytes | BinaryIO,
        *,
        filename: str | None = None,
        handling_code: str | None = None,
        progress: Progress | None = None,
    ) -> Attachment:
        """Stream a file up; raises IntegrityError unless the server's SHA-256 matches."""
        body = FileUpload(source, filename=filename, handling_code=handling_code, progress=progress)
        return self._run(self._ops.upload(case_id, body))

    def download(
        self,
        case_id: str,
        attachment_id: str,
        target: str | Path | BinaryIO,
        *,
        progress: Progress | None = None,
    ) -> Download:
        """Stream a file down to `target` (a path: written atomically once the SHA-256 the
        server reports matches; else IntegrityError and nothing written)."""
        policy = self._client._session.policy
        attempt = 0
        while True:
            response = self._run(self._ops.download(case_id, attachment_id))
            try:
                expected = response.headers.get("x-content-sha256")
                if not expected:
                    expected = self._run(self._ops.attachment(case_id, attachment_id)).sha256
                length = response.headers.get("content-length")
                sink = DownloadSink(
                    target,
                    expected_sha256=expected,
                    total=int(length) if length else None,
                    progress=progress,
                )
                try:
                    for chunk in response.iter_bytes(CHUNK):
                        sink.feed(chunk)
                    digest = sink.finish()
                except httpx.TransportError:
                    sink.abort()
                    if attempt + 1 >= policy.attempts or not isinstance(target, str | Path):
                        raise
                    attempt += 1
                    time.sleep(policy.delay(attempt))
                    continue
                except BaseException:
                    sink.abort()
                    raise
            finally:
                response.close()
            path = Path(target) if isinstance(target, str | Path) else None
            return Download(path=path, size=sink.received, sha256=digest)

    def timeline(self, case_id: str) -> builtins.list[TimelineEntry]:
        return self._run(self._ops.timeline(case_id))

    def participants(self, case_id: str) -> builtins.list[Participant]:
        return self._run(self._ops.participants(case_id))

    def export(self, case_id: str) -> CaseExport:
        """The case file: case, timeline, messages, attachments' digests, participants."""
        return self._run(self._ops.export(case_id))

    def export_raw(self, case_id: str) -> dict[str, Any]:
        """The case file as the JSON the server sent (every field, also future ones)."""
        return self._run(self._ops.export_raw(case_id))


class Directory(_Resource):
    """The directory of central authorities, and the finder."""

    def search(
        self, *, max_items: int | None = None, **filters: Any
    ) -> Paginator[AuthoritySummary]:
        """Authorities by q, state, type, language, region."""
        return Paginator(self._run, self._ops.search_authorities(**filters), max_items)

    def get(self, authority_id: str) -> Authority:
        return self._run(self._ops.authority(authority_id))

    def find(self, **query: Any) -> FinderAnswer:
        """Where to send a request: requesting_state, requested_state, request_type, ..."""
        return self._run(self._ops.finder(**query))


class Events(_Resource):
    """The event stream by long-poll (the async client also has the websocket stream)."""

    def poll(self, after: int | None = None, timeout: float = 25.0) -> EventBatch:
        return self._run(self._ops.poll_events(after, timeout))

    def follow(
        self, after: int | None = None, *, timeout: float = 25.0, stop_when_idle: bool = False
    ) -> Iterator[Event]:
        """Every event after `after` (None: from now on), each once, in order, forever (or
        until a poll comes back empty with stop_when_idle). A lost position yields a
        `stream.reset` event."""
        cursor = EventCursor(after)
        policy = self._client._session.policy
        failures = 0
        if cursor.last_id is None:
            cursor.advance(self.poll(None, 0).last_id)
        while True:
            try:
                batch = self.poll(cursor.last_id, 0 if stop_when_idle else timeout)
            except Gone as exc:
                yield cursor.reset(int(exc.extra.get("last_id", 0)), exc.code)
                continue
            except (TransportError, ServerError):
                failures += 1
                time.sleep(policy.delay(min(failures, 6)))
                continue
            failures = 0
            for event in batch.events:
                if cursor.accept(event):
                    yield event
            cursor.advance(batch.last_id)
            if stop_when_idle and not batch.events:
                return


class CanetClient:
    """The canet API, synchronously.

    with CanetClient(url, PersonCredentials(email, password, totp=prompt)) as client:
        for case in client.cases.list(box="incoming"):
            print(case.reference, case.status)
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None = None,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        http: httpx.Client | None = None,
    ) -> None:
        self._session = Session(base_url, credentials, retry)
        self._http = http or httpx.Client(
            timeout=timeout, headers=self._session.request_headers(), verify=verify
        )
        self._driver = SyncDriver(self._session, self._http)
        self._ops = Operations(self._session.policy)
        self.cases = Cases(self)
        self.directory = Directory(self)
        self.events = Events(self)

    def _run(self, plan: Plan[T]) -> T:
        return self._driver.run(plan)

    @property
    def base_url(self) -> str:
        return self._session.base_url

    def sign_in(self) -> None:
        """Sign in now (otherwise the first call does)."""
        credentials = self._session.credentials
        if credentials is None:
            from canet_client.errors import ConfigurationError

            raise ConfigurationError("this client has no credentials")
        self._session.adopt(self._driver.run(credentials.sign_in(self._session)))

    def me(self) -> Me:
        return self._run(self._ops.me())

    def logout(self) -> None:
        """End this session on the server (a person's sign-in)."""
        self._run(self._ops.logout())

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CanetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""The asynchronous client: `AsyncCanetClient` (httpx.AsyncClient underneath).

The same operations as `CanetClient` (both run the plans of _ops through _engine), awaited;
lists are async iterators, and `events.stream()` follows the websocket.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Generic, TypeVar

import httpx

from canet_client._common import case_create
from canet_client._engine import AsyncDriver, Bearer, Plan, RetryPolicy, Session, T
from canet_client._ops import Operations, PageFetch, transition_request
from canet_client.auth import Credentials
from canet_client.client import Download
from canet_client.errors import ConfigurationError
from canet_client.models import (
    Attachment,
    Authority,
    AuthoritySummary,
    Case,
    CaseCreate,
    CaseExport,
    CaseSummary,
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

if TYPE_CHECKING:
    from canet_client.events import EventStream

M = TypeVar("M", bound=Model)


class AsyncPaginator(Generic[M]):
    """`async for item in ...` over every item of a cursor-paginated list."""

    def __init__(
        self, run: Callable[[Any], Any], fetch: PageFetch[M], max_items: int | None = None
    ) -> None:
        self._run = run
        self._fetch = fetch
        self.max_items = max_items

    async def pages(self) -> AsyncIterator[list[M]]:
        cursor: str | None = None
        while True:
            items, cursor = await self._run(self._fetch(cursor))
            yield items
            if not cursor:
                return

    async def __aiter__(self) -> AsyncIterator[M]:
        count = 0
        async for page in self.pages():
            for item in page:
                if self.max_items is not None and count >= self.max_items:
                    return
                count += 1
                yield item

    async def collect(self) -> builtins.list[M]:
        return [item async for item in self]


class _Resource:
    def __init__(self, client: AsyncCanetClient) -> None:
        self._client = client
        self._ops = client._ops
        self._run = client._run


class AsyncCases(_Resource):
    """Case-request channels (see CanetClient.cases)."""

    def list(self, *, max_items: int | None = None, **filters: Any) -> AsyncPaginator[CaseSummary]:
        return AsyncPaginator(self._run, self._ops.list_cases(**filters), max_items)

    async def get(self, case_id: str) -> Case:
        return await self._run(self._ops.get_case(case_id))

    async def create(
        self,
        data: CaseCreate | dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> Case:
        return await self._run(self._ops.create_case(case_create(data, **fields), idempotency_key))

    async def update(self, case_id: str, **fields: Any) -> Case:
        return await self._run(self._ops.update_case(case_id, fields))

    async def transition(self, case_id: str, action: str, **fields: Any) -> Case:
        return await self._run(self._ops.transition(case_id, transition_request(action, **fields)))

    async def submit(self, case_id: str, **fields: Any) -> Case:
        return await self.transition(case_id, "submit", **fields)

    def messages(self, case_id: str, *, max_items: int | None = None) -> AsyncPaginator[Message]:
        return AsyncPaginator(self._run, self._ops.messages(case_id), max_items)

    async def post_message(
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
        return await self._run(self._ops.post_message(case_id, data, idempotency_key))

    async def attachments(self, case_id: str) -> builtins.list[Attachment]:
        return await self._run(self._ops.attachments(case_id))

    async def upload(
        self,
        case_id: str,
        source: str | Path | bytes | BinaryIO,
        *,
        filename: str | None = None,
        handling_code: str | None = None,
        progress: Progress | None = None,
    ) -> Attachment:
        body = FileUpload(source, filename=filename, handling_code=handling_code, progress=progress)
        return await self._run(self._ops.upload(case_id, body))

    async def download(
        self,
        case_id: str,
        attachment_id: str,
        target: str | Path | BinaryIO,
        *,
        progress: Progress | None = None,
    ) -> Download:
        policy = self._client._session.policy
        attempt = 0
        while True:
            response = await self._run(self._ops.download(case_id, attachment_id))
            try:
                expected = response.headers.get("x-content-sha256")
                if not expected:
                    meta = await self._run(self._ops.attachment(case_id, attachment_id))
                    expected = meta.sha256
                length = response.headers.get("content-length")
                sink = DownloadSink(
                    target,
                    expected_sha256=expected,
                    total=int(length) if length else None,
                    progress=progress,
                )
                try:
                    async for chunk in response.aiter_bytes(CHUNK):
                        sink.feed(chunk)
                    digest = sink.finish()
                except httpx.TransportError:
                    sink.abort()
                    if attempt + 1 >= policy.attempts or not isinstance(target, str | Path):
                        raise
                    attempt += 1
                    await asyncio.sleep(policy.delay(attempt))
                    continue
                except BaseException:
                    sink.abort()
                    raise
            finally:
                await response.aclose()
            path = Path(target) if isinstance(target, str | Path) else None
            return Download(path=path, size=sink.received, sha256=digest)

    async def timeline(self, case_id: str) -> builtins.list[TimelineEntry]:
        return await self._run(self._ops.timeline(case_id))

    async def participants(self, case_id: str) -> builtins.list[Participant]:
        return await self._run(self._ops.participants(case_id))

    async def export(self, case_id: str) -> CaseExport:
        return await self._run(self._ops.export(case_id))

    async def export_raw(self, case_id: str) -> dict[str, Any]:
        return await self._run(self._ops.export_raw(case_id))


class AsyncDirectory(_Resource):
    def search(
        self, *, max_items: int | None = None, **filters: Any
    ) -> AsyncPaginator[AuthoritySummary]:
        return AsyncPaginator(self._run, self._ops.search_authorities(**filters), max_items)

    async def get(self, authority_id: str) -> Authority:
        return await self._run(self._ops.authority(authority_id))

    async def find(self, **query: Any) -> FinderAnswer:
        return await self._run(self._ops.finder(**query))


class AsyncEvents(_Resource):
    async def poll(self, after: int | None = None, timeout: float = 25.0) -> EventBatch:  # noqa: ASYNC109
        return await self._run(self._ops.poll_events(after, timeout))

    def stream(
        self,
        after: int | None = None,
        *,
        websocket: bool = True,
        poll_timeout: float = 25.0,
    ) -> EventStream:
        """`async for event in client.events.stream(after=last_seen)`: each event once, in
        order, across reconnects; by websocket, falling back to long-poll."""
        from canet_client.events import EventStream

        return EventStream(self._client, after, websocket=websocket, poll_timeout=poll_timeout)


class AsyncCanetClient:
    """The canet API, asynchronously.

    async with AsyncCanetClient(url, ServiceAccountCredentials.from_key_file(p)) as client:
        async for case in client.cases.list(box="incoming"):
            print(case.reference)
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None = None,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._session = Session(base_url, credentials, retry)
        self._http = http or httpx.AsyncClient(
            timeout=timeout, headers=self._session.request_headers(), verify=verify
        )
        self._driver = AsyncDriver(self._session, self._http)
        self._ops = Operations(self._session.policy)
        self.cases = AsyncCases(self)
        self.directory = AsyncDirectory(self)
        self.events = AsyncEvents(self)

    async def _run(self, plan: Plan[T]) -> T:
        return await self._driver.run(plan)

    @property
    def base_url(self) -> str:
        return self._session.base_url

    @property
    def websocket_url(self) -> str:
        return self._session.websocket_url

    async def access_token(self, stale: str | None = None) -> str:
        """A usable access token (renewed if `stale` is the current one or it expires)."""

        def plan() -> Plan[str]:
            token = yield Bearer(stale)
            return str(token)

        return await self._driver.run(plan())

    async def sign_in(self) -> None:
        credentials = self._session.credentials
        if credentials is None:
            raise ConfigurationError("this client has no credentials")
        self._session.adopt(await self._driver.run(credentials.sign_in(self._session)))

    async def me(self) -> Me:
        return await self._run(self._ops.me())

    async def logout(self) -> None:
        await self._run(self._ops.logout())

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncCanetClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

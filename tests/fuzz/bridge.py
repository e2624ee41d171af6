"""A `requests` session whose requests are answered by the app in the test's own event loop.

Schemathesis sends its cases with `requests` and generates them with Hypothesis, both
synchronous. The app under test must run in the loop that owns the database engine (asyncpg
connections belong to one loop) and its background tasks. So the fuzzing runs in a worker
thread (`asyncio.to_thread`), and this adapter hands each prepared request to the app in the
test's loop (`run_coroutine_threadsafe`) through httpx's ASGI transport, then gives back the
raw bytes and headers exactly as the app sent them, for requests and Schemathesis to read
like any network answer.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
import requests
import urllib3
from requests.adapters import BaseAdapter, HTTPAdapter

BASE_URL = "http://testserver"
# Each request is answered in-process; a request that does not finish in this time is a
# hang, reported as such rather than waited on forever.
REQUEST_TIMEOUT = 120.0


class AppAdapter(BaseAdapter):
    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._client = client
        self._loop = loop
        self._builder = HTTPAdapter()
        self.requests_sent = 0

    async def _send(self, prepared: requests.PreparedRequest) -> tuple[int, str, list[Any], bytes]:
        body = prepared.body
        if isinstance(body, str):
            body = body.encode()
        assert body is None or isinstance(body, bytes), "requests prepares bodies as bytes"
        request = self._client.build_request(
            str(prepared.method),
            str(prepared.url),
            headers=[
                (name, value.decode("latin-1") if isinstance(value, bytes) else value)
                for name, value in prepared.headers.items()
            ],
            content=body,
        )
        response = await self._client.send(request, stream=True)
        try:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        finally:
            await response.aclose()
        return response.status_code, response.reason_phrase, response.headers.multi_items(), raw

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        self.requests_sent += 1
        future = asyncio.run_coroutine_threadsafe(self._send(request), self._loop)
        status, reason, headers, content = future.result(timeout=REQUEST_TIMEOUT)
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(content),
            headers=urllib3.HTTPHeaderDict(headers),
            status=status,
            reason=reason,
            version=11,
            preload_content=False,
            decode_content=True,
        )
        return self._builder.build_response(request, raw)

    def close(self) -> None:
        self._builder.close()


def app_session(adapter: AppAdapter) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy or netrc from the environment for an in-process app
    session.mount(BASE_URL, adapter)
    return session

"""One implementation of requests, sign-in and retries for the sync and the async client.

Every API call is written once as a *plan*: a generator that yields effects (send this
request, sleep, call the TOTP prompt, give me a bearer token) and receives their results.
`SyncDriver` and `AsyncDriver` perform the effects with httpx.Client / httpx.AsyncClient,
time.sleep / asyncio.sleep, a threading / asyncio lock. So retries, backoff, idempotency keys,
token refresh and problem+json mapping exist in one place only.
"""

from __future__ import annotations

import asyncio
import inspect
import random
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx

from canet_client.errors import (
    CanetError,
    ConfigurationError,
    TransportError,
    Unauthorized,
    error_from_response,
)

if TYPE_CHECKING:
    from canet_client.auth import Credentials, TokenState

T = TypeVar("T")
Plan = Generator["Effect", Any, T]

API_PREFIX = "/api/v1"
USER_AGENT = "canet-client/0.1"


class UploadBody(Protocol):
    """A request body streamed from a file: restartable for each attempt."""

    content_type: str
    length: int

    def restart(self) -> None: ...
    def __iter__(self) -> Iterator[bytes]: ...
    def __aiter__(self) -> AsyncIterator[bytes]: ...


@dataclass
class Call:
    """One HTTP call of the API, described without performing it."""

    method: str
    path: str  # under /api/v1, e.g. "/cases"
    params: dict[str, Any] | None = None
    json: Any = None
    # A form body; a callable is evaluated for each attempt (a fresh signed assertion).
    form: dict[str, str] | Callable[[], dict[str, str]] | None = None
    body: UploadBody | None = None
    headers: dict[str, str] = field(default_factory=dict)
    authenticated: bool = True
    # May be sent again although the server may have received it: reads, and creates that
    # carry an Idempotency-Key the server honours. Other writes are retried only when the
    # connection failed before the request went out.
    replayable: bool | None = None
    stream: bool = False
    timeout: float | None = None
    # On a 401, renew the token and try once more (not for logout: nothing left to end).
    reauthenticate: bool = True

    def __post_init__(self) -> None:
        if self.replayable is None:
            self.replayable = self.method.upper() in {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}

    @classmethod
    def create(cls, method: str, path: str, **kwargs: Any) -> Call:
        """A creating write: one Idempotency-Key for this logical call, reused by its retries."""
        key = kwargs.pop("idempotency_key", None) or str(uuid.uuid4())
        headers = {**kwargs.pop("headers", {}), "Idempotency-Key": key}
        replayable = kwargs.pop("replayable", True)
        return cls(method, path, headers=headers, replayable=replayable, **kwargs)

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("Idempotency-Key")


# --- effects ----------------------------------------------------------------------------------


@dataclass
class Send:
    """Send the request; the result is the httpx.Response (body unread when streaming)."""

    call: Call
    headers: dict[str, str]


@dataclass
class Sleep:
    seconds: float


@dataclass
class ReadBody:
    """Read (and close) a streamed response's body, e.g. to parse an error."""

    response: httpx.Response


@dataclass
class Prompt:
    """Call a user-supplied callback (a TOTP prompt); awaited if it returns an awaitable."""

    callback: Callable[[], str | Awaitable[str]]


@dataclass
class Bearer:
    """An access token that is not `stale` (signing in or refreshing as needed)."""

    stale: str | None = None


Effect = Send | Sleep | ReadBody | Prompt | Bearer


# --- retries ----------------------------------------------------------------------------------

# Failures where the request certainly did not reach the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures worth another attempt for a replayable request.
_TRANSIENT = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter, on connection failures and 503."""

    attempts: int = 4  # in all, the first one included
    base: float = 0.25  # seconds
    cap: float = 8.0  # longest backoff between two attempts
    max_retry_after: float = 60.0  # a longer Retry-After is not waited for: the error is raised

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        backoff = random.uniform(0, min(self.cap, self.base * (2**attempt)))
        if retry_after is not None:
            return max(retry_after, backoff)
        return backoff

    def may_retry_error(self, exc: Exception, call: Call, attempt: int) -> bool:
        if attempt + 1 >= self.attempts:
            return False
        if isinstance(exc, _NOT_SENT):
            return True
        return bool(call.replayable) and isinstance(exc, _TRANSIENT)

    def may_retry_status(self, response: httpx.Response, attempt: int) -> float | None:
        """The delay before another attempt after this answer, or None to give up."""
        from canet_client.errors import parse_retry_after

        if response.status_code != 503 or attempt + 1 >= self.attempts:
            return None
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if retry_after is not None and retry_after > self.max_retry_after:
            return None
        return self.delay(attempt, retry_after)


class CannotRenew(Unauthorized):
    """The credentials have no way to a new token (a static token)."""


def perform(call: Call, policy: RetryPolicy) -> Plan[httpx.Response]:
    """The request with its retries and its re-authentication on a 401; raises CanetError."""
    attempt = 0
    stale: str | None = None
    refused: CanetError | None = None
    while True:
        headers = dict(call.headers)
        token: str | None = None
        if call.authenticated:
            try:
                token = yield Bearer(stale)
            except CannotRenew:
                if refused is not None:
                    raise refused from None  # the server's own answer says more
                raise
            headers["Authorization"] = f"Bearer {token}"
        try:
            response: httpx.Response = yield Send(call, headers)
        except httpx.TransportError as exc:
            if policy.may_retry_error(exc, call, attempt):
                yield Sleep(policy.delay(attempt))
                attempt += 1
                continue
            raise TransportError(
                f"{call.method} {API_PREFIX}{call.path}: {type(exc).__name__}: {exc}",
                title="Connection failed",
                type="urn:canet-client:transport",
            ) from exc
        status = response.status_code
        if status == 401 and token is not None and call.reauthenticate and refused is None:
            # The token may have been revoked or expired early: renew it once and retry
            # (the server refused the request, so re-sending it creates nothing twice).
            yield ReadBody(response)
            stale, refused = token, error_from_response(response)
            continue
        wait = policy.may_retry_status(response, attempt)
        if wait is not None:
            yield ReadBody(response)
            yield Sleep(wait)
            attempt += 1
            continue
        if status >= 400:
            yield ReadBody(response)
            raise error_from_response(response)
        return response


def request_json(call: Call, policy: RetryPolicy) -> Plan[Any]:
    response = yield from perform(call, policy)
    if call.stream:
        yield ReadBody(response)
    if response.status_code == 204 or not response.content:
        return None
    return response.json()


# --- the shared client state ------------------------------------------------------------------


class Session:
    """What both drivers share: base URL, retry policy, credentials and the current token."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.policy = policy or RetryPolicy()
        self.tokens: TokenState | None = credentials.cached() if credentials else None

    def url(self, path: str) -> str:
        return f"{self.base_url}{API_PREFIX}{path}"

    @property
    def websocket_url(self) -> str:
        if self.base_url.startswith("https://"):
            return "wss://" + self.base_url[len("https://") :] + API_PREFIX + "/ws"
        if self.base_url.startswith("http://"):
            return "ws://" + self.base_url[len("http://") :] + API_PREFIX + "/ws"
        raise ConfigurationError(f"base URL must be http(s)://, not {self.base_url!r}")

    def usable_token(self, stale: str | None) -> str | None:
        """The current access token if it is fresh and not the one the server refused."""
        tokens = self.tokens
        if tokens is None or tokens.access_token == stale or tokens.expiring(time.time()):
            return None
        return tokens.access_token

    def renewal(self) -> Plan[TokenState]:
        if self.credentials is None:
            raise ConfigurationError("this client has no credentials: pass credentials=...")
        if self.tokens is not None:
            return self.credentials.renew(self, self.tokens)
        return self.credentials.sign_in(self)

    def adopt(self, tokens: TokenState) -> str:
        self.tokens = tokens
        if self.credentials is not None:
            self.credentials.store(tokens)
        return tokens.access_token

    def request_headers(self) -> dict[str, str]:
        return {"User-Agent": USER_AGENT, "Accept": "application/json"}


def _httpx_kwargs(session: Session, send: Send) -> dict[str, Any]:
    call = send.call
    kwargs: dict[str, Any] = {
        "method": call.method,
        "url": session.url(call.path),
        "params": {k: v for k, v in (call.params or {}).items() if v is not None},
        "headers": send.headers,
    }
    if call.json is not None:
        kwargs["json"] = call.json
    if call.form is not None:
        kwargs["data"] = call.form() if callable(call.form) else call.form
    if call.body is not None:
        call.body.restart()
        kwargs["headers"] = {
            **send.headers,
            "Content-Type": call.body.content_type,
            "Content-Length": str(call.body.length),
        }
    if call.timeout is not None:
        kwargs["timeout"] = httpx.Timeout(call.timeout + 10, connect=10)
    return kwargs


class SyncDriver:
    """Performs plans with a blocking httpx.Client."""

    def __init__(self, session: Session, http: httpx.Client) -> None:
        self.session = session
        self.http = http
        self._lock = threading.RLock()

    def run(self, plan: Plan[T]) -> T:
        value: Any = None
        error: Exception | None = None
        while True:
            try:
                effect = plan.throw(error) if error is not None else plan.send(value)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, error = None, None
            try:
                value = self._perform(effect)
            except Exception as exc:
                error = exc

    def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            kwargs = _httpx_kwargs(self.session, effect)
            body = effect.call.body
            timeout = kwargs.pop("timeout", httpx.USE_CLIENT_DEFAULT)
            request = self.http.build_request(
                content=iter(body) if body is not None else None, timeout=timeout, **kwargs
            )
            return self.http.send(request, stream=effect.call.stream)
        if isinstance(effect, Sleep):
            time.sleep(effect.seconds)
            return None
        if isinstance(effect, ReadBody):
            try:
                effect.response.read()
            finally:
                effect.response.close()
            return None
        if isinstance(effect, Prompt):
            result = effect.callback()
            if inspect.isawaitable(result):
                raise ConfigurationError("the synchronous client needs a synchronous callback")
            return result
        if isinstance(effect, Bearer):
            with self._lock:
                token = self.session.usable_token(effect.stale)
                if token is None:
                    token = self.session.adopt(self.run(self.session.renewal()))
                return token
        raise TypeError(f"unknown effect {effect!r}")


class AsyncDriver:
    """Performs plans with an httpx.AsyncClient."""

    def __init__(self, session: Session, http: httpx.AsyncClient) -> None:
        self.session = session
        self.http = http
        self._lock: asyncio.Lock | None = None

    async def run(self, plan: Plan[T]) -> T:
        value: Any = None
        error: Exception | None = None
        while True:
            try:
                effect = plan.throw(error) if error is not None else plan.send(value)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, error = None, None
            try:
                value = await self._perform(effect)
            except Exception as exc:
                error = exc

    async def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            kwargs = _httpx_kwargs(self.session, effect)
            body = effect.call.body
            timeout = kwargs.pop("timeout", httpx.USE_CLIENT_DEFAULT)
            request = self.http.build_request(
                content=body.__aiter__() if body is not None else None, timeout=timeout, **kwargs
            )
            return await self.http.send(request, stream=effect.call.stream)
        if isinstance(effect, Sleep):
            await asyncio.sleep(effect.seconds)
            return None
        if isinstance(effect, ReadBody):
            try:
                await effect.response.aread()
            finally:
                await effect.response.aclose()
            return None
        if isinstance(effect, Prompt):
            result = effect.callback()
            if inspect.isawaitable(result):
                result = await result
            return result
        if isinstance(effect, Bearer):
            if self._lock is None:
                self._lock = asyncio.Lock()
            token = self.session.usable_token(effect.stale)
            if token is not None:
                return token
            async with self._lock:
                # Whoever held the lock may have renewed it already: spend a refresh token once.
                token = self.session.usable_token(effect.stale)
                if token is None:
                    token = self.session.adopt(await self.run(self.session.renewal()))
                return token
        raise TypeError(f"unknown effect {effect!r}")

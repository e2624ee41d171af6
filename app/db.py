"""Database engine, the one-transaction-per-request session, and after-commit callbacks.

Every write path runs in one transaction: the request session commits once at the end of the
endpoint, before the response is sent, and only then runs the callbacks queued during the
request (events, emails). A rollback drops them, so no client hears of a change that did
not happen. Work done outside the database for a change that then rolls back (a file
already stored) is undone by the callbacks queued with `on_rollback`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections import namedtuple
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Result
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_, greenlet_spawn

from app.config import Settings
from app.core.embedded_pg import EmbeddedPostgres, EmbeddedPostgresMissing
from app.core.metrics import MeteredPool, meter_pool

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[None]]
_AFTER_COMMIT = "canet.after_commit"
_AFTER_ROLLBACK = "canet.after_rollback"
# Set on the session of a GET or HEAD request: where `read` may run outside a transaction.
_READS_ENGINE = "canet.reads_engine"
_SAFE_METHODS = frozenset({"GET", "HEAD"})


def plain_url(url: str) -> str:
    """`postgresql://...` whatever driver suffix the operator wrote (for asyncpg, psql)."""
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme.startswith(("postgres", "postgresql")) else parts.scheme
    return urlunsplit((scheme, *parts[1:]))


def sqlalchemy_url(url: str) -> str:
    return "postgresql+asyncpg" + plain_url(url)[len("postgresql") :]


def describe_url(url: str) -> str:
    """The URL without its password, for the log line that says which database is in use."""
    parts = urlsplit(plain_url(url))
    netloc = parts.netloc
    if "@" in netloc:
        creds, host = netloc.rsplit("@", 1)
        netloc = f"{creds.split(':', 1)[0]}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


class Database:
    """The engine and session factory of one process."""

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 20) -> None:
        self.url = plain_url(url)
        self.engine: AsyncEngine = create_async_engine(
            sqlalchemy_url(url),
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=False,
            # A database error's text otherwise carries the statement's parameters (message
            # bodies, password hashes, tokens) into every logged traceback.
            hide_parameters=True,
            connect_args={"server_settings": {"application_name": "canet", "timezone": "UTC"}},
            # The usual pool, also counting requests that wait for a connection (metrics).
            poolclass=MeteredPool,
        )
        meter_pool(self.engine)
        # The same pool; its connections send no BEGIN (see `read`).
        self.reads_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.sessionmaker = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False, autoflush=False
        )

    async def dispose(self) -> None:
        await self.engine.dispose()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work outside a request (CLI, background tasks): commit, then callbacks."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                discard_after_commit(session)
                await run_after_rollback(session)
                raise
        await run_after_commit(session)


def on_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` once the session's transaction has committed; never on rollback."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def on_rollback(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` if the session's transaction rolls back instead of committing."""
    session.info.setdefault(_AFTER_ROLLBACK, []).append(callback)


def discard_after_commit(session: AsyncSession) -> None:
    session.info.pop(_AFTER_COMMIT, None)


async def run_after_rollback(session: AsyncSession) -> None:
    callbacks: list[AfterCommit] = session.info.pop(_AFTER_ROLLBACK, [])
    for callback in callbacks:
        try:
            await callback()
        except Exception:
            # What it would have undone is left for the owner's own sweep to find.
            log.exception("after-rollback callback failed")


async def run_after_commit(session: AsyncSession) -> None:
    session.info.pop(_AFTER_ROLLBACK, None)
    callbacks: list[AfterCommit] = session.info.pop(_AFTER_COMMIT, [])
    for callback in callbacks:
        try:
            await callback()
        except Exception:
            # The change is committed; a failed notification must not turn it into an error.
            # Durable consumers (event table, mail queue) catch up on their own.
            log.exception("after-commit callback failed")


class Prepared:
    """A statement that a hot path runs on nearly every request, compiled once.

    Through SQLAlchemy a statement costs about 160-190 µs of CPU here, on asyncpg directly
    about 60 µs (a round trip's system calls are most of that). `read` runs a SELECT on the
    driver outside a transaction, `transactional` any statement inside the request's
    transaction once the driver is in it: the SQL compiled by the dialect (bind casts and
    all), its parameters in the compiled order, the rows as named tuples with the
    statement's column names. Otherwise it goes through SQLAlchemy like any statement.
    """

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._sql = ""
        self._binds: tuple[str, ...] = ()
        self._compiled: Any = None
        self._row: Any = None

    def _arguments(self, dialect: Any, params: dict[str, Any]) -> list[Any]:
        if self._compiled is None:
            compiled = self.statement.compile(dialect=dialect)
            prefetch = [*compiled.insert_prefetch, *compiled.update_prefetch]
            if prefetch:
                # Python-side defaults run only when SQLAlchemy executes a statement: here they
                # would be sent as NULL. The statement must spell those columns out.
                names = ", ".join(sorted(column.key for column in prefetch))
                raise TypeError(f"a prepared statement must set {names} itself")
            self._sql = str(compiled)
            self._binds = tuple(compiled.positiontup or ())
            self._compiled = compiled
        values = self._compiled.construct_params(params)
        return [values[name] for name in self._binds]

    def _rows(self, records: list[Any]) -> Rows:
        if not records:
            return Rows([])
        if self._row is None:
            self._row = namedtuple("Row", list(records[0].keys()))  # type: ignore[misc]
        make = self._row._make
        return Rows([make(record) for record in records])

    async def fetch(self, engine: AsyncEngine, params: dict[str, Any]) -> Rows | Result[Any]:
        """On a connection of `engine`'s pool of its own, outside any transaction (a read of
        a request that has not begun one), handed back as soon as the rows are in.

        The connection is taken from the pool itself, not through a SQLAlchemy Connection:
        half the CPU of a checkout and its return (30 against 68 µs here), paid once or twice
        by every GET. Its driver sends no BEGIN of its own (asyncpg runs each statement
        alone unless told otherwise), and the pool resets it on return as usual.
        """
        arguments = self._arguments(engine.dialect, params)
        pooled = await greenlet_spawn(engine.sync_engine.pool.connect)
        driver = pooled.driver_connection
        records = None
        try:
            if driver is not None and not driver.is_closed():
                records = await driver.fetch(self._sql, *arguments)
        except Exception:
            records = None  # runs again below, through SQLAlchemy
        except BaseException:  # cancelled during the statement: its state is unknown
            driver = None
            raise
        finally:
            if driver is None or driver.is_closed():
                await greenlet_spawn(pooled.invalidate)  # lost: never handed out again
            await greenlet_spawn(pooled.close)
        if records is None:
            # A read may run again: through SQLAlchemy, which meets the failure its own way.
            # A lost connection invalidates the pool (so the requests after it recover, as
            # the database outage tests expect), and errors come as its exceptions.
            async with engine.connect() as connection:
                return (await connection.execute(self.statement, params)).freeze()()
        return self._rows(records)

    async def fetch_in_transaction(
        self, connection: AsyncConnection, params: dict[str, Any]
    ) -> Rows | Result[Any]:
        driver = driver_in_transaction(connection.sync_connection)
        if driver is None:
            return await connection.execute(self.statement, params)
        arguments = self._arguments(connection.dialect, params)
        try:
            return self._rows(await driver.fetch(self._sql, *arguments))
        except Exception:
            if driver.is_closed():  # lost: SQLAlchemy invalidates the pool and raises
                return await connection.execute(self.statement, params)
            raise

    def fetch_in_transaction_sync(self, connection: Connection, params: dict[str, Any]) -> Any:
        """The same from synchronous code run by SQLAlchemy (a session event)."""
        driver = driver_in_transaction(connection)
        if driver is None:
            return connection.execute(self.statement, params)
        arguments = self._arguments(connection.dialect, params)
        try:
            return self._rows(await_(driver.fetch(self._sql, *arguments)))
        except Exception:
            if driver.is_closed():
                return connection.execute(self.statement, params)
            raise


def driver_in_transaction(connection: Connection | None) -> Any | None:
    """The asyncpg connection under `connection` if it is inside the transaction that
    SQLAlchemy's adapter began, else None.

    The adapter sends BEGIN just before its first statement, so a statement sent to the
    driver before that would run outside the transaction: only a driver whose adapter holds
    a transaction is handed out. That is the adapter's own state (`_transaction`); should it
    ever not be found, the answer is None and statements go through SQLAlchemy: slower,
    never outside the transaction.
    """
    if connection is None or connection.closed or connection.invalidated:
        return None
    adapter = connection.connection.dbapi_connection
    if getattr(adapter, "_transaction", None) is None:
        return None
    driver = getattr(adapter, "driver_connection", None)
    if driver is None or driver.is_closed():
        return None
    return driver


@dataclass(frozen=True, slots=True)
class Rows:
    """What a prepared statement answers outside SQLAlchemy: the part of a Result its
    callers use."""

    rows: list[Any]

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def one(self) -> Any:
        if len(self.rows) != 1:
            raise sa_exc.NoResultFound() if not self.rows else sa_exc.MultipleResultsFound()
        return self.rows[0]

    def all(self) -> list[Any]:
        return self.rows

    def scalars_all(self) -> list[Any]:
        return [row[0] for row in self.rows]


async def transactional(session: AsyncSession, prepared: Prepared, params: dict[str, Any]) -> Any:
    """A statement of the request's transaction (a write, or a read the write depends on),
    on the driver, the transaction begun there if it is the first (else through the session,
    see `_begin_on_driver`). Its errors are the driver's (asyncpg's), except a lost
    connection: SQLAlchemy's."""
    if not session.in_transaction() and not await _begin_on_driver(session):
        return await session.execute(prepared.statement, params)
    return await prepared.fetch_in_transaction(await session.connection(), params)


async def _begin_on_driver(session: AsyncSession) -> bool:
    """Begin the session's transaction and send its BEGIN on the driver now, rather than
    with a first statement through SQLAlchemy: on the reply path that statement's
    compilation and result handling cost about 0.1 ms of CPU (bench: post).

    SQLAlchemy's asyncpg adapter sends BEGIN lazily, before the first statement it runs; its
    own method for that is used here, under its lock, so the adapter knows the transaction
    and commits or rolls it back as usual. Should that method ever not be found, or BEGIN
    fail (a lost connection), the answer is False and the statement goes through SQLAlchemy,
    which begins the transaction itself and meets a failure its own way.
    """
    connection = await session.connection()
    adapter = connection.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
    start = getattr(adapter, "_start_transaction", None)
    lock = getattr(adapter, "_execute_mutex", None)
    if start is None or lock is None:
        return False
    try:
        async with lock:
            if getattr(adapter, "_transaction", None) is None:
                await start()
    except Exception:
        return False
    return driver_in_transaction(connection.sync_connection) is not None


async def read(session: AsyncSession, statement: Any, params: Any = None) -> Result[Any] | Rows:
    """A plain SELECT on a hot path of reading: outside any transaction while the request
    reads only, in the request's transaction once it has one.

    A GET that only reads used to pay BEGIN and COMMIT around its queries: two round trips
    of three for GET /me, a quarter of its CPU. Under READ COMMITTED every statement sees
    its own snapshot either way, and a plain SELECT takes no lock a transaction would keep,
    so a read that runs before the request has begun its transaction runs on a pooled
    connection that sends none, handed back as soon as the read is done. (Kept for the
    request's later reads, it deadlocked the pool under load: 2,000 members at once, each
    request holding its reads connection while waiting for one for its transaction.) Once
    the request has begun (it wrote, or read through the session), reads join its
    transaction and see its writes. Only for statements of columns (an ORM entity comes
    back as its bare first column outside the session); not for `SELECT ... FOR UPDATE`,
    nor for reads an audit entry must share a transaction with (case content): those use
    the session.
    """
    engine: AsyncEngine | None = session.info.get(_READS_ENGINE)
    prepared = statement if isinstance(statement, Prepared) else None
    if prepared is not None and (engine is None or session.in_transaction()):
        return await transactional(session, prepared, params or {})
    if engine is None or session.in_transaction():
        return await session.execute(prepared.statement if prepared else statement, params)
    # Never two connections at once for one request: see above.
    if prepared is not None:
        return await prepared.fetch(engine, params or {})
    async with engine.connect() as connection:
        # Its rows are read before the connection goes back.
        return (await connection.execute(statement, params)).freeze()()


async def get_session(request: Request) -> AsyncSession:
    """The request's session: committed once the endpoint returns, before the response is
    sent, so a client never gets a 2xx for a write that then fails to commit.

    A coroutine (a plain function would run in a thread), its end registered on FastAPI's
    stack of the endpoint's own scope (what `Depends(..., scope="function")` exits before
    sending the response). As a generator dependency it cost 6% of GET /me's instructions
    in FastAPI's machinery around generators (context managers, cancel scopes), for the
    same two steps.
    """
    database: Database = request.app.state.db
    session = database.sessionmaker()
    if request.method in _SAFE_METHODS:
        session.info[_READS_ENGINE] = database.reads_engine
    stack: contextlib.AsyncExitStack | None = request.scope.get(_ENDPOINT_STACK)
    if stack is None:
        raise RuntimeError(f"no {_ENDPOINT_STACK} in the request's scope: not a FastAPI route")
    stack.push_async_exit(functools.partial(_end_session, session))
    return session


async def _end_session(
    session: AsyncSession, failure: type[BaseException] | None, *_: object
) -> None:
    """Commit (or, if the endpoint failed, roll back), close, then run the after-commit
    callbacks. The endpoint's error, or the commit's, propagates."""
    try:
        try:
            # A session that never began (a GET answered from the actor cache and the reads
            # connection) has nothing to commit: that commit cost a fifth of such a request.
            if failure is None and session.in_transaction():
                await session.commit()
        except BaseException:
            await _abandon(session)
            raise
        if failure is not None:
            await _abandon(session)
            return
    finally:
        await session.close()
    await run_after_commit(session)


async def _abandon(session: AsyncSession) -> None:
    await session.rollback()
    discard_after_commit(session)
    await run_after_rollback(session)


# What FastAPI (0.121+) exits when the endpoint returns, before the response is sent.
_ENDPOINT_STACK = "fastapi_function_astack"
DbSession = Annotated[AsyncSession, Depends(get_session)]


# What says "the server cannot be reached or will not take us now", as opposed to a query that
# failed: these answer 503 (retry later), everything else stays a 500.
_UNAVAILABLE = (
    asyncpg.exceptions.PostgresConnectionError,  # SQLSTATE class 08, ConnectionDoesNotExist
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    sa_exc.TimeoutError,  # no pooled connection came free in time
)
_DRIVER_MODULES = ("asyncpg", "sqlalchemy")


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database is down, restarting or out of connections.

    The pool recovers by itself: a connection found dead is invalidated together with the
    pool, so the requests after the server is back open fresh connections.
    """
    current: BaseException | None = exc
    for _ in range(8):  # the driver wraps at most a few levels deep
        if current is None:
            return False
        if isinstance(current, _UNAVAILABLE):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, OSError) and _raised_in_driver(current):
            return True  # refused, reset, no socket, unknown host, timed out: while connecting
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return False


def _raised_in_driver(exc: BaseException) -> bool:
    # A refused connection from elsewhere (object storage, mail) is not the database's.
    traceback = exc.__traceback__
    while traceback is not None:
        module = str(traceback.tb_frame.f_globals.get("__name__", ""))
        if module.startswith(_DRIVER_MODULES):
            return True
        traceback = traceback.tb_next
    return False


def resolve_database(
    settings: Settings, *, create: bool = True
) -> tuple[str, EmbeddedPostgres | None]:
    """The database URL to use, starting the embedded server when none is configured.

    `create=False` never initialises a cluster: see EmbeddedPostgres.start.
    """
    if settings.database_url:
        return settings.database_url, None
    embedded = EmbeddedPostgres(settings.data_dir.expanduser())
    try:
        return embedded.start(create=create), embedded
    except EmbeddedPostgresMissing:
        embedded.release()  # stop the cluster if this call started it
        raise


# Set by `canet serve` for its workers, which receive the embedded server's URL as if it were
# configured: their log line still says which database is in use.
EMBEDDED_MARKER = "_CANET_DATABASE_IS_EMBEDDED"


def log_database_in_use(url: str, embedded: bool | Any) -> None:
    embedded = embedded or os.environ.get(EMBEDDED_MARKER) == "1"
    kind = "embedded PostgreSQL" if embedded else "PostgreSQL"
    log.info("database: %s at %s", kind, describe_url(url))

"""One async SQLAlchemy engine per service, correct on SQLite and PostgreSQL.

The same code must run on a SQLite file (the default) and on PostgreSQL. SQLite needs
help to be safe under concurrent requests: WAL so readers don't block the writer, a
busy timeout so writers wait instead of failing, and ``BEGIN IMMEDIATE`` so a
transaction that reads then writes cannot silently lose an update (Python's sqlite3
driver would otherwise start the transaction only at the first write). Read-only
sessions begin a plain deferred transaction instead: under WAL they never wait for a
writer or for each other, where ``BEGIN IMMEDIATE`` would queue every read behind the
write lock (and fail after the busy timeout under a burst of concurrent reads).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Any constant: the advisory lock that serialises schema creation in one database.
SCHEMA_LOCK_KEY = 7_340_211_001
# Execution option of the engine behind ``Database.session()`` (reads only).
READ_ONLY_OPTION = "service_read_only"


def async_database_url(url: str) -> str:
    """Map the sync URLs of the original design onto async drivers (aiosqlite, psycopg 3)."""
    parsed = make_url(url)
    scheme, _, driver = parsed.drivername.partition("+")
    if scheme == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if scheme in ("postgresql", "postgres"):
        driver = driver if driver in ("asyncpg", "psycopg") else "psycopg"
        return parsed.set(drivername=f"postgresql+{driver}").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database backend {scheme!r}")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC.

    SQLite stores no offset, so a plain ``DateTime(timezone=True)`` reads back naive there
    and aware on PostgreSQL; APIs that print timestamps would differ by backend.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def conflict_insert(session: AsyncSession, table: Table) -> Any:
    """``INSERT`` for the session's database that supports ``on_conflict_do_nothing/update``.

    Event handlers run concurrently, so "create the row unless it exists" must be one
    atomic statement, not a read then a write. PostgreSQL and SQLite share this API.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop the driver's own implicit BEGIN; we issue BEGIN IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    """The service's engine and session factory."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_database_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            options.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(
            self.engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
        )
        self._commit_listeners: list[Callable[[dict[Any, Any]], None]] = []

    def on_commit(self, listener: Callable[[dict[Any, Any]], None]) -> None:
        """Call ``listener(session.info)`` after every ``transaction()`` that committed.

        For side effects that must never announce what was rolled back (e.g. live pushes):
        the transaction's code leaves notes in ``session.info``, the listener acts on them.
        """
        self._commit_listeners.append(listener)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session:
            async with session.begin():
                yield session
            if self._commit_listeners and session.info:
                for listener in self._commit_listeners:
                    try:
                        listener(session.info)
                    except Exception:  # noqa: BLE001 - the commit stands; a listener's failure is only logged
                        log.exception("commit listener failed")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only (a deferred transaction on SQLite); writers use ``transaction()``."""
        async with self.read_sessions() as session:
            yield session

    async def create_schema(self, metadata: MetaData) -> None:
        async with self.engine.begin() as connection:
            if not self.is_sqlite:
                # Replicas starting together on an empty database would race in CREATE TABLE
                # (a unique violation in pg_type); the lock makes the second one wait and
                # then find the tables. SQLite's BEGIN IMMEDIATE already serialises this.
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            await connection.run_sync(metadata.create_all, checkfirst=True)

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - health reports, never raises
            log.warning("database ping failed", exc_info=True)
            return False

    def for_update(self) -> dict[str, Any]:
        """Arguments for ``select(...).with_for_update(**...)`` that skip rows another replica holds.

        SQLite has no row locks (BEGIN IMMEDIATE already serialises writers), so there it is empty.
        """
        return {} if self.is_sqlite else {"skip_locked": True}

    async def dispose(self) -> None:
        await self.engine.dispose()

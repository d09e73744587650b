"""Engines for SQLite (embedded default, WAL, one in-process writer) and PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

DEFAULT_SQLITE_FILE = "spenddown.db"

# docs/architecture.md "Measured choices": several SQLite writers relying on busy_timeout
# starve each other for seconds; one in-process writer lock is fair. One lock per database file.
_SQLITE_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def default_url() -> str:
    return f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_writer_lock(engine: Engine) -> threading.RLock:
    key = str(engine.url)
    with _LOCKS_GUARD:
        return _SQLITE_LOCKS.setdefault(key, threading.RLock())


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, future=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event emit the BEGIN, so that it can be IMMEDIATE.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # Take the write lock at the start: a transaction never upgrades from read to write
            # halfway (which SQLite answers with SQLITE_BUSY instead of waiting).
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No pre-ping: it costs a round trip per use case (a tenth of a clearance). A connection
    # the server dropped fails one request, and SQLAlchemy then discards the whole pool
    # (docs/operations.md); connections are also renewed hourly.
    return create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=3600, future=True
    )

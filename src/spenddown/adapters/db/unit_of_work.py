"""SQL unit of work: one transaction per use case, rolled back unless committed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from spenddown.adapters.db.engine import is_sqlite, sqlite_writer_lock
from spenddown.adapters.db.repo.base import reference_cache
from spenddown.adapters.db.repository import SqlRepository


class SqlUnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite_lock: threading.RLock | None = (
            sqlite_writer_lock(engine) if is_sqlite(engine) else None
        )
        self._connection: Connection | None = None
        self._depth = 0
        self._autocommit = False

    def __enter__(self) -> Self:
        if self._depth == 0:
            if self._sqlite_lock is not None:
                self._sqlite_lock.acquire()
            try:
                self._connection = self._engine.connect()
                if self._autocommit:
                    # Given back to the pool with its isolation level reset (client side).
                    self._connection.execution_options(isolation_level="AUTOCOMMIT")
                self._connection.begin()
            except BaseException:
                if self._sqlite_lock is not None:
                    self._sqlite_lock.release()
                raise
            self._repo = SqlRepository(self._connection, locking=not is_sqlite(self._engine))
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        try:
            self.rollback()
            assert self._connection is not None
            self._connection.close()
        finally:
            self._connection = None
            if self._sqlite_lock is not None:
                self._sqlite_lock.release()

    @contextmanager
    def autocommit(self) -> Iterator[Self]:
        """The block's statements each commit alone (PostgreSQL): no BEGIN and no COMMIT, two
        round trips fewer. For a use case whose reads need no snapshot in common (READ
        COMMITTED gives each statement its own anyway) and whose writes are each one statement
        that stands alone (a verification). SQLite, or a unit of work already entered: an
        ordinary transaction."""
        if is_sqlite(self._engine) or self._depth:
            with self:
                yield self
            return
        self._autocommit = True
        try:
            with self:
                yield self
        finally:
            self._autocommit = False

    @property
    def repo(self) -> SqlRepository:
        return self._repo

    def commit(self) -> None:
        assert self._connection is not None
        self._connection.commit()
        if self._repo.reference_written:  # an import: the other requests read the new tables
            reference_cache(self._engine).clear()

    def rollback(self) -> None:
        if self._connection is not None and self._connection.in_transaction():
            self._connection.rollback()

"""What the repository's aggregates share: the connection, time and month conversion, bulk
upserts, ``IN`` lists and transaction advisory locks (docs/architecture.md "Storage")."""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import ARRAY, JSON, Connection, Engine, Row, any_, bindparam
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from spenddown.domain.eligibility.model import BudgetUnitRole, Membership, Provider, ProviderType
from spenddown.domain.months import BenefitMonth


def _utc(value: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes: every stored time is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def provider_from_row(row: Row[Any]) -> Provider:
    return Provider(
        npi=row.npi,
        name=row.name,
        type=ProviderType(row.type),
        pin_hash=row.pin_hash,
        medi_cal_ffs=row.medi_cal_ffs,
        plans=tuple(row.plans),
        primary_networks=tuple(row.primary_networks),
        failed_attempts=row.failed_attempts,
        locked_until=_utc(row.locked_until),
    )


class ReferenceCache:
    """Reference tables (stored aid codes, plans) read at most once per ``SECONDS`` per
    process and database: a verification reads them on every request otherwise. A change made
    through this process (an import) empties the cache when it is written and again when it is
    committed; a change made by another process is seen within ``SECONDS``
    (docs/operations.md "Process-local state")."""

    SECONDS = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, tuple[float, Any]] = {}

    def get(self, name: str, load: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            found = self._values.get(name)
        if found is not None and found[0] > now:
            return found[1]
        value = load()
        with self._lock:
            self._values[name] = (now + self.SECONDS, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_REFERENCE_CACHES: weakref.WeakKeyDictionary[Engine, ReferenceCache] = weakref.WeakKeyDictionary()
_CACHES_GUARD = threading.Lock()


def reference_cache(engine: Engine) -> ReferenceCache:
    """The reference cache of one database (one engine)."""
    with _CACHES_GUARD:
        cache = _REFERENCE_CACHES.get(engine)
        if cache is None:
            cache = _REFERENCE_CACHES[engine] = ReferenceCache()
        return cache


# Keys per ``IN (...)`` list in bulk look-ups (SQLite allows 32,766 parameters).
_IN_CHUNK = 10_000


@lru_cache(maxsize=4096)
def _month(value: str) -> BenefitMonth:
    """Stored months are few and ``BenefitMonth`` is immutable: each is parsed once."""
    return BenefitMonth.parse(value)


# Transaction advisory locks (PostgreSQL) on values that have no row to lock yet: the first key
# names the kind of value, the second is the value's 32-bit hash (two values with the same hash
# merely wait for each other). PostgreSQL runs volatile functions of the select list after
# ORDER BY, so the locks of one statement are taken in hash order.
_CLAIM_ID_LOCKS = 24001
_IDEMPOTENCY_KEY_LOCKS = 24002
_AUTH_SUBJECT_LOCKS = 24003
_ADVISORY_LOCKS = sql_text(
    "SELECT pg_advisory_xact_lock(:kind, h)"
    " FROM (SELECT DISTINCT hashtext(v) AS h FROM unnest(CAST(:values AS text[])) AS v) AS hashes"
    " ORDER BY h"
)


class RepositoryBase:
    c: Connection
    _locking: bool

    def __init__(self, connection: Connection, *, locking: bool) -> None:
        self.c = connection
        self._locking = locking
        # Whether this transaction wrote a reference table (its reads then bypass the cache,
        # and the unit of work empties the cache after the commit).
        self.reference_written = False

    def _reference(self, name: str, load: Callable[[], Any]) -> Any:
        if self.reference_written:
            return load()
        return reference_cache(self.c.engine).get(name, load)

    def _reference_changed(self) -> None:
        self.reference_written = True
        reference_cache(self.c.engine).clear()

    def _upsert(self, table: Any, values: dict[str, Any], keys: list[str]) -> None:
        dialect = self.c.dialect.name
        stmt: Any = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(
            **values
        )
        changes = {k: v for k, v in values.items() if k not in keys}
        if changes:
            stmt = stmt.on_conflict_do_update(index_elements=keys, set_=changes)
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=keys)
        self.c.execute(stmt)

    @staticmethod
    def _membership(row: Row[Any]) -> Membership:
        return Membership(row.case_id, row.budget_unit, row.cin, BudgetUnitRole(row.role))

    def _upsert_many(
        self,
        table: Any,
        columns: tuple[str, ...],
        rows: list[tuple[Any, ...]],
        keys: tuple[str, ...],
        update_columns: tuple[str, ...] | None = None,
    ) -> None:
        """Insert ``rows`` (tuples of ``columns``), updating the rows whose natural key ``keys``
        exists (``update_columns``: default every column outside the key). Within ``rows`` the
        last row of a key wins, as if they were upserted one by one.

        PostgreSQL: ``COPY`` into a temporary table, then one ``INSERT … SELECT … ON CONFLICT DO
        UPDATE``. SQLite: one ``executemany`` of ``INSERT … ON CONFLICT DO UPDATE``. Both run in
        the caller's transaction."""
        if not rows:
            return
        key_of = itemgetter(*(columns.index(k) for k in keys))
        unique = list({key_of(row): row for row in rows}.values())
        if update_columns is None:
            update_columns = tuple(c for c in columns if c not in keys)
        if self.c.dialect.name == "postgresql":
            self._copy_upsert(table, columns, unique, keys, update_columns)
            return
        stmt: Any = sqlite_insert(table)
        if update_columns:
            stmt = stmt.on_conflict_do_update(
                index_elements=list(keys), set_={c: stmt.excluded[c] for c in update_columns}
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        self.c.execute(stmt, [dict(zip(columns, row, strict=True)) for row in unique])

    def _copy_upsert(
        self,
        table: Any,
        columns: tuple[str, ...],
        rows: list[tuple[Any, ...]],
        keys: tuple[str, ...],
        update_columns: tuple[str, ...],
    ) -> None:
        quote = self.c.dialect.identifier_preparer.quote
        target = quote(table.name)
        staging = quote(f"import_{table.name}")
        names = ", ".join(quote(c) for c in columns)
        if update_columns:
            assignments = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in update_columns)
            conflict = f"DO UPDATE SET {assignments}"
        else:
            conflict = "DO NOTHING"
        # The statements are built from the schema's own (quoted) names, never from data.
        create = f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS"
        columns_of = f"SELECT {names} FROM {target} WITH NO DATA"  # noqa: S608
        load = f"INSERT INTO {target} ({names}) SELECT {names} FROM {staging}"  # noqa: S608
        on_conflict = f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) {conflict}"
        # JSON columns go through COPY as their text; the few distinct values are encoded once.
        json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
        encoded: dict[Any, str] = {}
        driver = self.c.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            cursor.execute(f"{create} {columns_of}")
            with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
                write = copy.write_row
                if not json_at:
                    for row in rows:
                        write(row)
                for row in rows if json_at else ():
                    values = list(row)
                    for i in json_at:
                        text = encoded.get(values[i])
                        if text is None:
                            text = encoded[values[i]] = json.dumps(list(values[i]))
                        values[i] = text
                    write(values)
            cursor.execute(f"{load} {on_conflict}")
            cursor.execute(f"DROP TABLE {staging}")

    def _in_chunks(self, query: Any, column: Any, values: set[str]) -> Iterator[Row[Any]]:
        """The rows of ``query`` where ``column`` is one of ``values``, any number of them
        (``_one_of`` lists of at most ``_IN_CHUNK``)."""
        wanted = sorted(values)
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            yield from self.c.execute(query.where(self._one_of(column, chunk)))

    def _one_of(self, column: Any, values: list[str]) -> Any:
        """``column IN (values)``. On PostgreSQL one array parameter (``= ANY(:values)``):
        a thousand separate parameters cost more to bind than the query costs to run."""
        if self.c.dialect.name == "postgresql":
            return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
        return column.in_(values)

    def _advisory_locks(self, kind: int, values: list[str]) -> None:
        if self._locking and values:
            self.c.execute(_ADVISORY_LOCKS, {"kind": kind, "values": values})

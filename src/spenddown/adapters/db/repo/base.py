"""What the repository's aggregates share: the connection, time and month conversion, bulk
upserts, ``IN`` lists and transaction advisory locks (docs/architecture.md "Storage")."""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import ARRAY, JSON, Connection, Engine, Row, any_, bindparam
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.exc import InvalidRequestError

from spenddown.domain.eligibility.model import BudgetUnitRole, Membership, Provider, ProviderType
from spenddown.domain.months import BenefitMonth


def _utc(value: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes: every stored time is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def provider_from_row(row: Any) -> Provider:
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


_REQUIRED = object()


class _Compiled:
    """One statement compiled once for one dialect and one set of parameter names: its SQL,
    how to turn the caller's parameters into the driver's (SQLAlchemy's defaults and bind
    processors, in the order of the SQL) and its rows into tuples with SQLAlchemy's result
    processors (``RepositoryBase._run``)."""

    __slots__ = ("binds", "positional", "processors", "row", "sql", "types")

    def __init__(
        self, statement: Any, dialect: Dialect, keys: Sequence[str], *, many: bool = False
    ) -> None:
        compiled: Any = statement.compile(
            dialect=dialect, column_keys=sorted(keys), for_executemany=many
        )
        if (
            compiled.literal_execute_params
            or compiled.post_compile_params
            or compiled.insert_prefetch
            or compiled.update_prefetch
            or compiled.schema_translate_map
        ):
            # Expanding lists, literal parameters and Python-side column defaults are filled in
            # by SQLAlchemy's execution context at every execution: not on this path.
            raise ValueError(f"not a statement for the direct path: {compiled.string}")
        self.sql: str = compiled.string
        self.positional: bool = bool(compiled.positional)
        processors = compiled._bind_processors
        escaped = compiled.escaped_bind_names or {}
        by_name: dict[str, tuple[str, str, Any, bool, Any]] = {}
        for bind, name in compiled.bind_names.items():
            by_name[name] = (
                escaped.get(name, name) if not self.positional else name,
                bind.key,
                _REQUIRED if bind.required else bind.callable or bind.value,
                bool(bind.callable),
                processors.get(name),
            )
        if self.positional:
            order = [by_name[name] for name in compiled.positiontup]
        else:
            order = list(by_name.values())
        # (name sent, parameter key, default, default is callable, bind processor)
        self.binds = tuple(order)
        columns = compiled._result_columns
        self.types = tuple(column.type for column in columns)
        self.row: Any = namedtuple("Row", [c.keyname for c in columns]) if columns else None
        # Result processors need the driver's column types: set at the first execution.
        self.processors: tuple[Any, ...] | None = None

    def parameters(self, given: Mapping[str, Any]) -> Any:
        values = []
        for _, key, default, is_callable, process in self.binds:
            if key in given:
                value = given[key]
            elif default is _REQUIRED:
                raise InvalidRequestError(f"A value is required for bind parameter {key!r}")
            else:
                value = default() if is_callable else default
            values.append(value if process is None else process(value))
        if self.positional:
            return tuple(values)
        return {b[0]: v for b, v in zip(self.binds, values, strict=True)}

    def rows(self, cursor: Any, dialect: Dialect) -> list[Any]:
        if self.row is None:
            return []
        processors = self.processors
        if processors is None:
            # psycopg builds ``description`` (a column object per column) at every access:
            # read once per statement, with the processors, not at every execution.
            description = cursor.description
            if description is None:
                return []
            processors = self.processors = tuple(
                type_._cached_result_processor(dialect, column[1])
                for type_, column in zip(self.types, description, strict=True)
            )
        found = cursor.fetchall()
        make = self.row._make
        if not any(processors):
            return [make(row) for row in found]
        return [
            make(
                [
                    value if process is None else process(value)
                    for process, value in zip(processors, row, strict=True)
                ]
            )
            for row in found
        ]


# Per dialect (one engine each, or a few in tests), per statement and parameter names; an entry
# holds no reference to its dialect, so that it goes with its engine.
_COMPILED: weakref.WeakKeyDictionary[Dialect, dict[tuple[Any, ...], _Compiled]] = (
    weakref.WeakKeyDictionary()
)
_COMPILED_GUARD = threading.Lock()


def _compiled(
    statement: Any, dialect: Dialect, keys: tuple[str, ...], *, many: bool = False
) -> _Compiled:
    try:
        return _COMPILED[dialect][(statement, keys, many)]
    except KeyError:
        pass
    made = _Compiled(statement, dialect, keys, many=many)
    with _COMPILED_GUARD:
        _COMPILED.setdefault(dialect, {})[(statement, keys, many)] = made
    return made


class RepositoryBase:
    c: Connection
    _locking: bool

    def __init__(self, connection: Connection, *, locking: bool) -> None:
        self.c = connection
        self._locking = locking
        # Whether this transaction wrote a reference table (its reads then bypass the cache,
        # and the unit of work empties the cache after the commit).
        self.reference_written = False

    def _run(self, statement: Any, parameters: Mapping[str, Any] | None = None) -> list[Any]:
        """The one path of the hot statements (docs/architecture.md "Storage"): ``statement``
        (a Core statement built once, at import) compiled once per dialect, run on the
        driver's cursor (psycopg, sqlite3) and its rows returned as named tuples with the
        values SQLAlchemy's ``Connection.execute`` would give (its bind and result processors).
        SQLAlchemy's execution context costs about 100 µs of client CPU per statement, most of a
        hot statement's (docs/performance.md "What limits each target").

        Kept from ``Connection.execute``: the transaction begun as it would be (SQLAlchemy's
        autobegin, SQLite's ``BEGIN IMMEDIATE``), the ``before_cursor_execute`` and
        ``after_cursor_execute`` events, and driver errors raised as SQLAlchemy's
        (``IntegrityError``, ``OperationalError``…; a lost connection invalidates the pool
        as before)."""
        given = parameters or {}
        compiled = _compiled(statement, self.c.dialect, tuple(given))
        cursor = self._cursor()
        try:
            self.c._cursor_execute(cursor, compiled.sql, compiled.parameters(given))
            return compiled.rows(cursor, self.c.dialect)
        finally:
            cursor.close()

    def _run_many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        """``_run`` for many rows of one statement without RETURNING: one ``executemany``."""
        if not rows:
            return
        compiled = _compiled(statement, self.c.dialect, tuple(rows[0]), many=True)
        sql, many = compiled.sql, [compiled.parameters(r) for r in rows]
        c = self.c
        cursor = self._cursor()
        try:
            # Connection._cursor_execute for executemany (SQLAlchemy has none).
            if c._has_events or c.engine._has_events:
                for fn in c.dispatch.before_cursor_execute:
                    sql, many = fn(c, cursor, sql, many, None, True)
            c.dialect.do_executemany(cursor, sql, many, None)
            if c._has_events or c.engine._has_events:
                c.dispatch.after_cursor_execute(c, cursor, sql, many, None, True)
        except BaseException as error:
            c._handle_dbapi_exception(error, sql, many, cursor, None)
        finally:
            cursor.close()

    def _cursor(self) -> Any:
        """The driver's cursor, in the transaction ``Connection.execute`` would be in."""
        c = self.c
        transaction = c._transaction
        if transaction is None:
            c._autobegin()
        elif not transaction.is_active or (
            c._nested_transaction is not None and not c._nested_transaction.is_active
        ):
            c._invalid_transaction()
        return c.connection.dbapi_connection.cursor()  # type: ignore[union-attr]

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
    def _membership(row: Any) -> Membership:
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
            self._run(_ADVISORY_LOCKS, {"kind": kind, "values": values})

"""What one statement costs the client: the sign-in statement of the hot paths (the provider
with its NPI's standing) and ``SELECT 1``, each run through SQLAlchemy's ``Connection.execute``
and through psycopg's cursor with the SQL text and parameters SQLAlchemy sent, on one
PostgreSQL connection (docs/performance.md "What limits each target").

    python -m bench.statement_cost [N]

Prints wall and CPU microseconds per execution (the mean of N after 200 not counted). Not part
of ``make bench``: it explains a figure, it is not one."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, create_engine, event, text

from bench.common import postgres
from spenddown import bootstrap
from spenddown.adapters.db.repo import access


def _per_call(run: Callable[[], object], n: int) -> str:
    for _ in range(200):
        run()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return f"{wall / n * 1e6:6.0f} µs wall, {cpu / n * 1e6:5.0f} µs CPU"


def _as_sent(c: Connection, statement: Any, params: dict[str, Any]) -> tuple[str, Any]:
    """The SQL text and parameters SQLAlchemy hands psycopg for this statement."""
    sent: list[tuple[str, Any]] = []

    def note(_c: object, _cursor: object, sql: str, parameters: Any, *_: object) -> None:
        sent.append((sql, parameters))

    event.listen(c, "before_cursor_execute", note)
    try:
        c.execute(statement, params).first()
    finally:
        event.remove(c, "before_cursor_execute", note)
    return sent[0]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    now = datetime.now(UTC)
    params = {
        "npi": "1234567893",
        "address": "127.0.0.1",
        "since": now - timedelta(minutes=15),
        "trusted_since": now - timedelta(days=30),
    }
    sign_in = access._sign_in_statement(5, 20)
    one = text("SELECT 1")
    with postgres.postgres_server() as server:
        url = postgres.create_database(server, "spenddown_statement_cost")
        bootstrap.build(url).close()  # migrated
        engine = create_engine(url)
        with engine.connect() as c:
            cursor = c.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            for name, statement, values in (("sign-in", sign_in, params), ("SELECT 1", one, {})):
                sql, sent = _as_sent(c, statement, values)

                def through_psycopg(sql: str = sql, sent: Any = sent) -> object:
                    cursor.execute(sql, sent)
                    return cursor.fetchone()

                def through_sqlalchemy(statement: Any = statement, values: Any = values) -> object:
                    return c.execute(statement, values).first()

                print(f"{name:9} SQLAlchemy {_per_call(through_sqlalchemy, n)}", flush=True)
                print(f"{name:9} psycopg    {_per_call(through_psycopg, n)}", flush=True)
        engine.dispose()


if __name__ == "__main__":
    main()

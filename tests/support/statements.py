"""Counting the statements a use case sends (a SQLAlchemy ``before_cursor_execute``
listener): round trips are what the hot paths are measured by in tests, not timings
(docs/performance.md "Round trips per use case")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


class Statements:
    """The statements sent while counting, in order (their SQL text, first line)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        # Per statement, whether the driver was in autocommit (psycopg then sends no BEGIN and
        # no COMMIT around it: two round trips fewer than a transaction).
        self.autocommit: list[bool] = []

    def __len__(self) -> int:
        return len(self.sent)

    def __repr__(self) -> str:
        return "\n".join(self.sent)


@contextmanager
def counting(engine: Engine) -> Iterator[Statements]:
    """Every statement the engine sends inside the block (an ``executemany`` counts once: it
    is one round trip with insertmanyvalues)."""
    found = Statements()

    def note(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        found.sent.append(" ".join(statement.split())[:160])
        driver = conn.connection.dbapi_connection
        found.autocommit.append(bool(getattr(driver, "autocommit", False)))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", note)

"""Which (provider NPI, claim ID) keys are stored (``stored_claim_ids``, read once per chunk of
a batch and before every claim): the right keys, and found through the primary key's index, so
that its cost does not grow with the claims stored.

The bug this guards against: the look-up's condition named the claim ID alone (``claim_id =
ANY(:ids)``) after migration 0008 made the key (NPI, claim ID); the primary key's index leads
with the NPI, so every chunk read the whole table, and once psycopg prepared the statement
(its sixth execution) PostgreSQL tested each stored row against each key of the chunk: 50,000
claims stored in batches ran at a third of the rate of 20,000 (docs/performance.md, figure 4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, create_engine, event, insert, text

from spenddown import bootstrap
from spenddown.adapters.db import tables as t
from spenddown.adapters.db.repository import SqlRepository

STORED = 20_000  # rows enough that reading them all is never the planner's cheapest choice
NPIS = ("1000000004", "1000000012")


def _rows() -> list[dict[str, object]]:
    received = datetime(2026, 12, 1, tzinfo=UTC)
    return [
        {
            "claim_id": f"C-{i}",
            "provider_npi": NPIS[i % 2],
            "cin": "90000001A",
            "status": "paid",
            "medi_cal_paid_cents": 0,
            "member_owes_cents": 0,
            "received_at": received,
            "adjudication": {},
        }
        for i in range(STORED)
    ]


@pytest.fixture
def connection(database_url: str) -> Iterator[Connection]:
    bootstrap.build(database_url).close()  # migrated
    engine = create_engine(database_url)
    conn = engine.connect()
    conn.execute(insert(t.claims), _rows())
    conn.commit()
    if conn.dialect.name == "postgresql":
        conn.execute(text("ANALYZE claims"))
        conn.commit()
    try:
        yield conn
    finally:
        conn.close()
        engine.dispose()


def test_the_stored_keys_are_found_and_only_they(connection: Connection) -> None:
    repo = SqlRepository(connection, locking=False)
    # C-1 is stored under the second NPI only; C-2 under the first only.
    asked = [(NPIS[1], "C-1"), (NPIS[0], "C-1"), (NPIS[0], "C-2"), (NPIS[1], "C-2")]
    asked += [(NPIS[0], "C-999999"), (NPIS[1], "C-1")]  # unknown, and a key asked twice
    assert repo.stored_claim_ids(asked) == {(NPIS[1], "C-1"), (NPIS[0], "C-2")}
    assert repo.stored_claim_ids([]) == set()


def test_the_look_up_reads_by_the_primary_key_not_the_whole_table(
    connection: Connection,
) -> None:
    """On PostgreSQL, the rows this transaction read from ``claims`` by sequential scan
    (``pg_stat_xact_user_tables``) over ten look-ups of 20 keys: none, also once psycopg has
    prepared the statement. (With many keys the planner may rightly read the table once rather
    than probe the index per key: a cost bounded by the table, once per chunk.) On SQLite, the
    statement's plan searches the primary key."""
    repo = SqlRepository(connection, locking=False)
    keys = [(NPIS[0], f"C-{i}") for i in range(20)]  # the even ones stored, the odd not
    if connection.dialect.name == "postgresql":
        for _ in range(10):
            assert len(repo.stored_claim_ids(keys)) == 10
        read = connection.execute(
            text(
                "SELECT coalesce(seq_tup_read, 0), coalesce(idx_scan, 0)"
                " FROM pg_stat_xact_user_tables WHERE relname = 'claims'"
            )
        ).one()
        assert read[0] == 0, f"{read[0]} rows of claims read by sequential scan"
        assert read[1] > 0
    else:
        statements: list[tuple[str, object]] = []

        def note(
            _conn: object, _cursor: object, statement: str, params: object, *_: object
        ) -> None:
            statements.append((statement, params))

        event.listen(connection, "before_cursor_execute", note)
        try:
            assert len(repo.stored_claim_ids(keys)) == 10
        finally:
            event.remove(connection, "before_cursor_execute", note)
        [(statement, params)] = statements
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        details = " ".join(str(row[-1]) for row in plan)
        assert "SCAN claims" not in details, details
        assert "PRIMARY KEY" in details or "sqlite_autoindex_claims" in details, details


def test_a_claim_found_by_its_id_alone_reads_by_an_index(connection: Connection) -> None:
    """A county worker may name a claim by its ID alone (docs/api.md): the look-up reads by
    the claim-ID index (migration 0015), not every stored claim."""
    repo = SqlRepository(connection, locking=False)
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE claims"))
        for i in range(10):
            assert [c.provider_npi for c in repo.claims_with_id(f"C-{i}")] == [NPIS[i % 2]]
        read = connection.execute(
            text(
                "SELECT coalesce(seq_tup_read, 0) FROM pg_stat_xact_user_tables"
                " WHERE relname = 'claims'"
            )
        ).scalar_one()
        assert read == 0, f"{read} rows of claims read by sequential scan"
    else:
        plan = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT * FROM claims WHERE claim_id = ? ORDER BY provider_npi",
            ("C-1",),
        ).all()
        details = " ".join(str(row[-1]) for row in plan)
        assert "ix_claims_claim_id" in details, details

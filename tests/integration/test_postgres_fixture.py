"""The database fixtures give each test a fresh, empty, working database on both engines."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = sa.create_engine(database_url)
    yield engine
    engine.dispose()


def test_database_is_fresh_and_usable(engine: Engine, database_url: str) -> None:
    # Same table name on every parametrization: a reused database would already have it.
    assert sa.inspect(engine).get_table_names() == []

    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE fixture_probe (id INTEGER PRIMARY KEY, note TEXT)"))
        conn.execute(
            sa.text("INSERT INTO fixture_probe (id, note) VALUES (:id, :note)"),
            [{"id": 1, "note": "one"}, {"id": 2, "note": "two"}],
        )
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, note FROM fixture_probe ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "one"), (2, "two")]

    backend = make_url(database_url).get_backend_name()
    assert engine.dialect.name == backend
    if backend == "postgresql":
        with engine.connect() as conn:
            version = conn.execute(sa.text("SHOW server_version_num")).scalar_one()
            current = conn.execute(sa.text("SELECT current_database()")).scalar_one()
        assert int(version) >= 130000
        assert current == make_url(database_url).database
    else:
        assert backend == "sqlite"
        database = make_url(database_url).database
        assert database not in (None, "", ":memory:")


@pytest.mark.postgres
def test_postgres_databases_are_distinct(
    postgres_url: str, make_postgres_database: Callable[[], str]
) -> None:
    other_url = make_postgres_database()
    assert make_url(other_url).database != make_url(postgres_url).database

    engines = {url: sa.create_engine(url) for url in (postgres_url, other_url)}
    try:
        for engine in engines.values():
            with engine.begin() as conn:
                conn.execute(sa.text("CREATE TABLE same_name (v TEXT)"))
        for url, engine in engines.items():
            with engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO same_name VALUES (:v)"), {"v": url})
        for url, engine in engines.items():
            with engine.connect() as conn:
                seen = conn.execute(sa.text("SELECT v FROM same_name")).scalars().all()
                current = conn.execute(sa.text("SELECT current_database()")).scalar_one()
            assert seen == [url]
            assert current == make_url(url).database
    finally:
        for engine in engines.values():
            engine.dispose()

"""Shared fixtures: a fresh, empty database per test, on SQLite and on PostgreSQL.

- ``database_url`` (parametrized ``sqlite`` / ``postgresql``): the URL of a new, empty database.
- ``sqlite_url`` / ``postgres_url``: the same for a single engine.
- ``make_postgres_database``: a factory for tests that need more than one PostgreSQL database.
- ``postgres_server_url`` (session): the server those databases live on. It is a throw-away
  cluster the tests start themselves, or the server ``SPENDDOWN_TEST_POSTGRES_URL`` names;
  without either, PostgreSQL tests fail (never skip). See ``tests/support/postgres.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support import postgres
from support.world import World, make_world


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """``postgresql+psycopg://postgres@127.0.0.1:PORT/postgres`` (one server per xdist worker)."""
    with postgres.postgres_server() as url:
        yield url


@pytest.fixture
def make_postgres_database(postgres_server_url: str) -> Iterator[Callable[[], str]]:
    """Call it to create another new, empty PostgreSQL database; all are dropped afterwards."""
    created: list[str] = []

    def make() -> str:
        url = postgres.create_database(postgres_server_url)
        created.append(url)
        return url

    yield make
    for url in reversed(created):
        postgres.drop_database(postgres_server_url, url)


@pytest.fixture
def postgres_url(make_postgres_database: Callable[[], str]) -> str:
    """A new, empty PostgreSQL database of its own, dropped after the test."""
    return make_postgres_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A new, empty SQLite database file in the test's temporary directory."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """A new, empty database, once on SQLite and once on PostgreSQL."""
    # Looked up lazily so that SQLite-only runs (e.g. ``-m "not postgres"``) start no server.
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    """The small world of ``tests/support/world.py`` on each engine."""
    made = make_world(database_url)
    yield made
    made.app.close()

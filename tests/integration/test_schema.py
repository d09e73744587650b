"""The migrations and ``adapters/db/tables.py`` describe the same schema: a database migrated
to the head has every table, column (with its type), index and key of the metadata, and
nothing else (Alembic's autogenerate comparison), on both engines. An index added to one and
not the other (migration 0015's, say) fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from spenddown import bootstrap
from spenddown.adapters.db import tables as t


def test_the_migrated_schema_is_the_tables_module(database_url: str) -> None:
    bootstrap.build(database_url).close()  # migrated to the head
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, t.metadata)
    finally:
        engine.dispose()
    assert differences == []

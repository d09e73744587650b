"""The baseline of the figures over HTTP: a bare FastAPI app with one endpoint doing one indexed
read (a member by CIN, SQLAlchemy Core) on the same database, served by uvicorn with the same
options as ``spenddown serve`` (``app.server_options()``: one worker, uvloop, httptools) and its
heap frozen once built, as ``spenddown serve`` does (``app.freeze_startup_heap``).

    python -m bench.bare_app --url DATABASE_URL --port PORT [--pool-size N]

The endpoint is a plain ``def`` like the real routes (it runs in the same thread pool). On
PostgreSQL the engine is ``make_engine``'s; on SQLite it has the same pragmas (WAL,
``synchronous=FULL``, ``busy_timeout``) but a read takes no write lock (a WAL reader needs none,
and the real app takes one only because its use cases write)."""

from __future__ import annotations

import argparse
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import make_url

from spenddown.adapters.db import tables
from spenddown.adapters.db.engine import make_engine

PATH = "/bare/members/{cin}"


def engine_for(url: str, pool_size: int) -> Engine:
    if make_url(url).get_backend_name() != "sqlite":
        return make_engine(url, pool_size=pool_size)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=pool_size,
        max_overflow=pool_size,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def create_bare_app(url: str, pool_size: int) -> FastAPI:
    engine = engine_for(url, pool_size)
    members = tables.members
    api = FastAPI()

    @api.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @api.get(PATH)
    def member(cin: str) -> JSONResponse:
        with engine.connect() as connection:
            row = connection.execute(
                select(members.c.cin, members.c.bic_issue_date).where(members.c.cin == cin)
            ).first()
        if row is None:
            raise HTTPException(404)
        return JSONResponse({"cin": row.cin[-4:], "bic_issue_date": str(row.bic_issue_date)})

    return api


def main() -> None:
    import uvicorn

    from spenddown.entrypoints.api.app import freeze_startup_heap, server_options

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pool-size", type=int, default=10)
    args = parser.parse_args()
    api = create_bare_app(args.url, args.pool_size)
    freeze_startup_heap()  # as ``spenddown serve`` does
    uvicorn.run(
        api,
        host="127.0.0.1",
        port=args.port,
        **server_options(),
    )


if __name__ == "__main__":
    main()

"""Wiring: one place that builds the engine, the unit-of-work factory and the environment
(clock, PIN hasher, identifiers) that the entrypoints hand to the use cases."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from spenddown.adapters.db.engine import default_url, make_engine
from spenddown.adapters.db.unit_of_work import SqlUnitOfWork
from spenddown.adapters.system import Argon2PinHasher, SystemClock, UlidIds
from spenddown.services.ports import Clock, Env, PinHasher, UnitOfWork


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get("SPENDDOWN_DATABASE_URL") or default_url()


def pin_pepper() -> str | None:
    """The key PINs are peppered with: ``SPENDDOWN_SECRET_KEY`` when it is set (the CLI and the
    server must hash alike); None without one (development: plain Argon2, docs/operations.md)."""
    key = os.environ.get("SPENDDOWN_SECRET_KEY", "")
    return key if len(key) >= 32 else None


@dataclass
class App:
    url: str
    engine: Engine
    env: Env

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.engine)

    @property
    def uow_factory(self) -> Callable[[], UnitOfWork]:
        return self.uow

    def close(self) -> None:
        self.engine.dispose()


def build(
    url: str | None = None,
    *,
    migrate: bool = True,
    clock: Clock | None = None,
    pins: PinHasher | None = None,
    pool_size: int = 10,
) -> App:
    resolved = database_url(url)
    if migrate:
        from spenddown.adapters.db.migrate import upgrade  # Alembic loads slowly: only when used

        upgrade(resolved)
    env = Env(
        clock=clock or SystemClock(),
        pins=pins or Argon2PinHasher(pepper=pin_pepper()),
        ids=UlidIds(),
    )
    return App(resolved, make_engine(resolved, pool_size=pool_size), env)

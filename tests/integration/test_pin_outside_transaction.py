"""The slow PIN hash (Argon2) runs outside the use case's transaction: it holds no database
connection and, on SQLite, not the one writer lock (``services.common.pin_checked_outside``).
A remembered verdict, right or wrong, is reused; every wrong try still counts. Both engines."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher

from spenddown import bootstrap
from spenddown.adapters.system import Argon2PinHasher, CachedPinVerifier
from spenddown.domain.errors import AuthenticationFailed
from spenddown.services import providers
from support.world import PHYSICIAN, FixedClock, World, base_dataset


class Watched(Argon2PinHasher):
    """The slow hash (with the fast test parameters), noting how many database connections
    were checked out at each check."""

    def __init__(self) -> None:
        super().__init__(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        self.app: bootstrap.App | None = None
        self.checked_out: list[int] = []

    def verify(self, pin_hash: str, pin: str) -> bool:
        assert self.app is not None
        self.checked_out.append(self.app.engine.pool.checkedout())
        return super().verify(pin_hash, pin)


@pytest.fixture
def watched(database_url: str) -> tuple[World, Watched]:
    slow = Watched()
    app = bootstrap.build(database_url, clock=FixedClock(), pins=CachedPinVerifier(slow, "k" * 32))
    slow.app = app
    world = World(app, app.env.clock)  # type: ignore[arg-type]
    world.load(base_dataset())
    return world, slow


def test_argon2_runs_with_no_connection_held_and_once_per_pin(
    watched: tuple[World, Watched],
) -> None:
    world, slow = watched
    slow.checked_out.clear()  # the import hashed the PINs
    world.verify()
    world.verify()
    world.clear("100.00")
    assert slow.checked_out == [0]  # one Argon2 check, with no connection checked out


def test_a_remembered_wrong_pin_is_still_counted_until_the_lockout(
    watched: tuple[World, Watched],
) -> None:
    world, slow = watched
    slow.checked_out.clear()
    for _ in range(5):
        with pytest.raises(AuthenticationFailed) as wrong:
            providers.authenticate(PHYSICIAN[0], "0000", world.app.uow(), world.app.env)
        assert wrong.value.code == "INVALID_CREDENTIALS"
    assert slow.checked_out == [0]  # the wrong PIN was hashed once, outside a transaction
    with pytest.raises(AuthenticationFailed) as locked:
        providers.authenticate(*PHYSICIAN, world.app.uow(), world.app.env)
    assert locked.value.code == "PIN_LOCKED"  # the 5 tries counted; no hash for a locked NPI
    assert slow.checked_out == [0]


class Slow(Watched):
    """Argon2 that takes long enough for eight first requests to overlap."""

    def verify(self, pin_hash: str, pin: str) -> bool:
        time.sleep(0.3)
        return super().verify(pin_hash, pin)


def test_an_office_sending_eight_first_requests_at_once_is_not_locked_out(
    database_url: str,
) -> None:
    """Each first check of a PIN is counted (pending) before Argon2 runs, so that concurrent
    guesses never get more hashes than tries left. Eight right-PIN requests at once then hold
    more pending tries than the five a window allows: the later ones wait for the earlier to
    settle instead of being refused PIN_LOCKED (ci: 2 of 8 were, on a loaded machine)."""
    slow = Slow()
    app = bootstrap.build(database_url, clock=FixedClock(), pins=CachedPinVerifier(slow, "k" * 32))
    slow.app = app
    world = World(app, app.env.clock)  # type: ignore[arg-type]
    world.load(base_dataset())
    start = threading.Barrier(8)

    def one(_: int) -> str:
        start.wait()
        try:
            providers.authenticate(PHYSICIAN[0], PHYSICIAN[1], app.uow(), app.env)
        except AuthenticationFailed as refused:
            return refused.code
        return "ok"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(one, range(8)))
    assert outcomes == ["ok"] * 8
    with pytest.raises(AuthenticationFailed):  # and wrong PINs still count
        providers.authenticate(PHYSICIAN[0], "0000", app.uow(), app.env)
    app.close()

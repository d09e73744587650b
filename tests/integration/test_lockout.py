"""The sign-in lockout of issue 14 on SQLite and PostgreSQL (docs/api.md "Credentials"):
failures counted in a sliding window that a success does not reset, checked and counted in one
step before any hashing (a locked NPI costs no Argon2, a burst of guesses gets no more hashes
than tries left, a success racing a lock does not lift it), an unknown NPI costs what a known one
costs, callers the NPI knows are counted apart, and PINs are peppered with the secret key."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import select, update

from spenddown import bootstrap
from spenddown.adapters.db import tables
from spenddown.adapters.system import Argon2PinHasher
from spenddown.domain.errors import AuthenticationFailed, SpenddownError
from spenddown.services import common, providers
from support.world import PHYSICIAN, FixedClock, World, base_dataset

PEPPER = "a-secret-key-of-at-least-32-characters!"
UNKNOWN_NPI = "1999999992"  # a valid NPI that no provider has


class Counting(Argon2PinHasher):
    """The slow hash with the fast test parameters, counting how often it runs."""

    def __init__(self, pepper: str | None = None) -> None:
        super().__init__(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1), pepper)
        self.verified: list[str] = []
        self._count_lock = threading.Lock()

    def verify(self, pin_hash: str, pin: str) -> bool:
        with self._count_lock:
            self.verified.append(pin_hash)
        return super().verify(pin_hash, pin)


@pytest.fixture
def counted(database_url: str) -> Iterator[tuple[World, Counting]]:
    hasher = Counting(PEPPER)
    app = bootstrap.build(database_url, clock=FixedClock(), pins=hasher, pool_size=20)
    world = World(app, app.env.clock)  # type: ignore[arg-type]
    world.load(base_dataset())
    hasher.verified.clear()
    yield world, hasher
    app.close()


def sign_in(world: World, pin: str, npi: str = PHYSICIAN[0]) -> str:
    """The outcome code of one NPI + PIN check ("OK" for a success)."""
    try:
        providers.authenticate(npi, pin, world.app.uow(), world.app.env)
    except SpenddownError as error:
        return error.code
    return "OK"


def at_once(calls: list[Callable[[], str]]) -> list[str]:
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], str]) -> str:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_48_wrong_pins_interleaved_with_successes_lock(counted: tuple[World, Counting]) -> None:
    """Issue 14: a success used to reset the count, so guesses mixed into an office's traffic
    never locked. Now the fifth failure within 15 minutes locks, whatever succeeded between."""
    world, _ = counted
    outcomes = []
    for guess in range(48):
        outcomes.append(sign_in(world, f"{guess:04d}"))
        outcomes.append(sign_in(world, PHYSICIAN[1]))
    wrong = outcomes[0::2]
    assert wrong[:5] == ["INVALID_CREDENTIALS"] * 5
    assert set(wrong[5:]) == {"PIN_LOCKED"}
    assert outcomes[1::2][:4] == ["OK"] * 4  # the office's own PIN, until the lock
    world.clock.advance(minutes=15, seconds=1)  # the window slides past the failures
    assert sign_in(world, PHYSICIAN[1]) == "OK"


def test_a_locked_npi_costs_no_hashing_for_40_concurrent_wrong_pins(
    counted: tuple[World, Counting],
) -> None:
    world, hasher = counted
    for guess in range(5):
        assert sign_in(world, f"000{guess}") == "INVALID_CREDENTIALS"
    hasher.verified.clear()
    outcomes = at_once([lambda g=g: sign_in(world, f"1{g:03d}") for g in range(40)])  # type: ignore[misc]
    assert outcomes == ["PIN_LOCKED"] * 40
    assert hasher.verified == []  # refused before any Argon2


def test_a_burst_of_guesses_gets_no_more_hashes_than_tries_left(
    counted: tuple[World, Counting],
) -> None:
    """Issue 14 saw 19 wrong PINs evaluated in one burst on PostgreSQL: checking and counting
    are now one step, so at most 5 of 19 concurrent guesses are hashed."""
    world, hasher = counted
    outcomes = at_once([lambda g=g: sign_in(world, f"2{g:03d}") for g in range(19)])  # type: ignore[misc]
    assert outcomes.count("INVALID_CREDENTIALS") == 5
    assert outcomes.count("PIN_LOCKED") == 14
    assert len(hasher.verified) == 5


def test_a_success_racing_a_lock_does_not_lift_it(counted: tuple[World, Counting]) -> None:
    """Issue 14 saw a success racing a lock reset the count on PostgreSQL. Now every evaluated
    wrong PIN stays counted whatever succeeds meanwhile, and no more than 5 are ever evaluated
    in the window (a try waiting on the slow hash counts as a failure until it is right, so a
    guess arriving then is refused, not evaluated)."""
    world, _ = counted
    for guess in range(3):
        assert sign_in(world, f"300{guess}") == "INVALID_CREDENTIALS"
    calls = [lambda: sign_in(world, PHYSICIAN[1])] * 4
    calls += [lambda g=g: sign_in(world, f"31{g:02d}") for g in range(8)]  # type: ignore[misc]
    outcomes = at_once(calls)
    evaluated = outcomes[4:].count("INVALID_CREDENTIALS")
    assert evaluated <= 2
    assert set(outcomes[4:]) <= {"INVALID_CREDENTIALS", "PIN_LOCKED"}
    uow = world.app.uow()
    standing = common.lock_standing(common.NPI_KIND, PHYSICIAN[0], uow, world.app.env)
    assert standing.failures == 3 + evaluated  # the successes erased none of them
    more = [sign_in(world, f"32{g:02d}") for g in range(6)]
    assert 3 + evaluated + more.count("INVALID_CREDENTIALS") == 5
    assert more[-1] == "PIN_LOCKED"
    assert sign_in(world, PHYSICIAN[1]) == "PIN_LOCKED"


def test_an_unknown_npi_answers_and_costs_like_a_known_one(
    counted: tuple[World, Counting],
) -> None:
    world, hasher = counted
    known = [sign_in(world, "0000") for _ in range(6)]
    hashes_known = len(hasher.verified)
    hasher.verified.clear()
    unknown = [sign_in(world, "0000", UNKNOWN_NPI) for _ in range(6)]
    assert unknown == known == ["INVALID_CREDENTIALS"] * 5 + ["PIN_LOCKED"]
    assert len(hasher.verified) == hashes_known  # one Argon2 per try, against a dummy hash
    assert set(hasher.verified) == {hasher.dummy_hash()}


def test_callers_the_npi_knows_keep_working_during_an_anonymous_lockout(
    counted: tuple[World, Counting],
) -> None:
    world, _ = counted
    with common.origin("203.0.113.5"):  # the office signs in from its address
        assert sign_in(world, PHYSICIAN[1]) == "OK"
    with common.origin("198.51.100.7"):  # someone else guesses
        outcomes = [sign_in(world, f"4{g:03d}") for g in range(8)]
    assert outcomes == ["INVALID_CREDENTIALS"] * 5 + ["PIN_LOCKED"] * 3
    with common.origin("192.0.2.99"):  # an anonymous caller is locked, even with the PIN
        assert sign_in(world, PHYSICIAN[1]) == "PIN_LOCKED"
    with common.origin("203.0.113.5"):  # the office is not
        assert sign_in(world, PHYSICIAN[1]) == "OK"
    with common.origin(None, session=True):  # nor a signed-in web session
        assert sign_in(world, PHYSICIAN[1]) == "OK"
    # ... and the office's own mistakes lock only the office's address after 5.
    with common.origin("203.0.113.5"):
        mistakes = [sign_in(world, f"5{g:03d}") for g in range(6)]
    assert mistakes == ["INVALID_CREDENTIALS"] * 5 + ["PIN_LOCKED"]


def test_one_address_guessing_many_npis_is_throttled(counted: tuple[World, Counting]) -> None:
    world, hasher = counted
    npis = [f"1{n:08d}" for n in range(30)]  # not valid NPIs: they are just strings here
    with common.origin("198.51.100.8"):
        outcomes = [sign_in(world, "0000", npi) for npi in npis]
    assert outcomes[:20] == ["INVALID_CREDENTIALS"] * 20
    assert set(outcomes[20:]) == {"PIN_LOCKED"}
    assert len(hasher.verified) == 20


def test_an_unlock_lifts_the_lock(counted: tuple[World, Counting]) -> None:
    world, _ = counted
    for guess in range(5):
        sign_in(world, f"600{guess}")
    assert sign_in(world, PHYSICIAN[1]) == "PIN_LOCKED"
    assert common.unlock(common.NPI_KIND, PHYSICIAN[0], world.app.uow()) == 5
    assert sign_in(world, PHYSICIAN[1]) == "OK"


def _stored_hash(world: World) -> str:
    with world.app.engine.connect() as connection:
        query = select(tables.providers.c.pin_hash).where(tables.providers.c.npi == PHYSICIAN[0])
        return str(connection.execute(query).scalar_one())


def test_pins_are_peppered_and_old_hashes_are_replaced_on_the_next_sign_in(
    counted: tuple[World, Counting],
) -> None:
    world, _ = counted
    stored = _stored_hash(world)
    assert stored.startswith("sdp1:")
    inner = stored.split(":", 2)[2]
    plain = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    with pytest.raises(
        VerifyMismatchError
    ):  # the dump alone: the PIN does not verify without the key
        plain.verify(inner, PHYSICIAN[1])
    without_key = Counting()
    assert without_key.verify(stored, PHYSICIAN[1]) is False
    # A hash made before peppering (plain Argon2) still works once and is then replaced.
    with world.app.engine.begin() as connection:
        connection.execute(
            update(tables.providers)
            .where(tables.providers.c.npi == PHYSICIAN[0])
            .values(pin_hash=plain.hash(PHYSICIAN[1]))
        )
    assert sign_in(world, PHYSICIAN[1]) == "OK"
    assert _stored_hash(world).startswith("sdp1:")
    assert sign_in(world, PHYSICIAN[1]) == "OK"


def test_a_locked_npi_refuses_the_right_pin_with_when_it_ends(
    counted: tuple[World, Counting],
) -> None:
    world, _ = counted
    for guess in range(5):
        sign_in(world, f"700{guess}")
    with pytest.raises(AuthenticationFailed) as locked:
        providers.authenticate(*PHYSICIAN, world.app.uow(), world.app.env)
    assert locked.value.code == "PIN_LOCKED"
    assert locked.value.context["locked_until"] == "2026-11-23T18:15:00Z"
    assert locked.value.context["tries_left"] == 0


def test_a_user_name_that_is_no_npi_is_an_unknown_npi(counted: tuple[World, Counting]) -> None:
    """A NUL byte or any other text as the NPI never reaches the database (PostgreSQL refuses
    NUL in text): it is counted under a digest and answered like an unknown NPI."""
    world, hasher = counted
    for name in ("1234567893\x00", "x" * 300, "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668"):
        outcomes = [sign_in(world, "0000", name) for _ in range(6)]
        assert outcomes == ["INVALID_CREDENTIALS"] * 5 + ["PIN_LOCKED"]
    assert set(hasher.verified) == {hasher.dummy_hash()}

"""The hot paths in round trips (issue 16): a verification and a clearance by a provider whose
PIN this process has verified already, counted statement by statement (a
``before_cursor_execute`` listener, ``support/statements.py``); the counts are the test, not
timings (docs/performance.md "Round trips per use case").

Before issue 16 a verification sent 12 statements on PostgreSQL in two transactions (16 round
trips with their BEGIN and COMMIT/ROLLBACK) and a clearance with an idempotency key 11 (15; 10
and 14 without a key): the PIN was checked in a transaction of its own (advisory lock, the
attempts, the provider) before the use case read the provider again, the aid codes and plans
were read on every request, an EVC was looked up before it was inserted, and the obligation and
its ledger entry were two writes. Now a verification is 5 statements and no BEGIN or COMMIT (5
round trips), a clearance 6 with a key and 5 without (8 and 7 with BEGIN and COMMIT).

Also here: what the one-statement sign-in must keep (a PIN changed or an NPI locked by another
process counts at once), two processes replacing the same old hash at once, the reference
cache, and the inserts that tell whether they wrote (RETURNING, not ``rowcount``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.responses import JSONResponse
from sqlalchemy import create_engine, insert, select, update

from spenddown import bootstrap
from spenddown.adapters.db import tables as t
from spenddown.adapters.db.repo import base as repo_base
from spenddown.adapters.system import Argon2PinHasher, CachedPinVerifier, UlidIds
from spenddown.domain.eligibility.codes import Program
from spenddown.domain.errors import AuthenticationFailed
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import ObligationKey
from spenddown.entrypoints import shapes
from spenddown.entrypoints.api.routes import ok
from spenddown.services.common import origin
from spenddown.services.ports import EvcRecord
from support.statements import counting
from support.world import PHYSICIAN, SOC_MEMBER, FixedClock, World, base_dataset

FAST = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
PEPPER = "p" * 32
ADDRESS = "127.0.0.1"


def cached_world(url: str, pins: Argon2PinHasher | None = None) -> World:
    hasher = pins or Argon2PinHasher(FAST, pepper=PEPPER)
    app = bootstrap.build(url, clock=FixedClock(), pins=CachedPinVerifier(hasher, "k" * 32))
    world = World(app, app.env.clock)  # type: ignore[arg-type]
    world.load(base_dataset())
    return world


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    """The small world with the verified-PIN cache of a server, seen from one address."""
    made = cached_world(database_url)
    with origin(ADDRESS):
        yield made
    made.app.close()


def postgres(world: World) -> bool:
    return world.app.engine.dialect.name == "postgresql"


# --- round trips -------------------------------------------------------------------------------
def test_a_verification_is_one_statement_per_kind_of_read_and_one_write(world: World) -> None:
    world.verify()  # the first request checks the PIN (Argon2) and signs the address in
    with counting(world.app.engine) as sent:
        result = world.verify()
    assert not result.eligible
    # The provider with its standing and the member, the segments, the obligations; the
    # write. SQLite's BEGIN IMMEDIATE is sent as a statement; on PostgreSQL each statement
    # commits alone (no BEGIN, no COMMIT: psycopg in autocommit), the one write being one
    # statement.
    assert len(sent) == (4 if postgres(world) else 5), sent
    assert not any(s.startswith("SELECT members.") for s in sent.sent)  # read at the sign-in
    assert all(sent.autocommit) == postgres(world)
    assert sent.sent[-1].startswith("INSERT INTO verifications")


def test_an_eligible_verification_writes_its_evc_and_record_in_one_round_trip(
    world: World,
) -> None:
    world.clear("600.00")  # the SOC is met: the member is eligible
    world.verify()
    with counting(world.app.engine) as sent:
        result = world.verify()
    assert result.eligible
    assert result.evc is not None
    if postgres(world):
        assert len(sent) == 4, sent
        assert sent.sent[-1].startswith("WITH new_evc AS (INSERT INTO evcs")
        assert all(sent.autocommit)
    else:
        assert len(sent) == 6, sent  # SQLite: BEGIN IMMEDIATE, two inserts, in process
    with world.app.engine.connect() as c:
        stored = c.execute(select(t.verifications.c.evc).where(t.verifications.c.evc.is_not(None)))
        assert result.evc in set(stored.scalars())


@pytest.mark.parametrize("key", [None, "visit-1"])
def test_a_clearance_locks_checks_and_writes_in_few_round_trips(
    world: World, key: str | None
) -> None:
    world.clear("10.00", code="99212")  # the PIN checked once
    with counting(world.app.engine) as sent:
        result = world.clear("10.00", key=key)
    assert str(result.applied) == "10.00"
    # The provider with its standing and the member, the unit's obligations locked, the
    # idempotency key's lock (PostgreSQL, with a key), the pre-check, the write(s).
    if postgres(world):
        assert len(sent) == (5 if key else 4), sent
        assert sent.sent[-1].startswith("WITH changed_obligation AS (UPDATE soc_obligations")
        assert not any(sent.autocommit)  # one transaction: the obligations stay locked
    else:
        # BEGIN IMMEDIATE, no advisory lock, the obligation and entry apart (in process).
        assert len(sent) == 6, sent
    # Retried with its key: the same answer, nothing written.
    if key:
        again = world.clear("10.00", key=key)
        assert again.clearance_id == result.clearance_id


def test_the_sign_in_of_an_unchecked_pin_still_checks_it_first(world: World) -> None:
    with counting(world.app.engine) as sent:
        world.verify()
    assert any("pg_advisory_xact_lock" in s for s in sent.sent) == postgres(world)
    assert any(s.startswith("INSERT INTO auth_attempts") for s in sent.sent)  # pending, settled


# --- what the one-statement sign-in keeps -------------------------------------------------------
def test_a_pin_changed_by_another_process_counts_at_once(world: World) -> None:
    world.verify()
    engine = create_engine(world.app.url)
    with engine.begin() as c:
        new_hash = Argon2PinHasher(FAST, pepper=PEPPER).hash("1111")
        c.execute(
            update(t.providers).where(t.providers.c.npi == PHYSICIAN[0]), {"pin_hash": new_hash}
        )
    engine.dispose()
    with pytest.raises(AuthenticationFailed) as refused:
        world.verify()  # the old PIN, still remembered under the old hash
    assert refused.value.code == "INVALID_CREDENTIALS"
    assert world.verify(provider=(PHYSICIAN[0], "1111")).member_id == SOC_MEMBER


def test_a_lock_written_by_another_process_counts_at_once(world: World) -> None:
    world.verify()
    now = world.clock.now()
    engine = create_engine(world.app.url)
    with engine.begin() as c:
        for i in range(5):  # five wrong PINs from elsewhere
            c.execute(
                insert(t.auth_attempts).values(
                    kind="npi",
                    subject=PHYSICIAN[0],
                    address="10.0.0.9",
                    at=now - timedelta(minutes=i + 1),
                    outcome="failure",
                )
            )
    engine.dispose()
    # This address signed in rightly lately, so its own failures count (none): not locked.
    assert world.verify().member_id == SOC_MEMBER
    with origin("10.0.0.9"), pytest.raises(AuthenticationFailed) as locked:
        world.verify()
    assert locked.value.code == "PIN_LOCKED"
    with origin("10.0.0.10"), pytest.raises(AuthenticationFailed) as anonymous:
        world.verify()  # an address the NPI does not know: every failure counts
    assert anonymous.value.code == "PIN_LOCKED"


class RacedHasher(Argon2PinHasher):
    """While this process makes the new hash of an old one, another process replaces the old
    hash first (its own new hash of the same PIN)."""

    def __init__(self) -> None:
        super().__init__(FAST, pepper=PEPPER)
        self.url = ""
        self.winner = ""

    def hash(self, pin: str) -> str:
        made = super().hash(pin)
        if self.url and not self.winner:
            self.winner = super().hash(pin)
            engine = create_engine(self.url)
            with engine.begin() as c:
                c.execute(
                    update(t.providers).where(t.providers.c.npi == PHYSICIAN[0]),
                    {"pin_hash": self.winner},
                )
            engine.dispose()
        return made


def test_two_processes_replacing_the_same_old_hash_both_sign_in(database_url: str) -> None:
    raced = RacedHasher()
    world = cached_world(database_url, raced)
    try:
        old = Argon2PinHasher(FAST).hash(PHYSICIAN[1])  # made before peppering
        with world.app.engine.begin() as c:
            c.execute(
                update(t.providers).where(t.providers.c.npi == PHYSICIAN[0]), {"pin_hash": old}
            )
        raced.url = world.app.url
        assert world.verify().member_id == SOC_MEMBER  # not refused: checked again
        with world.app.engine.connect() as c:
            stored = c.execute(
                select(t.providers.c.pin_hash).where(t.providers.c.npi == PHYSICIAN[0])
            ).scalar_one()
        assert stored == raced.winner
    finally:
        world.app.close()


def test_a_right_pin_in_use_stays_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("spenddown.adapters.system.time.monotonic", lambda: now[0])
    pins = CachedPinVerifier(Argon2PinHasher(FAST), "k" * 32, seconds=60)
    right = pins.hash("2468")
    assert pins.verify(right, "2468")
    assert not pins.verify(right, "0000")
    for _ in range(3):  # used every 50 s: never expires
        now[0] += 50
        assert pins.known(right, "2468") is True
    assert pins.known(right, "0000") is None  # a wrong one is not refreshed by use
    now[0] += 61
    assert pins.known(right, "2468") is None  # unused for longer than 60 s


# --- the reference cache ------------------------------------------------------------------------
def test_reference_tables_are_read_once_and_an_import_here_is_seen_at_once(world: World) -> None:
    world.verify()
    with counting(world.app.engine) as sent:
        world.verify()
    assert not any("FROM aid_codes" in s or "FROM plans" in s for s in sent.sent)
    document = base_dataset()
    document["plans"].append({"code": "ZZ", "name": "A new plan"})
    world.load(document)
    with world.app.uow() as uow:
        assert "ZZ" in uow.repo.plans()


def test_a_change_by_another_process_is_seen_within_the_cache_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [5000.0]
    monkeypatch.setattr(repo_base.time, "monotonic", lambda: now[0])
    with world.app.uow() as uow:
        assert "ZZ" not in uow.repo.plans()
    engine = create_engine(world.app.url)
    with engine.begin() as c:
        c.execute(insert(t.plans).values(code="ZZ", name="Added elsewhere"))
    engine.dispose()
    with world.app.uow() as uow:
        assert "ZZ" not in uow.repo.plans()  # remembered
    now[0] += repo_base.ReferenceCache.SECONDS + 1
    with world.app.uow() as uow:
        assert "ZZ" in uow.repo.plans()


# --- inserts that say whether they wrote ---------------------------------------------------------
def test_inserts_tell_whether_they_wrote(world: World) -> None:
    key = ObligationKey("C-1001", "A", BenefitMonth.parse("2026-11"), Program.MEDI_CAL)
    now = world.clock.now()
    record = EvcRecord(
        "1234567890",
        "verification",
        PHYSICIAN[0],
        SOC_MEMBER,
        date(2026, 11, 3),
        key.month,
        ("17",),
        now,
    )
    with world.app.uow() as uow:
        assert uow.repo.add_activation("HN", SOC_MEMBER, key, "clearance", now) is True
        assert uow.repo.add_activation("HN", SOC_MEMBER, key, "clearance", now) is False
        assert uow.repo.add_buy_in(SOC_MEMBER, key.month, "C-1001", "A", now) == 1
        assert uow.repo.add_buy_in(SOC_MEMBER, key.month, "C-1001", "A", now) == 0
        assert uow.repo.add_evc_if_new(record) is True
        assert uow.repo.add_evc_if_new(record) is False
        uow.commit()


class Clashing(UlidIds):
    """Draws a taken EVC first."""

    def __init__(self, taken: str) -> None:
        self.taken: list[str] = [taken]

    def new_evc(self) -> str:
        return self.taken.pop() if self.taken else super().new_evc()


def test_an_evc_that_clashes_is_drawn_again(world: World) -> None:
    world.clear("600.00")
    first = world.verify()
    assert first.evc is not None
    world.app = dataclasses.replace(
        world.app, env=dataclasses.replace(world.app.env, ids=Clashing(first.evc))
    )
    second = world.verify()
    assert second.eligible
    assert second.evc not in (None, first.evc)
    with world.app.engine.connect() as c:
        stored = set(c.execute(select(t.verifications.c.evc)).scalars())
    assert {first.evc, second.evc} <= stored


# --- the answers' bytes --------------------------------------------------------------------------
def test_orjson_answers_are_the_bytes_the_standard_encoder_made(world: World) -> None:
    """docs/api.md's contract is unchanged: the same body, byte for byte, as before orjson."""
    unmet = shapes.verification(world.verify())
    cleared = shapes.clearance(world.clear("600.00", key="visit-ñ"))
    met = shapes.verification(world.verify())
    for body in (unmet, cleared, met, {"text": "Nguyễn 阮 \u2028", "n": 12345678901}):
        assert ok(body).body == JSONResponse(body).body

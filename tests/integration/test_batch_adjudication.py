"""The batch path (``claims.adjudicate_batch``) decides exactly as the one-claim path
(``claims.adjudicate_batch_claim``) over generated claims, on both engines: the same answers,
the same errors and the same stored rows, with small chunks so that authorization units,
duplicate claim IDs and members cross chunk boundaries. A crash mid-batch leaves whole chunks;
running the batch again finishes it."""

from __future__ import annotations

import gc
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from types import TracebackType
from typing import Any, ClassVar, Self

import pytest
from sqlalchemy import select

from spenddown.adapters.db import tables as t
from spenddown.domain.cob.adjudication import Adjudication
from spenddown.domain.cob.model import (
    Claim,
    ClaimLine,
    ClaimPrimary,
    PayerType,
    PrimaryLine,
    ServiceScope,
)
from spenddown.domain.errors import SpenddownError
from spenddown.domain.money import Money
from spenddown.services import claims
from spenddown.services.ports import UnitOfWork
from support.world import CLINIC, LTC_HOME, PHYSICIAN, World, make_world

MEMBERS = [
    "12345678A",  # SOC certified below, plan HN, OHC P (medical cost avoidance)
    "22222222B",  # same unit, plan HN, a plan authorization of 8 units
    "33333333C",  # SOC unmet, plan LA
    "55555555E",  # LTC
    "66666666F",  # two aid codes, SOC unmet; a TAR of 6 units; a dental policy
    "77777777G",  # CMSP + Medi-Cal SOC
    "88888888H",  # restricted scope
    "99999999J",  # no eligibility
    "10101010K",  # Medi-Cal in October only (fee-for-service)
    "00000000Z",  # unknown
]
EXTRA: dict[str, Any] = {
    "members": [
        {
            "cin": "10101010K",
            "bic_issue_date": "2025-02-01",
            "first_name": "Eva",
            "last_name": "Diaz",
            "birth_date": "1980-01-01",
        }
    ],
    "eligibility": [
        {"cin": "10101010K", "month": "2026-10", "aid_code": "34", "county_code": "19"},
        {"cin": "22222222B", "month": "2026-10", "aid_code": "17", "county_code": "19"},
    ],
    "fee_schedule": [
        {"procedure_code": "99213", "effective": "2026-01-01", "allowed_per_unit": "95.00"},
        {"procedure_code": "99213", "effective": "2026-11-15", "allowed_per_unit": "99.00"},
        {
            "procedure_code": "97153",
            "effective": "2026-01-01",
            "allowed_per_unit": "16.50",
            "requires_authorization": True,
        },
        {
            "procedure_code": "59025",
            "effective": "2026-01-01",
            "allowed_per_unit": "40.00",
            "restricted_scope_ok": True,
        },
        {"procedure_code": "D0120", "effective": "2026-11-10", "allowed_per_unit": "30.00"},
    ],
    "authorizations": [
        {
            "id": "PA-HN-1",
            "payer": "plan",
            "cin": "22222222B",
            "procedure_code": "97153",
            "start": "2026-10-01",
            "end": "2027-01-31",
            "units": 8,
        },
        {
            "id": "TAR-1",
            "payer": "medi-cal",
            "cin": "10101010K",
            "procedure_code": "97153",
            "start": "2026-10-01",
            "end": "2026-12-31",
            "units": 6,
        },
    ],
    "ohc_policies": [
        {
            "cin": "66666666F",
            "carrier": "Delta",
            "network": "DELTA",
            "ohc_code": "L",
            "plan_year_start": "2026-01-01",
            "deductible": "50.00",
            "out_of_pocket_max": "1000.00",
        }
    ],
}
CODES = ("99213", "99213", "97153", "97153", "59025", "D0120", "00000")
PROVIDERS = (PHYSICIAN[0], PHYSICIAN[0], CLINIC[0], LTC_HOME[0], "1999999990")
FIRST = date(2026, 10, 1)


def money(rng: random.Random, low: int, high: int) -> Money:
    return Money.from_cents(rng.randint(low * 100, high * 100))


def generated(count: int, seed: int = 11) -> list[Claim]:
    """Claims over the world above: 1–3 lines, commercial and Medicare primaries, cost sharing,
    primary denials, SOC on the claim, authorizations, other scopes, future dates, unknown
    members and providers, repeated claim IDs."""
    rng = random.Random(seed)
    result: list[Claim] = []
    for i in range(count):
        payer = rng.choice((None, PayerType.COMMERCIAL, PayerType.COMMERCIAL, PayerType.MEDICARE))
        lines = []
        for _ in range(rng.randint(1, 3)):
            day = FIRST + timedelta(days=rng.randint(0, 53))
            if rng.random() < 0.02:
                day = date(2026, 11, 30)  # after the world's today
            charge = money(rng, 40, 300)
            primary = None
            if payer is not None:
                allowed = min(charge, money(rng, 30, 300))
                deductible = min(allowed, rng.choice((Money.zero(), money(rng, 0, 60))))
                copay = min(allowed - deductible, rng.choice((Money.zero(), Money.of("20"))))
                coinsurance = min(
                    allowed - deductible - copay, rng.choice((Money.zero(), money(rng, 0, 40)))
                )
                paid = allowed - deductible - copay - coinsurance
                denial = rng.choice((None,) * 8 + ("96", "16"))
                primary = PrimaryLine(
                    Money.zero() if denial else allowed,
                    Money.zero() if denial else paid,
                    Money.zero() if denial else deductible,
                    Money.zero() if denial else coinsurance,
                    Money.zero() if denial else copay,
                    denial,
                )
            lines.append(
                ClaimLine(
                    day,
                    rng.choice(CODES),
                    rng.randint(1, 4),
                    charge,
                    primary,
                    rng.choice((None, None, None, "PA-HN-1", "TAR-1")),
                    scope=rng.choice((ServiceScope.MEDICAL,) * 5 + (ServiceScope.DENTAL,)),
                )
            )
        # some IDs repeat one received just before (the same chunk) or long before
        claim_id = f"G-{i}"
        if i >= 20 and rng.random() < 0.06:
            claim_id = f"G-{i - rng.choice((1, 2, 3, rng.randint(4, i)))}"
        soc = rng.choice((Money.zero(),) * 4 + (money(rng, 5, 80),))
        result.append(
            Claim(
                claim_id,
                rng.choice(PROVIDERS),
                rng.choice(MEMBERS),
                soc,
                None if payer is None else ClaimPrimary(payer, "Payer", f"P-{i}", FIRST),
                tuple(lines),
            )
        )
    return result


def one_by_one(world: World, batch: list[Claim]) -> list[claims.BatchOutcome]:
    outcomes: list[claims.BatchOutcome] = []
    for claim in batch:
        try:
            outcomes.append(claims.adjudicate_batch_claim(claim, world.app.uow(), world.app.env))
        except SpenddownError as error:
            outcomes.append(error)
    return outcomes


def prepared(url: str) -> World:
    world = make_world(url)
    world.load(EXTRA)
    world.clear("600.00")  # 12345678A's unit certified
    return world


def stored(world: World) -> tuple[list[Any], list[Any]]:
    with world.app.engine.connect() as c:
        # Claim IDs are the provider's own: two providers may store the same one.
        heads = c.execute(
            select(t.claims).order_by(t.claims.c.claim_id, t.claims.c.provider_npi)
        ).all()
        lines = c.execute(
            select(t.claim_lines).order_by(
                t.claim_lines.c.claim_id, t.claim_lines.c.provider_npi, t.claim_lines.c.line
            )
        ).all()
    return [tuple(r) for r in heads], [tuple(r) for r in lines]


def same(left: claims.BatchOutcome, right: claims.BatchOutcome) -> bool:
    if isinstance(left, SpenddownError) or isinstance(right, SpenddownError):
        return (type(left), getattr(left, "code", None), getattr(left, "detail", None)) == (
            type(right),
            getattr(right, "code", None),
            getattr(right, "detail", None),
        )
    return left == right


@pytest.fixture
def two_urls(request: pytest.FixtureRequest, database_url: str) -> tuple[str, str]:
    """Two new, empty databases on the same engine."""
    if database_url.startswith("sqlite"):
        folder = request.getfixturevalue("tmp_path")
        return database_url, f"sqlite:///{folder / 'second.db'}"
    make: Callable[[], str] = request.getfixturevalue("make_postgres_database")
    return database_url, make()


@pytest.mark.parametrize("chunk", [7, 1000])
def test_batch_decides_and_stores_exactly_as_one_claim_at_a_time(
    two_urls: tuple[str, str], chunk: int
) -> None:
    batch = generated(400)
    single, chunked = prepared(two_urls[0]), prepared(two_urls[1])
    try:
        expected = one_by_one(single, batch)
        outcomes = list(
            claims.adjudicate_batch(batch, chunked.app.uow, chunked.app.env, chunk=chunk)
        )
        assert len(outcomes) == len(batch)
        different = [
            i for i, (a, b) in enumerate(zip(expected, outcomes, strict=True)) if not same(a, b)
        ]
        assert different == []
        assert stored(chunked) == stored(single)
    finally:
        single.app.close()
        chunked.app.close()
    # The claims reach every rule, so that a difference would show.
    answered = [o for o in expected if isinstance(o, Adjudication)]
    assert {str(o.status) for o in answered} == {"paid", "partially_paid", "denied"}
    carcs = Counter(
        line.denial.carc for o in answered for line in o.lines if line.denial is not None
    )
    assert {"177", "178", "96", "197", "22", "B7", "16"} <= set(carcs)
    # Both authorizations run out during the batch: later lines are denied for want of units.
    for authorization, cin, units in (("PA-HN-1", "22222222B", 8), ("TAR-1", "10101010K", 6)):
        used = [
            claim_line.units
            for o, claim in zip(expected, batch, strict=True)
            if isinstance(o, Adjudication)
            for line, claim_line in zip(o.lines, claim.lines, strict=True)
            if line.authorization_id == authorization
        ]
        assert units - 4 < sum(used) <= units
        assert any(
            line.denial is not None and line.denial.carc == "197"
            for o, claim in zip(expected, batch, strict=True)
            if isinstance(o, Adjudication) and claim.member_id == cin
            for line in o.lines
        )
    assert any(o.recovery_flag or o.totals.member_owes.is_positive() for o in answered)
    errors = Counter(o.code for o in expected if isinstance(o, SpenddownError))
    assert {
        "DUPLICATE_CLAIM",
        "MEMBER_NOT_FOUND",
        "PROVIDER_NOT_FOUND",
        "SERVICE_DATE_IN_FUTURE",
    } <= set(errors)


class FailingCommit:
    """A unit of work whose commit fails on the given call, like a crash mid-batch."""

    calls = 0

    def __init__(self, inner: UnitOfWork, fail_on: int) -> None:
        self._inner = inner
        self._fail_on = fail_on

    @property
    def repo(self) -> Any:
        return self._inner.repo

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        FailingCommit.calls += 1
        if FailingCommit.calls == self._fail_on:
            raise ConnectionError("the database went away")
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()


def test_a_crash_leaves_whole_chunks_and_a_rerun_finishes_the_batch(
    two_urls: tuple[str, str],
) -> None:
    batch = generated(60, seed=5)
    clean, crashed = prepared(two_urls[0]), prepared(two_urls[1])
    try:
        list(claims.adjudicate_batch(batch, clean.app.uow, clean.app.env, chunk=10))
        FailingCommit.calls = 0

        def failing() -> UnitOfWork:
            return FailingCommit(crashed.app.uow(), fail_on=3)  # the third chunk

        answered: list[claims.BatchOutcome] = []

        def run() -> None:
            answered.extend(claims.adjudicate_batch(batch, failing, crashed.app.env, chunk=10))

        with pytest.raises(ConnectionError):
            run()
        assert len(answered) == 20  # the two committed chunks, nothing of the third
        heads, _ = stored(crashed)
        kept = {o.claim_id for o in answered if isinstance(o, Adjudication)}
        assert {h[0] for h in heads} == kept
        again = list(claims.adjudicate_batch(batch, crashed.app.uow, crashed.app.env, chunk=10))
        duplicates = [
            i
            for i, o in enumerate(again)
            if isinstance(o, SpenddownError) and o.code == "DUPLICATE_CLAIM"
        ]
        assert {batch[i].claim_id for i in duplicates} >= kept
        assert stored(crashed) == stored(clean)
    finally:
        clean.app.close()
        crashed.app.close()


def test_a_chunk_size_out_of_range_is_refused(world: World) -> None:
    with pytest.raises(SpenddownError) as error:
        list(claims.adjudicate_batch([], world.app.uow, world.app.env, chunk=0))
    assert error.value.code == "INVALID_REQUEST"


class RecordingCommit(FailingCommit):
    """A unit of work that records whether the cyclic garbage collector ran at each commit."""

    collector: ClassVar[list[bool]] = []

    def commit(self) -> None:
        RecordingCommit.collector.append(gc.isenabled())
        self._inner.commit()


def test_a_chunk_of_refused_claims_stores_nothing_with_the_collector_paused(
    world: World,
) -> None:
    # Every claim refused: the chunk's stream of stored claims is empty (no COPY, no insert).
    batch = [replace(c, member_id="00000000Z") for c in generated(30, seed=3)]
    RecordingCommit.collector = []
    outcomes = list(
        claims.adjudicate_batch(
            batch, lambda: RecordingCommit(world.app.uow(), fail_on=0), world.app.env, chunk=10
        )
    )
    assert len(outcomes) == len(batch)
    assert all(isinstance(o, SpenddownError) for o in outcomes)
    assert stored(world) == ([], [])
    assert RecordingCommit.collector == [False, False, False]  # paused in each chunk
    assert gc.isenabled()  # and running again after the batch

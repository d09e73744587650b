"""Figure 4: batch adjudication (issue 7).

4a. The batch use case (``claims.adjudicate_batch``: chunks of 1,000 claims, one commit each)
    in process, one core, adjudicating and storing claims in a SQLite file, against the pure
    adjudication (``domain.cob.adjudication.adjudicate``) of the same claims with their facts
    already in memory, in the same run.
4b. The same over PostgreSQL: 50,000 claims for 10,000 members (quick: 6,000 for 2,000; the
    1,000,000 claims with ``python -m bench.adjudication --claims 1000000``); target ≤ 300 s
    for 1M. Baseline: the pure rate measured in the same run.
4c. The parallel batch (``adjudicate --batch --jobs 2``: ``batch_jobs.adjudicate_parallel``, two
    worker processes, claims partitioned by member) against one job (``claims.adjudicate_batch``
    in process) over the same claims, each on a new PostgreSQL database: 20,000 claims for 4,000
    members (quick: 6,000 for 2,000). The claims are generated beforehand (the parallel parent
    reads them while the workers run); the workers' start is counted.

Claims come from ``claims()``: realistic claims for a population from ``dataset()`` (1–3
lines; commercial, Medicare and no primary; deductibles, copays and coinsurance; primary
denials; fee-for-service and plan members; SOC met and unmet; restricted scope; other coverage;
authorizations; codes off the fee schedule). They are generated while the batch runs; the time
spent generating them is measured and taken out of the figure.

``measure(url, count, members)`` is the measurement on a new database, for other figures
(figure 7 calls it at 10× the data); ``prepare`` and ``batch_rate`` are its two steps."""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.common import PINS, Figure, cin, npi, postgres, today_ca
from spenddown import bootstrap, rules
from spenddown.adapters.dataset import parse_dataset
from spenddown.domain.cob.adjudication import ProviderEnrollment, adjudicate
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
from spenddown.domain.months import BenefitMonth
from spenddown.entrypoints import batch_jobs
from spenddown.services import claims as claim_service
from spenddown.services.imports import import_dataset

PROVIDERS = 40
# procedure code: (allowed per unit in cents, requires authorization, restricted scope ok)
FEES: dict[str, tuple[int, bool, bool]] = {
    "99211": (2_400, False, False),
    "99212": (4_100, False, False),
    "99213": (6_800, False, False),
    "99214": (9_700, False, False),
    "99215": (13_100, False, False),
    "99283": (7_400, False, True),
    "99284": (12_000, False, True),
    "59025": (4_000, False, True),
    "59400": (180_000, False, True),
    "80053": (1_100, False, False),
    "85025": (800, False, False),
    "36415": (300, False, False),
    "71046": (2_300, False, False),
    "93000": (1_500, False, False),
    "90471": (1_800, False, False),
    "97110": (2_500, False, False),
    "97153": (1_650, True, False),
    "97155": (2_475, True, False),
    "E0601": (5_500, True, False),
    "92014": (6_100, False, False),
}
CODES = tuple(FEES)
OPEN_CODES = tuple(code for code, (_, auth, _) in FEES.items() if not auth)
OFF_SCHEDULE = "99999"


@dataclass(frozen=True)
class Member:
    """What the generator knows of a member (to write sensible claims)."""

    cin: str
    soc: bool
    authorized: bool


def _kind(i: int) -> str:
    """Members: 59% full scope without SOC, 25% SOC met (0.00), 6% SOC unmet, 5% restricted
    scope, 5% no Medi-Cal this month (the previous month only)."""
    r = (i * 7919) % 100
    if r < 59:
        return "no_soc"
    if r < 84:
        return "soc_met"
    if r < 90:
        return "soc_unmet"
    if r < 95:
        return "restricted"
    return "lapsed"


def members(count: int) -> list[Member]:
    return [Member(cin(i), _kind(i) in ("soc_met", "soc_unmet"), i % 20 == 3) for i in range(count)]


def dataset(count: int, day: date) -> dict[str, Any]:
    """The import document for ``count`` members (one-member budget units) and ``PROVIDERS``
    providers, with eligibility in the month of ``day`` and the month before."""
    month = BenefitMonth.of(day)
    months = (str(month.plus(-1)), str(month))
    data: dict[str, Any] = {
        "plans": [{"code": "HN", "name": "Health Net"}, {"code": "LA", "name": "L.A. Care"}],
        "providers": [
            {
                "npi": npi(p),
                "name": f"Provider {p}",
                "pin": "2468",
                "type": "physician",
                "medi_cal_ffs": p % 20 != 19,  # 5% not enrolled fee-for-service
                "plans": ["HN", "LA"] if p % 20 != 18 else [],  # 5% in no plan
            }
            for p in range(PROVIDERS)
        ],
        "members": [],
        "cases": [],
        "eligibility": [],
        "soc": [],
        "ohc_policies": [],
        "authorizations": [],
        "fee_schedule": [
            {
                "procedure_code": code,
                "effective": "2020-01-01",
                "allowed_per_unit": str(Money.from_cents(cents)),
                "requires_authorization": auth,
                "restricted_scope_ok": restricted,
            }
            for code, (cents, auth, restricted) in FEES.items()
        ],
    }
    for i, member in enumerate(members(count)):
        kind = _kind(i)
        data["members"].append(
            {
                "cin": member.cin,
                "bic_issue_date": "2025-01-02",
                "first_name": "M",
                "last_name": str(i),
                "birth_date": "1960-01-01",
            }
        )
        data["cases"].append(
            {
                "case_id": f"C-{i}",
                "county_code": "19",
                "budget_units": [{"budget_unit": "A", "members": [{"cin": member.cin}]}],
            }
        )
        aid = {"no_soc": "34", "restricted": "C1", "lapsed": "34"}.get(kind, "17")
        plan = "HN" if i % 10 < 6 else "LA" if i % 10 < 7 else None
        ohc = ["P"] if i % 10 == 1 else ["A"] if i % 50 == 7 else []
        for m in months if kind != "lapsed" else months[:1]:
            segment: dict[str, Any] = {
                "cin": member.cin,
                "month": m,
                "aid_code": aid,
                "county_code": "19",
                "ohc_codes": ohc,
            }
            if plan:
                segment["plan"] = plan
            data["eligibility"].append(segment)
            if member.soc:
                amount = "0.00" if kind == "soc_met" else "650.00"
                data["soc"].append(
                    {"case_id": f"C-{i}", "budget_unit": "A", "month": m, "amount": amount}
                )
        if i % 10 == 2:
            data["ohc_policies"].append(
                {
                    "cin": member.cin,
                    "carrier": "Delta Dental",
                    "network": "DELTA",
                    "ohc_code": "L",
                    "plan_year_start": "2026-01-01",
                    "deductible": "50.00",
                    "out_of_pocket_max": "1500.00",
                }
            )
        if member.authorized:
            data["authorizations"].append(
                {
                    "id": f"AUTH-{i}",
                    "payer": "plan" if plan else "medi-cal",
                    "cin": member.cin,
                    "procedure_code": "97153",
                    "start": months[0] + "-01",
                    "end": (day + timedelta(days=60)).isoformat(),
                    "units": 40,
                }
            )
    return data


def claims(
    count: int, population: list[Member], day: date, seed: int = 7, start: int = 0
) -> Iterator[Claim]:
    """``count`` claims (IDs B-``start`` …) for the members, served in the month of ``day``
    and the month before, all on or before ``day``."""
    rng = random.Random(seed)
    first = BenefitMonth.of(day).plus(-1).first_day
    span = (day - first).days
    cents = Money.from_cents
    for i in range(count):
        member = population[rng.randrange(len(population))]
        r = rng.random()
        payer = PayerType.COMMERCIAL if r < 0.6 else PayerType.MEDICARE if r < 0.85 else None
        served = first + timedelta(days=rng.randint(0, span))
        lines = []
        for _ in range(rng.choices((1, 2, 3), (55, 30, 15))[0]):
            pick = rng.random()
            if member.authorized and pick < 0.5:
                code = "97153"
            elif pick < 0.01:
                code = OFF_SCHEDULE
            elif pick < 0.03:
                code = rng.choice(CODES)  # now and then a service that needs a TAR
            else:
                code = rng.choice(OPEN_CODES)
            units = 1 if rng.random() < 0.8 else rng.randint(2, 4)
            unit_fee = FEES.get(code, (5_000, False, False))[0]
            charge = units * (unit_fee + rng.randint(0, unit_fee))
            primary = None
            if payer is not None:
                denial = rng.random()
                if denial < 0.03:
                    primary = PrimaryLine(cents(0), cents(0), denial_carc="96")  # not covered
                elif denial < 0.05:
                    primary = PrimaryLine(cents(0), cents(0), denial_carc="16")  # provider error
                else:
                    allowed = charge * rng.randint(55, 95) // 100
                    deductible = min(allowed, rng.choice((0, 0, 0, 2_500, 10_000)))
                    copay = min(allowed - deductible, rng.choice((0, 0, 1_500, 3_000)))
                    rest = allowed - deductible - copay
                    coinsurance = rest * rng.choice((0, 0, 10, 20)) // 100
                    paid = rest - coinsurance
                    primary = PrimaryLine(
                        cents(allowed),
                        cents(paid),
                        cents(deductible),
                        cents(coinsurance),
                        cents(copay),
                    )
            lines.append(
                ClaimLine(
                    served,
                    code,
                    units,
                    cents(charge),
                    primary,
                    scope=ServiceScope.DENTAL if rng.random() < 0.03 else ServiceScope.MEDICAL,
                )
            )
        soc = cents(rng.randint(1_000, 20_000)) if member.soc and rng.random() < 0.2 else cents(0)
        result = ClaimPrimary(payer, "Acme", f"P{i}", served) if payer is not None else None
        yield Claim(
            f"B-{start + i}",
            npi(rng.randrange(PROVIDERS)),
            member.cin,
            soc,
            result,
            tuple(lines),
        )


@dataclass(frozen=True)
class Run:
    claims: int
    seconds: float  # adjudicating and storing, generation taken out
    generating: float  # seconds spent generating the claims
    answered: int  # adjudications (the rest are errors, e.g. a repeated claim)

    @property
    def rate(self) -> float:
        return self.claims / self.seconds


class _Timed:
    """Claims as the batch pulls them, with the time spent generating them."""

    def __init__(self, source: Iterator[Claim]) -> None:
        self.source = source
        self.seconds = 0.0

    def __iter__(self) -> Iterator[Claim]:
        while True:
            started = time.perf_counter()
            claim = next(self.source, None)
            self.seconds += time.perf_counter() - started
            if claim is None:
                return
            yield claim


def prepare(url: str, population: int, day: date) -> bootstrap.App:
    """A migrated database with the population loaded."""
    app = bootstrap.build(url, pins=PINS)
    import_dataset(parse_dataset(dataset(population, day)), app.uow(), app.env)
    return app


def batch_rate(
    app: bootstrap.App, count: int, population: int, day: date, active: int | None = None
) -> Run:
    """Adjudicate and store ``count`` generated claims through the batch use case, for
    ``active`` members drawn at random from the population (default: all of them)."""
    chosen = members(population)
    if active is not None:
        chosen = random.Random(3).sample(chosen, active)
    source = _Timed(claims(count, chosen, day))
    answered = 0
    started = time.perf_counter()
    for outcome in claim_service.adjudicate_batch(source, app.uow, app.env):
        if not isinstance(outcome, SpenddownError):
            answered += 1
    total = time.perf_counter() - started
    return Run(count, total - source.seconds, source.seconds, answered)


def measure(url: str, count: int, population: int, active: int | None = None) -> Run:
    """Load ``population`` members into the new, empty database at ``url``, then adjudicate
    and store ``count`` claims for them (or for ``active`` of them) through the batch use
    case."""
    day = today_ca()
    app = prepare(url, population, day)
    try:
        return batch_rate(app, count, population, day, active)
    finally:
        app.close()


def jobs_rate(url: str, count: int, population: int, jobs: int) -> Run:
    """Figure 4c: ``count`` claims, generated beforehand, adjudicated and stored on the new,
    empty database at ``url`` by ``jobs`` worker processes (1: in process, as today)."""
    day = today_ca()
    app = prepare(url, population, day)
    try:
        batch = list(claims(count, members(population), day))
        started = time.perf_counter()
        if jobs == 1:
            outcomes: Iterator[claim_service.BatchOutcome] = claim_service.adjudicate_batch(
                batch, app.uow, app.env
            )
        else:
            outcomes = batch_jobs.adjudicate_parallel(batch, app.url, app.env.clock, jobs=jobs)
        answered = sum(1 for o in outcomes if not isinstance(o, SpenddownError))
        return Run(count, time.perf_counter() - started, 0.0, answered)
    finally:
        app.close()


GROWTH_CLAIMS, GROWTH_ACTIVE = 6_000, 1_000


def growth_rate(population: int) -> float:
    """Figure 7: claims/s stored on PostgreSQL with ``population`` members: the same work at
    every size (``GROWTH_CLAIMS`` claims for ``GROWTH_ACTIVE`` members drawn from the
    population), so only the data stored grows. (Claims spread over more members cost more
    per chunk, since each distinct member's facts are read and built once per chunk: that
    is figure 4's mix, not growth.)"""
    with postgres.postgres_server() as server:
        url = postgres.create_database(server, "spenddown_growth")
        return measure(url, GROWTH_CLAIMS, population, GROWTH_ACTIVE).rate


def stored_growth_rate(stored: int) -> float:
    """Figure 7: claims/s stored on PostgreSQL after ``stored`` claims (not timed) for the
    same population: ``GROWTH_CLAIMS`` more claims for ``GROWTH_ACTIVE`` members, so only the
    claims already stored grow (each chunk looks its claim IDs up among them)."""
    with postgres.postgres_server() as server:
        url = postgres.create_database(server, "spenddown_growth")
        day = today_ca()
        app = prepare(url, GROWTH_ACTIVE, day)
        try:
            population = members(GROWTH_ACTIVE)
            for _ in claim_service.adjudicate_batch(
                claims(stored, population, day, seed=11), app.uow, app.env
            ):
                pass
            batch = list(claims(GROWTH_CLAIMS, population, day, start=stored))
            started = time.perf_counter()
            for _ in claim_service.adjudicate_batch(batch, app.uow, app.env):
                pass
            return GROWTH_CLAIMS / (time.perf_counter() - started)
        finally:
            app.close()


def pure_rate(app: bootstrap.App, count: int, population: int, day: date) -> float:
    """The pure adjudication of the same claims (the first ``count``), every fact already in
    memory (read beforehand through the one-claim path's ``member_month``): claims/s."""
    batch = list(claims(count, members(population), day))
    with app.uow() as uow:
        fees = claim_service.FeeSchedule(uow.repo.fee_schedule())
        providers = {p: uow.repo.get_provider(p) for p in {c.provider_npi for c in batch}}
        months: dict[tuple[str, BenefitMonth], Any] = {}
        authorizations: dict[str, list[Any]] = {}
        for claim in batch:
            for line in claim.lines:
                key = (claim.member_id, BenefitMonth.of(line.service_date))
                if key not in months:
                    months[key] = claim_service.member_month(uow, *key)
            if claim.member_id not in authorizations:
                authorizations[claim.member_id] = uow.repo.authorizations_of(claim.member_id)
    enrollment = {
        p: ProviderEnrollment(found.medi_cal_ffs, frozenset(found.plans))
        for p, found in providers.items()
        if found is not None
    }
    cob = rules.cob_rules(day - timedelta(days=62))
    started = time.perf_counter()
    for claim in batch:
        adjudicate(
            claim,
            months={
                m: months[claim.member_id, m]
                for m in {BenefitMonth.of(line.service_date) for line in claim.lines}
            },
            provider=enrollment[claim.provider_npi],
            fees=fees.at,
            authorizations=authorizations[claim.member_id],
            units_used={},
            rules=cob,
        )
    return count / (time.perf_counter() - started)


def run(quick: bool) -> list[Figure]:
    day = today_ca()
    # The full run stays under 20 minutes with the soak: 1M claims on PostgreSQL is its own
    # command (``python -m bench.adjudication --claims 1000000``, docs/performance.md).
    sqlite_claims, sqlite_members = (6_000, 1_000) if quick else (20_000, 2_000)
    pg_claims, pg_members = (6_000, 2_000) if quick else (50_000, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        app = prepare(f"sqlite:///{Path(tmp) / 'bench.db'}", sqlite_members, day)
        try:
            pure = pure_rate(app, min(sqlite_claims, 10_000), sqlite_members, day)
            sqlite = batch_rate(app, sqlite_claims, sqlite_members, day)
        finally:
            app.close()
    jobs_claims, jobs_members = (6_000, 2_000) if quick else (20_000, 4_000)
    with postgres.postgres_server() as server:
        pg = measure(postgres.create_database(server, "spenddown_bench"), pg_claims, pg_members)
        one = jobs_rate(
            postgres.create_database(server, "spenddown_jobs1"), jobs_claims, jobs_members, 1
        )
        two = jobs_rate(
            postgres.create_database(server, "spenddown_jobs2"), jobs_claims, jobs_members, 2
        )
    return [
        Figure(
            "4a. Batch adjudication, in process, one core (SQLite file, stored)",
            sqlite.rate,
            pure,
            "claims/s",
            "≥ 10,000 claims/s",
            f"{sqlite.claims:,} claims, {sqlite_members:,} members in {sqlite.seconds:.1f} s; "
            "baseline: the pure adjudication of the same claims, facts in memory",
            min_value=10_000,
        ),
        Figure(
            f"4b. Batch adjudication, {pg.claims:,} claims stored on PostgreSQL",
            pg.rate,
            pure,
            "claims/s",
            "≤ 300 s for 1M claims",
            f"{pg.seconds:.0f} s for {pg.claims:,} claims, {pg_members:,} members "
            f"(≈ {pg.seconds * 1_000_000 / pg.claims:.0f} s per 1M; server fsync off); "
            "baseline: the pure rate (4a)",
            min_value=1_000_000 / 300,  # 1M claims in 5 minutes
            key="claims-1m-postgres",  # bench/targets.py (extrapolated from this rate)
        ),
        Figure(
            f"4c. Parallel batch on PostgreSQL, --jobs 2 vs --jobs 1 ({two.claims:,} claims)",
            two.rate,
            one.rate,
            "claims/s",
            "≥ 1.3× one job (2 cores, server on the same machine)",
            f"{two.seconds:.1f} s with 2 jobs, {one.seconds:.1f} s with 1, {jobs_members:,} "
            f"members (≈ {two.seconds * 1_000_000 / two.claims:.0f} s per 1M with 2 jobs); "
            "baseline: 1 job, same claims",
            min_ratio=1.3,
        ),
    ]


def main() -> None:
    """The 1M-claim run of figure 4 on its own (it takes longer than the full run allows)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="figure 4c's measurement with N worker processes (1: in process), the claims "
        "generated beforehand; without it, figure 4b's (claims generated as the batch runs)",
    )
    args = parser.parse_args()
    with postgres.postgres_server() as server:
        url = postgres.create_database(server, "spenddown_bench")
        if args.jobs is None:
            run_ = measure(url, args.claims, args.members)
        else:
            run_ = jobs_rate(url, args.claims, args.members, args.jobs)
    print(
        f"{run_.claims:,} claims for {args.members:,} members adjudicated and stored on "
        f"PostgreSQL with {args.jobs or 1} job(s) in {run_.seconds:.0f} s ({run_.rate:,.0f} "
        f"claims/s; generating them took {run_.generating:.0f} s more, not counted)"
    )


if __name__ == "__main__":
    main()

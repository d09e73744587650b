"""Figure 4: batch adjudication in process, one core, SQLite: claims adjudicated and stored per
second through the use case, against the pure adjudication of the same claims (no storage) in
the same run."""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.common import PINS, Figure, cin, npi, population, today_ca
from spenddown import bootstrap, rules
from spenddown.adapters.dataset import parse_dataset
from spenddown.domain.cob.adjudication import ProviderEnrollment, adjudicate
from spenddown.domain.cob.model import (
    Claim,
    ClaimLine,
    ClaimPrimary,
    FeeScheduleEntry,
    PayerType,
    PrimaryLine,
)
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.services import claims
from spenddown.services.imports import import_dataset

MEMBERS = 500
CODES = ("99213", "99214", "97153")


def generate(count: int, day: date, seed: int = 7) -> list[Claim]:
    rng = random.Random(seed)
    result = []
    for i in range(count):
        lines = []
        for _ in range(rng.randint(1, 3)):
            charge = rng.randint(50, 300)
            allowed = charge - rng.randint(0, 40)
            paid = allowed - rng.choice((0, 20, 30, 40))
            lines.append(
                ClaimLine(
                    day,
                    rng.choice(CODES),
                    rng.randint(1, 4),
                    Money.of(charge),
                    PrimaryLine(
                        Money.of(allowed),
                        Money.of(max(paid, 0)),
                        copay=Money.of(allowed - max(paid, 0)),
                    ),
                )
            )
        primary = ClaimPrimary(PayerType.COMMERCIAL, "Acme PPO", f"P{i}", day)
        result.append(
            Claim(f"B-{i}", npi(0), cin(i % MEMBERS), Money.zero(), primary, tuple(lines))
        )
    return result


def run(quick: bool) -> list[Figure]:
    count = 2_000 if quick else 20_000
    day = today_ca()
    month = BenefitMonth.of(day)
    batch = generate(count, day)
    with tempfile.TemporaryDirectory() as tmp:
        app = bootstrap.build(f"sqlite:///{Path(tmp) / 'bench.db'}", pins=PINS)
        try:
            data = population(MEMBERS, 1, str(month), "0.00")
            data["fee_schedule"] = [
                {"procedure_code": c, "effective": "2020-01-01", "allowed_per_unit": "30.00"}
                for c in CODES
            ]
            import_dataset(parse_dataset(data), app.uow(), app.env)
            # baseline: the pure adjudication of the same claims with the facts it needs
            with app.uow() as uow:
                situation = claims.member_month(uow, cin(0), month)
            fee = {c: FeeScheduleEntry(c, date(2020, 1, 1), Money.of("30.00")) for c in CODES}
            cob = rules.cob_rules(day)
            enrollment = ProviderEnrollment(True, frozenset({"HN"}))
            started = time.perf_counter()
            for claim in batch:
                adjudicate(
                    claim,
                    months={month: situation},
                    provider=enrollment,
                    fees=lambda code, on: fee[code],
                    authorizations=[],
                    units_used={},
                    rules=cob,
                )
            pure = count / (time.perf_counter() - started)
            started = time.perf_counter()
            for claim in batch:
                claims.adjudicate_batch_claim(claim, app.uow(), app.env)
            stored = count / (time.perf_counter() - started)
        finally:
            app.close()
    return [
        Figure(
            "4. Batch adjudication, in process, one core (SQLite, stored)",
            stored,
            pure,
            "claims/s",
            "≥ 10,000 claims/s",
            "baseline: the pure adjudication of the same claims, no storage",
        )
    ]

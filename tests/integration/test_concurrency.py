"""rules.md §3 Concurrency: many providers clearing one budget unit at the same moment never
apply more than the SOC, never lose a clearance and never certify twice (both engines)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import func, select

from spenddown.adapters.db import tables
from spenddown.domain.errors import RuleRefusal
from spenddown.domain.money import Money, total
from spenddown.services import plans
from spenddown.services.audit import audit_ledger
from spenddown.services.share_of_cost import ClearanceResult
from support.world import CLINIC, PHARMACY, PHYSICIAN, World

THREADS = 8
CLEARANCES = 200


def test_concurrent_clearances_on_one_budget_unit(world: World) -> None:
    world.load(
        {
            "soc": [
                {"case_id": "C-1001", "budget_unit": "A", "month": "2026-11", "amount": "1000.00"}
            ]
        }
    )
    providers = [PHYSICIAN, CLINIC, PHARMACY]
    start = threading.Barrier(THREADS)
    results: list[ClearanceResult] = []
    refusals: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(thread: int) -> None:
        start.wait()
        for i in range(thread, CLEARANCES, THREADS):
            # members 12345678A and 22222222B share unit A; charges 3.00 .. 11.00
            cin = "12345678A" if i % 2 else "22222222B"
            charge = f"{3 + i % 9}.00"
            try:
                result = world.clear(
                    charge,
                    cin=cin,
                    provider=providers[i % 3],
                    code=f"S{i:03d}",
                    service_date=date(2026, 11, 1 + i % 20),
                )
            except RuleRefusal as refusal:
                with lock:
                    refusals[refusal.code] += 1
            else:
                with lock:
                    results.append(result)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, range(THREADS)))

    assert len(results) + sum(refusals.values()) == CLEARANCES
    assert set(refusals) <= {"SOC_ALREADY_MET"}
    applied = total([r.applied for r in results])
    assert applied == Money.of("1000.00")  # exactly the SOC, never more
    certifying = [r for r in results if r.certified and r.evc]
    assert len(certifying) == 1
    with world.app.engine.connect() as connection:
        stored = connection.execute(
            select(func.count(), func.sum(tables.soc_entries.c.applied_cents)).where(
                tables.soc_entries.c.kind == "clearance"
            )
        ).one()
    assert (stored[0], stored[1]) == (len(results), 100_000)  # no clearance lost
    page = plans.activations_since("HN", None, world.app.uow())
    assert sorted(a.cin for a in page.activations) == ["12345678A", "22222222B"]
    assert audit_ledger(world.app.uow()) == []

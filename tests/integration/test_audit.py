"""``spenddown audit`` re-checks every ledger invariant; a damaged database is reported."""

from __future__ import annotations

from sqlalchemy import delete, update

from spenddown.adapters.db import tables
from spenddown.services.audit import audit_ledger
from support.world import CLINIC, World


def test_audit_is_clean_on_a_healthy_ledger(world: World) -> None:
    first = world.clear("100.00")
    world.reverse(first.clearance_id)
    world.clear("250.00", provider=CLINIC)
    world.clear("350.00", code="99214")
    assert audit_ledger(world.app.uow()) == []


def test_audit_lists_each_violation_of_a_damaged_ledger(world: World) -> None:
    world.clear("100.00")
    world.clear("150.00", cin="33333333C")  # certifies unit B: one activation for LA
    with world.app.engine.begin() as connection:
        # someone edits the remaining amount by hand, bypassing the ledger
        connection.execute(
            update(tables.soc_obligations)
            .where(
                tables.soc_obligations.c.case_id == "C-1001",
                tables.soc_obligations.c.budget_unit == "A",
            )
            .values(remaining_cents=55_000)
        )
        # and the activation of the certified unit is lost
        connection.execute(delete(tables.plan_activations))
    problems = audit_ledger(world.app.uow())
    assert len(problems) == 2
    assert (
        "C-1001/A/2026-11/medi-cal: remaining 550.00 but amount 600.00 minus active "
        "applied 100.00 gives 500.00" in problems
    )
    assert any(
        "C-1001/B/2026-11/medi-cal: certified, but plan LA has 0 activations" in p for p in problems
    )

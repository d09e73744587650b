"""Dates of service by service type (docs/rules.md §9.1, 22 CCR 50657(a)(4)(A)) on both
engines: a drug counts on the day it was received, an appliance on its order date, a global fee
on its last service; the ledger entry keeps the date the rule picked."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from spenddown.adapters.db import tables
from spenddown.domain.errors import InvalidInput
from spenddown.domain.identifiers import parse_member_id
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import Payment
from spenddown.domain.share_of_cost.service_dates import ServiceType
from spenddown.services import share_of_cost
from spenddown.services.audit import audit_ledger
from support.world import ISSUE, PHARMACY, PHYSICIAN, SOC_MEMBER, World

OCT, NOV, DEC = BenefitMonth(2026, 10), BenefitMonth(2026, 11), BenefitMonth(2026, 12)


def _clear(
    world: World,
    service_date: date,
    service_type: ServiceType,
    counted: date | None,
    *,
    month: BenefitMonth | None = None,
    provider: tuple[str, str] = PHYSICIAN,
    code: str = "99213",
) -> share_of_cost.ClearanceResult:
    cmd = share_of_cost.ClearShareOfCost(
        provider[0],
        provider[1],
        parse_member_id(SOC_MEMBER),
        ISSUE,
        service_date,
        code,
        Money.parse("100.00"),
        Payment.PAID,
        service_type=service_type,
        counted_date=counted,
        month=month,
    )
    return share_of_cost.clear_share_of_cost(cmd, world.app.uow(), world.app.env)


def _set(world: World, month: BenefitMonth, amount: str = "600.00") -> None:
    cmd = share_of_cost.SetShareOfCost("C-1001", "A", month, Money.parse(amount))
    share_of_cost.set_share_of_cost(cmd, world.app.uow(), world.app.env)


def _remaining(world: World, month: BenefitMonth) -> str:
    with world.app.uow() as uow:
        return str(uow.repo.get_obligations("C-1001", "A", month)[0].remaining)


def _entries(world: World) -> int:
    with world.app.engine.connect() as connection:
        query = select(func.count()).select_from(tables.soc_entries)
        return int(connection.execute(query).scalar_one())


def test_a_drug_received_on_the_2nd_of_next_month_counts_next_month(world: World) -> None:
    _set(world, DEC)
    world.clock.advance(days=10)  # 2026-12-03
    # dispensed (and billed) on 2026-11-30, picked up by the member on 2026-12-02
    result = _clear(
        world, date(2026, 11, 30), ServiceType.DRUG, date(2026, 12, 2), provider=PHARMACY
    )
    assert (result.month, result.service_date) == (DEC, date(2026, 11, 30))
    assert (result.service_type, result.counted_date) == ("drug", date(2026, 12, 2))
    assert (_remaining(world, NOV), _remaining(world, DEC)) == ("600.00", "500.00")
    with world.app.uow() as uow:
        (entry,) = uow.repo.entries_of(
            share_of_cost.ObligationKey("C-1001", "A", DEC, result.programs[0].program)
        )
    assert (entry.service_type, entry.counted_date) == ("drug", date(2026, 12, 2))
    assert audit_ledger(world.app.uow()) == []


def test_a_global_fee_counts_on_its_last_visit(world: World) -> None:
    _set(world, OCT)
    # a global surgery package: surgery (the billed date) 2026-10-05, last follow-up 2026-11-20
    result = _clear(world, date(2026, 10, 5), ServiceType.GLOBAL, date(2026, 11, 20))
    assert (result.month, result.counted_date) == (NOV, date(2026, 11, 20))
    assert (_remaining(world, OCT), _remaining(world, NOV)) == ("600.00", "500.00")


def test_an_appliance_counts_on_the_day_it_was_ordered(world: World) -> None:
    _set(world, OCT)
    # dentures ordered from the laboratory 2026-10-28, delivered (and billed) 2026-11-10
    result = _clear(world, date(2026, 11, 10), ServiceType.APPLIANCE, date(2026, 10, 28))
    assert (result.month, result.counted_date) == (OCT, date(2026, 10, 28))
    assert (_remaining(world, OCT), _remaining(world, NOV)) == ("500.00", "600.00")


def test_other_services_count_on_the_date_of_service(world: World) -> None:
    result = _clear(world, date(2026, 11, 3), ServiceType.OTHER, None, month=NOV)
    assert (result.month, result.service_type, result.counted_date) == (
        NOV,
        "other",
        date(2026, 11, 3),
    )


@pytest.mark.parametrize(
    ("service_date", "service_type", "counted", "month", "code", "field"),
    [
        # the rule-picked date is outside the month the office names
        (
            date(2026, 10, 5),
            ServiceType.GLOBAL,
            date(2026, 11, 20),
            OCT,
            "SERVICE_OUTSIDE_MONTH",
            "counted_date",
        ),
        (date(2026, 10, 31), ServiceType.OTHER, None, NOV, "SERVICE_OUTSIDE_MONTH", "service_date"),
        (date(2026, 11, 3), ServiceType.DRUG, None, None, "COUNTED_DATE_REQUIRED", "counted_date"),
        (
            date(2026, 11, 3),
            ServiceType.OTHER,
            date(2026, 11, 4),
            None,
            "COUNTED_DATE_NOT_FOR_SERVICE_TYPE",
            "counted_date",
        ),
        (
            date(2026, 11, 3),
            ServiceType.DRUG,
            date(2026, 11, 2),
            None,
            "INVALID_COUNTED_DATE",
            "counted_date",
        ),
        (
            date(2026, 11, 3),
            ServiceType.APPLIANCE,
            date(2026, 11, 4),
            None,
            "INVALID_COUNTED_DATE",
            "counted_date",
        ),
        (
            date(2026, 11, 3),
            ServiceType.GLOBAL,
            date(2026, 11, 1),
            None,
            "INVALID_COUNTED_DATE",
            "counted_date",
        ),
        # a global fee whose last service has not happened yet does not count yet
        (
            date(2026, 11, 3),
            ServiceType.GLOBAL,
            date(2026, 12, 15),
            None,
            "SERVICE_DATE_IN_FUTURE",
            None,
        ),
    ],
)
def test_bad_service_dates_are_refused_and_nothing_is_stored(
    world: World,
    service_date: date,
    service_type: ServiceType,
    counted: date | None,
    month: BenefitMonth | None,
    code: str,
    field: str | None,
) -> None:
    _set(world, OCT)
    before = _entries(world)
    with pytest.raises(InvalidInput) as refused:
        _clear(world, service_date, service_type, counted, month=month)
    assert refused.value.code == code
    assert refused.value.context.get("field") == field
    assert _entries(world) == before
    assert (_remaining(world, OCT), _remaining(world, NOV)) == ("600.00", "600.00")

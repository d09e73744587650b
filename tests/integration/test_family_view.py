"""The family's own view (member ID + card issue date + birth date) and its lockout."""

from __future__ import annotations

from datetime import date

import pytest

from spenddown.domain.errors import AuthenticationFailed, NotFound
from spenddown.domain.identifiers import parse_member_id
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.services import access, share_of_cost, soc_over_time
from support.world import CLINIC, ISSUE, SOC_MEMBER, World

NOV = BenefitMonth(2026, 11)
BORN = date(1960, 5, 1)


def view(world: World, born: date = BORN) -> access.FamilyView:
    return access.family_view(
        parse_member_id(SOC_MEMBER), ISSUE, born, NOV, world.app.uow(), world.app.env
    )


def test_family_sees_soc_remaining_and_each_clearance(world: World) -> None:
    world.clear("150.00")
    first = world.clear("50.00", provider=CLINIC)
    world.reverse(first.clearance_id, provider=CLINIC)
    result = view(world)
    (obligation,) = result.obligations
    assert str(obligation.obligation.remaining) == "450.00"
    assert [(c.provider_name, str(c.amount), c.reversed) for c in obligation.clearances] == [
        ("Valley Family Medicine", "150.00", False),
        ("Eastside Clinic", "50.00", True),
    ]
    county = access.family_view_for_county(SOC_MEMBER, NOV, world.app.uow())
    assert county == result


def test_five_wrong_birth_dates_lock_the_look_up_for_15_minutes(world: World) -> None:
    for day in range(2, 7):
        with pytest.raises(NotFound):
            view(world, date(1960, 5, day))
    with pytest.raises(AuthenticationFailed) as locked:
        view(world)  # even the right birth date
    assert locked.value.code == "MEMBER_LOCKED"
    world.clock.advance(minutes=16)
    assert view(world).member_id == SOC_MEMBER


def test_family_sees_the_countys_receipts_and_a_decreases_credit(world: World) -> None:
    """The receipts and old bills the county recorded, and the credit a timely decrease carried
    to the next month, show next to the clearances (docs/web.md, "Families")."""
    dec = BenefitMonth(2026, 12)
    share_of_cost.set_share_of_cost(
        share_of_cost.SetShareOfCost("C-1001", "A", dec, Money.parse("600.00")),
        world.app.uow(),
        world.app.env,
    )
    world.clear("100.00")
    soc_over_time.add_receipt(
        soc_over_time.AddReceipt(
            "C-1001", "A", NOV, "Corner Drugstore", date(2026, 11, 2), Money.parse("500.00"), False
        ),
        world.app.uow(),
        world.app.env,
    )  # November met: $100 cleared + $500 owed to the drugstore
    soc_over_time.change_share_of_cost(
        soc_over_time.ChangeShareOfCost(
            "C-1001", "A", Money.parse("400.00"), date(2026, 11, 10), date(2026, 11, 15), "income"
        ),
        world.app.uow(),
        world.app.env,
    )
    (november,) = view(world).obligations
    assert [(c.provider_name, str(c.amount)) for c in november.clearances] == [
        ("Valley Family Medicine", "100.00")
    ]
    assert [
        (e.kind, e.provider_name, e.bill_date, str(e.amount), e.paid)
        for e in november.county_entries
    ] == [("receipt", "Corner Drugstore", date(2026, 11, 2), "500.00", False)]
    december = access.family_view(
        parse_member_id(SOC_MEMBER), ISSUE, BORN, dec, world.app.uow(), world.app.env
    ).obligations[0]
    assert [(e.kind, e.provider_name, str(e.amount)) for e in december.county_entries] == [
        ("credit", None, "200.00")
    ]
    assert str(december.obligation.remaining) == "200.00"

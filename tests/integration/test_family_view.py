"""The family's own view (member ID + card issue date + birth date) and its lockout."""

from __future__ import annotations

from datetime import date

import pytest

from spenddown.domain.errors import AuthenticationFailed, NotFound
from spenddown.domain.identifiers import parse_member_id
from spenddown.domain.months import BenefitMonth
from spenddown.services import access
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

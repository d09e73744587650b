"""The county's case reads (docs/web.md, "County pages"): find a case by case ID, member ID or
name and date of birth; see a case's units, months and ledger before acting."""

from __future__ import annotations

from datetime import date

import pytest

from spenddown.domain.errors import InvalidInput, NotFound
from spenddown.domain.identifiers import parse_member_id
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import EntryKind
from spenddown.services import cases, soc_over_time
from support.world import CLINIC, World, member

BORN = date(1960, 5, 1)


def found(world: World, **search: object) -> list[str]:
    return [m.case_id for m in cases.find_cases(world.app.uow(), **search)]  # type: ignore[arg-type]


def test_a_case_is_found_by_its_id_or_a_members_id(world: World) -> None:
    assert found(world, key="C-2002") == ["C-2002"]
    # The responsible relative is on two units of one case: the case once.
    (match,) = cases.find_cases(world.app.uow(), member_id=parse_member_id("44444444D"))
    assert match.case_id == "C-1001"
    assert match.matched == ("44444444D",)
    assert [u.budget_unit for u in match.units] == ["A", "B"]
    assert found(world, key="C-9999") == []
    assert found(world, member_id=parse_member_id("99999999J")) == []  # a member on no case


def test_name_and_birth_date_compare_without_case_or_accents(world: World) -> None:
    world.load(
        {
            "members": [member("10101010K", first="María José", last="García-López")],
            "cases": [
                {
                    "case_id": "C-5005",
                    "county_code": "19",
                    "budget_units": [{"budget_unit": "A", "members": [{"cin": "10101010K"}]}],
                }
            ],
        }
    )
    assert found(world, name="garcia", birth_date=BORN) == ["C-5005"]
    assert found(world, name="MARIA GARCIA LOPEZ", birth_date=BORN) == ["C-5005"]
    assert found(world, name="García, María", birth_date=BORN) == ["C-5005"]
    assert found(world, name="garcia", birth_date=date(1960, 5, 2)) == []
    assert found(world, name="garciaz", birth_date=BORN) == []
    # Several people named Lopez born that day: every case they are on, once each.
    assert found(world, name="lopez", birth_date=BORN) == ["C-1001", "C-3003", "C-4004", "C-5005"]


def test_a_search_needs_something_and_a_name_needs_a_birth_date(world: World) -> None:
    with pytest.raises(InvalidInput) as empty:
        cases.find_cases(world.app.uow())
    assert empty.value.context["field"] == "key"
    with pytest.raises(InvalidInput) as no_date:
        cases.find_cases(world.app.uow(), name="Lopez")
    assert no_date.value.context["field"] == "birth_date"
    with pytest.raises(InvalidInput) as no_name:
        cases.find_cases(world.app.uow(), name=" , ", birth_date=BORN)
    assert no_name.value.context["field"] == "name"


def test_the_case_view_shows_units_months_and_each_entry_with_its_provider(world: World) -> None:
    world.clear("150.00")
    undone = world.clear("50.00", provider=CLINIC)
    world.reverse(undone.clearance_id, provider=CLINIC)
    soc_over_time.add_receipt(
        soc_over_time.AddReceipt(
            "C-1001",
            "A",
            BenefitMonth(2026, 11),
            "Corner Drugstore",
            date(2026, 11, 2),
            Money.parse("40.00"),
            paid=True,
        ),
        world.app.uow(),
        world.app.env,
    )
    view = cases.case_view("C-1001", world.app.uow())
    assert view.county_code == "19"
    unit_a, unit_b = view.units
    assert [(m.cin, m.first_name, m.role) for m in unit_a.members] == [
        ("12345678A", "Ana", "eligible"),
        ("22222222B", "Luis", "eligible"),
        ("44444444D", "Jorge", "RR"),
    ]
    assert [m.cin for m in unit_b.members] == ["33333333C", "44444444D"]
    assert [(str(m.obligation.key.month), m.obligation.key.budget_unit) for m in view.months] == [
        ("2026-11", "A"),
        ("2026-11", "B"),
    ]
    a = view.months[0]
    assert str(a.obligation.remaining) == "410.00"
    assert not a.obligation.certified
    assert [(e.kind, e.provider_name, str(e.applied), e.reversed) for e in a.entries] == [
        (EntryKind.CLEARANCE, "Valley Family Medicine", "150.00", False),
        (EntryKind.CLEARANCE, "Eastside Clinic", "50.00", True),
        (EntryKind.REVERSAL, "Eastside Clinic", "50.00", False),
        (EntryKind.RECEIPT, "Corner Drugstore", "40.00", False),
    ]
    assert a.entries[3].service_date == date(2026, 11, 2)
    assert view.months[1].entries == ()


def test_an_unknown_case_is_not_found(world: World) -> None:
    with pytest.raises(NotFound) as missing:
        cases.case_view("C-9999", world.app.uow())
    assert missing.value.code == "CASE_NOT_FOUND"


def test_the_beginning_of_a_case_id_lists_the_cases_that_start_with_it(world: World) -> None:
    world.load(
        {
            "cases": [
                {
                    "case_id": "C-10-77",
                    "county_code": "10",
                    "budget_units": [{"budget_unit": "A", "members": [{"cin": "99999999J"}]}],
                }
            ]
        }
    )
    assert found(world, key="C-1") == ["C-10-77", "C-1001"]
    assert found(world, key="C-2") == ["C-2002"]
    assert found(world, key="C-") == []  # too short to list
    assert found(world, key="C-%") == []  # a wildcard is a character like any other

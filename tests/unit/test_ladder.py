"""The program ladder (docs/rules.md "The program ladder"): free programs before any Share of
Cost, budgets by composition, long-term care with the family at home. Each example names its
source; the month is 2026-11 (2026 FPL $15,960 for one person, A&D FPL $1,836 / $2,490 from
2026-04-01, MMMNA $4,066.50)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spenddown.domain.errors import InvalidInput, RuleRefusal
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.determination import ChildrenOnly, DependentCareCost
from spenddown.domain.share_of_cost.ladder import (
    CareMonth,
    Household,
    HouseholdIncome,
    LadderResult,
    Person,
)
from spenddown.services.determination import determine_household

MONTH = BenefitMonth(2026, 11)
AGED = Person(birth_date=date(1955, 3, 1))
ADULT = Person(birth_date=date(1990, 5, 1))
CHILD = Person(birth_date=date(2015, 6, 1), relationship="child")


def money(value: str) -> Money:
    return Money.of(value)


def unearned(amount: str, person: int = 0) -> HouseholdIncome:
    return HouseholdIncome(money(amount), "unearned", person)


def earned(amount: str, person: int = 0) -> HouseholdIncome:
    return HouseholdIncome(money(amount), "earned", person)


def run(
    persons: list[Person],
    incomes: list[HouseholdIncome],
    program: str | None = None,
    **extra: Any,
) -> LadderResult:
    return determine_household(Household(MONTH, persons, incomes, **extra), program)


def programs(result: LadderResult) -> list[tuple[str, bool]]:
    return [(s.program, s.eligible) for s in result.screened]


# --- free programs first ------------------------------------------------------------------------
def test_aged_person_under_the_ad_fpl_limit_gets_free_medi_cal() -> None:
    """W6 corrected (W&I 14005.40): an aged person with $1,300 of Social Security: countable
    $1,280 ≤ $1,836 → A&D FPL, SOC 0 (the old calculator said a SOC of $680)."""
    result = run([AGED], [unearned("1300")])
    assert result.program == "aged_disabled_fpl"
    assert result.soc == money("0")
    assert programs(result) == [("magi", False), ("aged_disabled_fpl", True)]
    assert "65 or older" in result.screened[0].reason
    assert result.screened[1].rule == "W&I 14005.40"
    assert result.countable_income == money("1280")


def test_the_same_person_over_the_limit_gets_the_medically_needy_soc() -> None:
    """$2,000: countable $1,980 > $1,836 → Medically Needy: 2,000 − 20 − 600 = $1,380."""
    result = run([AGED], [unearned("2000")])
    assert result.program == "medically_needy"
    assert result.soc == money("1380")
    assert programs(result) == [
        ("magi", False),
        ("aged_disabled_fpl", False),
        ("working_disabled", False),
        ("medically_needy", True),
    ]
    assert "above the individual limit $1,836.00" in result.screened[1].reason


def test_d2_answers_ad_fpl_and_the_mn_budget_only_as_a_what_if() -> None:
    """D2 corrected: Social Security $1,400 with Part B and dental premiums is A&D FPL (SOC 0);
    ``--program medically_needy`` still computes the Medically Needy budget ($527)."""
    incomes = [unearned("1400")]
    premiums = (money("202.90"), money("50"))
    ladder = run([AGED], incomes, premiums=premiums)
    assert (ladder.program, ladder.soc) == ("aged_disabled_fpl", money("0"))
    direct = run([AGED], incomes, "medically_needy", premiums=premiums)
    assert (direct.program, direct.soc) == ("medically_needy", money("527"))
    assert programs(direct) == [("medically_needy", True)]


def test_an_adult_under_138_percent_fpl_gets_magi() -> None:
    """MAGI screen (W&I 14005.60): $1,500 ≤ 143% × $15,960 ÷ 12 = $1,901.90."""
    result = run([ADULT], [earned("1500")])
    assert (result.program, result.soc) == ("magi", money("0"))
    assert "$1,901.90" in result.screened[0].reason


def test_a_disabled_worker_gets_the_working_disabled_program_with_its_premium() -> None:
    """W&I 14007.9: earnings $3,000 and SSDI $1,200; SSDI excluded: 3,000 − 20 − 65 = 2,915,
    half 1,457.50 ≤ 250% FPL ($3,325) → 250% WDP, premium at least $20."""
    disabled = Person(birth_date=date(1980, 1, 1), disabled=True)
    incomes = [earned("3000"), HouseholdIncome(money("1200"), "unearned", 0, True)]
    result = run([disabled], incomes)
    assert result.program == "working_disabled"
    assert result.soc == money("0")
    assert result.premium_at_least == money("20")
    assert programs(result)[-1] == ("working_disabled", True)


@pytest.mark.parametrize(("income", "msp"), [("1300", "qmb"), ("1500", "slmb"), ("1700", "qi")])
def test_medicare_savings_programs_are_flags_beside_the_result(income: str, msp: str) -> None:
    """42 USC 1396d(p): countable 1,280 ≤ 100% FPL $1,330 QMB; 1,480 ≤ 120% SLMB; 1,680 ≤ 135%
    ($1,795.50) QI."""
    result = run([Person(birth_date=date(1955, 3, 1), medicare=True)], [unearned(income)])
    assert result.msp == msp
    assert run([AGED], [unearned("1300")]).msp is None  # no Medicare, no flag


# --- budgets by composition -----------------------------------------------------------------------
def test_parent_and_child_have_the_750_need_level() -> None:
    """22 CCR 50603 (corrected 2026-12-04): two persons who are not both adults: $750.
    Unearned $5,000 is above MAGI for both (143% and 271% of FPL(2)); 5,000 − 750 = $4,250."""
    result = run([ADULT, CHILD], [unearned("5000")])
    assert result.program == "medically_needy"
    assert result.determination is not None
    assert result.determination.maintenance_need_level == money("750")
    assert result.soc == money("4250")
    assert "not both adults" in result.steps[-1].description


def test_a_two_adult_unit_has_the_934_need_level() -> None:
    """22 CCR 50603: two adults (a disabled couple, $3,500 above MAGI and the A&D FPL couple
    limit): 3,500 − 20 − 934 = $2,546."""
    couple = [
        Person(birth_date=date(1975, 1, 1), disabled=True),
        Person(birth_date=date(1976, 1, 1), disabled=True, relationship="spouse"),
    ]
    result = run(couple, [unearned("3500")])
    assert result.program == "medically_needy"
    assert result.determination is not None
    assert result.determination.maintenance_need_level == money("934")
    assert result.soc == money("2546")


def test_family_budget_dependent_care_and_work_expense() -> None:
    """22 CCR 50553.5: a child under 2, care paid $250, capped at $200; $90 work expense:
    3,000 − 90 − 200 = 2,710 − 750 = $1,960 (computed directly: the baby fits MAGI)."""
    baby = Person(birth_date=date(2025, 6, 1), relationship="child")
    result = run(
        [ADULT, baby],
        [earned("3000")],
        "medically_needy",
        dependent_care=(DependentCareCost(money("250"), under_2=True),),
    )
    assert result.soc == money("1960")
    descriptions = [s.description for s in result.steps]
    assert "Dependent care paid (up to $200 a person)" in descriptions
    assert "$90 standard work expense" in descriptions


def test_child_only_proration_uses_the_composition() -> None:
    """Sneede v. Kizer with the 2-person composition: 1 child, 1 parent: $750 ÷ 2 × 1 = $375."""
    result = run(
        [CHILD, ADULT],
        [unearned("500")],
        "medically_needy",
        children_only=ChildrenOnly(children=1, parents_in_home=1),
    )
    assert result.determination is not None
    assert result.determination.maintenance_need_level == money("375")
    assert result.soc == money("125")


def test_a_person_in_no_linked_group_is_refused() -> None:
    """22 CCR 50203: an adult who is not aged, blind, disabled, pregnant, under 21 or a parent
    or caretaker, with income above MAGI ($3,000 > $1,901.90), has no Medi-Cal with a SOC."""
    with pytest.raises(InvalidInput) as raised:
        run([ADULT], [earned("3000")])
    assert raised.value.code == "NOT_LINKED"
    assert "22 CCR 50203" in str(raised.value)


# --- long-term care with the family at home ------------------------------------------------------
def wife(income: str) -> tuple[Person, HouseholdIncome]:
    return Person(birth_date=date(1950, 1, 1), relationship="spouse"), unearned(income, 1)


def test_ltc_resident_with_wife_at_home_leaves_her_income_up_to_the_mmmna() -> None:
    """42 USC 1396r-5(d): the issue's case, $2,500 of income and a wife with none: she gets
    what is left after the $35 ($2,465, below the $4,066.50 allowance): SOC $0 instead of
    $2,465."""
    spouse, _ = wife("0")
    result = run([AGED, spouse], [unearned("2500")], ltc=CareMonth(resident=0, whole_month=True))
    assert result.program == "medically_needy"
    assert result.soc == money("0")
    assert result.allocations is not None
    assert result.allocations.spouse == money("2465")
    assert [s.eligible for s in result.screened[:3]] == [False, False, False]


def test_ltc_resident_keeps_the_mmmna_for_his_wife_minus_her_own_income() -> None:
    """MMMNA $4,066.50 (2026) − her $1,000 = $3,066.50; 6,000 − 35 − 3,066.50 = $2,898.50; her
    income plus the allocation is the MMMNA."""
    spouse, her_income = wife("1000")
    result = run(
        [AGED, spouse],
        [unearned("6000"), her_income],
        ltc=CareMonth(resident=0, whole_month=True),
    )
    assert result.soc == money("2898.50")
    assert result.allocations is not None
    assert result.allocations.spouse == money("3066.50")
    assert result.allocations.spouse + money("1000") == money("4066.50")
    assert sum((s.amount for s in result.steps), Money.zero()) == result.soc


def test_ltc_home_upkeep_and_dependents_at_home() -> None:
    """22 CCR 50605: $35 and $209 home upkeep (a physician certified a likely return); a child
    at home without income gets the 1-person need level $600: 1,000 − 35 − 209 = 756 → 156."""
    result = run(
        [AGED, CHILD],
        [unearned("1000")],
        ltc=CareMonth(resident=0, whole_month=True, home_upkeep=True),
    )
    assert result.allocations is not None
    assert result.allocations.home_upkeep == money("209")
    assert result.allocations.dependents == money("600")
    assert result.soc == money("156")


def test_hcbs_has_the_same_spousal_protection() -> None:
    spouse, _ = wife("0")
    result = run(
        [AGED, spouse],
        [unearned("2500")],
        ltc=CareMonth(resident=0, whole_month=True, setting="hcbs"),
    )
    assert result.allocations is not None
    assert result.allocations.spouse == money("2465")


def test_a_partial_month_in_care_uses_the_community_budget() -> None:
    """22 CCR 50605: part of a month in care → community budget: 2,500 − 20 − 600 = $1,880."""
    result = run([AGED], [unearned("2500")], ltc=CareMonth(resident=0, whole_month=False))
    assert result.soc == money("1880")
    assert result.ltc is False
    assert result.notes == ["Part of the month in care: the community budget applies."]


# --- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("persons", "incomes", "extra", "code", "field"),
    [
        (
            [Person(birth_date=date(2027, 1, 1))],
            [],
            {},
            "BIRTH_DATE_IN_FUTURE",
            "persons[0].birth_date",
        ),
        ([AGED], [unearned("-1")], {}, "INVALID_AMOUNT", "incomes[0].amount"),
        ([AGED], [unearned("1", person=3)], {}, "INVALID_PERSON", "incomes[0].person"),
        ([AGED], [], {"ltc": CareMonth(resident=0)}, "LTC_MONTH_MISSING", "ltc.whole_month"),
        ([], [], {}, "INVALID_HOUSEHOLD", "persons"),
    ],
)
def test_a_household_the_rules_cannot_budget_is_refused(
    persons: list[Person],
    incomes: list[HouseholdIncome],
    extra: dict[str, Any],
    code: str,
    field: str,
) -> None:
    with pytest.raises(InvalidInput) as raised:
        run(persons, incomes, **extra)
    assert raised.value.code == code
    assert raised.value.context["field"] == field


def test_unknown_program_and_a_free_program_that_does_not_fit() -> None:
    with pytest.raises(InvalidInput) as raised:
        run([AGED], [unearned("1300")], "free_for_all")
    assert raised.value.code == "UNKNOWN_PROGRAM"
    with pytest.raises(RuleRefusal) as refused:
        run([AGED], [unearned("3000")], "aged_disabled_fpl")
    assert refused.value.code == "PROGRAM_NOT_ELIGIBLE"


# --- properties -------------------------------------------------------------------------------
@given(
    st.integers(0, 800_000).map(Money.from_cents),
    st.integers(0, 400_000).map(Money.from_cents),
    st.booleans(),
    st.booleans(),
)
def test_property_the_ladder_never_charges_more_than_the_medically_needy_budget(
    unearned_income: Money, earned_income: Money, aged: bool, medicare: bool
) -> None:
    """Free programs only lower the answer: the ladder's SOC is 0 or the Medically Needy SOC."""
    person = Person(
        birth_date=date(1950 if aged else 1980, 1, 1), disabled=not aged, medicare=medicare
    )
    incomes = [
        HouseholdIncome(unearned_income, "unearned"),
        HouseholdIncome(earned_income, "earned"),
    ]
    ladder = run([person], incomes)
    direct = run([person], incomes, "medically_needy")
    assert ladder.soc in (Money.zero(), direct.soc)
    assert (ladder.program == "medically_needy") == (
        ladder.screened[-1].program == "medically_needy"
    )


@given(
    st.integers(0, 1_000_000).map(Money.from_cents), st.integers(0, 600_000).map(Money.from_cents)
)
def test_property_the_community_spouse_never_ends_above_the_allowance_by_the_allocation(
    resident: Money, spouse_income: Money
) -> None:
    """42 USC 1396r-5(d): her income plus the allocation never exceeds the MMMNA (unless her own
    income already does, then she gets nothing), and the SOC is never negative."""
    spouse = Person(birth_date=date(1950, 1, 1), relationship="spouse")
    result = run(
        [AGED, spouse],
        [HouseholdIncome(resident, "unearned"), HouseholdIncome(spouse_income, "unearned", 1)],
        ltc=CareMonth(resident=0, whole_month=True),
    )
    assert result.allocations is not None
    given_ = result.allocations.spouse or Money.zero()
    assert given_ >= Money.zero()
    assert spouse_income + given_ <= max(money("4066.50"), spouse_income)
    assert result.soc >= Money.zero()

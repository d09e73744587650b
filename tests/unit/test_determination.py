"""SOC determination (docs/rules.md §1): every worked example is its own test, each citing its rule.

W1, W2, W6 and D1 give *countable* (net) income: they are fed as unearned income of a family
budget, which applies no disregard, so the number given is the net nonexempt income.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spenddown.domain.errors import InvalidInput, RuleRefusal
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.determination import (
    BudgetState,
    ChildrenOnly,
    Determination,
    DeterminationRequest,
    Income,
    Step,
    determine_share_of_cost,
)
from spenddown.rules import determination_parameters

MONTH = BenefitMonth(2026, 11)


def determine(
    *,
    unearned: tuple[str, ...] = (),
    earned: tuple[str, ...] = (),
    premiums: tuple[str, ...] = (),
    size: int = 1,
    budget: str = "family",
    ltc: bool = False,
    children_only: ChildrenOnly | None = None,
    month: BenefitMonth = MONTH,
    reform: str | None = None,
) -> Determination:
    request = DeterminationRequest(
        month=month,
        household_size=size,
        ltc=ltc,
        budget=budget,  # type: ignore[arg-type]
        incomes=[Income("unearned", Money.of(a)) for a in unearned]
        + [Income("earned", Money.of(a)) for a in earned],
        premiums=[Money.of(p) for p in premiums],
        children_only=children_only,
    )
    return determine_share_of_cost(request, determination_parameters(month, reform))


def money(value: str) -> Money:
    return Money.of(value)


# --- worked examples of docs/rules.md §1 ---------------------------------------------------------
def test_w1_one_person_countable_1800_soc_1200() -> None:
    """W1 (22 CCR 50653, 50603): $1,800 − MNL $600 = $1,200."""
    result = determine(unearned=("1800",))
    assert result.soc == money("1200")
    assert result.maintenance_need_level == money("600")


def test_w2_couple_countable_2500_soc_1566() -> None:
    """W2 (22 CCR 50603, two adults): $2,500 − $934 = $1,566."""
    result = determine(unearned=("2500",), size=2)
    assert result.soc == money("1566")
    assert result.maintenance_need_level == money("934")


def test_w6_one_person_income_1300_soc_700() -> None:
    """W6 (22 CCR 50653): $1,300 − $600 = $700, the Medically Needy budget computed directly.
    Corrected meaning (2026-12-04): this is the budget a worker gets with ``--program
    medically_needy``; the ladder gives an aged or disabled person with this income $0 under A&D
    FPL (tests/unit/test_ladder.py), which is the real program's answer."""
    assert determine(unearned=("1300",)).soc == money("700")


@pytest.mark.parametrize(
    ("net", "rounded", "soc"),
    [("1234.50", "1235", "635"), ("1234.49", "1234", "634"), ("599.60", "600", "0")],
)
def test_d1_round_to_the_nearest_dollar_half_up(net: str, rounded: str, soc: str) -> None:
    """D1 (22 CCR 50653(b)): net income rounded to the dollar, 50 cents and more round up."""
    result = determine(unearned=(net,))
    assert result.net_nonexempt_income == money(net)
    assert result.rounded_income == money(rounded)
    assert result.soc == money(soc)


def test_d2_abd_social_security_with_premiums_soc_527_and_its_steps() -> None:
    """D2 (22 CCR 50549.2, 50555.2, 50653, 50603): 1,400 − 20 − 252.90 = 1,127.10 → 1,127 −
    600 = $527 as a Medically Needy budget computed directly (``--program medically_needy``);
    the ladder answers A&D FPL, SOC $0, for this person (tests/unit/test_ladder.py)."""
    result = determine(unearned=("1400",), premiums=("202.90", "50"), budget="abd")
    assert result.net_nonexempt_income == money("1127.10")
    assert result.rounded_income == money("1127")
    assert result.maintenance_need_level == money("600")
    assert result.soc == money("527")
    assert result.steps == [
        Step("22 CCR 50653", "Gross unearned income", money("1400")),
        Step("22 CCR 50549.2", "$20 any-income disregard (unearned income)", money("-20")),
        Step("22 CCR 50555.2", "Health insurance premium", money("-202.90")),
        Step("22 CCR 50555.2", "Health insurance premium", money("-50")),
        Step(
            "22 CCR 50653",
            "Round to the nearest dollar (50 cents and more round up)",
            money("-0.10"),
        ),
        Step("22 CCR 50603", "Maintenance need level (1 person)", money("-600")),
    ]
    assert sum((s.amount for s in result.steps), Money.zero()) == result.soc


def test_the_disregarded_half_of_earned_income_is_in_whole_cents() -> None:
    """2,553.99 − 20 − 65 = 2,468.99; half disregarded: 1,234.495 → 1,234.50 (a half cent in
    the member's favor); 1,234.49 is left, shown as it is rounded: $1,234 → SOC $634 (D1)."""
    result = determine(earned=("2553.99",), budget="abd")
    assert result.net_nonexempt_income == money("1234.49")
    assert result.rounded_income == money("1234")
    assert result.soc == money("634")
    assert money("-1234.50") in [s.amount for s in result.steps]
    assert sum((s.amount for s in result.steps), Money.zero()) == result.soc


def test_w10_ltc_all_month_social_security_835_soc_800() -> None:
    """W10 (22 CCR 50605, 50653(b)): LTC keeps $35, no $20 disregard: 835 − 35 = $800."""
    result = determine(unearned=("835",), budget="abd", ltc=True)
    assert result.soc == money("800")
    assert result.maintenance_need_level == money("35")
    rules = [step.rule for step in result.steps]
    assert "22 CCR 50549.2" not in rules
    assert "22 CCR 50605" in rules
    assert "22 CCR 50653(b)" in rules


def test_w11_child_only_two_children_both_parents_home() -> None:
    """W11 (Sneede v. Kizer): MNL(4) $1,100 ÷ 4 × 2 = $550; income $700 → SOC $150."""
    result = determine(unearned=("700",), size=2, children_only=ChildrenOnly(2, 2))
    assert result.maintenance_need_level == money("550")
    assert result.soc == money("150")
    assert "Sneede v. Kizer" in result.steps[-1].rule


def test_reform_138_fpl_is_indexed_to_the_fpl_of_each_year() -> None:
    """Reform (docs/rules.md "Reforms"): the need level is 138% of the FPL in force in the month
    (it was pinned to the 2021 FPL before, which reproduced the advocates' 2022 example, $1,500
    → SOC $18, but understated the level in every later year). 2026-11 uses the 2026 guideline
    $15,960: 1.38 × 15,960 ÷ 12 = 1,835.40 → $1,836; income $2,000 → SOC $164 (current law
    $1,400)."""
    assert determine(unearned=("2000",)).soc == money("1400")
    reformed = determine(unearned=("2000",), reform="mnl_138_fpl")
    assert reformed.maintenance_need_level == money("1836")
    assert reformed.soc == money("164")
    assert reformed.steps[-1].rule.startswith("Reform mnl_138_fpl")
    # 2025-11 reads the 2025 guideline ($15,650): 1.38 × 15,650 ÷ 12 = 1,799.75 → $1,800.
    request = DeterminationRequest(
        BenefitMonth(2025, 11), 1, False, "family", [Income("unearned", money("2000"))], []
    )
    earlier = determine_share_of_cost(
        request, determination_parameters(BenefitMonth(2025, 11), "mnl_138_fpl")
    )
    assert earlier.maintenance_need_level == money("1800")


# --- earned income (22 CCR 50549.2, 50551.2 for the $20; the $65 and one half: W&I 14005.7) ----
EARNED_RULE = "W&I 14005.7; 20 CFR 416.1112(c)"


def test_abd_earned_income_only() -> None:
    """2,000 − unused $20 − $65 = 1,915; half disregarded → 957.50 → 958 − 600 = $358."""
    result = determine(earned=("2000",), budget="abd")
    assert result.net_nonexempt_income == money("957.50")
    assert result.rounded_income == money("958")
    assert result.soc == money("358")
    assert [(s.rule, s.amount) for s in result.steps[:4]] == [
        ("22 CCR 50653", money("2000")),
        ("22 CCR 50551.2", money("-20")),
        # Corrected citation: 22 CCR 50551.2 covers only the unused $20; the $65 and one half
        # were cited to it before (wrong section).
        (EARNED_RULE, money("-65")),
        (EARNED_RULE, money("-957.50")),
    ]


def test_abd_any_income_disregard_split_between_unearned_and_earned() -> None:
    """$20 from unearned first ($10), the unused $10 from earned: 1,500 − 10 − 65 = 1,425,
    halved 712.50 → 713 − 600 = $113."""
    result = determine(unearned=("10",), earned=("1500",), budget="abd")
    assert result.net_nonexempt_income == money("712.50")
    assert result.soc == money("113")
    descriptions = [s.description for s in result.steps]
    assert "$20 any-income disregard (unearned income)" in descriptions
    assert "Unused part of the $20 any-income disregard (earned income)" in descriptions


def test_abd_halving_keeps_exact_value_until_the_named_rounding() -> None:
    """1,285.99 − 20 − 65 = 1,200.99; half = 600.495 exactly → rounds to 600 → SOC 0.
    Rounding the half to the cent first (600.50) would wrongly give 601 and SOC $1."""
    result = determine(earned=("1285.99",), budget="abd")
    assert result.rounded_income == money("600")
    assert result.soc == money("0")
    halving = next(s for s in result.steps if s.description.startswith("One half"))
    assert halving.amount == money("-600.50")  # shown rounded half up to the cent


def test_abd_small_earned_income_disregards_never_go_below_zero() -> None:
    result = determine(earned=("50",), budget="abd")
    assert result.net_nonexempt_income == money("0")
    assert result.soc == money("0")
    assert [s.amount for s in result.steps[:3]] == [money("50"), money("-20"), money("-30")]


def test_family_budget_applies_no_abd_disregard_but_deducts_premiums() -> None:
    """Family budgets get no ABD disregards; premiums are deducted. Corrected (2026-12-04): a
    family budget also has its own earned-income deduction, the $90 standard work expense per
    employed person (this test gave net $1,100 before, the family deductions were missing):
    1,000 − 90 + 200 − 100 = $1,010 → SOC $410."""
    result = determine(earned=("1000",), unearned=("200",), premiums=("100",))
    assert result.net_nonexempt_income == money("1010")
    assert result.soc == money("410")


def test_ltc_earned_income_gets_no_disregard_but_premiums_are_deducted() -> None:
    """22 CCR 50653(b): LTC adds back the $20 and earned-income disregards."""
    result = determine(earned=("1000",), premiums=("174.70",), budget="abd", ltc=True)
    assert result.net_nonexempt_income == money("825.30")
    assert result.rounded_income == money("825")
    assert result.soc == money("790")


def test_premiums_above_income_give_no_soc() -> None:
    result = determine(unearned=("100",), premiums=("250",))
    assert result.net_nonexempt_income == money("0")
    assert result.soc == money("0")
    assert sum((s.amount for s in result.steps), Money.zero()) == result.soc


def test_income_below_mnl_gives_no_soc() -> None:
    result = determine(unearned=("450",))
    assert result.soc == money("0")
    assert result.steps[-1].description == "Zero or less means no share of cost"


def test_child_only_mnl_rounds_up_to_the_dollar() -> None:
    """Sneede v. Kizer: 1 child, 2 parents: $934 ÷ 3 × 1 = 311.33 → $312."""
    result = determine(unearned=("400",), size=1, children_only=ChildrenOnly(1, 2))
    assert result.maintenance_need_level == money("312")
    assert result.soc == money("88")


def test_child_only_household_size_may_count_the_parents() -> None:
    result = determine(unearned=("700",), size=4, children_only=ChildrenOnly(2, 2))
    assert result.maintenance_need_level == money("550")


# --- validation ----------------------------------------------------------------------------
def test_household_size_above_10_is_refused() -> None:
    """docs/rules.md §1.3: the increment above 10 is unverified: refuse."""
    with pytest.raises(RuleRefusal) as raised:
        determine(unearned=("1000",), size=11)
    assert raised.value.code == "HOUSEHOLD_SIZE_UNSUPPORTED"
    # Long-term care keeps the $35 allowance whatever the household: no MNL is needed.
    ltc = determine(unearned=("835",), size=11, budget="abd", ltc=True)
    assert (ltc.soc, ltc.maintenance_need_level) == (money("800"), money("35"))


def test_household_size_above_10_uses_a_configured_increment() -> None:
    params = dataclasses.replace(
        determination_parameters(MONTH), maintenance_need_level_increment=money("100")
    )
    request = DeterminationRequest(
        MONTH, 12, False, "family", [Income("unearned", money("3000"))], []
    )
    result = determine_share_of_cost(request, params)
    assert result.maintenance_need_level == money("2159")  # 1,959 + 2 × 100
    assert result.soc == money("841")


@pytest.mark.parametrize("size", [0, -1])
def test_household_size_below_1_is_invalid(size: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        determine(unearned=("1000",), size=size)
    assert raised.value.code == "INVALID_HOUSEHOLD_SIZE"


def test_negative_income_is_invalid() -> None:
    with pytest.raises(InvalidInput) as raised:
        determine(unearned=("-1",))
    assert raised.value.code == "INVALID_AMOUNT"


def test_negative_premium_is_invalid() -> None:
    with pytest.raises(InvalidInput) as raised:
        determine(unearned=("1000",), premiums=("-5",))
    assert raised.value.code == "INVALID_AMOUNT"


@pytest.mark.parametrize(
    ("children_only", "size", "ltc"),
    [
        (ChildrenOnly(0, 2), 0, False),
        (ChildrenOnly(2, -1), 2, False),
        (ChildrenOnly(2, 2), 3, False),
        (ChildrenOnly(2, 2), 2, True),
    ],
)
def test_children_only_counts_must_be_sane(
    children_only: ChildrenOnly, size: int, ltc: bool
) -> None:
    with pytest.raises(InvalidInput) as raised:
        determine(unearned=("700",), size=size, children_only=children_only, ltc=ltc)
    assert raised.value.code == "INVALID_CHILDREN_ONLY"


def test_children_only_above_10_persons_is_refused() -> None:
    with pytest.raises(RuleRefusal) as raised:
        determine(unearned=("700",), size=3, children_only=ChildrenOnly(3, 9))
    assert raised.value.code == "HOUSEHOLD_SIZE_UNSUPPORTED"


def test_parameters_of_another_month_are_refused() -> None:
    request = DeterminationRequest(MONTH, 1, False, "family", [], [])
    with pytest.raises(InvalidInput) as raised:
        determine_share_of_cost(request, determination_parameters(BenefitMonth(2026, 10)))
    assert raised.value.code == "PARAMETERS_MONTH_MISMATCH"


# --- deductions are data: a county may add a dated rule ---------------------------------------
@dataclasses.dataclass(frozen=True)
class CountyWorkExpense:
    citation: str = "County handbook 1.2"
    effective_from: date = date(2026, 1, 1)
    effective_until: date | None = None
    name: str = "county_work_expense"

    def applies(self, request: DeterminationRequest) -> bool:
        return request.budget == "family"

    def apply(self, state: BudgetState, request: DeterminationRequest) -> None:
        state.other_deductions += Decimal(90)
        state.step(self.citation, "Work expense", Decimal(-90))


@pytest.mark.parametrize(
    # Earned $1,000 of a family budget: −$90 work expense (added 2026-12-04), −$90 county rule
    # from its date: 1,000 − 90 − 90 − 600 = $220; before the county rule's date $310.
    ("month", "soc"),
    [(BenefitMonth(2026, 11), "220"), (BenefitMonth(2025, 12), "310")],
)
def test_a_county_deduction_rule_applies_only_from_its_date(month: BenefitMonth, soc: str) -> None:
    base = determination_parameters(month)
    params = dataclasses.replace(base, deductions=(*base.deductions, CountyWorkExpense()))
    request = DeterminationRequest(month, 1, False, "family", [Income("earned", money("1000"))], [])
    assert determine_share_of_cost(request, params).soc == money(soc)


# --- properties -------------------------------------------------------------------------------
amounts = st.integers(min_value=0, max_value=1_000_000).map(Money.from_cents)
budgets = st.sampled_from(["abd", "family"])


def _request(
    unearned: Money, earned: Money, premium: Money, size: int, budget: str, ltc: bool
) -> DeterminationRequest:
    return DeterminationRequest(
        MONTH,
        size,
        ltc,
        budget,  # type: ignore[arg-type]
        [Income("unearned", unearned), Income("earned", earned)],
        [premium],
    )


@given(amounts, amounts, amounts, st.integers(1, 10), budgets, st.booleans())
def test_property_soc_is_never_negative(
    unearned: Money, earned: Money, premium: Money, size: int, budget: str, ltc: bool
) -> None:
    """22 CCR 50653: zero or less means no SOC."""
    result = determine_share_of_cost(
        _request(unearned, earned, premium, size, budget, ltc), determination_parameters(MONTH)
    )
    assert result.soc.amount >= 0
    assert result.net_nonexempt_income.amount >= 0
    assert result.soc.amount == result.soc.amount.to_integral_value()  # whole dollars


@given(amounts, amounts, amounts, amounts, st.integers(1, 10), budgets, st.booleans())
def test_property_soc_is_monotone_in_income(
    unearned: Money, earned: Money, premium: Money, more: Money, size: int, budget: str, ltc: bool
) -> None:
    """More income (earned or unearned) never lowers the SOC."""
    params = determination_parameters(MONTH)
    base = determine_share_of_cost(_request(unearned, earned, premium, size, budget, ltc), params)
    more_unearned = determine_share_of_cost(
        _request(unearned + more, earned, premium, size, budget, ltc), params
    )
    more_earned = determine_share_of_cost(
        _request(unearned, earned + more, premium, size, budget, ltc), params
    )
    assert more_unearned.soc >= base.soc
    assert more_earned.soc >= base.soc


@given(amounts, amounts, st.integers(1, 10), budgets, st.booleans())
def test_property_steps_add_up_to_the_soc_without_earned_income(
    unearned: Money, premium: Money, size: int, budget: str, ltc: bool
) -> None:
    """Every step is a signed amount: without halving (no fractional cents) they sum to the SOC."""
    result = determine_share_of_cost(
        _request(unearned, Money.zero(), premium, size, budget, ltc),
        determination_parameters(MONTH),
    )
    assert sum((s.amount for s in result.steps), Money.zero()) == result.soc

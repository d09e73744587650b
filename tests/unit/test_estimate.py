"""Savings estimate (issue 4; docs/rules.md §5.6; seed: ABA, many visits a week) on the pure
domain."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from spenddown.domain.cob.estimate import (
    Estimate,
    PrimaryCostSharing,
    ServicePattern,
    estimate_savings,
    provider_fit,
)
from spenddown.domain.errors import InvalidInput
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth

MONDAY = date(2026, 1, 5)
ABA = ServicePattern("97153", units_per_visit=4, visits_per_week=5)  # weeks = 52
PPO = PrimaryCostSharing(
    deductible=Money.of("1500"), out_of_pocket_max=Money.of("6000"), copay_per_visit=Money.of("30")
)


def m(value: str) -> Money:
    return Money.of(value)


def aba(soc: str) -> Estimate:
    return estimate_savings(
        PPO,
        ABA,
        primary_allowed_per_unit=m("30.00"),
        medi_cal_allowed_per_unit=m("16.50"),
        monthly_soc=m(soc),
        start=MONDAY,
    )


def test_seed_aba_worked_example_without_soc() -> None:
    """Seed: ABA 97153, 4 units, 5 visits a week, 52 weeks = 260 visits, Monday to Friday.

    Per visit the PPO allows 4 × $30.00 = $120.00; Medi-Cal allows 4 × $16.50 = $66.00.
    Without Medi-Cal:
      visits 1–12: all deductible, 12 × $120 = $1,440;
      visit 13: the last $60 of deductible + $30 copay = $90 (cumulative $1,530);
      visits 14…: $30 copay each; $6,000 − $1,530 = $4,470 = 149 × $30 → the out-of-pocket
      maximum is reached at visit 13 + 149 = 162; visits 163–260 cost nothing. Total $6,000.
    With Medi-Cal as secondary (docs/rules.md §5.6, paid = max(0, min(L, A − P))):
      visits 1–12: L = 120, P = 0 → pays min(120, 66) = $66, write-off $54;
      visit 13: L = 90, P = 30 → pays min(90, 36) = $36, write-off $54;
      visits 14–162: L = 30, P = 90 → A − P < 0 → pays $0, write-off $30.
      Medi-Cal pays 12 × 66 + 36 = $828; write-off 6,000 − 828 = $5,172; the family pays $0.
    """
    result = aba("0")
    assert result.visits == 260
    assert str(result.primary_allowed_per_visit) == "120.00"
    assert str(result.medi_cal_allowed_per_visit) == "66.00"
    assert result.deductible_met_at_visit == 13
    assert result.out_of_pocket_max_at_visit == 162
    assert str(result.without_medi_cal) == "6000.00"
    assert str(result.with_medi_cal) == "0.00"
    assert str(result.savings) == "6000.00"
    assert str(result.medi_cal_paid) == "828.00"
    assert str(result.provider_write_off) == "5172.00"
    # The PPO pays 260 × $120 − $6,000 = $25,200 either way.
    assert str(result.primary_paid) == "25200.00"
    assert any("you save $6,000.00" in step for step in result.explanation)


def test_seed_aba_worked_example_with_a_monthly_share_of_cost() -> None:
    """Same pattern, SOC $100 a month (docs/rules.md §5.6: the SOC comes off Medi-Cal's payment from
    the month's first visit; the family pays min(SOC, the month's cost sharing)).

    Visits per month from Monday 2026-01-05: Jan 20 (1–20), Feb 20 (21–40), Mar 22, Apr 22,
    May 21, Jun 22, Jul 23 (128–150), Aug 21 (151–171); visit 162 (out-of-pocket maximum) is
    2026-08-18, so January to August have cost sharing (each ≥ $100) and the family pays
    8 × $100 = $800; September on costs nothing.
    January: cost sharing 1,440 + 90 + 7 × 30 = $1,740. Before the SOC Medi-Cal would pay
    visits 1–12: 12 × 66 = $792 and visit 13: $36. The $100 comes off from the first visit:
    visit 1 pays 66 − 66 = $0, visit 2 pays 66 − 34 = $32, visits 3–12: 10 × 66 = $660,
    visit 13: $36 → Medi-Cal $728 (= 828 − 100); write-off 1,740 − 728 − 100 = $912.
    Savings: 6,000 − 800 = $5,200. Medi-Cal in the year: $728.
    """
    result = aba("100")
    assert str(result.with_medi_cal) == "800.00"
    assert str(result.savings) == "5200.00"
    assert str(result.medi_cal_paid) == "728.00"
    january = result.months[0]
    assert january.month == BenefitMonth(2026, 1)
    assert (january.visits, str(january.cost_sharing)) == (20, "1740.00")
    assert (str(january.medi_cal_paid), str(january.family_pays)) == ("728.00", "100.00")
    assert str(january.provider_write_off) == "912.00"
    assert [mo.visits for mo in result.months] == [
        20,
        20,
        22,
        22,
        21,
        22,
        23,
        21,
        22,
        22,
        21,
        23,
        1,
    ]
    paying = [str(mo.month) for mo in result.months if mo.family_pays.is_positive()]
    assert paying == [f"2026-{n:02d}" for n in range(1, 9)]
    august = result.months[7]
    assert str(august.cost_sharing) == "360.00"  # visits 151–162: 12 × $30
    # Every month adds up: cost sharing = Medi-Cal + family + write-off.
    for mo in result.months:
        assert mo.cost_sharing == mo.medi_cal_paid + mo.family_pays + mo.provider_write_off


def test_coinsurance_and_a_partial_last_visit_at_the_out_of_pocket_maximum() -> None:
    """Deductible $500, 20 % coinsurance, OOP max $2,000; $120 allowed per visit.

    Visits 1–4: $480 deductible; visit 5: $20 deductible + 20 % of $100 = $40 (cum. $520);
    then $24 a visit: 61 visits → $1,984 at visit 66; visit 67 pays the last $16 → $2,000.
    Medi-Cal ($66 a visit): visits 1–4 pay $66 each = $264; visit 5 P = 80 > 66 → $0.
    """
    sharing = PrimaryCostSharing(
        deductible=m("500"), out_of_pocket_max=m("2000"), coinsurance_percent=Decimal("20")
    )
    result = estimate_savings(
        sharing,
        ABA,
        primary_allowed_per_unit=m("30"),
        medi_cal_allowed_per_unit=m("16.50"),
        monthly_soc=Money.zero(),
        start=MONDAY,
    )
    assert (result.deductible_met_at_visit, result.out_of_pocket_max_at_visit) == (5, 67)
    assert str(result.without_medi_cal) == "2000.00"
    assert str(result.medi_cal_paid) == "264.00"
    assert str(result.savings) == "2000.00"


def test_coinsurance_rounds_half_up_to_the_cent() -> None:
    """$10.05 allowed, no deductible, 15 %: 1.5075 → $1.51 a visit (never a float)."""
    sharing = PrimaryCostSharing(
        deductible=Money.zero(), out_of_pocket_max=m("1000"), coinsurance_percent=Decimal("15")
    )
    result = estimate_savings(
        sharing,
        ServicePattern("99213", 1, 1, weeks=2),
        primary_allowed_per_unit=m("10.05"),
        medi_cal_allowed_per_unit=m("10.00"),
        monthly_soc=Money.zero(),
        start=MONDAY,
    )
    assert str(result.without_medi_cal) == "3.02"


def test_cost_sharing_and_pattern_are_checked() -> None:
    with pytest.raises(InvalidInput):
        PrimaryCostSharing(m("0"), m("0"), copay_per_visit=m("1"), coinsurance_percent=Decimal(1))
    with pytest.raises(InvalidInput):
        PrimaryCostSharing(m("0"), m("0"), coinsurance_percent=Decimal("120"))
    with pytest.raises(InvalidInput):
        ServicePattern("97153", 4, 8)


def test_rules_5_1_and_seed_provider_takes_both_to_qualify() -> None:
    """docs/rules.md §5.1: a plan member's provider must contract with the plan; the seed: many plan
    providers do not take straight Medi-Cal, and the provider must take the primary too."""
    both = provider_fit(
        npi="1",
        name="Bright Steps ABA",
        primary_networks=["ACME-PPO"],
        medi_cal_ffs=False,
        plans=["HN"],
        member_networks=["ACME-PPO"],
        member_plan="HN",
    )
    assert both.qualifies
    assert "Qualifies" in both.why
    ppo_only = provider_fit(
        npi="2",
        name="PPO Only ABA",
        primary_networks=["ACME-PPO"],
        medi_cal_ffs=True,
        plans=[],
        member_networks=["ACME-PPO"],
        member_plan="HN",
    )
    assert (ppo_only.takes_primary, ppo_only.takes_medi_cal, ppo_only.qualifies) == (
        True,
        False,
        False,
    )
    assert "only the private insurance" in ppo_only.why
    plan_not_ffs = provider_fit(
        npi="3",
        name="Plan Clinic",
        primary_networks=["ACME-PPO"],
        medi_cal_ffs=False,
        plans=["HN"],
        member_networks=["ACME-PPO"],
        member_plan=None,
    )
    assert not plan_not_ffs.qualifies
    assert "does not take straight Medi-Cal" in plan_not_ffs.why

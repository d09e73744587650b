"""Parameter lookup by date (docs/rules.md §0.1: latest value on or before the day) and the typed
accessors: MNL (22 CCR 50603), reform (docs/rules.md §1.6), asset limits (docs/rules.md §1.7), code
lists (docs/rules.md §7)."""

from __future__ import annotations

from datetime import date

import pytest

from spenddown.domain.eligibility.codes import Program, Scope
from spenddown.domain.errors import InvalidInput, RuleRefusal
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.rules import (
    REFORMS,
    ParameterTree,
    aid_codes,
    asset_limit,
    carc_codes,
    determination_parameters,
    load_parameters,
    maintenance_need_level,
    ohc_codes,
    ohc_coverage,
    plan_statuses,
)
from spenddown.rules.loader import parse_document

MNL = "medi_cal/share_of_cost/maintenance_need_level"


def _tree() -> ParameterTree:
    document = {
        "description": "Test parameter.",
        "unit": "currency-USD",
        "metadata": {"reference": [{"title": "Test", "href": "https://example.org/"}]},
        "values": {"2000-01-01": 10, "2010-07-01": 20, "2020-01-01": None},
    }
    return ParameterTree({"x/y": parse_document(document, "x/y")})


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2000, 1, 1), 10),  # on the effective date itself
        (date(2010, 6, 30), 10),
        (date(2010, 7, 1), 20),
        (date(2019, 12, 31), 20),
        (date(2020, 1, 1), None),  # a dated null is a value (e.g. "no limit")
        (date(2999, 1, 1), None),
    ],
)
def test_lookup_returns_the_latest_value_on_or_before_the_day(on: date, expected: object) -> None:
    tree = _tree()
    assert tree.get("x/y", on) == expected
    assert tree.get("x.y", on) == expected  # dotted names work too


def test_lookup_before_the_first_date_is_refused() -> None:
    with pytest.raises(RuleRefusal) as raised:
        _tree().get("x/y", date(1999, 12, 31))
    assert raised.value.code == "PARAMETER_NOT_IN_FORCE"


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(RuleRefusal) as raised:
        load_parameters().get("medi_cal/nothing", date(2026, 1, 1))
    assert raised.value.code == "PARAMETER_UNKNOWN"


def test_mnl_in_force_since_1989_and_refused_before() -> None:
    """22 CCR 50603, W&I 14005.12: MNL unchanged since 1989-07-01."""
    tree = load_parameters()
    assert tree.get(MNL, date(1989, 7, 1))[1] == 600
    # Size 2 by composition (corrected 2026-12-04: $934 was the two-adult case only).
    assert tree.get(MNL, date(2026, 11, 1))[2] == {"two_adults": 934, "otherwise": 750}
    with pytest.raises(RuleRefusal) as raised:
        tree.get(MNL, date(1989, 6, 30))
    assert raised.value.code == "PARAMETER_NOT_IN_FORCE"
    with pytest.raises(RuleRefusal):
        maintenance_need_level(1, BenefitMonth(1989, 6))


@pytest.mark.parametrize(
    ("size", "mnl"),
    [(1, "600"), (2, "934"), (3, "934"), (4, "1100"), (5, "1259"), (6, "1417"), (7, "1550"),
     (8, "1692"), (9, "1825"), (10, "1959")],
)  # fmt: skip
def test_maintenance_need_level_by_household_size(size: int, mnl: str) -> None:
    """22 CCR 50603 table (docs/rules.md §1.3)."""
    assert maintenance_need_level(size, BenefitMonth(2026, 11)) == Money.of(mnl)


def test_mnl_above_10_persons_is_refused_while_the_increment_is_unverified() -> None:
    """docs/rules.md §1.3: refuse sizes above 10 unless the increment is configured."""
    with pytest.raises(RuleRefusal) as raised:
        maintenance_need_level(11, BenefitMonth(2026, 11))
    assert raised.value.code == "HOUSEHOLD_SIZE_UNSUPPORTED"
    assert "maintenance_need_level_each_additional_person" in raised.value.detail


def test_mnl_household_size_below_1_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as raised:
        maintenance_need_level(0, BenefitMonth(2026, 11))
    assert raised.value.code == "INVALID_HOUSEHOLD_SIZE"


def test_reform_mnl_138_fpl_uses_the_fpl_of_the_month_rounded_up() -> None:
    """Corrected 2026-12-04: the reform is indexed to the FPL in force in the month (it was
    pinned to the 2021 FPL, $1,482). 2026-11: 138% × $15,960 ÷ 12 = $1,835.40 → $1,836."""
    assert {"mnl_138_fpl", "pna_80"} == REFORMS
    month = BenefitMonth(2026, 11)
    assert maintenance_need_level(1, month, reform="mnl_138_fpl") == Money.of(1836)
    # 1.38 × (15,960 + 5,680) ÷ 12 = 2,488.60 → 2,489
    assert maintenance_need_level(2, month, reform="mnl_138_fpl") == Money.of(2489)
    assert maintenance_need_level(1, month) == Money.of(600)  # off by default


def test_reform_does_not_reach_months_before_its_date() -> None:
    """The reform was to start 2025-01-01: earlier months keep the current-law MNL."""
    assert maintenance_need_level(1, BenefitMonth(2024, 12), reform="mnl_138_fpl") == Money.of(600)
    # January 2025 still uses the 2024 guideline ($15,060, in force from 2024-04-01): $1,732.
    assert maintenance_need_level(1, BenefitMonth(2025, 1), reform="mnl_138_fpl") == Money.of(1732)


def test_unknown_reform_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as raised:
        determination_parameters(BenefitMonth(2026, 11), reform="mnl_200_fpl")
    assert raised.value.code == "UNKNOWN_REFORM"
    with pytest.raises(InvalidInput):
        maintenance_need_level(1, BenefitMonth(2026, 11), reform="nope")


def test_determination_parameters_of_a_month() -> None:
    params = determination_parameters(BenefitMonth(2026, 11))
    assert params.personal_needs_allowance == Money.of(35)
    assert params.personal_needs_allowance_citation == "22 CCR 50605"
    assert params.any_income_disregard == Money.of(20)
    assert params.earned_income_disregard == Money.of(65)
    assert str(params.earned_income_fraction_disregarded) == "0.5"
    assert params.maintenance_need_level_increment is None
    assert [rule.name for rule in params.deductions] == [
        "any_income_disregard",
        "earned_income_disregard",
        # family-budget deductions (added 2026-12-04), then premiums in every budget
        "work_expense_deduction",
        "dependent_care_deduction",
        "support_paid_deduction",
        "health_insurance_premiums",
    ]
    assert params.maintenance_need_level_citation == "22 CCR 50603"


# --- asset limits (docs/rules.md §1.7) ----------------------------------------------------------
@pytest.mark.parametrize(
    ("on", "size", "limit"),
    [
        # before 2022-07-01: $2,000 one, $3,000 two, +$150 per extra person up to ten
        (date(2022, 6, 30), 1, "2000"),
        (date(2022, 6, 30), 2, "3000"),
        (date(2022, 6, 30), 3, "3150"),
        (date(2022, 6, 30), 10, "4200"),
        (date(2022, 6, 30), 12, "4200"),
        # from 2022-07-01: $130,000 + $65,000 per extra person
        (date(2022, 7, 1), 1, "130000"),
        (date(2022, 7, 1), 2, "195000"),
        (date(2023, 12, 31), 4, "325000"),
        (date(2023, 12, 31), 11, "780000"),  # no cap at ten persons (docs/rules.md §1.7)
        # from 2024-01-01: no limit
        (date(2024, 1, 1), 1, None),
        (date(2025, 12, 31), 5, None),
        # from 2026-01-01 (DHCS ACWDL 25-14): $130,000 one, $195,000 couple, +$65,000 each
        (date(2026, 1, 1), 1, "130000"),
        (date(2026, 1, 1), 2, "195000"),
        (date(2026, 1, 1), 3, "260000"),
        (date(2026, 1, 1), 10, "715000"),
        (date(2026, 1, 1), 12, "845000"),
    ],
)
def test_asset_limit_at_each_date(on: date, size: int, limit: str | None) -> None:
    expected = None if limit is None else Money.of(limit)
    assert asset_limit(size, on) == expected


def test_asset_limit_acwdl_25_14_example() -> None:
    """ACWDL 25-14: from 2026-01-01 a single person $130,000, a couple $195,000, and each
    additional household member $65,000 more (a family of four: $325,000)."""
    on = date(2026, 1, 1)
    assert asset_limit(1, on) == Money.of(130_000)
    assert asset_limit(2, on) == Money.of(195_000)
    assert asset_limit(4, on) == Money.of(325_000)


def test_asset_limit_before_first_date_and_bad_size() -> None:
    with pytest.raises(RuleRefusal):
        asset_limit(1, date(1980, 1, 1))
    with pytest.raises(InvalidInput):
        asset_limit(0, date(2026, 1, 1))


# --- code lists (docs/rules.md §7) ---------------------------------------------------------------
def test_aid_code_attributes() -> None:
    codes = aid_codes()
    assert codes["C1"].scope is Scope.RESTRICTED
    assert not codes["C1"].soc
    assert codes["C2"].scope is Scope.RESTRICTED
    assert codes["C2"].soc
    assert codes["37"].soc
    assert codes["37"].verified
    for code in ("14", "24", "64", "34", "83"):
        assert not codes[code].soc, code
    for code in ("17", "27", "67", "87"):
        assert (codes[code].soc, codes[code].ltc) == (True, False), code
    for code in ("13", "23", "63", "53"):
        assert (codes[code].soc, codes[code].ltc) == (True, True), code
    for code in ("85", "88", "89"):
        assert (codes[code].program, codes[code].verified) == (Program.CMSP, False), code
    assert codes["88"].soc
    assert not codes["17"].verified  # general knowledge: unverified
    assert aid_codes(date(2026, 1, 1)) == codes


def test_ohc_codes_and_their_scopes() -> None:
    """docs/rules.md §5.3: cost avoidance C D E F H K L P Q W; A pay and chase; V ended 2017."""
    codes = ohc_codes()
    cost_avoidance = {code for code, ohc in codes.items() if ohc.cost_avoidance and not ohc.ended}
    assert cost_avoidance == set("CDEFHKLPQW")
    assert codes["A"].pay_and_chase
    assert not codes["A"].cost_avoidance
    assert codes["V"].ended == date(2017, 1, 1)
    for code in "GNOI":
        assert not codes[code].cost_avoidance
    coverage = ohc_coverage()
    assert coverage["L"].scopes == ("dental",)
    assert coverage["E"].scopes == ("vision",)
    assert coverage["D"].scopes == ("pharmacy",)
    assert coverage["Q"].scopes == ("pharmacy",)
    on = date(2026, 11, 5)
    assert coverage["L"].avoids_cost_for("dental", on)
    assert not coverage["L"].avoids_cost_for("medical", on)
    assert coverage["P"].avoids_cost_for("medical", on)
    assert not coverage["A"].avoids_cost_for("medical", on)
    assert coverage["V"].avoids_cost_for("medical", date(2016, 12, 31))
    assert not coverage["V"].avoids_cost_for("medical", date(2017, 1, 1))


def test_plan_statuses_and_carc_codes() -> None:
    assert set(plan_statuses()) == {"01", "55", "00"}
    carc = carc_codes()
    assert carc["178"] == "Patient has not met the required spend down requirements."
    assert "another payer" in carc["22"]
    assert "patient liability" in carc["142"]


def test_parameter_overrides_for_a_whatif_are_dated_and_checked() -> None:
    """docs/rules.md "Population what-if": a value, or dated values of which the one in force."""
    from spenddown.rules import with_overrides

    month = BenefitMonth(2026, 11)
    pna = "medi_cal/share_of_cost/personal_needs_allowance_ltc"
    params, _ = with_overrides(month, None, {pna: 80})
    assert params.personal_needs_allowance == Money.of(80)
    dated, _ = with_overrides(month, None, {pna: {"2026-01-01": 50, "2027-01-01": 90}})
    assert dated.personal_needs_allowance == Money.of(50)
    later, _ = with_overrides(month, None, {pna: {"2027-01-01": 90}})
    assert later.personal_needs_allowance == Money.of(35)  # not in force yet: current law
    _, ladder = with_overrides(
        month, None, {"medi_cal/programs/aged_disabled_fpl": {"individual": 2000, "couple": 2700}}
    )
    assert ladder.ad_fpl_individual == Money.of(2000)
    mnl, _ = with_overrides(
        month, None, {"medi_cal/share_of_cost/maintenance_need_level": {1: 1000}}
    )
    assert mnl.maintenance_need_level_for(1) == Money.of(1000)
    with pytest.raises(InvalidInput) as unknown:
        with_overrides(month, None, {"medi_cal/asset_limits": 1})
    assert unknown.value.code == "UNKNOWN_PARAMETER_OVERRIDE"
    with pytest.raises(InvalidInput) as invalid:
        with_overrides(month, None, {pna: "lots"})
    assert invalid.value.code == "INVALID_PARAMETER_OVERRIDE"

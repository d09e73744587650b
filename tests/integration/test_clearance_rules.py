"""docs/rules.md §3 (clearance, reversal, certification) and §1.8 (SOC changes), on both engines."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from spenddown.adapters.db import tables
from spenddown.domain.errors import Forbidden, InvalidInput, NotFound, RuleRefusal
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import Payment
from spenddown.services import plans, share_of_cost
from spenddown.services.audit import audit_ledger
from support.world import CLINIC, LTC_HOME, PHARMACY, PHYSICIAN, World

NOV = BenefitMonth(2026, 11)


def _activations(world: World, plan: str = "HN") -> list[tuple[str, str]]:
    page = plans.activations_since(plan, None, world.app.uow())
    return [(a.cin, str(a.month)) for a in page.activations]


def test_rules_3_partial_clearance_applies_the_charge(world: World) -> None:
    result = world.clear("150.00")
    assert (str(result.applied), str(result.remaining)) == ("150.00", "450.00")
    assert result.certified is False
    assert result.evc is None
    assert result.messages == ("SOC CLEARED. REMAINING SOC $450.00.",)


def test_rules_3_clearance_applies_min_of_charge_and_remaining_and_certifies(world: World) -> None:
    world.clear("500.00")
    result = world.clear("250.00", code="99214", provider=CLINIC)
    assert (str(result.applied), str(result.remaining)) == ("100.00", "0.00")
    assert result.certified is True
    assert result.evc is not None
    assert result.messages == ("SOC CERTIFIED. REMAINING SOC $0.00.",)


def test_rules_3_certification_makes_the_whole_budget_unit_eligible_and_activates_plans(
    world: World,
) -> None:
    assert world.verify("22222222B").eligible is False
    world.clear("600.00")
    spouse = world.verify("22222222B")
    assert spouse.eligible is True
    assert spouse.eligibility_status == "3"
    assert spouse.plan is not None
    assert spouse.plan.hcp_status == "01"
    assert sorted(_activations(world)) == [("12345678A", "2026-11"), ("22222222B", "2026-11")]
    # the child's own unit (B) is untouched
    assert world.verify("33333333C").eligible is False


def test_rules_3_nothing_after_certification(world: World) -> None:
    world.clear("600.00")
    with pytest.raises(RuleRefusal) as met:
        world.clear("10.00", code="99999")
    assert met.value.code == "SOC_ALREADY_MET"


def test_rules_3_one_clearance_per_rendered_service(world: World) -> None:
    world.clear("100.00")
    with pytest.raises(RuleRefusal) as duplicate:
        world.clear("100.00")  # same provider, member, date and code: a payment plan is one
    assert duplicate.value.code == "DUPLICATE_CLEARANCE"
    # another provider, or another service, is a separate clearance
    world.clear("100.00", provider=CLINIC)
    world.clear("100.00", code="99214")


def test_rules_3_idempotency_key_returns_the_first_result_and_applies_once(world: World) -> None:
    first = world.clear("100.00", key="visit-17")
    again = world.clear("100.00", key="visit-17")
    assert again.clearance_id == first.clearance_id
    assert (str(again.applied), str(again.remaining)) == ("100.00", "500.00")
    assert str(world.verify().share_of_cost.remaining) == "500.00"  # type: ignore[union-attr]
    with pytest.raises(RuleRefusal) as reused:
        world.clear("120.00", key="visit-17")
    assert reused.value.code == "IDEMPOTENCY_KEY_REUSED"
    # the key is the provider's own: another provider may use the same text
    other = world.clear("50.00", key="visit-17", provider=CLINIC)
    assert other.clearance_id != first.clearance_id


def test_rules_3_obligated_payment_clears_like_a_paid_one(world: World) -> None:
    result = world.clear("600.00", payment=Payment.OBLIGATED)
    assert result.certified is True
    assert result.payment is Payment.OBLIGATED


def test_rules_3_refusals_apply_nothing(world: World) -> None:
    with pytest.raises(InvalidInput):
        world.clear("0.00")
    with pytest.raises(RuleRefusal) as no_soc:
        world.clear("10.00", cin="88888888H")
    assert no_soc.value.code == "NO_SOC_FOR_MONTH"
    with pytest.raises(InvalidInput):
        world.clear("10.00", service_date=date(2026, 12, 1))
    assert str(world.verify().share_of_cost.remaining) == "600.00"  # type: ignore[union-attr]


def test_rules_3_reversal_restores_and_is_only_by_its_provider(world: World) -> None:
    clearance = world.clear("200.00")
    with pytest.raises(Forbidden) as other:
        world.reverse(clearance.clearance_id, provider=CLINIC)
    assert other.value.code == "FORBIDDEN"
    reversed_ = world.reverse(clearance.clearance_id)
    assert reversed_.reversed is True
    assert str(reversed_.remaining) == "600.00"
    with pytest.raises(RuleRefusal) as twice:
        world.reverse(clearance.clearance_id)
    assert twice.value.code == "ALREADY_REVERSED"
    # a reversed service may be cleared again (e.g. with the right charge)
    assert str(world.clear("180.00").remaining) == "420.00"
    with pytest.raises(NotFound):
        world.reverse("c_nothing")


def test_rules_3_no_reversal_after_certification(world: World) -> None:
    first = world.clear("100.00")
    world.clear("500.00", provider=CLINIC)
    with pytest.raises(RuleRefusal) as refused:
        world.reverse(first.clearance_id)
    assert refused.value.code == "SOC_CERTIFIED_NO_REVERSAL"


def test_rules_3_ie_rr_expense_clears_a_unit_that_lists_them(world: World) -> None:
    # The responsible relative is on units A and B: the unit must be named.
    with pytest.raises(InvalidInput) as ambiguous:
        world.clear("50.00", cin="44444444D")
    assert ambiguous.value.code == "BUDGET_UNIT_REQUIRED"
    result = world.clear("150.00", cin="44444444D", budget_unit="B")
    assert (result.budget_unit, result.certified) == ("B", True)
    # the child on unit B is now eligible; the RR gets no coverage from it
    assert world.verify("33333333C").eligible is True
    assert world.verify("44444444D").eligible is False
    # a dollar counts once: the same expense cannot also clear unit A
    with pytest.raises(RuleRefusal):
        world.clear("150.00", cin="44444444D", budget_unit="A")
    assert str(world.verify().share_of_cost.remaining) == "600.00"  # type: ignore[union-attr]


def test_rules_3_one_expense_clears_cmsp_and_medi_cal(world: World) -> None:
    result = world.clear("250.00", cin="77777777G")
    by_program = {
        p.program: (str(p.applied), str(p.remaining), p.certified) for p in result.programs
    }
    assert by_program == {
        "medi-cal": ("250.00", "50.00", False),
        "cmsp": ("200.00", "0.00", True),
    }
    verification = world.verify("77777777G")
    assert [c.aid_code for c in verification.aid_codes] == ["88"]  # CMSP certified
    assert verification.eligible is True


def test_rules_4_ltc_soc_is_not_cleared_online_except_by_the_facility(world: World) -> None:
    share_of_cost.start_month(NOV, world.app.uow(), world.app.env)
    with pytest.raises(RuleRefusal) as refused:
        world.clear("100.00", cin="55555555E", provider=PHARMACY)
    assert refused.value.code == "LTC_SOC_NOT_CLEARED_ONLINE"
    by_facility = world.clear("100.00", cin="55555555E", provider=LTC_HOME, code="ZROOM")
    assert str(by_facility.applied) == "100.00"
    assert by_facility.certified is True  # still LTC auto-certified, $700 left to collect


def test_rules_4_month_start_is_idempotent_and_activates_once(world: World) -> None:
    data = {
        "members": [
            {
                "cin": "12121212K",
                "bic_issue_date": "2025-01-05",
                "first_name": "Eve",
                "last_name": "Park",
                "birth_date": "1938-02-02",
            }
        ],
        "cases": [
            {
                "case_id": "C-5005",
                "county_code": "19",
                "budget_units": [{"budget_unit": "A", "members": [{"cin": "12121212K"}]}],
            }
        ],
        "eligibility": [
            {
                "cin": "12121212K",
                "month": "2026-11",
                "aid_code": "13",
                "county_code": "19",
                "plan": "HN",
            }
        ],
        "soc": [{"case_id": "C-5005", "budget_unit": "A", "month": "2026-11", "amount": "900"}],
    }
    world.load(data)
    first = share_of_cost.start_month(NOV, world.app.uow(), world.app.env)
    second = share_of_cost.start_month(NOV, world.app.uow(), world.app.env)
    assert (first.ltc_certified, second.ltc_certified) == (2, 0)
    assert _activations(world) == [("12121212K", "2026-11")]
    assert audit_ledger(world.app.uow()) == []


def _set(
    world: World, amount: str, month: BenefitMonth = NOV, retro: bool = False, unit: str = "A"
) -> share_of_cost.ObligationView:
    cmd = share_of_cost.SetShareOfCost(
        "C-1001", unit, month, Money.parse(amount), retro_override=retro
    )
    return share_of_cost.set_share_of_cost(cmd, world.app.uow(), world.app.env)


def test_rules_1_8_no_soc_increase_on_a_certified_month(world: World) -> None:
    world.clear("600.00")
    with pytest.raises(RuleRefusal) as refused:
        _set(world, "700.00")
    assert refused.value.code == "SOC_INCREASE_ON_CERTIFIED_MONTH"
    decreased = _set(world, "500.00")  # a decrease is applied and the month stays certified
    assert decreased.obligation.certified
    assert str(decreased.obligation.amount) == "500.00"
    assert audit_ledger(world.app.uow()) == []


def test_rules_1_8_decrease_below_what_was_cleared_certifies(world: World) -> None:
    world.clear("450.00")
    view = _set(world, "400.00")
    assert view.obligation.certified
    assert str(view.obligation.remaining) == "0.00"
    assert ("12345678A", "2026-11") in _activations(world)
    increased_before = _set(world, "300.00", unit="B")
    assert str(increased_before.obligation.remaining) == "300.00"  # uncertified: may increase


def test_rules_1_8_changes_more_than_8_months_back_need_the_county_process(world: World) -> None:
    old = BenefitMonth(2026, 2)  # 9 months before 2026-11
    with pytest.raises(RuleRefusal) as refused:
        _set(world, "100.00", month=old)
    assert refused.value.code == "RETRO_CHANGE_TOO_OLD"
    assert str(_set(world, "100.00", month=old, retro=True).obligation.amount) == "100.00"
    assert str(_set(world, "100.00", month=BenefitMonth(2026, 3)).obligation.amount) == "100.00"


def test_rules_3_county_certification_from_receipts(world: World) -> None:
    world.clear("100.00")
    views = share_of_cost.certify_by_county(
        share_of_cost.CertifyByCounty("C-1001", "A", NOV), world.app.uow(), world.app.env
    )
    assert [v.obligation.certified_by for v in views] == ["county"]
    result = world.verify()
    assert result.eligible is True
    assert result.share_of_cost is not None
    assert result.share_of_cost.certified_by == "county"
    assert len(_activations(world)) == 2
    assert audit_ledger(world.app.uow()) == []


def test_every_evc_is_stored_with_what_was_verified(world: World) -> None:
    result = world.clear("600.00")
    with world.app.engine.connect() as connection:
        row = connection.execute(select(tables.evcs).where(tables.evcs.c.evc == result.evc)).one()
    assert (row.provider_npi, row.cin, row.source, row.aid_codes) == (
        PHYSICIAN[0],
        "12345678A",
        "clearance",
        ["17"],
    )

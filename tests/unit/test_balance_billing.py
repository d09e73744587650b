"""docs/rules.md §6 balance billing on the pure check: W&I §14019.4, §14019.3, §14018.2,
22 CCR §51002 and the seed's "contracted with both" rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from spenddown.domain.billing import BillingFacts, check_balance_billing
from spenddown.domain.money import Money

DAY = date(2026, 11, 3)


def m(value: str) -> Money:
    return Money.of(value)


BASE = BillingFacts(
    amount=m("150.00"),
    service_date=DAY,
    provider_name="Valley Family Medicine",
    verified_medi_cal=False,
    billed_medi_cal=False,
    enrolled_in_delivery_system=False,
    plan_code="HN",
    has_medi_cal=True,
    eligible=True,
    soc_for_service=Money.zero(),
)


def test_rules_6_provider_who_verified_may_collect_only_the_soc() -> None:
    """W&I §14018.2: verifying is accepting; 22 CCR §51002: only the SOC may be collected;
    W&I §14019.4: the rest is balance billing."""
    facts = replace(
        BASE,
        verified_medi_cal=True,
        soc_for_service=m("10.00"),
        month_soc=m("600.00"),
    )
    result = check_balance_billing(facts)
    assert (result.allowed, str(result.may_collect), result.rule) == (False, "10.00", "W&I 14019.4")
    assert result.protected
    text = " ".join(result.explanation)
    assert "W&I §14018.2" in text
    assert "22 CCR §51002" in text
    assert "$140.00 more" in text
    todo = " ".join(result.what_to_do)
    assert "Do not pay more than $10.00" in todo
    assert "W&I §14019.3" in todo  # refund of what was paid above
    assert "1-888-452-8609" in todo  # plan member: the Managed Care Ombudsman


def test_rules_6_bill_within_the_soc_is_allowed() -> None:
    """22 CCR §51002: the SOC (paid or obligated) may be collected."""
    facts = replace(BASE, amount=m("10.00"), verified_medi_cal=True, soc_for_service=m("25.00"))
    result = check_balance_billing(facts)
    assert (result.allowed, str(result.may_collect), result.rule) == (True, "10.00", "22 CCR 51002")


def test_rules_6_not_protected_is_allowed_and_says_the_family_may_owe() -> None:
    """W&I §14018.2: without acceptance (never verified, never billed, not enrolled) the
    protection does not apply; say so plainly."""
    result = check_balance_billing(replace(BASE, in_primary_network=True, month_soc=m("600")))
    assert (result.allowed, str(result.may_collect), result.rule) == (True, "150.00", "W&I 14018.2")
    assert not result.protected
    assert any("you may owe the $150.00" in s for s in result.explanation)
    assert any(
        "takes your private insurance but not your Medi-Cal" in s for s in result.explanation
    )
    assert any("count toward your Share of Cost" in s for s in result.what_to_do)


def test_seed_contracted_with_both_may_not_invoice_the_family() -> None:
    """Seed: a provider contracted with both the private insurance and Medi-Cal may not invoice
    the family; no SOC that month → the provider may collect nothing."""
    facts = replace(
        BASE, amount=m("30.00"), enrolled_in_delivery_system=True, in_primary_network=True
    )
    result = check_balance_billing(facts)
    assert (result.allowed, str(result.may_collect)) == (False, "0.00")
    assert any("contracted with both" in s for s in result.explanation)
    assert result.what_to_do[0] == "Do not pay this bill."
    assert any("your private insurance first, then" in s for s in result.what_to_do)


def test_rules_6_with_a_claim_the_member_owes_what_the_adjudication_says() -> None:
    """docs/rules.md §5.7: after Medi-Cal the member owes only the SOC on the claim."""
    facts = replace(BASE, billed_medi_cal=True, claim_id="CLM-1", soc_for_service=m("10.00"))
    result = check_balance_billing(facts)
    assert (result.allowed, str(result.may_collect)) == (False, "10.00")
    assert any("claim CLM-1" in s for s in result.explanation)


def test_rules_6_unmet_soc_may_collect_up_to_what_remains() -> None:
    """22 CCR §50653: what the family pays toward an unmet SOC is its own; once met, Medi-Cal
    covers the month and the provider must bill it, not the family."""
    facts = replace(
        BASE,
        amount=m("1000.00"),
        verified_medi_cal=True,
        eligible=False,
        month_soc=m("600.00"),
        soc_remaining=m("450.00"),
        soc_for_service=m("50.00"),
    )
    result = check_balance_billing(facts)
    assert (result.allowed, str(result.may_collect)) == (False, "500.00")
    assert any("$450.00 remains" in s for s in result.explanation)
    assert check_balance_billing(replace(facts, amount=m("300.00"))).allowed


def test_rules_6_no_medi_cal_that_month_is_allowed() -> None:
    facts = replace(BASE, verified_medi_cal=True, has_medi_cal=False, eligible=False)
    result = check_balance_billing(facts)
    assert (result.allowed, str(result.may_collect), result.rule) == (
        True,
        "150.00",
        "22 CCR 51002",
    )
    assert any("W&I §14019.3" in s for s in result.what_to_do)


def test_rules_6_ltc_patient_liability_may_be_collected() -> None:
    """22 CCR §51002 and docs/rules.md §4: an LTC facility bills the resident the patient
    liability."""
    facts = replace(
        BASE,
        plan_code=None,
        enrolled_in_delivery_system=True,
        month_soc=m("800.00"),
        ltc_patient_liability=m("800.00"),
        amount=m("800.00"),
    )
    assert check_balance_billing(facts).allowed
    over = check_balance_billing(replace(facts, amount=m("900.00")))
    assert (over.allowed, str(over.may_collect)) == (False, "800.00")
    # Fee-for-service: the county first, the Ombudsman number as well.
    assert "county Medi-Cal office" in over.what_to_do[-1]

"""The ledger state machine in the domain (docs/rules.md §3, §4, §1.8), without storage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spenddown.domain.eligibility.codes import CertifiedBy, Program
from spenddown.domain.errors import RuleRefusal
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost import ledger

NOW = datetime(2026, 11, 3, tzinfo=UTC)
KEY = ledger.ObligationKey("C-1", "A", BenefitMonth(2026, 11), Program.MEDI_CAL)


def soc(amount: str, *, ltc: bool = False) -> ledger.Obligation:
    return ledger.new_obligation(KEY, Money.of(amount), NOW, ltc=ltc)


def test_rules_3_clearance_applies_min_and_certifies_at_zero() -> None:
    first = ledger.apply_clearance(soc("600"), Money.of("150"), NOW)
    assert (str(first.applied), str(first.after.remaining), first.certifies) == (
        "150.00",
        "450.00",
        False,
    )
    last = ledger.apply_clearance(first.after, Money.of("900"), NOW)
    assert (str(last.applied), last.after.certified_by, last.certifies) == (
        "450.00",
        CertifiedBy.CLEARANCES,
        True,
    )


def test_rules_1_zero_soc_is_met_from_the_start() -> None:
    assert soc("0").certified


def test_rules_4_ltc_auto_certification_only_for_ltc_and_once() -> None:
    assert ledger.certify_ltc_automatically(soc("800"), NOW) is None
    certified = ledger.certify_ltc_automatically(soc("800", ltc=True), NOW)
    assert certified is not None
    assert certified.certified_by is CertifiedBy.LTC_AUTO
    assert str(certified.remaining) == "800.00"  # the facility collects it
    assert ledger.certify_ltc_automatically(certified, NOW) is None
    with pytest.raises(RuleRefusal) as refused:
        ledger.apply_clearance(certified, Money.of("10"), NOW)
    assert refused.value.code == "LTC_SOC_NOT_CLEARED_ONLINE"
    by_facility = ledger.apply_clearance(certified, Money.of("10"), NOW, ltc_facility=True)
    assert by_facility.after.certified_by is CertifiedBy.LTC_AUTO


def test_rules_1_8_change_amount() -> None:
    partly = ledger.apply_clearance(soc("600"), Money.of("200"), NOW).after
    raised = ledger.change_amount(partly, Money.of("700"), Money.of("200"), NOW)
    assert str(raised.remaining) == "500.00"
    lowered = ledger.change_amount(partly, Money.of("150"), Money.of("200"), NOW)
    assert (str(lowered.remaining), lowered.certified_by) == ("0.00", CertifiedBy.CLEARANCES)
    with pytest.raises(RuleRefusal):
        ledger.change_amount(lowered, Money.of("151"), Money.of("200"), NOW)


def test_check_obligation_finds_a_wrong_remaining() -> None:
    obligation = soc("600")
    damaged = ledger.Obligation(KEY, obligation.amount, Money.of("500"))
    assert ledger.check_obligation(obligation, []) == []
    assert ledger.check_obligation(damaged, []) == [
        "C-1/A/2026-11/medi-cal: remaining 500.00 but amount 600.00 minus active applied 0.00 "
        "gives 600.00"
    ]

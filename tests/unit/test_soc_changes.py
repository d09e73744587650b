"""docs/rules.md, "A Share of Cost over time": effective months, what counts, receipts."""

from __future__ import annotations

from datetime import date

import pytest

from spenddown.domain.errors import InvalidInput, RuleRefusal
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.changes import (
    ChangeRules,
    Direction,
    aid_paid_pending,
    check_receipt,
    countable_charge,
    effective_month,
    hearing_deadline,
)

RULES = ChangeRules(notice_days=10, report_days=10, hearing_days=90)


def test_an_increase_reported_on_the_25th_takes_effect_the_month_after_next() -> None:
    found = effective_month(Direction.INCREASE, date(2026, 1, 20), date(2026, 1, 25), RULES)
    assert found.month == BenefitMonth(2026, 3)
    assert found.rule == "22 CCR 50653(b), 50179"


def test_an_increase_reported_early_enough_for_the_notice_takes_effect_next_month() -> None:
    assert effective_month(
        Direction.INCREASE, date(2026, 1, 10), date(2026, 1, 22), RULES
    ).month == BenefitMonth(2026, 2)  # Jan 22 + 10 days = Feb 1
    assert effective_month(
        Direction.INCREASE, date(2026, 1, 10), date(2026, 1, 23), RULES
    ).month == BenefitMonth(2026, 3)


def test_a_timely_decrease_takes_effect_from_the_month_of_the_change() -> None:
    found = effective_month(Direction.DECREASE, date(2026, 3, 28), date(2026, 4, 5), RULES)
    assert (found.month, found.timely) == (BenefitMonth(2026, 3), True)


def test_a_late_decrease_takes_effect_the_month_after_the_report() -> None:
    found = effective_month(Direction.DECREASE, date(2026, 3, 1), date(2026, 4, 20), RULES)
    assert (found.month, found.timely) == (BenefitMonth(2026, 5), False)


def test_a_change_reported_before_it_happened_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        effective_month(Direction.DECREASE, date(2026, 3, 10), date(2026, 3, 1), RULES)
    assert refused.value.code == "CHANGE_REPORTED_BEFORE_IT_HAPPENED"
    assert refused.value.context["field"] == "reported"


def test_hearing_deadline_and_aid_paid_pending() -> None:
    assert hearing_deadline(date(2026, 11, 23), RULES) == date(2027, 2, 21)
    march = BenefitMonth(2026, 3)
    assert aid_paid_pending(Direction.INCREASE, march, date(2026, 2, 28)) is True
    assert aid_paid_pending(Direction.INCREASE, march, date(2026, 3, 1)) is False
    assert aid_paid_pending(Direction.DECREASE, march, date(2026, 2, 1)) is False


def test_a_200_bill_with_160_paid_by_the_ppo_counts_40() -> None:
    assert countable_charge(Money.of("200.00"), Money.of("160.00")) == Money.of("40.00")
    assert countable_charge(Money.of("200.00"), None) == Money.of("200.00")
    with pytest.raises(InvalidInput) as refused:
        countable_charge(Money.of("200.00"), Money.of("200.00"))
    assert refused.value.code == "AMOUNT_ABOVE_OWED"


def test_receipts_of_the_month_and_old_unpaid_bills_count() -> None:
    june = BenefitMonth(2026, 6)
    assert "current" in check_receipt(june, date(2026, 6, 3), paid=True)
    assert "Hunt v. Kizer" in check_receipt(june, date(2026, 3, 10), paid=False)
    with pytest.raises(RuleRefusal) as paid_before:
        check_receipt(june, date(2026, 3, 10), paid=True)
    assert paid_before.value.code == "OLD_BILL_ALREADY_PAID"
    with pytest.raises(InvalidInput) as after:
        check_receipt(june, date(2026, 7, 1), paid=False)
    assert after.value.code == "RECEIPT_AFTER_MONTH"


def test_the_audit_catches_entries_that_apply_more_than_they_may() -> None:
    from datetime import UTC, datetime

    from spenddown.domain.eligibility.codes import Program
    from spenddown.domain.share_of_cost.ledger import (
        EntryKind,
        LedgerEntry,
        Obligation,
        ObligationKey,
        Payment,
        check_obligation,
    )

    key = ObligationKey("C-1", "A", BenefitMonth(2026, 6), Program.MEDI_CAL)
    now = datetime(2026, 6, 2, tzinfo=UTC)
    obligation = Obligation(key, Money.of("600.00"), Money.of("400.00"))
    clearance = LedgerEntry(
        "e1", "c1", EntryKind.CLEARANCE, key, "12345678A", Money.of("100.00"),
        Money.of("500.00"), now, provider_npi="1234567893", service_date=date(2026, 6, 1),
        billing_code="99213", service_charge=Money.of("200.00"), payment=Payment.PAID,
        other_coverage_paid=Money.of("160.00"), service_type="drug",
        counted_date=date(2026, 7, 2),
    )  # fmt: skip
    receipt = LedgerEntry(
        "e2", "r1", EntryKind.RECEIPT, key, "", Money.of("100.00"), Money.of("400.00"), now,
        service_date=date(2026, 3, 1), service_charge=Money.of("100.00"), payment=Payment.PAID,
        provider_name="Valley Hospital",
    )  # fmt: skip
    credit = LedgerEntry(
        "e3", "chg", EntryKind.CREDIT, key, "", Money.zero(), Money.of("400.00"), now
    )
    problems = check_obligation(obligation, [clearance, receipt, credit])
    assert any("more than the 40.00 the member owed" in p for p in problems)
    assert any("receipt e2 dated 2026-03 cannot count here" in p for p in problems)
    assert any("credit e3 names no change" in p for p in problems)
    # docs/rules.md §9.1: a drug received in July does not count toward June
    assert any("clearance e1 counts on 2026-07-02, outside its month" in p for p in problems)

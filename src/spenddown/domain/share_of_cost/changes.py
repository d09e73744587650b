"""A Share of Cost over time: changes of circumstance, what counts, receipts and old bills.

Pure rules (docs/rules.md, "A Share of Cost over time"); the numbers come from dated
parameters (``ChangeRules``), never from code.

- ``effective_month``: an increase takes effect on the 1st of the first month that leaves the
  10-day notice (22 CCR 50179); a decrease reported on time (22 CCR 50185) takes effect from
  the month of the change, one reported late from the month after the report (22 CCR 50653.3).
- ``countable_charge``: what a service counts toward a SOC is what the member owes after
  Medicare and other coverage paid (42 CFR 435.831(e): expenses not subject to payment by a
  third party).
- ``check_receipt``: a receipt or an old unpaid bill for a month (the MC 177 record): a bill of
  the month, paid or not, or an unpaid bill incurred before it (Hunt v. Kizer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from spenddown.domain.errors import InvalidInput, RuleRefusal
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


class Excess(StrEnum):
    """A timely decrease: what the member paid above the new SOC (22 CCR 50653.3(a)(3))."""

    CREDIT = "credit"  # lowers the next months' SOC (a), (c)
    CORRECTED_MONTH = "corrected_month"  # the past month is corrected; nothing moves (B)


@dataclass(frozen=True, slots=True)
class ChangeRules:
    """Dated parameters of docs/rules.md, "Changes of circumstance"."""

    notice_days: int  # 22 CCR 50179: a notice at least 10 days before an adverse action
    report_days: int  # 22 CCR 50185: a change is reported within 10 days
    hearing_days: int  # W&I 10951: a state hearing is asked for within 90 days


@dataclass(frozen=True, slots=True)
class EffectiveMonth:
    month: BenefitMonth
    timely: bool  # a decrease reported on time (the excess may be credited)
    rule: str


def effective_month(
    direction: Direction, changed: date, reported: date, rules: ChangeRules
) -> EffectiveMonth:
    """The first benefit month the new SOC applies to."""
    if reported < changed:
        raise InvalidInput(
            "CHANGE_REPORTED_BEFORE_IT_HAPPENED",
            f"reported: {reported} is before the change date {changed}; a change is reported "
            "when it has happened.",
            field="reported",
        )
    if direction is Direction.INCREASE:
        # Adverse: the notice is mailed on the day the county acts (the report), and the new
        # SOC starts on the first day of a month at least ``notice_days`` later.
        month = BenefitMonth.of(reported).plus(1)
        while (month.first_day - reported).days < rules.notice_days:
            month = month.plus(1)
        return EffectiveMonth(month, False, "22 CCR 50653(b), 50179")
    timely = (reported - changed).days <= rules.report_days
    if timely:
        return EffectiveMonth(BenefitMonth.of(changed), True, "22 CCR 50653.3(a)")
    return EffectiveMonth(BenefitMonth.of(reported).plus(1), False, "22 CCR 50653.3(b)")


def first_covered_month(application_date: date, retro_months: int) -> BenefitMonth:
    """The earliest month an application can cover: up to ``retro_months`` before the month of
    application (42 U.S.C. 1396a(a)(34))."""
    return BenefitMonth.of(application_date).plus(-retro_months)


def check_retroactive(
    month: BenefitMonth, application_date: date, retro_months: int, field: str = "month"
) -> None:
    first = first_covered_month(application_date, retro_months)
    if month < first:
        raise RuleRefusal(
            "BEFORE_RETROACTIVE_PERIOD",
            f"{field}: {month} is before {first}, the first month the application of "
            f"{application_date} can cover ({retro_months} retroactive months).",
            field=field,
        )


def hearing_deadline(notice_date: date, rules: ChangeRules) -> date:
    """W&I 10951: a state hearing may be asked for within 90 days of the notice."""
    return notice_date + timedelta(days=rules.hearing_days)


def aid_paid_pending(direction: Direction, effective: BenefitMonth, requested: date) -> bool:
    """An adverse action (an increase) waits for the hearing when it is asked for before the
    action's effective date (22 CCR 50179(c)(6); docs/rules.md)."""
    return direction is Direction.INCREASE and requested < effective.first_day


def countable_charge(charge: Money, other_coverage_paid: Money | None) -> Money:
    """What a service counts toward a SOC: the charge less what Medicare or other coverage paid
    on it. Nothing left to the member is refused (``NOTHING_OWED``)."""
    if other_coverage_paid is None:
        return charge
    if other_coverage_paid.amount < 0:
        raise InvalidInput(
            "INVALID_AMOUNT",
            "other_coverage_paid: cannot be negative.",
            field="other_coverage_paid",
        )
    owed = charge - other_coverage_paid
    if not owed.is_positive():
        raise InvalidInput(
            "AMOUNT_ABOVE_OWED",
            f"other_coverage_paid: {other_coverage_paid} is not less than the charge {charge}: "
            "nothing is left for the member to pay, so nothing counts toward the Share of Cost "
            "(docs/rules.md, What counts toward a Share of Cost).",
            field="other_coverage_paid",
        )
    return owed


def check_receipt(month: BenefitMonth, bill_date: date, paid: bool) -> str:
    """Which rule lets a receipt or bill count toward ``month``'s SOC; refuses one that cannot.

    - a bill incurred in the month counts, paid or not;
    - an unpaid bill incurred before the month counts (Hunt v. Kizer, old bills);
    - a bill paid before the month, or incurred after it, does not.
    """
    bill_month = BenefitMonth.of(bill_date)
    if bill_month == month:
        return "current bill (incurred in the month)"
    if bill_month > month:
        raise InvalidInput(
            "RECEIPT_AFTER_MONTH",
            f"date: {bill_date} is after {month}: an expense counts only toward the month it was "
            "incurred or a later one.",
            field="date",
        )
    if paid:
        raise RuleRefusal(
            "OLD_BILL_ALREADY_PAID",
            f"date: a bill from {bill_month} paid before {month} cannot meet {month}'s Share of "
            "Cost; only an unpaid old bill can (Hunt v. Kizer).",
            field="date",
        )
    return "Hunt v. Kizer (old unpaid bill)"

"""The Share of Cost ledger: obligations and their immutable entries.

An *obligation* is a budget unit's SOC for one benefit month and one program. *Entries* are
never updated or deleted: a clearance applies an amount, a reversal is a second entry pointing
to the clearance it undoes, a county certification applies what was left from receipts.

Invariants (checked here, by database constraints, and again by ``spenddown audit``):

1. ``remaining == max(0, amount - Σ applied of active entries)`` and ``0 <= remaining <= amount``
   (a SOC *decrease* on a month already paid can leave Σ applied above the amount).
2. ``certified_by == CLEARANCES or COUNTY`` ⇒ ``remaining == 0``; ``remaining == 0`` ⇒ certified.
   LTC auto-certification certifies with the SOC still owed to the facility.
3. Nothing is applied twice for one idempotency key of one provider; a clearance is reversed at
   most once, only by its provider and only before certification.
4. One active clearance per rendered service (provider, member, date of service, billing code).
5. A certified month is never un-certified and its SOC never increased.
6. A clearance applies at most what the member owed (charge − other coverage paid) and counts in
   the month of the date its service type counts on (22 CCR 50657); a receipt at
   most its amount, dated in its month or, unpaid, before it (Hunt v. Kizer); a credit names
   its change (docs/rules.md, "A Share of Cost over time").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from spenddown.domain.eligibility.codes import CertifiedBy, Program
from spenddown.domain.errors import Forbidden, InvalidInput, RuleRefusal
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth


class EntryKind(StrEnum):
    CLEARANCE = "clearance"
    REVERSAL = "reversal"
    COUNTY_CERTIFICATION = "county_certification"
    # docs/rules.md, "A Share of Cost over time":
    RECEIPT = "receipt"  # a receipt or old unpaid bill the county recorded (MC 177)
    CREDIT = "credit"  # a timely decrease's excess carried to a later month (22 CCR 50653.3)


class Payment(StrEnum):
    PAID = "paid"
    OBLIGATED = "obligated"


@dataclass(frozen=True, slots=True)
class ObligationKey:
    case_id: str
    budget_unit: str
    month: BenefitMonth
    program: Program

    def __str__(self) -> str:
        return f"{self.case_id}/{self.budget_unit}/{self.month}/{self.program}"


@dataclass(frozen=True, slots=True)
class Obligation:
    key: ObligationKey
    amount: Money
    remaining: Money
    certified_by: CertifiedBy | None = None
    certified_at: datetime | None = None
    ltc: bool = False  # the budget unit's member has an LTC aid code with SOC this month

    @property
    def certified(self) -> bool:
        return self.certified_by is not None

    @property
    def applied(self) -> Money:
        return self.amount - self.remaining


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    entry_id: str
    clearance_id: str  # groups the entries of one expense (one per program it cleared)
    kind: EntryKind
    key: ObligationKey
    cin: str
    applied: Money
    remaining_after: Money
    created_at: datetime
    provider_npi: str | None = None
    service_date: date | None = None
    billing_code: str | None = None
    service_charge: Money | None = None
    payment: Payment | None = None
    idempotency_key: str | None = None
    reverses: str | None = None
    evc: str | None = None
    other_coverage_paid: Money | None = None  # what Medicare or other coverage paid
    provider_name: str | None = None  # a receipt's provider (a receipt has no NPI)
    change_id: str | None = None  # a credit's change of circumstance
    # A clearance's service type and the date it counts on (22 CCR 50657; docs/rules.md §9.1);
    # None on entries written before migration 0013.
    service_type: str | None = None
    counted_date: date | None = None


def new_obligation(
    key: ObligationKey, amount: Money, now: datetime, *, ltc: bool = False
) -> Obligation:
    """A new SOC record; a SOC of zero is met from the start (nothing is owed)."""
    if amount.amount < 0:
        raise InvalidInput("INVALID_AMOUNT", "A Share of Cost cannot be negative.")
    if amount.amount == 0:
        return Obligation(key, amount, amount, CertifiedBy.COUNTY, now, ltc=ltc)
    return Obligation(key, amount, amount, ltc=ltc)


@dataclass(frozen=True, slots=True)
class Application:
    """What a clearance does to one obligation."""

    before: Obligation
    after: Obligation
    applied: Money

    @property
    def certifies(self) -> bool:
        return not self.before.certified and self.after.certified


def refuse_clearance_if_closed(obligation: Obligation, *, ltc_facility: bool) -> None:
    """docs/rules.md §3 and §4: a certified SOC takes no more clearances; an LTC auto-certified SOC
    is collected by the facility, which alone may still clear it online."""
    if obligation.certified_by is CertifiedBy.LTC_AUTO:
        if not ltc_facility:
            raise RuleRefusal(
                "LTC_SOC_NOT_CLEARED_ONLINE",
                "This member's long-term-care Share of Cost is certified automatically and is "
                "collected by the facility; it must not be cleared online.",
                obligation=str(obligation.key),
            )
        return
    if obligation.certified:
        raise RuleRefusal(
            "SOC_ALREADY_MET",
            f"The Share of Cost for {obligation.key.month} is already met; nothing was applied.",
            obligation=str(obligation.key),
        )


def apply_clearance(
    obligation: Obligation, service_charge: Money, now: datetime, *, ltc_facility: bool = False
) -> Application:
    """Apply ``min(service charge, remaining)``; reaching zero certifies the month. The caller
    passes what counts (``changes.countable_charge``: the charge less other coverage paid)."""
    if not service_charge.is_positive():
        raise InvalidInput("INVALID_SERVICE_CHARGE", "The service charge must be more than $0.00.")
    refuse_clearance_if_closed(obligation, ltc_facility=ltc_facility)
    applied = min(service_charge, obligation.remaining)
    remaining = obligation.remaining - applied
    after = replace(obligation, remaining=remaining)
    if remaining.amount == 0 and not obligation.certified:
        after = replace(after, certified_by=CertifiedBy.CLEARANCES, certified_at=now)
    return Application(obligation, after, applied)


def apply_reversal(
    obligation: Obligation, clearance: LedgerEntry, provider_npi: str, *, already_reversed: bool
) -> Obligation:
    """docs/rules.md §3: only by the provider who made it, only while the month is not certified."""
    if clearance.kind is not EntryKind.CLEARANCE:
        raise RuleRefusal("NOT_A_CLEARANCE", "Only a clearance can be reversed.")
    if clearance.provider_npi != provider_npi:
        raise Forbidden(
            "FORBIDDEN", "A clearance can be reversed only by the provider who made it."
        )
    if already_reversed:
        raise RuleRefusal("ALREADY_REVERSED", "This clearance has already been reversed.")
    if obligation.certified:
        raise RuleRefusal(
            "SOC_CERTIFIED_NO_REVERSAL",
            f"The Share of Cost for {obligation.key.month} is certified; "
            "its clearances can no longer be reversed.",
        )
    remaining = obligation.remaining + clearance.applied
    return replace(obligation, remaining=remaining)


def certify_by_county(obligation: Obligation, now: datetime) -> Application:
    """A county worker certifies from receipts: what was left is applied and the month is met."""
    if obligation.certified:
        raise RuleRefusal(
            "SOC_ALREADY_MET", f"The Share of Cost for {obligation.key.month} is already certified."
        )
    after = replace(
        obligation,
        remaining=Money.zero(),
        certified_by=CertifiedBy.COUNTY,
        certified_at=now,
    )
    return Application(obligation, after, obligation.remaining)


def apply_county_entry(obligation: Obligation, amount: Money, now: datetime) -> Application:
    """A receipt or a credit the county records: ``min(amount, remaining)`` is applied; reaching
    zero certifies the month by the county, as the sum of these entries."""
    if not amount.is_positive():
        raise InvalidInput("INVALID_AMOUNT", "amount: must be more than $0.00.", field="amount")
    if obligation.certified:
        raise RuleRefusal(
            "SOC_ALREADY_MET",
            f"The Share of Cost for {obligation.key.month} is already met; nothing was applied.",
            obligation=str(obligation.key),
        )
    applied = min(amount, obligation.remaining)
    after = replace(obligation, remaining=obligation.remaining - applied)
    if after.remaining.amount == 0:
        after = replace(after, certified_by=CertifiedBy.COUNTY, certified_at=now)
    return Application(obligation, after, applied)


def certify_ltc_automatically(obligation: Obligation, now: datetime) -> Obligation | None:
    """Month start (docs/rules.md §4): certify an LTC SOC; None when nothing is to be done."""
    if obligation.certified or not obligation.ltc:
        return None
    return replace(obligation, certified_by=CertifiedBy.LTC_AUTO, certified_at=now)


def change_amount(
    obligation: Obligation, new_amount: Money, active_applied: Money, now: datetime
) -> Obligation:
    """docs/rules.md §1.8: a decrease may be applied to any month (a certified month stays
    certified); an increase is refused once the month is certified."""
    if new_amount.amount < 0:
        raise InvalidInput("INVALID_AMOUNT", "A Share of Cost cannot be negative.")
    if obligation.certified and new_amount > obligation.amount:
        raise RuleRefusal(
            "SOC_INCREASE_ON_CERTIFIED_MONTH",
            f"The Share of Cost for {obligation.key.month} is certified: it cannot be increased.",
        )
    remaining = (new_amount - active_applied).clamp_zero()
    if obligation.certified_by in (CertifiedBy.CLEARANCES, CertifiedBy.COUNTY):
        remaining = Money.zero()
    after = replace(obligation, amount=new_amount, remaining=remaining)
    if remaining.amount == 0 and not obligation.certified:
        # Nothing is left to pay: what was cleared (or a SOC of zero) meets the month.
        by = CertifiedBy.CLEARANCES if active_applied.is_positive() else CertifiedBy.COUNTY
        after = replace(after, certified_by=by, certified_at=now)
    return after


def _check_over_time(where: str, entry: LedgerEntry) -> list[str]:
    """Invariant 6: what a clearance, a receipt or a credit may apply."""
    problems: list[str] = []
    if entry.kind is EntryKind.CLEARANCE and entry.service_charge is not None:
        owed = entry.service_charge - (entry.other_coverage_paid or Money.zero())
        if entry.applied > owed:
            problems.append(
                f"{where}: clearance {entry.entry_id} applies {entry.applied}, more than the "
                f"{owed} the member owed"
            )
        if (
            entry.counted_date is not None
            and BenefitMonth.of(entry.counted_date) != entry.key.month
        ):
            problems.append(
                f"{where}: clearance {entry.entry_id} counts on {entry.counted_date}, outside "
                "its month"
            )
    if entry.kind is EntryKind.RECEIPT:
        if entry.service_charge is None or entry.service_date is None or entry.payment is None:
            problems.append(f"{where}: receipt {entry.entry_id} is incomplete")
        else:
            if entry.applied > entry.service_charge:
                problems.append(f"{where}: receipt {entry.entry_id} applies more than its amount")
            bill_month = BenefitMonth.of(entry.service_date)
            if bill_month > entry.key.month or (
                bill_month < entry.key.month and entry.payment is Payment.PAID
            ):
                problems.append(
                    f"{where}: receipt {entry.entry_id} dated {bill_month} cannot count here"
                )
    if entry.kind is EntryKind.CREDIT and not entry.change_id:
        problems.append(f"{where}: credit {entry.entry_id} names no change")
    return problems


def check_obligation(obligation: Obligation, entries: list[LedgerEntry]) -> list[str]:
    """Re-check invariants 1–4 of one obligation against its entries; returns every violation."""
    problems: list[str] = []
    where = str(obligation.key)
    by_id = {e.entry_id: e for e in entries}
    reversed_ids: dict[str, int] = {}
    active = Money.zero()
    for entry in entries:
        if entry.key != obligation.key:
            problems.append(f"{where}: entry {entry.entry_id} belongs to {entry.key}")
        if entry.applied.amount < 0:
            problems.append(f"{where}: entry {entry.entry_id} applies a negative amount")
        problems.extend(_check_over_time(where, entry))
        if entry.kind is EntryKind.REVERSAL:
            target = by_id.get(entry.reverses or "")
            if target is None or target.kind is not EntryKind.CLEARANCE:
                problems.append(f"{where}: reversal {entry.entry_id} points to no clearance")
            else:
                reversed_ids[target.entry_id] = reversed_ids.get(target.entry_id, 0) + 1
                if target.provider_npi != entry.provider_npi:
                    problems.append(f"{where}: reversal {entry.entry_id} made by another provider")
                if target.applied != entry.applied:
                    problems.append(f"{where}: reversal {entry.entry_id} restores another amount")
    for entry_id, count in reversed_ids.items():
        if count > 1:
            problems.append(f"{where}: clearance {entry_id} reversed {count} times")
    services: dict[tuple[str | None, str, date | None, str | None], int] = {}
    for entry in entries:
        if entry.kind is EntryKind.REVERSAL:
            continue
        if entry.entry_id in reversed_ids:
            continue
        active = active + entry.applied
        if entry.kind is EntryKind.CLEARANCE:
            service = (entry.provider_npi, entry.cin, entry.service_date, entry.billing_code)
            services[service] = services.get(service, 0) + 1
    for service, count in services.items():
        if count > 1:
            problems.append(f"{where}: {count} active clearances for one service {service[2:]}")
    expected = (obligation.amount - active).clamp_zero()
    if obligation.certified_by in (CertifiedBy.CLEARANCES, CertifiedBy.COUNTY):
        if obligation.remaining.amount != 0:
            problems.append(
                f"{where}: certified by {obligation.certified_by} but remaining is "
                f"{obligation.remaining}"
            )
        if active < obligation.amount:
            problems.append(
                f"{where}: certified with {active} applied of a SOC of {obligation.amount}"
            )
    elif obligation.remaining != expected:
        problems.append(
            f"{where}: remaining {obligation.remaining} but amount {obligation.amount} "
            f"minus active applied {active} gives {expected}"
        )
    if obligation.remaining.amount < 0 or obligation.remaining > obligation.amount:
        problems.append(f"{where}: remaining {obligation.remaining} outside 0..{obligation.amount}")
    if obligation.remaining.amount == 0 and not obligation.certified:
        problems.append(f"{where}: nothing remains but the month is not certified")
    return problems

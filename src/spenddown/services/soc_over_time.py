"""A Share of Cost over time (docs/rules.md): changes of circumstance with their effective
month and notice of action, hearing requests (aid paid pending), receipts and old bills.

Each use case is one transaction; obligations are locked before they change, as in
``share_of_cost``. The ledger stays append-only: a receipt and a decrease's credit are new
entries, never edits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from spenddown.domain.eligibility.codes import Program
from spenddown.domain.eligibility.model import BudgetUnitRole
from spenddown.domain.errors import InvalidInput, NotFound, RuleRefusal
from spenddown.domain.medicare import needs_part_b_buy_in
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.notices import Notice, NoticeStep, notice_for_change
from spenddown.domain.share_of_cost import ledger
from spenddown.domain.share_of_cost.changes import (
    Direction,
    EffectiveMonth,
    Excess,
    aid_paid_pending,
    check_receipt,
    effective_month,
)
from spenddown.domain.share_of_cost.ledger import (
    EntryKind,
    LedgerEntry,
    Obligation,
    ObligationKey,
    Payment,
)
from spenddown.rules.parameters import change_rules
from spenddown.services.common import today
from spenddown.services.over_time_ports import ChangeRecord, HearingRecord
from spenddown.services.ports import Env, UnitOfWork
from spenddown.services.retro import check_retro_period
from spenddown.services.share_of_cost import (
    SetShareOfCost,
    _activate_plans,
    _active_applied,
    _set_share_of_cost,
    _sorted,
)


# --- changes of circumstance -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChangeShareOfCost:
    case_id: str
    budget_unit: str
    amount: Money
    changed: date
    reported: date
    reason: str
    program: Program = Program.MEDI_CAL
    excess: Excess = Excess.CREDIT  # the member's choice for a timely decrease
    correction: bool = False  # the county corrects an uncertified month (no notice timing)
    steps: tuple[NoticeStep, ...] = ()  # a determination's steps, shown on the notice


@dataclass(frozen=True, slots=True)
class ChangeResult:
    change: ChangeRecord
    notice: Notice


def change_share_of_cost(cmd: ChangeShareOfCost, uow: UnitOfWork, env: Env) -> ChangeResult:
    """Record a change of circumstance: the new SOC applies from its effective month (an
    increase after the 10-day notice; a timely decrease from the month of the change, its excess
    credited to the next months at the member's choice); a notice of action is issued."""
    reason = cmd.reason.strip()
    if not 1 <= len(reason) <= 500:
        raise InvalidInput("INVALID_REASON", "reason: 1 to 500 characters.", field="reason")
    if cmd.amount.amount < 0:
        raise InvalidInput("INVALID_AMOUNT", "amount: cannot be negative.", field="amount")
    issued_on = today(env)
    if cmd.reported > issued_on:
        raise InvalidInput(
            "REPORTED_IN_FUTURE",
            f"reported: {cmd.reported} is after today ({issued_on}).",
            field="reported",
        )
    rules = change_rules(cmd.reported)
    change_month = BenefitMonth.of(cmd.changed)
    with uow:
        repo = uow.repo
        if not repo.budget_unit_exists(cmd.case_id, cmd.budget_unit):
            raise NotFound(
                "BUDGET_UNIT_NOT_FOUND",
                f"No budget unit {cmd.budget_unit} on case {cmd.case_id}.",
            )
        later = repo.unit_obligations_from(
            cmd.case_id, cmd.budget_unit, cmd.program, change_month, lock=True
        )
        at_change: Obligation | None
        if later and later[0].key.month == change_month:
            at_change = later[0]
        else:
            at_change = repo.latest_obligation_before(
                cmd.case_id, cmd.budget_unit, cmd.program, change_month
            )
        if at_change is None:
            raise RuleRefusal(
                "NO_SOC_FOR_MONTH",
                f"changed: the budget unit has no Share of Cost in or before {change_month} to "
                "change; a first SOC is recorded with `soc set`.",
                field="changed",
            )
        old = at_change.amount
        if cmd.amount == old:
            raise InvalidInput(
                "NO_CHANGE",
                f"amount: the Share of Cost in {change_month} is already {old}.",
                field="amount",
            )
        direction = Direction.INCREASE if cmd.amount > old else Direction.DECREASE
        if cmd.correction:
            if at_change.key.month != change_month or at_change.certified:
                raise RuleRefusal(
                    "CORRECTION_OF_CERTIFIED_MONTH",
                    f"changed: {change_month} is certified or has no SOC record: a county "
                    "correction applies only to an uncertified month.",
                    field="changed",
                )
            effective = EffectiveMonth(change_month, False, "county correction")
        else:
            effective = effective_month(direction, cmd.changed, cmd.reported, rules)
        months = sorted({o.key.month for o in later if o.key.month >= effective.month})
        if effective.month not in months:
            months.insert(0, effective.month)
        set_months: list[str] = []
        kept: list[str] = []
        for month in months:
            try:
                _set_share_of_cost(
                    SetShareOfCost(cmd.case_id, cmd.budget_unit, month, cmd.amount, cmd.program),
                    uow,
                    env,
                )
                set_months.append(str(month))
            except RuleRefusal as refusal:
                if refusal.code != "SOC_INCREASE_ON_CERTIFIED_MONTH":
                    raise
                kept.append(str(month))  # a certified month keeps its SOC (ledger invariant 5)
        change_id = env.ids.new_id("chg_")
        excess = Money.zero()
        credited: dict[str, Money] = {}
        if direction is Direction.DECREASE and effective.timely:
            key = ObligationKey(cmd.case_id, cmd.budget_unit, change_month, cmd.program)
            if at_change.key == key:
                excess = (_active_applied(uow, key) - cmd.amount).clamp_zero()
            if excess.is_positive() and cmd.excess is Excess.CREDIT:
                credited = _credit(uow, env, cmd, change_id, change_month.plus(1), excess)
        notice = notice_for_change(
            notice_id=env.ids.new_id("noa_"),
            change_id=change_id,
            case_id=cmd.case_id,
            budget_unit=cmd.budget_unit,
            program=str(cmd.program),
            issued_on=issued_on,
            rules=rules,
            direction=direction,
            old_amount=old,
            new_amount=cmd.amount,
            effective_month=effective.month,
            changed_on=cmd.changed,
            reported_on=cmd.reported,
            reason=reason,
            rule=effective.rule,
            timely=effective.timely,
            correction=cmd.correction,
            excess=excess,
            credited=credited,
            kept_months=kept,
            steps=cmd.steps,
        )
        now = env.clock.now()
        record = ChangeRecord(
            change_id=change_id,
            case_id=cmd.case_id,
            budget_unit=cmd.budget_unit,
            program=cmd.program,
            old_amount=old,
            new_amount=cmd.amount,
            direction=direction,
            changed_on=cmd.changed,
            reported_on=cmd.reported,
            reason=reason,
            effective_month=effective.month,
            timely=effective.timely,
            correction=cmd.correction,
            excess=str(cmd.excess) if excess.is_positive() else None,
            excess_amount=excess,
            months={
                "set": set_months,
                "kept": kept,
                "credited": {m: str(a) for m, a in credited.items()},
            },
            status="applied",
            notice_id=notice.notice_id,
            created_at=now,
        )
        uow.repo.add_notice(notice, now)
        uow.repo.add_change(record)
        uow.commit()
        return ChangeResult(record, notice)


def _credit(
    uow: UnitOfWork,
    env: Env,
    cmd: ChangeShareOfCost,
    change_id: str,
    start: BenefitMonth,
    excess: Money,
) -> dict[str, Money]:
    """22 CCR 50653.3(c): the excess lowers the next months' SOC, one month after another."""
    now = env.clock.now()
    left = excess
    credited: dict[str, Money] = {}
    for obligation in uow.repo.unit_obligations_from(
        cmd.case_id, cmd.budget_unit, cmd.program, start, lock=True
    ):
        if obligation.certified or not left.is_positive():
            continue
        application = ledger.apply_county_entry(obligation, left, now)
        uow.repo.save_obligation(application.after, now)
        uow.repo.add_entry(
            LedgerEntry(
                entry_id=env.ids.new_id("e_"),
                clearance_id=change_id,
                kind=EntryKind.CREDIT,
                key=obligation.key,
                cin="",
                applied=application.applied,
                remaining_after=application.after.remaining,
                created_at=now,
                change_id=change_id,
            )
        )
        if application.certifies:
            _activate_plans(uow, application.after, now)
        credited[str(obligation.key.month)] = application.applied
        left = left - application.applied
    return credited


# --- notices and hearings --------------------------------------------------------------------
def get_notice(notice_id: str, uow: UnitOfWork) -> tuple[Notice, HearingRecord | None]:
    with uow:
        notice = uow.repo.get_notice(notice_id)
        if notice is None:
            raise NotFound("NOTICE_NOT_FOUND", f"No notice {notice_id}.")
        return notice, uow.repo.get_hearing(notice_id)


def case_notices(case_id: str, uow: UnitOfWork) -> list[tuple[Notice, HearingRecord | None]]:
    """A case's notices of action, newest first, each with its hearing request if any."""
    with uow:
        return uow.repo.notices_of_case(case_id)


@dataclass(frozen=True, slots=True)
class HearingResult:
    hearing: HearingRecord
    notice: Notice
    restored_months: tuple[str, ...]


def request_hearing(notice_id: str, requested: date, uow: UnitOfWork, env: Env) -> HearingResult:
    """Record a state hearing request (W&I 10951). Asked for before an increase's effective
    date, the old SOC stays while the hearing is pending (aid paid pending)."""
    if requested > today(env):
        raise InvalidInput(
            "REQUESTED_IN_FUTURE", f"requested: {requested} is after today.", field="requested"
        )
    with uow:
        repo = uow.repo
        notice = repo.get_notice(notice_id)
        if notice is None:
            raise NotFound("NOTICE_NOT_FOUND", f"No notice {notice_id}.")
        if requested < notice.issued_on:
            raise InvalidInput(
                "REQUESTED_BEFORE_NOTICE",
                f"requested: {requested} is before the notice ({notice.issued_on}).",
                field="requested",
            )
        if requested > notice.hearing_deadline:
            raise RuleRefusal(
                "HEARING_REQUEST_LATE",
                f"requested: the deadline to ask for a state hearing was "
                f"{notice.hearing_deadline} (90 days, W&I 10951).",
                field="requested",
            )
        if repo.get_hearing(notice_id) is not None:
            raise RuleRefusal(
                "HEARING_ALREADY_REQUESTED", f"A hearing was already requested on {notice_id}."
            )
        change = repo.get_change(notice.change_id) if notice.change_id else None
        pending = change is not None and aid_paid_pending(
            change.direction, change.effective_month, requested
        )
        restored: list[str] = []
        if change is not None and pending:
            for month in change.months.get("set", []):
                benefit_month = BenefitMonth.parse(month)
                current = [
                    o
                    for o in repo.lock_obligations(
                        change.case_id, change.budget_unit, benefit_month
                    )
                    if o.key.program is change.program
                ]
                if not current or current[0].certified:
                    continue
                _set_share_of_cost(
                    SetShareOfCost(
                        change.case_id,
                        change.budget_unit,
                        benefit_month,
                        change.old_amount,
                        change.program,
                    ),
                    uow,
                    env,
                )
                restored.append(month)
            repo.set_change_status(change.change_id, "held")
        hearing = HearingRecord(notice_id, requested, pending, env.clock.now())
        repo.add_hearing(hearing)
        uow.commit()
        return HearingResult(hearing, notice, tuple(restored))


CONLAN = (
    "Paid in a retroactive month: the provider must bill Medi-Cal and refund what the member "
    "paid above the Share of Cost; if it does not, the member can ask Medi-Cal for "
    "reimbursement (Conlan v. Shewry; Conlan v. Bontá)."
)


# --- receipts and old bills --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AddReceipt:
    case_id: str
    budget_unit: str
    month: BenefitMonth
    provider_name: str
    bill_date: date
    amount: Money
    paid: bool


@dataclass(frozen=True, slots=True)
class ReceiptResult:
    receipt_id: str
    case_id: str
    budget_unit: str
    month: BenefitMonth
    provider_name: str
    bill_date: date
    amount: Money
    paid: bool
    rule: str
    used_before: Money  # what this bill already met in other months
    applied: Money
    remaining: Money
    certified: bool
    programs: tuple[dict[str, Any], ...]
    messages: tuple[str, ...] = ()


def add_receipt(cmd: AddReceipt, uow: UnitOfWork, env: Env) -> ReceiptResult:
    """The county records a receipt or an unpaid old bill for a month (MC 177): it applies
    ``min(amount not yet used, remaining)``; the receipts' sum meeting the SOC certifies it."""
    name = cmd.provider_name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput(
            "INVALID_PROVIDER_NAME", "provider_name: 1 to 200 characters.", field="provider_name"
        )
    if not cmd.amount.is_positive():
        raise InvalidInput("INVALID_AMOUNT", "amount: must be more than $0.00.", field="amount")
    if cmd.bill_date > today(env):
        raise InvalidInput(
            "RECEIPT_IN_FUTURE", f"date: {cmd.bill_date} is after today.", field="date"
        )
    rule = check_receipt(cmd.month, cmd.bill_date, cmd.paid)
    with uow:
        repo = uow.repo
        if not repo.budget_unit_exists(cmd.case_id, cmd.budget_unit):
            raise NotFound(
                "BUDGET_UNIT_NOT_FOUND",
                f"No budget unit {cmd.budget_unit} on case {cmd.case_id}.",
            )
        retro = check_retro_period(uow, cmd.case_id, cmd.month)
        obligations = _sorted(repo.lock_obligations(cmd.case_id, cmd.budget_unit, cmd.month))
        if not obligations:
            raise RuleRefusal(
                "NO_SOC_FOR_MONTH",
                f"month: the budget unit had no Share of Cost in {cmd.month}; a receipt "
                "counts only toward a month with one.",
                field="month",
            )
        if all(o.certified for o in obligations):
            raise RuleRefusal(
                "SOC_ALREADY_MET", f"The Share of Cost for {cmd.month} is already met."
            )
        used = repo.bill_applied(cmd.case_id, name, cmd.bill_date, cmd.amount)
        left = cmd.amount - used
        if not left.is_positive():
            raise RuleRefusal(
                "BILL_ALREADY_USED",
                f"This bill ({name}, {cmd.bill_date}, {cmd.amount}) already met Share of Cost "
                "for its whole amount.",
            )
        now = env.clock.now()
        receipt_id = env.ids.new_id("r_")
        programs: list[dict[str, Any]] = []
        first: ledger.Application | None = None
        for obligation in obligations:
            if obligation.certified:
                continue
            application = ledger.apply_county_entry(obligation, left, now)
            repo.save_obligation(application.after, now)
            repo.add_entry(
                LedgerEntry(
                    entry_id=env.ids.new_id("e_"),
                    clearance_id=receipt_id,
                    kind=EntryKind.RECEIPT,
                    key=obligation.key,
                    cin="",
                    applied=application.applied,
                    remaining_after=application.after.remaining,
                    created_at=now,
                    service_date=cmd.bill_date,
                    service_charge=cmd.amount,
                    payment=Payment.PAID if cmd.paid else Payment.OBLIGATED,
                    provider_name=name,
                )
            )
            if application.certifies:
                _activate_plans(uow, application.after, now)
            first = first or application
            programs.append(
                {
                    "program": str(obligation.key.program),
                    "applied": str(application.applied),
                    "remaining": str(application.after.remaining),
                    "certified": application.after.certified,
                }
            )
        uow.commit()
    assert first is not None
    return ReceiptResult(
        receipt_id=receipt_id,
        case_id=cmd.case_id,
        budget_unit=cmd.budget_unit,
        month=cmd.month,
        provider_name=name,
        bill_date=cmd.bill_date,
        amount=cmd.amount,
        paid=cmd.paid,
        rule=rule,
        used_before=used,
        applied=first.applied,
        remaining=first.after.remaining,
        certified=first.after.certified,
        programs=tuple(programs),
        messages=(CONLAN,) if retro and cmd.paid else (),
    )


def list_receipts(
    case_id: str, budget_unit: str | None, month: BenefitMonth | None, uow: UnitOfWork
) -> list[LedgerEntry]:
    with uow:
        return uow.repo.receipt_entries(case_id, budget_unit, month)


# --- audit -------------------------------------------------------------------------------------
def audit_over_time(uow: UnitOfWork) -> list[str]:
    """The invariants of changes, credits and bills across months (``spenddown audit``)."""
    problems: list[str] = []
    with uow:
        for change in uow.repo.all_changes():
            credits = uow.repo.credit_entries(change.change_id)
            total = Money.zero()
            for entry in credits:
                total = total + entry.applied
                if entry.key.month <= change.effective_month:
                    problems.append(
                        f"change {change.change_id}: credit {entry.entry_id} on "
                        f"{entry.key.month}, not after the change month"
                    )
            if total > change.excess_amount:
                problems.append(
                    f"change {change.change_id}: credits {total} exceed the excess "
                    f"{change.excess_amount}"
                )
            if uow.repo.get_notice(change.notice_id) is None:
                problems.append(f"change {change.change_id}: no notice of action")
        bills: dict[tuple[str, str | None, date | None, Money | None], dict[str, Money]] = {}
        for obligation in list(uow.repo.iter_obligations()):
            for entry in uow.repo.entries_of(obligation.key):
                if entry.kind is not EntryKind.RECEIPT:
                    continue
                case_id = entry.key.case_id
                bill = (case_id, entry.provider_name, entry.service_date, entry.service_charge)
                per_receipt = bills.setdefault(bill, {})
                previous = per_receipt.get(entry.clearance_id, Money.zero())
                per_receipt[entry.clearance_id] = max(previous, entry.applied)
        for obligation in list(uow.repo.iter_obligations()):
            if obligation.key.program is not Program.MEDI_CAL or not obligation.certified:
                continue
            key = obligation.key
            for membership in uow.repo.members_of_budget_unit(key.case_id, key.budget_unit):
                if membership.role is not BudgetUnitRole.ELIGIBLE:
                    continue
                status = uow.repo.medicare_status(membership.cin, key.month)
                if (
                    needs_part_b_buy_in(status)
                    and uow.repo.buy_in_count(membership.cin, key.month) != 1
                ):
                    problems.append(
                        f"{key}: certified, but no Part B buy-in for member …{membership.cin[-4:]}"
                    )
        for bill, per_receipt in bills.items():
            used = Money.zero()
            for amount in per_receipt.values():
                used = used + amount
            if bill[3] is not None and used > bill[3]:
                problems.append(f"case {bill[0]}: a bill of {bill[3]} met {used} of Share of Cost")
    return problems

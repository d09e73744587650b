"""Medicare on the member-month: QMB status, and the Part B buy-in events written when a SOC
month is certified (docs/rules.md, "Medicare, Medicare Savings Programs and the Part B
buy-in")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from spenddown.domain.eligibility.codes import Program
from spenddown.domain.eligibility.model import BudgetUnitRole
from spenddown.domain.medicare import MedicareStatus, needs_part_b_buy_in
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import Obligation
from spenddown.services.ports import UnitOfWork

PAGE = 1000


@dataclass(frozen=True, slots=True)
class BuyIn:
    seq: int
    cin: str
    month: BenefitMonth
    case_id: str
    budget_unit: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BuyInPage:
    buy_ins: tuple[BuyIn, ...]
    next_since: int | None  # the cursor for the next call (the last seq), None when empty


def is_qmb(uow: UnitOfWork, cin: str, month: BenefitMonth) -> bool:
    status = uow.repo.medicare_status(cin, month)
    return status is not None and status.qmb


def record_buy_ins(uow: UnitOfWork, obligation: Obligation, now: datetime) -> int:
    """In the certifying transaction: one Part B buy-in event per Medicare member without an
    MSP of the budget unit for the month (a Medi-Cal obligation; unique per member-month)."""
    key = obligation.key
    if key.program is not Program.MEDI_CAL or not obligation.certified:
        return 0
    written = 0
    for membership in uow.repo.members_of_budget_unit(key.case_id, key.budget_unit):
        if membership.role is not BudgetUnitRole.ELIGIBLE:
            continue
        if needs_part_b_buy_in(uow.repo.medicare_status(membership.cin, key.month)):
            written += uow.repo.add_buy_in(
                membership.cin, key.month, key.case_id, key.budget_unit, now
            )
    return written


def catch_up_buy_ins(uow: UnitOfWork, statuses: list[MedicareStatus], now: datetime) -> int:
    """In the import's transaction, after its Medicare statuses are stored: a member-month that
    needs the Part B buy-in (Medicare, no MSP) and whose Medi-Cal SOC month was certified before
    the status arrived gets its event now (docs/rules.md §9.5). The event is unique per
    member-month, so a re-import writes nothing more; an MSP writes none."""
    wanted = {(s.cin, s.month) for s in statuses if needs_part_b_buy_in(s)}
    if not wanted:
        return 0
    written = 0
    cins = sorted({cin for cin, _ in wanted})
    months = sorted({month for _, month in wanted})
    for cin, month, case_id, budget_unit in uow.repo.certified_units_of_members(cins, months):
        if (cin, month) in wanted:
            written += uow.repo.add_buy_in(cin, month, case_id, budget_unit, now)
    return written


def buy_ins_since(since: int | None, uow: UnitOfWork, limit: int = PAGE) -> BuyInPage:
    with uow:
        rows = uow.repo.buy_ins_since(since or 0, limit)
    found = tuple(BuyIn(*row) for row in rows)
    return BuyInPage(found, found[-1].seq if found else since)

"""What the Share-of-Cost-over-time use cases need from storage (docs/rules.md, "A Share of
Cost over time"): changes of circumstance, notices, hearing requests, receipts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from spenddown.domain.eligibility.codes import Program
from spenddown.domain.medicare import MedicareStatus
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.notices import Notice
from spenddown.domain.share_of_cost.changes import Direction
from spenddown.domain.share_of_cost.ledger import LedgerEntry, Obligation


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    change_id: str
    case_id: str
    budget_unit: str
    program: Program
    old_amount: Money
    new_amount: Money
    direction: Direction
    changed_on: date
    reported_on: date
    reason: str
    effective_month: BenefitMonth
    timely: bool
    correction: bool
    excess: str | None  # "credit" | "corrected_month" (a timely decrease)
    excess_amount: Money
    months: dict[str, Any] = field(default_factory=dict)  # set, kept, credited
    status: str = "applied"  # applied | held (aid paid pending)
    notice_id: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class HearingRecord:
    notice_id: str
    requested_on: date
    aid_paid_pending: bool
    created_at: datetime


class OverTimeStore(Protocol):
    def unit_obligations_from(
        self, case_id: str, budget_unit: str, program: Program, month: BenefitMonth, *, lock: bool
    ) -> list[Obligation]: ...
    def latest_obligation_before(
        self, case_id: str, budget_unit: str, program: Program, month: BenefitMonth
    ) -> Obligation | None: ...
    def add_change(self, change: ChangeRecord) -> None: ...
    def get_change(self, change_id: str) -> ChangeRecord | None: ...
    def set_change_status(self, change_id: str, status: str) -> None: ...
    def all_changes(self) -> list[ChangeRecord]: ...
    def credit_entries(self, change_id: str) -> list[LedgerEntry]: ...
    def add_notice(self, notice: Notice, now: datetime) -> None: ...
    def get_notice(self, notice_id: str) -> Notice | None: ...
    def notices_of_case(self, case_id: str) -> list[tuple[Notice, HearingRecord | None]]: ...
    def add_hearing(self, hearing: HearingRecord) -> None: ...
    def get_hearing(self, notice_id: str) -> HearingRecord | None: ...
    def receipt_entries(
        self, case_id: str, budget_unit: str | None, month: BenefitMonth | None
    ) -> list[LedgerEntry]: ...
    def cleared_by_provider(
        self, cins: list[str], since: date, until: date
    ) -> dict[tuple[str, str, date], Money]: ...
    def upsert_applications(self, applications: list[tuple[str, date, bool]]) -> None: ...
    def case_application(self, case_id: str) -> tuple[date, bool] | None: ...
    def bill_applied(
        self, case_id: str, provider_name: str, bill_date: date, amount: Money
    ) -> Money: ...


class MedicareStore(Protocol):
    def medicare_status(self, cin: str, month: BenefitMonth) -> MedicareStatus | None: ...
    def upsert_medicare(self, statuses: list[MedicareStatus]) -> None: ...
    def add_buy_in(
        self, cin: str, month: BenefitMonth, case_id: str, budget_unit: str, now: datetime
    ) -> int: ...
    def buy_in_count(self, cin: str, month: BenefitMonth) -> int: ...
    def certified_units_of_members(
        self, cins: list[str], months: list[BenefitMonth]
    ) -> list[tuple[str, BenefitMonth, str, str]]: ...
    def buy_ins_since(
        self, since: int, limit: int
    ) -> list[tuple[int, str, BenefitMonth, str, str, datetime]]: ...

"""Storage of a Share of Cost over time (changes, notices, hearing requests, receipts); mixed
into ``SqlRepository``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from spenddown.adapters.db import tables as t
from spenddown.domain.eligibility.codes import CertifiedBy, Program
from spenddown.domain.medicare import MedicareStatus, Msp
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.notices import Notice
from spenddown.domain.share_of_cost.changes import Direction
from spenddown.domain.share_of_cost.ledger import (
    EntryKind,
    LedgerEntry,
    Obligation,
    ObligationKey,
)
from spenddown.services.over_time_ports import ChangeRecord, HearingRecord


def _obligation(row: Any) -> Obligation:
    certified_at = row.certified_at
    if certified_at is not None and certified_at.tzinfo is None:
        certified_at = certified_at.replace(tzinfo=UTC)
    return Obligation(
        key=ObligationKey(
            row.case_id, row.budget_unit, BenefitMonth.parse(row.month), Program(row.program)
        ),
        amount=Money.from_cents(row.amount_cents),
        remaining=Money.from_cents(row.remaining_cents),
        certified_by=CertifiedBy(row.certified_by) if row.certified_by else None,
        certified_at=certified_at,
        ltc=row.ltc,
    )


def _change(row: Any) -> ChangeRecord:
    return ChangeRecord(
        change_id=row.change_id,
        case_id=row.case_id,
        budget_unit=row.budget_unit,
        program=Program(row.program),
        old_amount=Money.from_cents(row.old_amount_cents),
        new_amount=Money.from_cents(row.new_amount_cents),
        direction=Direction(row.direction),
        changed_on=row.changed_on,
        reported_on=row.reported_on,
        reason=row.reason,
        effective_month=BenefitMonth.parse(row.effective_month),
        timely=row.timely,
        correction=row.correction,
        excess=row.excess,
        excess_amount=Money.from_cents(row.excess_cents),
        months=dict(row.months),
        status=row.status,
        notice_id=row.notice_id,
        created_at=row.created_at,
    )


def _notice(row: Any) -> Notice:
    return Notice(
        notice_id=row.notice_id,
        kind=row.kind,
        case_id=row.case_id,
        budget_unit=row.budget_unit,
        issued_on=row.issued_on,
        effective_month=BenefitMonth.parse(row.effective_month),
        hearing_deadline=row.hearing_deadline,
        change_id=row.change_id,
        facts=dict(row.content),
    )


class OverTimeRepository:
    c: Connection
    _locking: bool

    # Provided by SqlRepository.
    def _entries(self, *conditions: Any) -> list[LedgerEntry]:  # pragma: no cover
        raise NotImplementedError

    def _upsert_many(
        self,
        table: Any,
        columns: tuple[str, ...],
        rows: list[tuple[Any, ...]],
        keys: tuple[str, ...],
        update_columns: tuple[str, ...] | None = None,
    ) -> None:  # pragma: no cover
        raise NotImplementedError

    def _one_of(self, column: Any, values: list[str]) -> Any:  # pragma: no cover
        raise NotImplementedError

    def cleared_by_provider(
        self, cins: list[str], since: date, until: date
    ) -> dict[tuple[str, str, date], Money]:
        """Σ applied of the active Medi-Cal clearances per (provider, member, date of
        service), for the claims' SOC check (docs/rules.md)."""
        e = t.soc_entries
        reversal = e.alias("reversal")
        rows = self.c.execute(
            select(e.c.provider_npi, e.c.cin, e.c.service_date, func.sum(e.c.applied_cents))
            .where(
                # One array parameter on PostgreSQL: a batch's chunk names a thousand members.
                self._one_of(e.c.cin, cins),
                e.c.kind == str(EntryKind.CLEARANCE),
                e.c.program == str(Program.MEDI_CAL),
                e.c.service_date >= since,
                e.c.service_date <= until,
                ~select(reversal.c.entry_id).where(reversal.c.reverses == e.c.entry_id).exists(),
            )
            .group_by(e.c.provider_npi, e.c.cin, e.c.service_date)
        )
        return {(r[0], r[1], r[2]): Money.from_cents(int(r[3])) for r in rows}

    def upsert_applications(self, applications: list[tuple[str, date, bool]]) -> None:
        self._upsert_many(
            t.case_applications,
            ("case_id", "application_date", "aged_or_disabled"),
            applications,
            ("case_id",),
        )

    def case_application(self, case_id: str) -> tuple[date, bool] | None:
        a = t.case_applications
        row = self.c.execute(select(a).where(a.c.case_id == case_id)).first()
        return None if row is None else (row.application_date, row.aged_or_disabled)

    # --- Medicare ----------------------------------------------------------------------------
    def medicare_status(self, cin: str, month: BenefitMonth) -> MedicareStatus | None:
        m = t.medicare_status
        row = self.c.execute(select(m).where(m.c.cin == cin, m.c.month == str(month))).first()
        if row is None:
            return None
        return MedicareStatus(
            row.cin, month, row.part_a, row.part_b, Msp(row.msp) if row.msp else None
        )

    def upsert_medicare(self, statuses: list[MedicareStatus]) -> None:
        self._upsert_many(
            t.medicare_status,
            ("cin", "month", "part_a", "part_b", "msp"),
            [
                (s.cin, str(s.month), s.part_a, s.part_b, None if s.msp is None else str(s.msp))
                for s in statuses
            ],
            ("cin", "month"),
        )

    def add_buy_in(
        self, cin: str, month: BenefitMonth, case_id: str, budget_unit: str, now: datetime
    ) -> int:
        b = t.part_b_buy_ins
        insert = pg_insert if self.c.dialect.name == "postgresql" else sqlite_insert
        stmt: Any = insert(b).values(
            cin=cin, month=str(month), case_id=case_id, budget_unit=budget_unit, created_at=now
        )
        # Whether it was written, told by RETURNING rather than ``rowcount``.
        stmt = stmt.on_conflict_do_nothing(index_elements=["cin", "month"]).returning(b.c.seq)
        return 0 if self.c.execute(stmt).first() is None else 1

    def buy_ins_since(
        self, since: int, limit: int
    ) -> list[tuple[int, str, BenefitMonth, str, str, datetime]]:
        b = t.part_b_buy_ins
        rows = self.c.execute(select(b).where(b.c.seq > since).order_by(b.c.seq).limit(limit))
        found = []
        for r in rows:
            created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=UTC)
            found.append(
                (r.seq, r.cin, BenefitMonth.parse(r.month), r.case_id, r.budget_unit, created)
            )
        return found

    def certified_units_of_members(
        self, cins: list[str], months: list[BenefitMonth]
    ) -> list[tuple[str, BenefitMonth, str, str]]:
        """(CIN, month, case, unit) of every certified Medi-Cal obligation of a unit in which
        the member is eligible, for these members and months (in chunks of 500 members)."""
        m, o = t.budget_unit_members, t.soc_obligations
        found: list[tuple[str, BenefitMonth, str, str]] = []
        month_texts = sorted({str(month) for month in months})
        if not month_texts:
            return found
        for start in range(0, len(cins), 500):
            rows = self.c.execute(
                select(m.c.cin, o.c.month, o.c.case_id, o.c.budget_unit)
                .join(o, (o.c.case_id == m.c.case_id) & (o.c.budget_unit == m.c.budget_unit))
                .where(
                    m.c.cin.in_(cins[start : start + 500]),
                    m.c.role == "eligible",
                    o.c.program == str(Program.MEDI_CAL),
                    o.c.certified_by.is_not(None),
                    o.c.month.in_(month_texts),
                )
                .order_by(m.c.cin, o.c.month, o.c.case_id, o.c.budget_unit)
            )
            found.extend((r[0], BenefitMonth.parse(r[1]), r[2], r[3]) for r in rows)
        return found

    def buy_in_count(self, cin: str, month: BenefitMonth) -> int:
        b = t.part_b_buy_ins
        return int(
            self.c.execute(
                select(func.count()).where(b.c.cin == cin, b.c.month == str(month))
            ).scalar_one()
        )

    def unit_obligations_from(
        self, case_id: str, budget_unit: str, program: Program, month: BenefitMonth, *, lock: bool
    ) -> list[Obligation]:
        o = t.soc_obligations
        query = (
            select(o)
            .where(
                o.c.case_id == case_id,
                o.c.budget_unit == budget_unit,
                o.c.program == str(program),
                o.c.month >= str(month),
            )
            .order_by(o.c.month)
        )
        if lock and self._locking:
            query = query.with_for_update()
        return [_obligation(r) for r in self.c.execute(query)]

    def latest_obligation_before(
        self, case_id: str, budget_unit: str, program: Program, month: BenefitMonth
    ) -> Obligation | None:
        o = t.soc_obligations
        row = self.c.execute(
            select(o)
            .where(
                o.c.case_id == case_id,
                o.c.budget_unit == budget_unit,
                o.c.program == str(program),
                o.c.month < str(month),
            )
            .order_by(o.c.month.desc())
            .limit(1)
        ).first()
        return _obligation(row) if row else None

    def add_change(self, change: ChangeRecord) -> None:
        self.c.execute(
            t.soc_changes.insert().values(
                change_id=change.change_id,
                case_id=change.case_id,
                budget_unit=change.budget_unit,
                program=str(change.program),
                old_amount_cents=change.old_amount.cents,
                new_amount_cents=change.new_amount.cents,
                direction=str(change.direction),
                changed_on=change.changed_on,
                reported_on=change.reported_on,
                reason=change.reason,
                effective_month=str(change.effective_month),
                timely=change.timely,
                correction=change.correction,
                excess=change.excess,
                excess_cents=change.excess_amount.cents,
                months=change.months,
                status=change.status,
                notice_id=change.notice_id,
                created_at=change.created_at,
            )
        )

    def get_change(self, change_id: str) -> ChangeRecord | None:
        s = t.soc_changes
        row = self.c.execute(select(s).where(s.c.change_id == change_id)).first()
        return _change(row) if row else None

    def set_change_status(self, change_id: str, status: str) -> None:
        s = t.soc_changes
        self.c.execute(update(s).where(s.c.change_id == change_id).values(status=status))

    def all_changes(self) -> list[ChangeRecord]:
        s = t.soc_changes
        return [_change(r) for r in self.c.execute(select(s).order_by(s.c.created_at))]

    def credit_entries(self, change_id: str) -> list[LedgerEntry]:
        e = t.soc_entries
        return self._entries(e.c.change_id == change_id, e.c.kind == str(EntryKind.CREDIT))

    def add_notice(self, notice: Notice, now: datetime) -> None:
        self.c.execute(
            t.notices.insert().values(
                notice_id=notice.notice_id,
                kind=notice.kind,
                case_id=notice.case_id,
                budget_unit=notice.budget_unit,
                change_id=notice.change_id,
                issued_on=notice.issued_on,
                effective_month=str(notice.effective_month),
                hearing_deadline=notice.hearing_deadline,
                content=dict(notice.facts),
                created_at=now,
            )
        )

    def get_notice(self, notice_id: str) -> Notice | None:
        n = t.notices
        row = self.c.execute(select(n).where(n.c.notice_id == notice_id)).first()
        return None if row is None else _notice(row)

    def notices_of_case(self, case_id: str) -> list[tuple[Notice, HearingRecord | None]]:
        """A case's notices of action, newest first, each with its hearing request (one
        statement: ``ix_notices_case`` and a left join)."""
        n, h = t.notices, t.hearing_requests
        rows = self.c.execute(
            select(n, h.c.requested_on, h.c.aid_paid_pending, h.c.created_at.label("heard_at"))
            .select_from(n.outerjoin(h, h.c.notice_id == n.c.notice_id))
            .where(n.c.case_id == case_id)
            .order_by(n.c.created_at.desc(), n.c.notice_id.desc())
        )
        found: list[tuple[Notice, HearingRecord | None]] = []
        for row in rows:
            hearing = None
            if row.requested_on is not None:
                hearing = HearingRecord(
                    row.notice_id, row.requested_on, row.aid_paid_pending, row.heard_at
                )
            found.append((_notice(row), hearing))
        return found

    def add_hearing(self, hearing: HearingRecord) -> None:
        self.c.execute(
            t.hearing_requests.insert().values(
                notice_id=hearing.notice_id,
                requested_on=hearing.requested_on,
                aid_paid_pending=hearing.aid_paid_pending,
                created_at=hearing.created_at,
            )
        )

    def get_hearing(self, notice_id: str) -> HearingRecord | None:
        h = t.hearing_requests
        row = self.c.execute(select(h).where(h.c.notice_id == notice_id)).first()
        if row is None:
            return None
        return HearingRecord(row.notice_id, row.requested_on, row.aid_paid_pending, row.created_at)

    def receipt_entries(
        self, case_id: str, budget_unit: str | None, month: BenefitMonth | None
    ) -> list[LedgerEntry]:
        e = t.soc_entries
        conditions = [e.c.case_id == case_id, e.c.kind == str(EntryKind.RECEIPT)]
        if budget_unit is not None:
            conditions.append(e.c.budget_unit == budget_unit)
        if month is not None:
            conditions.append(e.c.month == str(month))
        return self._entries(*conditions)

    def bill_applied(
        self, case_id: str, provider_name: str, bill_date: date, amount: Money
    ) -> Money:
        """What one bill (case, provider, date, amount) already met, over every month it was
        used for: the largest application of each receipt (one per program it touched)."""
        e = t.soc_entries
        per_receipt = (
            select(func.max(e.c.applied_cents).label("applied"))
            .where(
                e.c.case_id == case_id,
                e.c.kind == str(EntryKind.RECEIPT),
                e.c.provider_name == provider_name,
                e.c.service_date == bill_date,
                e.c.service_charge_cents == amount.cents,
            )
            .group_by(e.c.clearance_id)
            .subquery()
        )
        total = self.c.execute(select(func.coalesce(func.sum(per_receipt.c.applied), 0))).scalar()
        return Money.from_cents(int(total or 0))

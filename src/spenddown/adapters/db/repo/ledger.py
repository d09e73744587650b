"""The SOC ledger: obligations, clearances and reversals (ledger entries), certifications
(plan activations, cycles) and the determinations behind them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from spenddown.adapters.db import tables as t
from spenddown.adapters.db.repo.base import RepositoryBase, _month, _utc
from spenddown.domain.eligibility.codes import CertifiedBy, Program
from spenddown.domain.eligibility.model import Membership
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import (
    EntryKind,
    LedgerEntry,
    Obligation,
    ObligationKey,
    Payment,
)
from spenddown.services.ports import Activation, StoredDetermination


def _service_cleared_statement() -> Any:
    e = t.soc_entries
    reversal = e.alias("reversal")
    return (
        select(e.c.entry_id)
        .where(
            e.c.cin == bindparam("cin"),
            e.c.service_date == bindparam("day"),
            e.c.provider_npi == bindparam("npi"),
            e.c.billing_code == bindparam("code"),
            e.c.kind == str(EntryKind.CLEARANCE),
            ~select(reversal.c.entry_id).where(reversal.c.reverses == e.c.entry_id).exists(),
        )
        .limit(1)
    )


# The clearance path's statements are built once: building and caching a Core statement costs
# more than running it on PostgreSQL (docs/performance.md, figure 1).
_SERVICE_CLEARED = _service_cleared_statement()
_INSERT_ENTRY = insert(t.soc_entries)
_OBLIGATION_KEY = ("case_id", "budget_unit", "month", "program")


def _unit_obligations_statement(lock: bool) -> Any:
    """The obligations of every budget unit the member is on, for one month; locked (PostgreSQL,
    ``FOR UPDATE OF soc_obligations``, taken in key order) when ``lock``."""
    o, m = t.soc_obligations, t.budget_unit_members
    query = (
        select(o, m.c.cin, m.c.role)
        .join(m, and_(m.c.case_id == o.c.case_id, m.c.budget_unit == o.c.budget_unit))
        .where(m.c.cin == bindparam("cin"), o.c.month == bindparam("month"))
        .order_by(o.c.case_id, o.c.budget_unit, o.c.program)
    )
    return query.with_for_update(of=o) if lock else query


_UNIT_OBLIGATIONS = _unit_obligations_statement(lock=False)
_LOCK_UNIT_OBLIGATIONS = _unit_obligations_statement(lock=True)


def _clearance_precheck_statement() -> Any:
    """One round trip for the two checks before a clearance: the clearance an idempotency key
    already made, and whether the service was already cleared."""
    e = t.soc_entries
    earlier = (
        select(e.c.clearance_id)
        .where(
            e.c.provider_npi == bindparam("npi"),
            e.c.idempotency_key == bindparam("key"),
            e.c.kind == str(EntryKind.CLEARANCE),
        )
        .order_by(e.c.created_at, e.c.entry_id)
        .limit(1)
        .scalar_subquery()
    )
    return select(earlier.label("earlier"), _SERVICE_CLEARED.exists().label("cleared"))


_CLEARANCE_PRECHECK = _clearance_precheck_statement()


def _obligation_upsert_statement(dialect: str) -> Any:
    o = t.soc_obligations
    stmt: Any = (pg_insert if dialect == "postgresql" else sqlite_insert)(o)
    return stmt.on_conflict_do_update(
        index_elements=list(_OBLIGATION_KEY),
        set_={c.name: stmt.excluded[c.name] for c in o.c if c.name not in _OBLIGATION_KEY},
    )


_UPSERT_OBLIGATION = {d: _obligation_upsert_statement(d) for d in ("postgresql", "sqlite")}
_ENTRY_COLUMNS = tuple(c.name for c in t.soc_entries.c)


def _obligation_and_entry_statement() -> Any:
    """PostgreSQL: a locked obligation's new state and the ledger entry that made it, in one
    round trip (the update is a data-modifying CTE of the entry's insert)."""
    o = t.soc_obligations
    changed = (
        update(o)
        .where(*(o.c[k] == bindparam(f"o_{k}") for k in _OBLIGATION_KEY))
        .values(
            {
                c.name: bindparam(f"o_{c.name}", type_=c.type)
                for c in o.c
                if c.name not in _OBLIGATION_KEY
            }
        )
        .cte("changed_obligation")
    )
    entry = insert(t.soc_entries).values({c: bindparam(f"e_{c}") for c in _ENTRY_COLUMNS})
    return entry.add_cte(changed)


_OBLIGATION_AND_ENTRY = _obligation_and_entry_statement()


def _new_activation_statement(dialect: str) -> Any:
    a = t.plan_activations
    stmt: Any = (pg_insert if dialect == "postgresql" else sqlite_insert)(a)
    stmt = stmt.on_conflict_do_nothing(index_elements=["plan_code", "cin", "month"])
    return stmt.returning(a.c.seq)


_NEW_ACTIVATION = {d: _new_activation_statement(d) for d in ("postgresql", "sqlite")}


def _obligation_values(obligation: Obligation, now: datetime) -> dict[str, Any]:
    key = obligation.key
    return {
        "case_id": key.case_id,
        "budget_unit": key.budget_unit,
        "month": str(key.month),
        "program": str(key.program),
        "amount_cents": obligation.amount.cents,
        "remaining_cents": obligation.remaining.cents,
        "certified_by": str(obligation.certified_by) if obligation.certified_by else None,
        "certified_at": obligation.certified_at,
        "ltc": obligation.ltc,
        "updated_at": now,
    }


def _entry_values(entry: LedgerEntry) -> dict[str, Any]:
    key = entry.key
    return dict(
        entry_id=entry.entry_id,
        clearance_id=entry.clearance_id,
        kind=str(entry.kind),
        case_id=key.case_id,
        budget_unit=key.budget_unit,
        month=str(key.month),
        program=str(key.program),
        cin=entry.cin,
        provider_npi=entry.provider_npi,
        service_date=entry.service_date,
        billing_code=entry.billing_code,
        service_charge_cents=entry.service_charge.cents if entry.service_charge else None,
        payment=str(entry.payment) if entry.payment else None,
        applied_cents=entry.applied.cents,
        remaining_after_cents=entry.remaining_after.cents,
        idempotency_key=entry.idempotency_key,
        reverses=entry.reverses,
        evc=entry.evc,
        created_at=entry.created_at,
        other_coverage_paid_cents=(
            entry.other_coverage_paid.cents if entry.other_coverage_paid else None
        ),
        provider_name=entry.provider_name,
        change_id=entry.change_id,
        service_type=entry.service_type,
        counted_date=entry.counted_date,
    )


class LedgerRepository(RepositoryBase):
    @staticmethod
    def _obligation(row: Any) -> Obligation:
        return Obligation(
            key=ObligationKey(
                row.case_id, row.budget_unit, _month(row.month), Program(row.program)
            ),
            amount=Money.from_cents(row.amount_cents),
            remaining=Money.from_cents(row.remaining_cents),
            certified_by=CertifiedBy(row.certified_by) if row.certified_by else None,
            certified_at=_utc(row.certified_at),
            ltc=row.ltc,
        )

    def _obligations(
        self, case_id: str, budget_unit: str, month: BenefitMonth, lock: bool
    ) -> list[Obligation]:
        o = t.soc_obligations
        query = (
            select(o)
            .where(o.c.case_id == case_id, o.c.budget_unit == budget_unit, o.c.month == str(month))
            .order_by(o.c.program)
        )
        if lock and self._locking:
            query = query.with_for_update()
        return [self._obligation(r) for r in self.c.execute(query)]

    def lock_obligations(
        self, case_id: str, budget_unit: str, month: BenefitMonth
    ) -> list[Obligation]:
        return self._obligations(case_id, budget_unit, month, lock=True)

    def get_obligations(
        self, case_id: str, budget_unit: str, month: BenefitMonth
    ) -> list[Obligation]:
        return self._obligations(case_id, budget_unit, month, lock=False)

    def save_obligation(self, obligation: Obligation, now: datetime) -> None:
        self._run(_UPSERT_OBLIGATION[self.c.dialect.name], _obligation_values(obligation, now))

    def save_obligation_and_entry(
        self, obligation: Obligation, entry: LedgerEntry, now: datetime
    ) -> None:
        """An obligation already stored and locked, with the entry that changed it: one round
        trip on PostgreSQL, two statements on SQLite (in process)."""
        if self.c.dialect.name != "postgresql":
            self.save_obligation(obligation, now)
            self.add_entry(entry)
            return
        values = {f"e_{k}": v for k, v in _entry_values(entry).items()}
        values.update({f"o_{k}": v for k, v in _obligation_values(obligation, now).items()})
        self._run(_OBLIGATION_AND_ENTRY, values)

    def save_obligations(self, obligations: list[Obligation], now: datetime) -> None:
        self._upsert_many(
            t.soc_obligations,
            (
                "case_id",
                "budget_unit",
                "month",
                "program",
                "amount_cents",
                "remaining_cents",
                "certified_by",
                "certified_at",
                "ltc",
                "updated_at",
            ),
            [
                (
                    o.key.case_id,
                    o.key.budget_unit,
                    str(o.key.month),
                    str(o.key.program),
                    o.amount.cents,
                    o.remaining.cents,
                    str(o.certified_by) if o.certified_by else None,
                    o.certified_at,
                    o.ltc,
                    now,
                )
                for o in obligations
            ],
            ("case_id", "budget_unit", "month", "program"),
        )

    def unit_obligations(
        self, cin: str, month: BenefitMonth, *, lock: bool
    ) -> list[tuple[Membership, list[Obligation]]]:
        statement = _LOCK_UNIT_OBLIGATIONS if lock and self._locking else _UNIT_OBLIGATIONS
        units: dict[tuple[str, str], tuple[Membership, list[Obligation]]] = {}
        for row in self._run(statement, {"cin": cin, "month": str(month)}):
            unit = units.setdefault(
                (row.case_id, row.budget_unit),
                (self._membership(row), []),
            )
            unit[1].append(self._obligation(row))
        return list(units.values())

    def units_obligations_of(
        self, cins: list[str], months: list[BenefitMonth]
    ) -> dict[tuple[str, BenefitMonth], list[tuple[Membership, list[Obligation]]]]:
        """``unit_obligations`` (unlocked) of many members and months in one statement, by
        (CIN, month); pairs with no obligation are left out."""
        o, m = t.soc_obligations, t.budget_unit_members
        rows = self.c.execute(
            select(o, m.c.cin, m.c.role)
            .join(m, and_(m.c.case_id == o.c.case_id, m.c.budget_unit == o.c.budget_unit))
            .where(self._one_of(m.c.cin, cins), self._one_of(o.c.month, [str(x) for x in months]))
            .order_by(m.c.cin, o.c.month, o.c.case_id, o.c.budget_unit, o.c.program)
        )
        found: dict[tuple[str, BenefitMonth], list[tuple[Membership, list[Obligation]]]] = {}
        units: dict[tuple[str, str, str, str], list[Obligation]] = {}
        for row in rows:
            unit = units.get((row.cin, row.month, row.case_id, row.budget_unit))
            if unit is None:
                unit = units[(row.cin, row.month, row.case_id, row.budget_unit)] = []
                found.setdefault((row.cin, _month(row.month)), []).append(
                    (self._membership(row), unit)
                )
            unit.append(self._obligation(row))
        return found

    def obligations_of_cases_in(
        self, case_ids: list[str], months: list[BenefitMonth]
    ) -> list[Obligation]:
        o = t.soc_obligations
        rows = self.c.execute(
            select(*(c for c in o.columns if c.name != "updated_at"))  # all that is mapped
            .where(
                self._one_of(o.c.case_id, case_ids),
                self._one_of(o.c.month, [str(m) for m in months]),
            )
            .order_by(o.c.case_id, o.c.budget_unit, o.c.month, o.c.program)
        )
        return [self._obligation(r) for r in rows]

    def obligations_of_cases(self, case_ids: set[str]) -> list[Obligation]:
        o = t.soc_obligations
        return [self._obligation(r) for r in self._in_chunks(select(o), o.c.case_id, case_ids)]

    def uncertified_obligations(self, month: BenefitMonth) -> list[ObligationKey]:
        o = t.soc_obligations
        rows = self.c.execute(
            select(o.c.case_id, o.c.budget_unit, o.c.program)
            .where(o.c.month == str(month), o.c.certified_by.is_(None))
            .order_by(o.c.case_id, o.c.budget_unit, o.c.program)
        )
        return [ObligationKey(r.case_id, r.budget_unit, month, Program(r.program)) for r in rows]

    def iter_obligations(self) -> Iterator[Obligation]:
        o = t.soc_obligations
        query = select(o).order_by(o.c.month, o.c.case_id, o.c.budget_unit, o.c.program)
        for row in self.c.execute(query).all():
            yield self._obligation(row)

    def clearance_precheck(
        self, provider_npi: str, key: str | None, cin: str, service_date: date, billing_code: str
    ) -> tuple[str | None, bool]:
        (row,) = self._run(
            _CLEARANCE_PRECHECK,
            {
                "npi": provider_npi,
                "key": key,
                "cin": cin,
                "day": service_date,
                "code": billing_code,
            },
        )
        return row.earlier, bool(row.cleared)

    def add_entry(self, entry: LedgerEntry) -> None:
        self._run(_INSERT_ENTRY, _entry_values(entry))

    @staticmethod
    def _entry(row: Row[Any]) -> LedgerEntry:
        return LedgerEntry(
            entry_id=row.entry_id,
            clearance_id=row.clearance_id,
            kind=EntryKind(row.kind),
            key=ObligationKey(
                row.case_id, row.budget_unit, _month(row.month), Program(row.program)
            ),
            cin=row.cin,
            applied=Money.from_cents(row.applied_cents),
            remaining_after=Money.from_cents(row.remaining_after_cents),
            created_at=_utc(row.created_at) or datetime.now(UTC),
            provider_npi=row.provider_npi,
            service_date=row.service_date,
            billing_code=row.billing_code,
            service_charge=(
                Money.from_cents(row.service_charge_cents)
                if row.service_charge_cents is not None
                else None
            ),
            payment=Payment(row.payment) if row.payment else None,
            idempotency_key=row.idempotency_key,
            reverses=row.reverses,
            evc=row.evc,
            other_coverage_paid=(
                Money.from_cents(row.other_coverage_paid_cents)
                if row.other_coverage_paid_cents is not None
                else None
            ),
            provider_name=row.provider_name,
            change_id=row.change_id,
            service_type=row.service_type,
            counted_date=row.counted_date,
        )

    def _entries(self, *conditions: Any) -> list[LedgerEntry]:
        e = t.soc_entries
        rows = self.c.execute(select(e).where(*conditions).order_by(e.c.created_at, e.c.entry_id))
        return [self._entry(r) for r in rows]

    def entries_of(self, key: ObligationKey) -> list[LedgerEntry]:
        e = t.soc_entries
        return self._entries(
            e.c.case_id == key.case_id,
            e.c.budget_unit == key.budget_unit,
            e.c.month == str(key.month),
            e.c.program == str(key.program),
        )

    def entries_of_clearance(self, clearance_id: str) -> list[LedgerEntry]:
        return self._entries(t.soc_entries.c.clearance_id == clearance_id)

    def member_entries(self, cin: str | None, month: BenefitMonth | None) -> list[LedgerEntry]:
        e = t.soc_entries
        conditions = []
        if cin is not None:
            # A reversal row carries the member too, so one query finds both.
            conditions.append(e.c.cin == cin)
        if month is not None:
            conditions.append(e.c.month == str(month))
        return self._entries(*conditions)

    def reversed_entry_ids(self, entry_ids: list[str]) -> set[str]:
        if not entry_ids:
            return set()
        e = t.soc_entries
        rows = self.c.execute(select(e.c.reverses).where(e.c.reverses.in_(entry_ids)))
        return {r[0] for r in rows}

    def add_activation(
        self, plan_code: str, cin: str, key: ObligationKey, certified_by: str, now: datetime
    ) -> bool:
        """Whether it was written (not if the plan, member and month have one): told by
        RETURNING, not by ``rowcount``, which some batched INSERT forms leave at -1."""
        row = self.c.execute(
            _NEW_ACTIVATION[self.c.dialect.name],
            {
                "plan_code": plan_code,
                "cin": cin,
                "month": str(key.month),
                "case_id": key.case_id,
                "budget_unit": key.budget_unit,
                "certified_by": certified_by,
                "created_at": now,
            },
        ).first()
        return row is not None

    def add_activations(
        self, activations: list[tuple[str, str, ObligationKey, str]], now: datetime
    ) -> None:
        """(plan, CIN, obligation key, certified by): each member-month once (a second one of
        the same plan, member and month is left out, as ``add_activation`` does)."""
        a = t.plan_activations
        rows = [
            {
                "plan_code": plan_code,
                "cin": cin,
                "month": str(key.month),
                "case_id": key.case_id,
                "budget_unit": key.budget_unit,
                "certified_by": certified_by,
                "created_at": now,
            }
            for plan_code, cin, key, certified_by in activations
        ]
        if rows:
            dialect = self.c.dialect.name
            stmt: Any = (pg_insert if dialect == "postgresql" else sqlite_insert)(a)
            stmt = stmt.on_conflict_do_nothing(index_elements=["plan_code", "cin", "month"])
            self.c.execute(stmt, rows)

    def activations_since(self, plan_code: str, after_seq: int, limit: int) -> list[Activation]:
        a = t.plan_activations
        rows = self.c.execute(
            select(a)
            .where(a.c.plan_code == plan_code, a.c.seq > after_seq)
            .order_by(a.c.seq)
            .limit(limit)
        )
        return [
            Activation(
                r.seq,
                r.plan_code,
                r.cin,
                _month(r.month),
                r.case_id,
                r.budget_unit,
                r.certified_by,
                _utc(r.created_at) or datetime.now(UTC),
            )
            for r in rows
        ]

    def activation_count(self, plan_code: str, cin: str, month: BenefitMonth) -> int:
        a = t.plan_activations
        query = select(func.count()).where(
            and_(a.c.plan_code == plan_code, a.c.cin == cin, a.c.month == str(month))
        )
        return int(self.c.execute(query).scalar_one())

    def cycle_started(self, month: BenefitMonth) -> bool:
        query = select(t.cycles.c.month).where(t.cycles.c.month == str(month))
        return self.c.execute(query).first() is not None

    def record_cycle(self, month: BenefitMonth, ltc_certified: int, now: datetime) -> None:
        self._upsert(
            t.cycles,
            {"month": str(month), "started_at": now, "ltc_certified": ltc_certified},
            ["month"],
        )

    @staticmethod
    def _determination_row(record: StoredDetermination, now: datetime) -> dict[str, Any]:
        return {
            "case_id": record.case_id,
            "budget_unit": record.budget_unit,
            "month": str(record.month),
            "program": record.program,
            "soc_cents": record.soc.cents,
            "inputs": record.inputs,
            "created_at": now,
        }

    def save_determination_inputs(self, record: StoredDetermination, now: datetime) -> None:
        self._upsert(
            t.determination_inputs,
            self._determination_row(record, now),
            ["case_id", "budget_unit", "month"],
        )

    def save_determination_inputs_many(
        self, records: list[StoredDetermination], now: datetime
    ) -> None:
        table = t.determination_inputs
        insert_: Any = pg_insert if self.c.dialect.name == "postgresql" else sqlite_insert
        stmt = insert_(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["case_id", "budget_unit", "month"],
            set_={c: stmt.excluded[c] for c in ("program", "soc_cents", "inputs", "created_at")},
        )
        unique = {(r.case_id, r.budget_unit, str(r.month)): r for r in records}
        rows = [self._determination_row(record, now) for record in unique.values()]
        for start in range(0, len(rows), 1000):
            self.c.execute(stmt, rows[start : start + 1000])

    def determination_inputs(self, month: BenefitMonth) -> list[StoredDetermination]:
        d = t.determination_inputs
        query = (
            select(d, t.cases.c.county_code)
            .join(t.cases, t.cases.c.case_id == d.c.case_id)
            .where(d.c.month == str(month))
            .order_by(d.c.case_id, d.c.budget_unit)
        )
        return [
            StoredDetermination(
                case_id=row.case_id,
                budget_unit=row.budget_unit,
                month=month,
                program=row.program,
                soc=Money.from_cents(row.soc_cents),
                inputs=row.inputs,
                county_code=row.county_code,
            )
            for row in self.c.execute(query)
        ]

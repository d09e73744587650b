"""SQL implementation of ``spenddown.services.ports.Repository`` (SQLAlchemy Core).

Rows are mapped to domain objects here and nowhere else. On PostgreSQL ``lock_obligations``
takes row locks (``SELECT … FOR UPDATE``); SQLite has one writer at a time (see engine.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    Connection,
    Row,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from spenddown.adapters.db import tables as t
from spenddown.adapters.db.over_time import OverTimeRepository
from spenddown.domain.cob.model import (
    Authorization,
    AuthorizationPayer,
    FeeScheduleEntry,
    OhcPolicy,
    ServiceScope,
)
from spenddown.domain.eligibility.codes import AidCode, CertifiedBy, Program, Scope
from spenddown.domain.eligibility.model import (
    BudgetUnitRole,
    EligibilitySegment,
    Member,
    Membership,
    Plan,
    Provider,
    ProviderType,
)
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import (
    EntryKind,
    LedgerEntry,
    Obligation,
    ObligationKey,
    Payment,
)
from spenddown.services.ports import (
    AccessRecord,
    Activation,
    ApiToken,
    ClaimCorrection,
    EvcRecord,
    InboundAcknowledgment,
    StoredClaim,
    StoredClaimLine,
    StoredDetermination,
    StoredMeanwhile,
    VerificationRecord,
)

# Attempts that count toward a lock: failures, and PINs being checked (a "pending" try is
# written before Argon2 runs and settled after; docs/operations.md "Lockout").
COUNTED_ATTEMPTS = ("failure", "pending")


def _utc(value: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes: every stored time is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


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
_GET_MEMBER = select(t.members).where(t.members.c.cin == bindparam("cin"))
_GET_PROVIDER = select(t.providers).where(t.providers.c.npi == bindparam("npi"))
_INSERT_ENTRY = insert(t.soc_entries)
_ALL_PLANS = select(t.plans)
_ALL_AID_CODES = select(t.aid_codes)
_SEGMENTS = (
    select(t.eligibility)
    .where(t.eligibility.c.cin == bindparam("cin"), t.eligibility.c.month == bindparam("month"))
    .order_by(t.eligibility.c.aid_code)
)
_EVC_EXISTS = select(t.evcs.c.evc).where(t.evcs.c.evc == bindparam("evc"))
_INSERT_EVC = insert(t.evcs)
_INSERT_VERIFICATION = insert(t.verifications)
_OBLIGATION_KEY = ("case_id", "budget_unit", "month", "program")
# Transaction advisory locks (PostgreSQL) on values that have no row to lock yet: the first key
# names the kind of value, the second is the value's 32-bit hash (two values with the same hash
# merely wait for each other). PostgreSQL runs volatile functions of the select list after
# ORDER BY, so the locks of one statement are taken in hash order.
_CLAIM_ID_LOCKS = 24001
_IDEMPOTENCY_KEY_LOCKS = 24002
_AUTH_SUBJECT_LOCKS = 24003
_ADVISORY_LOCKS = sql_text(
    "SELECT pg_advisory_xact_lock(:kind, h)"
    " FROM (SELECT DISTINCT hashtext(v) AS h FROM unnest(CAST(:values AS text[])) AS v) AS hashes"
    " ORDER BY h"
)


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


# Keys per ``IN (...)`` list in bulk look-ups (SQLite allows 32,766 parameters).
_IN_CHUNK = 10_000


def _line_row(line: StoredClaimLine) -> dict[str, Any]:
    """A claim line's columns, in the order of ``claim_lines``."""
    return {
        "provider_npi": line.provider_npi,
        "claim_id": line.claim_id,
        "line": line.line,
        "cin": line.cin,
        "service_date": line.service_date,
        "procedure_code": line.procedure_code,
        "units": line.units,
        "status": line.status,
        "authorization_id": line.authorization_id,
        "medi_cal_paid_cents": line.medi_cal_paid_cents,
        "soc_cents": line.soc_cents,
        "member_owes_cents": line.member_owes_cents,
        "primary_deductible_cents": line.primary_deductible_cents,
        "deductible_credit_cents": line.deductible_credit_cents,
        "primary_out_of_pocket_cents": line.primary_out_of_pocket_cents,
    }


@lru_cache(maxsize=4096)
def _month(value: str) -> BenefitMonth:
    """Stored months are few and ``BenefitMonth`` is immutable: each is parsed once."""
    return BenefitMonth.parse(value)


_INSERT_ACCESS = insert(t.access_log)


class SqlRepository(OverTimeRepository):
    def __init__(self, connection: Connection, *, locking: bool) -> None:
        self.c = connection
        self._locking = locking

    # --- helpers -------------------------------------------------------------------------
    def _upsert(self, table: Any, values: dict[str, Any], keys: list[str]) -> None:
        dialect = self.c.dialect.name
        stmt: Any = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(
            **values
        )
        changes = {k: v for k, v in values.items() if k not in keys}
        if changes:
            stmt = stmt.on_conflict_do_update(index_elements=keys, set_=changes)
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=keys)
        self.c.execute(stmt)

    # --- reference data ------------------------------------------------------------------
    def get_member(self, cin: str) -> Member | None:
        row = self.c.execute(_GET_MEMBER, {"cin": cin}).first()
        if row is None:
            return None
        return Member(row.cin, row.bic_issue_date, row.first_name, row.last_name, row.birth_date)

    def get_provider(self, npi: str) -> Provider | None:
        row = self.c.execute(_GET_PROVIDER, {"npi": npi}).first()
        return None if row is None else self._provider(row)

    @staticmethod
    def _provider(row: Row[Any]) -> Provider:
        return Provider(
            npi=row.npi,
            name=row.name,
            type=ProviderType(row.type),
            pin_hash=row.pin_hash,
            medi_cal_ffs=row.medi_cal_ffs,
            plans=tuple(row.plans),
            primary_networks=tuple(row.primary_networks),
            failed_attempts=row.failed_attempts,
            locked_until=_utc(row.locked_until),
        )

    def get_plan(self, code: str) -> Plan | None:
        row = self.c.execute(select(t.plans).where(t.plans.c.code == code)).first()
        return Plan(row.code, row.name) if row else None

    def plans(self) -> dict[str, Plan]:
        return {r.code: Plan(r.code, r.name) for r in self.c.execute(_ALL_PLANS)}

    def stored_aid_codes(self) -> dict[str, AidCode]:
        return {
            r.aid_code: AidCode(
                r.aid_code,
                r.soc,
                r.ltc,
                Scope(r.scope),
                Program(r.program),
                r.verified,
                r.description,
            )
            for r in self.c.execute(_ALL_AID_CODES)
        }

    def case_exists(self, case_id: str) -> bool:
        return (
            self.c.execute(select(t.cases.c.case_id).where(t.cases.c.case_id == case_id)).first()
            is not None
        )

    def budget_unit_exists(self, case_id: str, budget_unit: str) -> bool:
        bu = t.budget_units
        query = select(bu.c.case_id).where(bu.c.case_id == case_id, bu.c.budget_unit == budget_unit)
        return self.c.execute(query).first() is not None

    @staticmethod
    def _membership(row: Row[Any]) -> Membership:
        return Membership(row.case_id, row.budget_unit, row.cin, BudgetUnitRole(row.role))

    def memberships_of(self, cin: str) -> list[Membership]:
        m = t.budget_unit_members
        rows = self.c.execute(
            select(m).where(m.c.cin == cin).order_by(m.c.case_id, m.c.budget_unit)
        )
        return [self._membership(r) for r in rows]

    def members_of_budget_unit(self, case_id: str, budget_unit: str) -> list[Membership]:
        m = t.budget_unit_members
        rows = self.c.execute(
            select(m)
            .where(m.c.case_id == case_id, m.c.budget_unit == budget_unit)
            .order_by(m.c.cin)
        )
        return [self._membership(r) for r in rows]

    @staticmethod
    def _segment(row: Row[Any]) -> EligibilitySegment:
        return EligibilitySegment(
            row.cin,
            _month(row.month),
            row.aid_code,
            row.county_code,
            row.plan_code,
            tuple(row.ohc_codes),
        )

    def segments(self, cin: str, month: BenefitMonth) -> list[EligibilitySegment]:
        rows = self.c.execute(_SEGMENTS, {"cin": cin, "month": str(month)})
        return [self._segment(r) for r in rows]

    def plan_segments(self, plan_code: str, month: BenefitMonth) -> list[EligibilitySegment]:
        e = t.eligibility
        rows = self.c.execute(
            select(e)
            .where(e.c.plan_code == plan_code, e.c.month == str(month))
            .order_by(e.c.cin, e.c.aid_code)
        )
        return [self._segment(r) for r in rows]

    # --- sign-in attempts ----------------------------------------------------------------
    def lock_auth_subject(self, kind: str, subject: str) -> None:
        """PostgreSQL: a transaction advisory lock on the NPI or CIN (also one that does not
        exist), so that checking the count and writing an attempt are one step; SQLite's one
        writer serializes them already."""
        self._advisory_locks(_AUTH_SUBJECT_LOCKS, [f"{kind}:{subject}"])

    def auth_failures(
        self, kind: str, subject: str, since: datetime, address: str | None = None
    ) -> list[datetime]:
        a = t.auth_attempts
        query = (
            select(a.c.at)
            .where(
                a.c.kind == kind,
                a.c.subject == subject,
                a.c.at > since,
                a.c.outcome.in_(COUNTED_ATTEMPTS),
            )
            .order_by(a.c.at.desc())
            .limit(1000)
        )
        if address is not None:
            query = query.where(a.c.address == address)
        return [_utc(at) or since for at in self.c.execute(query).scalars()]

    def address_failures(self, address: str, since: datetime) -> list[datetime]:
        a = t.auth_attempts
        query = (
            select(a.c.at)
            .where(a.c.address == address, a.c.at > since, a.c.outcome.in_(COUNTED_ATTEMPTS))
            .order_by(a.c.at.desc())
            .limit(1000)
        )
        return [_utc(at) or since for at in self.c.execute(query).scalars()]

    def auth_pending(self, kind: str, subject: str, since: datetime) -> bool:
        a = t.auth_attempts
        query = (
            select(a.c.seq)
            .where(
                a.c.kind == kind, a.c.subject == subject, a.c.at > since, a.c.outcome == "pending"
            )
            .limit(1)
        )
        return self.c.execute(query).first() is not None

    def auth_succeeded(self, kind: str, subject: str, address: str, since: datetime) -> bool:
        a = t.auth_attempts
        query = (
            select(a.c.seq)
            .where(
                a.c.kind == kind,
                a.c.subject == subject,
                a.c.address == address,
                a.c.at > since,
                a.c.outcome == "success",
            )
            .limit(1)
        )
        return self.c.execute(query).first() is not None

    def add_auth_attempt(
        self, kind: str, subject: str, address: str, at: datetime, outcome: str
    ) -> int:
        a = t.auth_attempts
        row = self.c.execute(
            insert(a)
            .values(kind=kind, subject=subject, address=address, at=at, outcome=outcome)
            .returning(a.c.seq)
        ).first()
        assert row is not None
        return int(row[0])

    def settle_auth_attempt(self, seq: int, outcome: str) -> None:
        a = t.auth_attempts
        self.c.execute(update(a).where(a.c.seq == seq).values(outcome=outcome))

    def clear_auth_failures(self, kind: str, subject: str) -> int:
        a = t.auth_attempts
        result = self.c.execute(
            update(a)
            .where(a.c.kind == kind, a.c.subject == subject, a.c.outcome.in_(COUNTED_ATTEMPTS))
            .values(outcome="cleared")
        )
        return int(result.rowcount or 0)

    def prune_auth_attempts(self, before: datetime) -> None:
        a = t.auth_attempts
        self.c.execute(delete(a).where(a.c.at < before))

    def replace_pin_hash(self, npi: str, old: str, new: str) -> bool:
        """A right PIN's hash, re-made (peppered): only if the PIN has not changed meanwhile."""
        p = t.providers
        result = self.c.execute(
            update(p).where(p.c.npi == npi, p.c.pin_hash == old).values(pin_hash=new)
        )
        return bool(result.rowcount)

    # --- PIN lockout (before revision 0007) -----------------------------------------------
    def count_pin_failure(self, npi: str) -> int:
        p = t.providers
        row = self.c.execute(
            update(p)
            .where(p.c.npi == npi)
            .values(failed_attempts=p.c.failed_attempts + 1)
            .returning(p.c.failed_attempts)
        ).first()
        return int(row[0]) if row else 0

    def lock_provider(self, npi: str, until: datetime) -> None:
        p = t.providers
        self.c.execute(
            update(p).where(p.c.npi == npi).values(failed_attempts=0, locked_until=until)
        )

    def reset_pin_failures(self, npi: str) -> None:
        p = t.providers
        self.c.execute(update(p).where(p.c.npi == npi).values(failed_attempts=0, locked_until=None))

    def member_locked_until(self, cin: str) -> datetime | None:
        m = t.members
        row = self.c.execute(select(m.c.locked_until).where(m.c.cin == cin)).first()
        return _utc(row[0]) if row else None

    def count_member_failure(self, cin: str) -> int:
        m = t.members
        row = self.c.execute(
            update(m)
            .where(m.c.cin == cin)
            .values(failed_lookups=m.c.failed_lookups + 1)
            .returning(m.c.failed_lookups)
        ).first()
        return int(row[0]) if row else 0

    def lock_member(self, cin: str, until: datetime) -> None:
        m = t.members
        self.c.execute(update(m).where(m.c.cin == cin).values(failed_lookups=0, locked_until=until))

    def reset_member_failures(self, cin: str) -> None:
        m = t.members
        self.c.execute(update(m).where(m.c.cin == cin).values(failed_lookups=0, locked_until=None))

    # --- SOC ledger ----------------------------------------------------------------------
    @staticmethod
    def _obligation(row: Row[Any]) -> Obligation:
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
        key = obligation.key
        self.c.execute(
            _UPSERT_OBLIGATION[self.c.dialect.name],
            {
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
            },
        )

    def unit_obligations(
        self, cin: str, month: BenefitMonth, *, lock: bool
    ) -> list[tuple[Membership, list[Obligation]]]:
        statement = _LOCK_UNIT_OBLIGATIONS if lock and self._locking else _UNIT_OBLIGATIONS
        units: dict[tuple[str, str], tuple[Membership, list[Obligation]]] = {}
        for row in self.c.execute(statement, {"cin": cin, "month": str(month)}):
            unit = units.setdefault(
                (row.case_id, row.budget_unit),
                (self._membership(row), []),
            )
            unit[1].append(self._obligation(row))
        return list(units.values())

    def lock_idempotency_key(self, npi: str, key: str) -> None:
        """On PostgreSQL, until the transaction ends: the clearances of one provider's key are
        made one at a time even when they clear different budget units."""
        self._advisory_locks(_IDEMPOTENCY_KEY_LOCKS, [f"{npi}:{key}"])

    def clearance_precheck(
        self, provider_npi: str, key: str | None, cin: str, service_date: date, billing_code: str
    ) -> tuple[str | None, bool]:
        row = self.c.execute(
            _CLEARANCE_PRECHECK,
            {
                "npi": provider_npi,
                "key": key,
                "cin": cin,
                "day": service_date,
                "code": billing_code,
            },
        ).one()
        return row.earlier, bool(row.cleared)

    def add_entry(self, entry: LedgerEntry) -> None:
        key = entry.key
        self.c.execute(
            _INSERT_ENTRY,
            dict(
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
            ),
        )

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

    # --- EVCs, verifications, activations, cycles ------------------------------------------
    def evc_exists(self, evc: str) -> bool:
        return self.c.execute(_EVC_EXISTS, {"evc": evc}).first() is not None

    def add_evc(self, record: EvcRecord) -> None:
        self.c.execute(
            _INSERT_EVC,
            dict(
                evc=record.evc,
                source=record.source,
                provider_npi=record.provider_npi,
                cin=record.cin,
                service_date=record.service_date,
                month=str(record.month),
                aid_codes=list(record.aid_codes),
                created_at=record.created_at,
            ),
        )

    def add_verification(self, record: VerificationRecord) -> None:
        self.c.execute(
            _INSERT_VERIFICATION,
            dict(
                verification_id=record.verification_id,
                provider_npi=record.provider_npi,
                cin=record.cin,
                service_date=record.service_date,
                month=str(record.month),
                eligible=record.eligible,
                eligibility_status=record.eligibility_status,
                evc=record.evc,
                created_at=record.created_at,
            ),
        )

    def has_verified(self, provider_npi: str, cin: str, month: BenefitMonth | None = None) -> bool:
        v = t.verifications
        query = select(v.c.verification_id).where(v.c.provider_npi == provider_npi, v.c.cin == cin)
        if month is not None:
            query = query.where(v.c.month == str(month))
        return self.c.execute(query.limit(1)).first() is not None

    def provider_directory(self) -> list[tuple[str, str]]:
        """Every provider's (NPI, name), by name: the family pages' directory."""
        p = t.providers.c
        rows = self.c.execute(select(p.npi, p.name).order_by(p.name, p.npi)).all()
        return [(r.npi, r.name) for r in rows]

    def providers_in_networks(self, networks: list[str]) -> list[Provider]:
        """Providers in any of these primary networks (few: a scan of the provider table)."""
        wanted = set(networks)
        rows = self.c.execute(select(t.providers.c.npi).order_by(t.providers.c.npi)).all()
        found = [self.get_provider(r.npi) for r in rows]
        return [p for p in found if p is not None and wanted & set(p.primary_networks)]

    def add_activation(
        self, plan_code: str, cin: str, key: ObligationKey, certified_by: str, now: datetime
    ) -> bool:
        a = t.plan_activations
        dialect = self.c.dialect.name
        stmt: Any = (pg_insert if dialect == "postgresql" else sqlite_insert)(a).values(
            plan_code=plan_code,
            cin=cin,
            month=str(key.month),
            case_id=key.case_id,
            budget_unit=key.budget_unit,
            certified_by=certified_by,
            created_at=now,
        )
        stmt = stmt.on_conflict_do_nothing(index_elements=["plan_code", "cin", "month"])
        return bool(self.c.execute(stmt).rowcount)

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

    # --- determination inputs (population what-if) ---------------------------------------------
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

    def record_cycle(self, month: BenefitMonth, ltc_certified: int, now: datetime) -> None:
        self._upsert(
            t.cycles,
            {"month": str(month), "started_at": now, "ltc_certified": ltc_certified},
            ["month"],
        )

    # --- API tokens and the access log ------------------------------------------------------
    def add_token(self, token: ApiToken) -> None:
        self.c.execute(
            insert(t.api_tokens).values(
                token_id=token.token_id,
                token_hash=token.token_hash,
                role=token.role,
                plan_code=token.plan_code,
                label=token.label,
                created_at=token.created_at,
                revoked_at=token.revoked_at,
                expires_at=token.expires_at,
                county_code=token.county_code,
            )
        )

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        k = t.api_tokens
        row = self.c.execute(select(k).where(k.c.token_hash == token_hash)).first()
        return None if row is None else self._token(row)

    @staticmethod
    def _token(row: Any) -> ApiToken:
        return ApiToken(
            row.token_id,
            row.token_hash,
            row.role,
            row.plan_code,
            row.label,
            _utc(row.created_at) or datetime.now(UTC),
            _utc(row.revoked_at),
            _utc(row.expires_at),
            row.county_code,
        )

    def list_tokens(self) -> list[ApiToken]:
        k = t.api_tokens
        return [self._token(r) for r in self.c.execute(select(k).order_by(k.c.created_at))]

    def revoke_token(self, token_id: str, at: datetime) -> ApiToken | None:
        k = t.api_tokens
        self.c.execute(
            update(k)
            .where(k.c.token_id == token_id, k.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        row = self.c.execute(select(k).where(k.c.token_id == token_id)).first()
        return None if row is None else self._token(row)

    def member_counties(self, cin: str) -> set[str]:
        """The counties of the member's cases and eligibility (a county token's scope)."""
        bm, c, e = t.budget_unit_members, t.cases, t.eligibility
        from_cases = select(c.c.county_code).join(bm, bm.c.case_id == c.c.case_id)
        from_cases = from_cases.where(bm.c.cin == cin)
        from_eligibility = select(e.c.county_code).where(e.c.cin == cin)
        return set(self.c.execute(from_cases.union(from_eligibility)).scalars())

    def case_county(self, case_id: str) -> str | None:
        c = t.cases
        value = self.c.execute(select(c.c.county_code).where(c.c.case_id == case_id)).scalar()
        return None if value is None else str(value)

    def append_access(self, *records: AccessRecord) -> None:
        """One statement for the lot (a batch of concurrent requests' rows)."""
        self.c.execute(
            _INSERT_ACCESS,
            [
                {
                    "at": r.at,
                    "actor": r.actor,
                    "role": r.role,
                    "action": r.action,
                    "cin": r.cin,
                    "outcome": r.outcome,
                    "address": r.address,
                }
                for r in records
            ],
        )

    def access_records(self, cin: str | None, after_seq: int, limit: int) -> list[AccessRecord]:
        log = t.access_log
        query = select(log).where(log.c.seq > after_seq).order_by(log.c.seq).limit(limit)
        if cin is not None:
            query = query.where(log.c.cin == cin)
        return [
            AccessRecord(
                _utc(r.at) or datetime.now(UTC),
                r.actor,
                r.role,
                r.action,
                r.cin,
                r.outcome,
                r.seq,
                r.address,
            )
            for r in self.c.execute(query)
        ]

    # --- claims, fee schedule, authorizations, other coverage ---------------------------------

    def add_inbound_acknowledgments(self, records: list[InboundAcknowledgment]) -> None:
        if not records:
            return
        self.c.execute(
            insert(t.inbound_acknowledgments),
            [
                {
                    "received_at": r.received_at,
                    "provider_npi": r.provider_npi,
                    "kind": r.kind,
                    "sender_id": r.sender_id,
                    "interchange_control": r.interchange_control,
                    "acknowledged_control": r.acknowledged_control,
                    "acknowledged_code": r.acknowledged_code,
                    "status": r.status,
                    "detail": r.detail,
                }
                for r in records
            ],
        )

    def inbound_acknowledgments(self, after_seq: int, limit: int) -> list[InboundAcknowledgment]:
        acks = t.inbound_acknowledgments
        query = select(acks).where(acks.c.seq > after_seq).order_by(acks.c.seq).limit(limit)
        return [
            InboundAcknowledgment(
                _utc(r.received_at) or datetime.now(UTC),
                r.provider_npi,
                r.kind,
                r.sender_id,
                r.interchange_control,
                r.acknowledged_control,
                r.acknowledged_code,
                r.status,
                dict(r.detail),
                r.seq,
            )
            for r in self.c.execute(query)
        ]

    def ohc_policies(self, cin: str) -> list[OhcPolicy]:
        p = t.ohc_policies
        rows = self.c.execute(select(p).where(p.c.cin == cin).order_by(p.c.plan_year_start))
        return [self._ohc_policy(r) for r in rows]

    @staticmethod
    def _ohc_policy(r: Row[Any]) -> OhcPolicy:
        return OhcPolicy(
            r.cin,
            r.carrier,
            r.network,
            r.ohc_code,
            tuple(ServiceScope(s) for s in r.scopes),
            r.plan_year_start,
            Money.from_cents(r.deductible_cents),
            Money.from_cents(r.out_of_pocket_max_cents),
        )

    def fee_at(self, procedure_code: str, on: date) -> FeeScheduleEntry | None:
        f = t.fee_schedule
        row = self.c.execute(
            select(f)
            .where(f.c.procedure_code == procedure_code, f.c.effective <= on)
            .order_by(f.c.effective.desc())
            .limit(1)
        ).first()
        return None if row is None else self._fee(row)

    @staticmethod
    def _fee(row: Row[Any]) -> FeeScheduleEntry:
        return FeeScheduleEntry(
            row.procedure_code,
            row.effective,
            Money.from_cents(row.allowed_per_unit_cents),
            row.requires_authorization,
            row.restricted_scope_ok,
        )

    def authorizations_of(self, cin: str) -> list[Authorization]:
        a = t.authorizations
        rows = self.c.execute(select(a).where(a.c.cin == cin).order_by(a.c.authorization_id))
        return [self._authorization(r) for r in rows]

    @staticmethod
    def _authorization(r: Row[Any]) -> Authorization:
        return Authorization(
            r.authorization_id,
            AuthorizationPayer(r.payer),
            r.cin,
            r.procedure_code,
            r.start,
            r.end,
            r.units,
            r.status,
        )

    def units_used(self, authorization_ids: list[str]) -> dict[str, int]:
        if not authorization_ids:
            return {}
        cl = t.claim_lines
        rows = self.c.execute(
            select(cl.c.authorization_id, func.sum(cl.c.units))
            .where(self._one_of(cl.c.authorization_id, authorization_ids), cl.c.status == "paid")
            .group_by(cl.c.authorization_id)
        )
        return {r[0]: int(r[1]) for r in rows}

    def add_claim(self, claim: StoredClaim, lines: list[StoredClaimLine]) -> None:
        self.c.execute(
            insert(t.claims).values(
                claim_id=claim.claim_id,
                provider_npi=claim.provider_npi,
                cin=claim.cin,
                status=claim.status,
                medi_cal_paid_cents=claim.medi_cal_paid_cents,
                member_owes_cents=claim.member_owes_cents,
                received_at=claim.received_at,
                adjudication=claim.adjudication,
            )
        )
        if lines:
            self.c.execute(insert(t.claim_lines), [_line_row(line) for line in lines])

    def add_claims(self, claims: list[tuple[StoredClaim, list[StoredClaimLine]]]) -> None:
        """Many claims at once: COPY on PostgreSQL, one prepared multi-row insert
        (``executemany``) on SQLite. The values are converted as SQLAlchemy converts them
        for ``add_claim``, so that both store the same thing."""
        if not claims:
            return
        self._bulk_insert(
            t.claims,
            [
                {
                    "claim_id": claim.claim_id,
                    "provider_npi": claim.provider_npi,
                    "cin": claim.cin,
                    "status": claim.status,
                    "medi_cal_paid_cents": claim.medi_cal_paid_cents,
                    "member_owes_cents": claim.member_owes_cents,
                    "received_at": claim.received_at,
                    "adjudication": claim.adjudication,
                }
                for claim, _ in claims
            ],
        )
        self._bulk_insert(t.claim_lines, [_line_row(line) for _, lines in claims for line in lines])

    def _bulk_insert(self, table: Any, records: list[dict[str, Any]]) -> None:
        """Rows for ``table``, each with a value for every column."""
        if not records:
            return
        columns = list(table.columns)
        names = [c.name for c in columns]
        dialect = self.c.dialect
        if dialect.name == "postgresql":
            serialize = getattr(dialect, "_json_serializer", None) or json.dumps
            convert = [serialize if isinstance(c.type, JSON) else None for c in columns]
        else:
            convert = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        rows = [
            tuple(
                value if f is None or value is None else f(value)
                for f, value in zip(convert, [record[n] for n in names], strict=True)
            )
            for record in records
        ]
        if dialect.name == "postgresql":
            import psycopg  # only with PostgreSQL

            raw = self.c.connection.driver_connection
            assert raw is not None
            statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
            try:
                with raw.cursor() as cursor, cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
            except psycopg.errors.UniqueViolation as error:
                raise StoredMeanwhile(table.name) from error
            return
        marks = ", ".join("?" for _ in names)
        self.c.exec_driver_sql(
            # our own table and column names, never input
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",  # noqa: S608
            rows,
        )

    # --- bulk reads for batch adjudication: one query per kind for a chunk of claims ------
    def _one_of(self, column: Any, values: list[str]) -> Any:
        """``column IN (values)``. On PostgreSQL one array parameter (``= ANY(:values)``):
        a thousand separate parameters cost more to bind than the query costs to run."""
        if self.c.dialect.name == "postgresql":
            return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
        return column.in_(values)

    def lock_members(self, cins: list[str]) -> set[str]:
        """The members among ``cins`` that exist. On PostgreSQL each is locked until the
        transaction ends (``FOR NO KEY UPDATE``, taken in CIN order, so two transactions never
        wait on each other in a cycle; rows that refer to the member can still be inserted)."""
        m = t.members
        query = select(m.c.cin).where(self._one_of(m.c.cin, cins))
        if self._locking:
            query = query.order_by(m.c.cin).with_for_update(key_share=True)
        return set(self.c.execute(query).scalars())

    def providers_by_npi(self, npis: list[str]) -> dict[str, Provider]:
        p = t.providers
        rows = self.c.execute(select(p).where(self._one_of(p.c.npi, npis)))
        return {r.npi: self._provider(r) for r in rows}

    def _advisory_locks(self, kind: int, values: list[str]) -> None:
        if self._locking and values:
            self.c.execute(_ADVISORY_LOCKS, {"kind": kind, "values": values})

    def lock_claim_id(self, provider_npi: str, claim_id: str) -> bool:
        """Whether the provider's claim ID is stored. On PostgreSQL the key is first locked
        until the transaction ends (a transaction-level advisory lock on its hash): a claim
        being stored by another transaction is then answered as stored once that one commits,
        rather than failing on the primary key."""
        self._advisory_locks(_CLAIM_ID_LOCKS, [f"{provider_npi}:{claim_id}"])
        return bool(self.stored_claim_ids([(provider_npi, claim_id)]))

    def stored_claim_ids(self, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (provider NPI, claim ID) keys are stored."""
        if not keys:
            return set()
        c = t.claims
        wanted = set(keys)
        query = select(c.c.provider_npi, c.c.claim_id).where(
            self._one_of(c.c.claim_id, sorted({claim_id for _, claim_id in wanted}))
        )
        return {(r[0], r[1]) for r in self.c.execute(query)} & wanted

    def segments_of(self, cins: list[str], months: list[BenefitMonth]) -> list[EligibilitySegment]:
        e = t.eligibility
        rows = self.c.execute(
            select(e)
            .where(self._one_of(e.c.cin, cins), self._one_of(e.c.month, [str(m) for m in months]))
            .order_by(e.c.cin, e.c.month, e.c.aid_code)
        )
        return [self._segment(r) for r in rows]

    def memberships_of_members(self, cins: list[str]) -> list[Membership]:
        m = t.budget_unit_members
        rows = self.c.execute(
            select(m)
            .where(self._one_of(m.c.cin, cins))
            .order_by(m.c.cin, m.c.case_id, m.c.budget_unit)
        )
        return [self._membership(r) for r in rows]

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

    def ohc_policies_of(self, cins: list[str]) -> list[OhcPolicy]:
        p = t.ohc_policies
        rows = self.c.execute(
            select(p).where(self._one_of(p.c.cin, cins)).order_by(p.c.cin, p.c.plan_year_start)
        )
        return [self._ohc_policy(r) for r in rows]

    def authorizations_of_members(self, cins: list[str]) -> list[Authorization]:
        a = t.authorizations
        rows = self.c.execute(
            select(a).where(self._one_of(a.c.cin, cins)).order_by(a.c.cin, a.c.authorization_id)
        )
        return [self._authorization(r) for r in rows]

    def fee_schedule(self) -> list[FeeScheduleEntry]:
        f = t.fee_schedule
        rows = self.c.execute(select(f).order_by(f.c.procedure_code, f.c.effective))
        return [self._fee(r) for r in rows]

    @staticmethod
    def _claim(row: Row[Any]) -> StoredClaim:
        return StoredClaim(
            row.claim_id,
            row.provider_npi,
            row.cin,
            row.status,
            row.medi_cal_paid_cents,
            row.member_owes_cents,
            _utc(row.received_at) or datetime.now(UTC),
            row.adjudication,
        )

    def get_claim(self, provider_npi: str, claim_id: str) -> StoredClaim | None:
        """The one look-up of a claim: by its key, (provider NPI, the provider's claim ID)."""
        c = t.claims
        row = self.c.execute(
            select(c).where(c.c.provider_npi == provider_npi, c.c.claim_id == claim_id)
        ).first()
        return None if row is None else self._claim(row)

    def claims_with_id(self, claim_id: str) -> list[StoredClaim]:
        """Every provider's claim of this ID (a county read without a provider)."""
        c = t.claims
        rows = self.c.execute(select(c).where(c.c.claim_id == claim_id).order_by(c.c.provider_npi))
        return [self._claim(r) for r in rows]

    def claims_of_provider(self, provider_npi: str, cin: str) -> list[StoredClaim]:
        c = t.claims
        rows = self.c.execute(
            select(c)
            .where(c.c.provider_npi == provider_npi, c.c.cin == cin)
            .order_by(c.c.received_at)
        )
        return [self._claim(r) for r in rows]

    @staticmethod
    def _claim_line(r: Row[Any]) -> StoredClaimLine:
        return StoredClaimLine(
            r.claim_id,
            r.line,
            r.cin,
            r.service_date,
            r.procedure_code,
            r.units,
            r.status,
            r.authorization_id,
            r.medi_cal_paid_cents,
            r.soc_cents,
            r.member_owes_cents,
            r.primary_deductible_cents,
            r.deductible_credit_cents,
            r.primary_out_of_pocket_cents,
            r.provider_npi,
        )

    def claim_lines_of(self, cin: str, start: date, end: date) -> list[StoredClaimLine]:
        cl = t.claim_lines
        rows = self.c.execute(
            select(cl)
            .where(cl.c.cin == cin, cl.c.service_date >= start, cl.c.service_date <= end)
            .order_by(cl.c.service_date, cl.c.claim_id, cl.c.line)
        )
        return [self._claim_line(r) for r in rows]

    # --- claim corrections (replacement and void) ---------------------------------------------
    def claim_lines_of_claim(self, provider_npi: str, claim_id: str) -> list[StoredClaimLine]:
        cl = t.claim_lines
        rows = self.c.execute(
            select(cl)
            .where(cl.c.provider_npi == provider_npi, cl.c.claim_id == claim_id)
            .order_by(cl.c.line)
        )
        return [self._claim_line(r) for r in rows]

    def correct_claim(self, correction: ClaimCorrection) -> None:
        """Keep the original in claim_corrections, then remove its lines and its row: what
        reads claims (accumulators, balance billing, authorization units) no longer counts it."""
        self.c.execute(
            insert(t.claim_corrections).values(
                provider_npi=correction.provider_npi,
                claim_id=correction.claim_id,
                kind=correction.kind,
                replaced_by=correction.replaced_by,
                cin=correction.cin,
                original=correction.original,
                corrected_at=correction.corrected_at,
            )
        )
        self.c.execute(
            delete(t.claim_lines).where(
                t.claim_lines.c.claim_id == correction.claim_id,
                t.claim_lines.c.provider_npi == correction.provider_npi,
            )
        )
        self.c.execute(
            delete(t.claims).where(
                t.claims.c.claim_id == correction.claim_id,
                t.claims.c.provider_npi == correction.provider_npi,
            )
        )

    def corrections_of(self, provider_npi: str, claim_id: str) -> list[ClaimCorrection]:
        k = t.claim_corrections
        rows = self.c.execute(
            select(k)
            .where(k.c.provider_npi == provider_npi, k.c.claim_id == claim_id)
            .order_by(k.c.correction_id)
        )
        return [
            ClaimCorrection(
                r.provider_npi,
                r.claim_id,
                r.kind,
                r.replaced_by,
                r.cin,
                r.original,
                _utc(r.corrected_at) or datetime.now(UTC),
            )
            for r in rows
        ]

    # --- import: bulk upserts by natural key --------------------------------------------------
    def _upsert_many(
        self,
        table: Any,
        columns: tuple[str, ...],
        rows: list[tuple[Any, ...]],
        keys: tuple[str, ...],
        update_columns: tuple[str, ...] | None = None,
    ) -> None:
        """Insert ``rows`` (tuples of ``columns``), updating the rows whose natural key ``keys``
        exists (``update_columns``: default every column outside the key). Within ``rows`` the
        last row of a key wins, as if they were upserted one by one.

        PostgreSQL: ``COPY`` into a temporary table, then one ``INSERT … SELECT … ON CONFLICT DO
        UPDATE``. SQLite: one ``executemany`` of ``INSERT … ON CONFLICT DO UPDATE``. Both run in
        the caller's transaction."""
        if not rows:
            return
        key_of = itemgetter(*(columns.index(k) for k in keys))
        unique = list({key_of(row): row for row in rows}.values())
        if update_columns is None:
            update_columns = tuple(c for c in columns if c not in keys)
        if self.c.dialect.name == "postgresql":
            self._copy_upsert(table, columns, unique, keys, update_columns)
            return
        stmt: Any = sqlite_insert(table)
        if update_columns:
            stmt = stmt.on_conflict_do_update(
                index_elements=list(keys), set_={c: stmt.excluded[c] for c in update_columns}
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        self.c.execute(stmt, [dict(zip(columns, row, strict=True)) for row in unique])

    def _copy_upsert(
        self,
        table: Any,
        columns: tuple[str, ...],
        rows: list[tuple[Any, ...]],
        keys: tuple[str, ...],
        update_columns: tuple[str, ...],
    ) -> None:
        quote = self.c.dialect.identifier_preparer.quote
        target = quote(table.name)
        staging = quote(f"import_{table.name}")
        names = ", ".join(quote(c) for c in columns)
        if update_columns:
            assignments = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in update_columns)
            conflict = f"DO UPDATE SET {assignments}"
        else:
            conflict = "DO NOTHING"
        # The statements are built from the schema's own (quoted) names, never from data.
        create = f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS"
        columns_of = f"SELECT {names} FROM {target} WITH NO DATA"  # noqa: S608
        load = f"INSERT INTO {target} ({names}) SELECT {names} FROM {staging}"  # noqa: S608
        on_conflict = f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) {conflict}"
        # JSON columns go through COPY as their text; the few distinct values are encoded once.
        json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
        encoded: dict[Any, str] = {}
        driver = self.c.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            cursor.execute(f"{create} {columns_of}")
            with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
                write = copy.write_row
                if not json_at:
                    for row in rows:
                        write(row)
                for row in rows if json_at else ():
                    values = list(row)
                    for i in json_at:
                        text = encoded.get(values[i])
                        if text is None:
                            text = encoded[values[i]] = json.dumps(list(values[i]))
                        values[i] = text
                    write(values)
            cursor.execute(f"{load} {on_conflict}")
            cursor.execute(f"DROP TABLE {staging}")

    def _in_chunks(self, query: Any, column: Any, values: set[str]) -> Iterator[Row[Any]]:
        """The rows of ``query`` where ``column`` is one of ``values``, any number of them
        (``_one_of`` lists of at most ``_IN_CHUNK``)."""
        wanted = sorted(values)
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            yield from self.c.execute(query.where(self._one_of(column, chunk)))

    def existing_members(self, cins: set[str]) -> set[str]:
        m = t.members
        return {r.cin for r in self._in_chunks(select(m.c.cin), m.c.cin, cins)}

    def existing_budget_units(self, case_ids: set[str]) -> set[tuple[str, str]]:
        bu = t.budget_units
        query = select(bu.c.case_id, bu.c.budget_unit)
        return {(r.case_id, r.budget_unit) for r in self._in_chunks(query, bu.c.case_id, case_ids)}

    def obligations_of_cases(self, case_ids: set[str]) -> list[Obligation]:
        o = t.soc_obligations
        return [self._obligation(r) for r in self._in_chunks(select(o), o.c.case_id, case_ids)]

    def budget_unit_months_with_aid_codes(
        self, case_ids: set[str], aid_codes: set[str], role: BudgetUnitRole
    ) -> set[tuple[str, str, BenefitMonth]]:
        """(case, budget unit, month) where a member of ``role`` has one of ``aid_codes``."""
        if not aid_codes:
            return set()
        m, e = t.budget_unit_members, t.eligibility
        query = (
            select(m.c.case_id, m.c.budget_unit, e.c.month)
            .distinct()
            .join(e, e.c.cin == m.c.cin)
            .where(m.c.role == str(role), e.c.aid_code.in_(sorted(aid_codes)))
        )
        rows = self._in_chunks(query, m.c.case_id, case_ids)
        return {(r.case_id, r.budget_unit, _month(r.month)) for r in rows}

    def budget_unit_plan_members(
        self, case_ids: set[str], role: BudgetUnitRole
    ) -> list[tuple[Membership, EligibilitySegment]]:
        """Each member of ``role`` on these cases' budget units with each of their segments
        that names a plan."""
        m, e = t.budget_unit_members, t.eligibility
        query = (
            select(m, e)
            .join(e, e.c.cin == m.c.cin)
            .where(m.c.role == str(role), e.c.plan_code.is_not(None))
        )
        return [
            (self._membership(r), self._segment(r))
            for r in self._in_chunks(query, m.c.case_id, case_ids)
        ]

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

    def upsert_plans(self, plans: list[Plan]) -> None:
        self._upsert_many(t.plans, ("code", "name"), [(p.code, p.name) for p in plans], ("code",))

    def upsert_providers(self, providers: list[Provider], *, keep_pin: bool) -> None:
        """With ``keep_pin`` an existing provider keeps its PIN and lockout state (the rows must
        all exist); otherwise the PIN is set and the lockout cleared."""
        columns = ("npi", "name", "type", "medi_cal_ffs", "plans", "primary_networks")
        rows = [
            (
                p.npi,
                p.name,
                str(p.type),
                p.medi_cal_ffs,
                p.plans,
                p.primary_networks,
                p.pin_hash,
                0,
                None,
            )
            for p in providers
        ]
        everything = (*columns, "pin_hash", "failed_attempts", "locked_until")
        self._upsert_many(t.providers, everything, rows, ("npi",), columns if keep_pin else None)

    def upsert_members(self, members: list[Member]) -> None:
        self._upsert_many(
            t.members,
            ("cin", "bic_issue_date", "first_name", "last_name", "birth_date"),
            [(m.cin, m.bic_issue_date, m.first_name, m.last_name, m.birth_date) for m in members],
            ("cin",),
        )

    def upsert_cases(self, cases: list[tuple[str, str]]) -> None:
        """(case ID, county code) pairs."""
        self._upsert_many(t.cases, ("case_id", "county_code"), cases, ("case_id",))

    def upsert_memberships(self, memberships: list[Membership]) -> None:
        """The budget units are created as needed (their case must exist)."""
        unit = ("case_id", "budget_unit")
        self._upsert_many(
            t.budget_units, unit, [(m.case_id, m.budget_unit) for m in memberships], unit
        )
        self._upsert_many(
            t.budget_unit_members,
            (*unit, "cin", "role"),
            [(m.case_id, m.budget_unit, m.cin, str(m.role)) for m in memberships],
            (*unit, "cin"),
        )

    def upsert_aid_codes(self, aid_codes: list[AidCode]) -> None:
        self._upsert_many(
            t.aid_codes,
            ("aid_code", "soc", "ltc", "scope", "program", "verified", "description"),
            [
                (a.aid_code, a.soc, a.ltc, str(a.scope), str(a.program), a.verified, a.description)
                for a in aid_codes
            ],
            ("aid_code",),
        )

    def upsert_segments(self, segments: list[EligibilitySegment]) -> None:
        text: dict[BenefitMonth, str] = {}  # a few months for a million rows
        for s in segments:
            if s.month not in text:
                text[s.month] = str(s.month)
        self._upsert_many(
            t.eligibility,
            ("cin", "month", "aid_code", "county_code", "plan_code", "ohc_codes"),
            [
                (s.cin, text[s.month], s.aid_code, s.county_code, s.plan_code, s.ohc_codes)
                for s in segments
            ],
            ("cin", "month", "aid_code"),
        )

    def upsert_ohc_policies(self, policies: list[OhcPolicy]) -> None:
        self._upsert_many(
            t.ohc_policies,
            (
                "cin",
                "carrier",
                "plan_year_start",
                "network",
                "ohc_code",
                "scopes",
                "deductible_cents",
                "out_of_pocket_max_cents",
            ),
            [
                (
                    p.cin,
                    p.carrier,
                    p.plan_year_start,
                    p.network,
                    p.ohc_code,
                    tuple(str(s) for s in p.scopes),
                    p.deductible.cents,
                    p.out_of_pocket_max.cents,
                )
                for p in policies
            ],
            ("cin", "carrier", "plan_year_start"),
        )

    def upsert_fees(self, entries: list[FeeScheduleEntry]) -> None:
        self._upsert_many(
            t.fee_schedule,
            (
                "procedure_code",
                "effective",
                "allowed_per_unit_cents",
                "requires_authorization",
                "restricted_scope_ok",
            ),
            [
                (
                    e.procedure_code,
                    e.effective,
                    e.allowed_per_unit.cents,
                    e.requires_authorization,
                    e.restricted_scope_ok,
                )
                for e in entries
            ],
            ("procedure_code", "effective"),
        )

    def upsert_authorizations(self, authorizations: list[Authorization]) -> None:
        self._upsert_many(
            t.authorizations,
            (
                "authorization_id",
                "payer",
                "cin",
                "procedure_code",
                "start",
                "end",
                "units",
                "status",
            ),
            [
                (
                    a.authorization_id,
                    str(a.payer),
                    a.cin,
                    a.procedure_code,
                    a.start,
                    a.end,
                    a.units,
                    a.status,
                )
                for a in authorizations
            ],
            ("authorization_id",),
        )

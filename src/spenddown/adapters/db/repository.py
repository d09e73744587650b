"""SQL implementation of ``spenddown.services.ports.Repository`` (SQLAlchemy Core).

Rows are mapped to domain objects here and nowhere else. On PostgreSQL ``lock_obligations``
takes row locks (``SELECT … FOR UPDATE``); SQLite has one writer at a time (see engine.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    Connection,
    Row,
    and_,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from spenddown.adapters.db import tables as t
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
    EvcRecord,
    StoredClaim,
    StoredClaimLine,
    VerificationRecord,
)


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


# Built once: constructing an aliased statement costs more than running it.
_SERVICE_CLEARED = _service_cleared_statement()


def _line_row(line: StoredClaimLine) -> dict[str, Any]:
    """A claim line's columns, in the order of ``claim_lines``."""
    return {
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


class SqlRepository:
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
        row = self.c.execute(select(t.members).where(t.members.c.cin == cin)).first()
        if row is None:
            return None
        return Member(row.cin, row.bic_issue_date, row.first_name, row.last_name, row.birth_date)

    def get_provider(self, npi: str) -> Provider | None:
        row = self.c.execute(select(t.providers).where(t.providers.c.npi == npi)).first()
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
        return {r.code: Plan(r.code, r.name) for r in self.c.execute(select(t.plans))}

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
            for r in self.c.execute(select(t.aid_codes))
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
        e = t.eligibility
        rows = self.c.execute(
            select(e).where(e.c.cin == cin, e.c.month == str(month)).order_by(e.c.aid_code)
        )
        return [self._segment(r) for r in rows]

    def plan_segments(self, plan_code: str, month: BenefitMonth) -> list[EligibilitySegment]:
        e = t.eligibility
        rows = self.c.execute(
            select(e)
            .where(e.c.plan_code == plan_code, e.c.month == str(month))
            .order_by(e.c.cin, e.c.aid_code)
        )
        return [self._segment(r) for r in rows]

    # --- PIN lockout ---------------------------------------------------------------------
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
        self._upsert(
            t.soc_obligations,
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
            ["case_id", "budget_unit", "month", "program"],
        )

    def add_entry(self, entry: LedgerEntry) -> None:
        key = entry.key
        self.c.execute(
            insert(t.soc_entries).values(
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
            )
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

    def entries_by_idempotency_key(self, provider_npi: str, key: str) -> list[LedgerEntry]:
        e = t.soc_entries
        return self._entries(
            e.c.provider_npi == provider_npi,
            e.c.idempotency_key == key,
            e.c.kind == str(EntryKind.CLEARANCE),
        )

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

    def service_cleared(
        self, provider_npi: str, cin: str, service_date: date, billing_code: str
    ) -> bool:
        """An active (not reversed) clearance of this service by this provider exists."""
        found = self.c.execute(
            _SERVICE_CLEARED,
            {"cin": cin, "day": service_date, "npi": provider_npi, "code": billing_code},
        ).first()
        return found is not None

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
        return self.c.execute(select(t.evcs.c.evc).where(t.evcs.c.evc == evc)).first() is not None

    def add_evc(self, record: EvcRecord) -> None:
        self.c.execute(
            insert(t.evcs).values(
                evc=record.evc,
                source=record.source,
                provider_npi=record.provider_npi,
                cin=record.cin,
                service_date=record.service_date,
                month=str(record.month),
                aid_codes=list(record.aid_codes),
                created_at=record.created_at,
            )
        )

    def add_verification(self, record: VerificationRecord) -> None:
        self.c.execute(
            insert(t.verifications).values(
                verification_id=record.verification_id,
                provider_npi=record.provider_npi,
                cin=record.cin,
                service_date=record.service_date,
                month=str(record.month),
                eligible=record.eligible,
                eligibility_status=record.eligibility_status,
                evc=record.evc,
                created_at=record.created_at,
            )
        )

    def has_verified(self, provider_npi: str, cin: str, month: BenefitMonth | None = None) -> bool:
        v = t.verifications
        query = select(v.c.verification_id).where(v.c.provider_npi == provider_npi, v.c.cin == cin)
        if month is not None:
            query = query.where(v.c.month == str(month))
        return self.c.execute(query.limit(1)).first() is not None

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
            )
        )

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        k = t.api_tokens
        row = self.c.execute(select(k).where(k.c.token_hash == token_hash)).first()
        if row is None:
            return None
        return ApiToken(
            row.token_id,
            row.token_hash,
            row.role,
            row.plan_code,
            row.label,
            _utc(row.created_at) or datetime.now(UTC),
            _utc(row.revoked_at),
        )

    def append_access(self, record: AccessRecord) -> None:
        self.c.execute(
            insert(t.access_log).values(
                at=record.at,
                actor=record.actor,
                role=record.role,
                action=record.action,
                cin=record.cin,
                outcome=record.outcome,
            )
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
            )
            for r in self.c.execute(query)
        ]

    # --- claims, fee schedule, authorizations, other coverage ---------------------------------
    def upsert_ohc_policy(self, policy: OhcPolicy) -> None:
        self._upsert(
            t.ohc_policies,
            {
                "cin": policy.cin,
                "carrier": policy.carrier,
                "plan_year_start": policy.plan_year_start,
                "network": policy.network,
                "ohc_code": policy.ohc_code,
                "scopes": [str(s) for s in policy.scopes],
                "deductible_cents": policy.deductible.cents,
                "out_of_pocket_max_cents": policy.out_of_pocket_max.cents,
            },
            ["cin", "carrier", "plan_year_start"],
        )

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

    def upsert_fee(self, entry: FeeScheduleEntry) -> None:
        self._upsert(
            t.fee_schedule,
            {
                "procedure_code": entry.procedure_code,
                "effective": entry.effective,
                "allowed_per_unit_cents": entry.allowed_per_unit.cents,
                "requires_authorization": entry.requires_authorization,
                "restricted_scope_ok": entry.restricted_scope_ok,
            },
            ["procedure_code", "effective"],
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

    def upsert_authorization(self, authorization: Authorization) -> None:
        self._upsert(
            t.authorizations,
            {
                "authorization_id": authorization.authorization_id,
                "payer": str(authorization.payer),
                "cin": authorization.cin,
                "procedure_code": authorization.procedure_code,
                "start": authorization.start,
                "end": authorization.end,
                "units": authorization.units,
                "status": authorization.status,
            },
            ["authorization_id"],
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

    def claim_exists(self, claim_id: str) -> bool:
        query = select(t.claims.c.claim_id).where(t.claims.c.claim_id == claim_id)
        return self.c.execute(query).first() is not None

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
            raw = self.c.connection.driver_connection
            assert raw is not None
            statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
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

    def member_cins(self, cins: list[str]) -> set[str]:
        m = t.members
        return set(self.c.execute(select(m.c.cin).where(self._one_of(m.c.cin, cins))).scalars())

    def providers_by_npi(self, npis: list[str]) -> dict[str, Provider]:
        p = t.providers
        rows = self.c.execute(select(p).where(self._one_of(p.c.npi, npis)))
        return {r.npi: self._provider(r) for r in rows}

    def stored_claim_ids(self, claim_ids: list[str]) -> set[str]:
        c = t.claims
        query = select(c.c.claim_id).where(self._one_of(c.c.claim_id, claim_ids))
        return set(self.c.execute(query).scalars())

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

    def obligations_of_cases(
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

    def get_claim(self, claim_id: str) -> StoredClaim | None:
        row = self.c.execute(select(t.claims).where(t.claims.c.claim_id == claim_id)).first()
        return None if row is None else self._claim(row)

    def claims_of_provider(self, provider_npi: str, cin: str) -> list[StoredClaim]:
        c = t.claims
        rows = self.c.execute(
            select(c)
            .where(c.c.provider_npi == provider_npi, c.c.cin == cin)
            .order_by(c.c.received_at)
        )
        return [self._claim(r) for r in rows]

    def claim_lines_of(self, cin: str, start: date, end: date) -> list[StoredClaimLine]:
        cl = t.claim_lines
        rows = self.c.execute(
            select(cl)
            .where(cl.c.cin == cin, cl.c.service_date >= start, cl.c.service_date <= end)
            .order_by(cl.c.service_date, cl.c.claim_id, cl.c.line)
        )
        return [
            StoredClaimLine(
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
            )
            for r in rows
        ]

    # --- import --------------------------------------------------------------------------
    def upsert_plan(self, plan: Plan) -> None:
        self._upsert(t.plans, {"code": plan.code, "name": plan.name}, ["code"])

    def upsert_provider(self, provider: Provider, keep_pin: bool) -> None:
        values: dict[str, Any] = {
            "npi": provider.npi,
            "name": provider.name,
            "type": str(provider.type),
            "medi_cal_ffs": provider.medi_cal_ffs,
            "plans": list(provider.plans),
            "primary_networks": list(provider.primary_networks),
        }
        if keep_pin and self.get_provider(provider.npi) is not None:
            p = t.providers
            self.c.execute(update(p).where(p.c.npi == provider.npi).values(**values))
            return
        values.update(pin_hash=provider.pin_hash, failed_attempts=0, locked_until=None)
        self._upsert(t.providers, values, ["npi"])

    def upsert_member(self, member: Member) -> None:
        self._upsert(
            t.members,
            {
                "cin": member.cin,
                "bic_issue_date": member.bic_issue_date,
                "first_name": member.first_name,
                "last_name": member.last_name,
                "birth_date": member.birth_date,
            },
            ["cin"],
        )

    def upsert_case(self, case_id: str, county_code: str) -> None:
        self._upsert(t.cases, {"case_id": case_id, "county_code": county_code}, ["case_id"])

    def upsert_budget_unit(self, case_id: str, budget_unit: str) -> None:
        self._upsert(
            t.budget_units,
            {"case_id": case_id, "budget_unit": budget_unit},
            ["case_id", "budget_unit"],
        )

    def upsert_membership(self, membership: Membership) -> None:
        self._upsert(
            t.budget_unit_members,
            {
                "case_id": membership.case_id,
                "budget_unit": membership.budget_unit,
                "cin": membership.cin,
                "role": str(membership.role),
            },
            ["case_id", "budget_unit", "cin"],
        )

    def upsert_aid_code(self, aid_code: AidCode) -> None:
        self._upsert(
            t.aid_codes,
            {
                "aid_code": aid_code.aid_code,
                "soc": aid_code.soc,
                "ltc": aid_code.ltc,
                "scope": str(aid_code.scope),
                "program": str(aid_code.program),
                "verified": aid_code.verified,
                "description": aid_code.description,
            },
            ["aid_code"],
        )

    def upsert_segment(self, segment: EligibilitySegment) -> None:
        self._upsert(
            t.eligibility,
            {
                "cin": segment.cin,
                "month": str(segment.month),
                "aid_code": segment.aid_code,
                "county_code": segment.county_code,
                "plan_code": segment.plan_code,
                "ohc_codes": list(segment.ohc_codes),
            },
            ["cin", "month", "aid_code"],
        )

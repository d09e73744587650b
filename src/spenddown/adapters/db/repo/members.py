"""Members and eligibility: members, cases, budget units, member-months (eligibility
segments), aid codes, plans and providers, and the receipts of verifications (EVCs)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from spenddown.adapters.db import tables as t
from spenddown.adapters.db.repo.base import RepositoryBase, _month, provider_from_row
from spenddown.domain.eligibility.codes import AidCode, Program, Scope
from spenddown.domain.eligibility.model import (
    BudgetUnitRole,
    EligibilitySegment,
    Member,
    Membership,
    Plan,
    Provider,
)
from spenddown.domain.months import BenefitMonth
from spenddown.services.ports import EvcRecord, VerificationRecord

_GET_MEMBER = select(t.members).where(t.members.c.cin == bindparam("cin"))
_GET_PROVIDER = select(t.providers).where(t.providers.c.npi == bindparam("npi"))
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
_EVC_COLUMNS = tuple(c.name for c in t.evcs.c)
_VERIFICATION_COLUMNS = tuple(c.name for c in t.verifications.c)


def _new_evc_statement(dialect: str) -> Any:
    """An EVC inserted unless its (random) code is taken; RETURNING says which (``rowcount``
    is not relied on)."""
    insert_: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert_(t.evcs).values({c: bindparam(f"e_{c}") for c in _EVC_COLUMNS})
    return stmt.on_conflict_do_nothing(index_elements=["evc"]).returning(t.evcs.c.evc)


_NEW_EVC = {d: _new_evc_statement(d) for d in ("postgresql", "sqlite")}


def _new_evcs_statement(dialect: str) -> Any:
    """Many EVCs in one multi-row insert (executemany: SQLAlchemy's "insertmanyvalues"), each
    unless its code is taken; RETURNING names those stored."""
    insert_: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert_(t.evcs).on_conflict_do_nothing(index_elements=["evc"])
    return stmt.returning(t.evcs.c.evc)


_NEW_EVCS = {d: _new_evcs_statement(d) for d in ("postgresql", "sqlite")}


def _verification_with_evc_statement() -> Any:
    """PostgreSQL: the EVC and the verification that carries it in one round trip; nothing is
    written when the EVC's code is taken (the EVC's insert returns no row)."""
    v = t.verifications
    new_evc = _NEW_EVC["postgresql"].cte("new_evc")
    values = [
        new_evc.c.evc if c == "evc" else bindparam(f"v_{c}", type_=v.c[c].type)
        for c in _VERIFICATION_COLUMNS
    ]
    return (
        insert(v)
        .from_select(list(_VERIFICATION_COLUMNS), select(*values).select_from(new_evc))
        .returning(v.c.verification_id)
    )


_VERIFICATION_WITH_EVC = _verification_with_evc_statement()


def _evc_values(record: EvcRecord) -> dict[str, Any]:
    return {
        "e_evc": record.evc,
        "e_source": record.source,
        "e_provider_npi": record.provider_npi,
        "e_cin": record.cin,
        "e_service_date": record.service_date,
        "e_month": str(record.month),
        "e_aid_codes": list(record.aid_codes),
        "e_created_at": record.created_at,
    }


def _verification_values(record: VerificationRecord) -> dict[str, Any]:
    return dict(
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


class MembersRepository(RepositoryBase):
    def get_member(self, cin: str) -> Member | None:
        rows = self._run(_GET_MEMBER, {"cin": cin})
        if not rows:
            return None
        row = rows[0]
        return Member(row.cin, row.bic_issue_date, row.first_name, row.last_name, row.birth_date)

    def members_by_cin(self, cins: list[str]) -> dict[str, Member]:
        """The members among ``cins`` (one statement: a chunk of verifications)."""
        m = t.members
        rows = self.c.execute(select(m).where(self._one_of(m.c.cin, cins)))
        return {
            r.cin: Member(r.cin, r.bic_issue_date, r.first_name, r.last_name, r.birth_date)
            for r in rows
        }

    def members_born_on(self, birth_date: date) -> list[Member]:
        """The members born on a day (the county's search by name and birth date compares the
        names in the service, accents and case aside: services/cases.py)."""
        m = t.members
        rows = self.c.execute(select(m).where(m.c.birth_date == birth_date).order_by(m.c.cin))
        return [
            Member(r.cin, r.bic_issue_date, r.first_name, r.last_name, r.birth_date) for r in rows
        ]

    def get_provider(self, npi: str) -> Provider | None:
        rows = self._run(_GET_PROVIDER, {"npi": npi})
        return self._provider(rows[0]) if rows else None

    @staticmethod
    def _provider(row: Any) -> Provider:
        return provider_from_row(row)

    def get_plan(self, code: str) -> Plan | None:
        row = self.c.execute(select(t.plans).where(t.plans.c.code == code)).first()
        return Plan(row.code, row.name) if row else None

    def plans(self) -> dict[str, Plan]:
        """Every plan (cached per process: ``ReferenceCache``); a copy the caller may change."""
        return dict(self._reference("plans", self._read_plans))

    def _read_plans(self) -> dict[str, Plan]:
        return {r.code: Plan(r.code, r.name) for r in self.c.execute(_ALL_PLANS)}

    def stored_aid_codes(self) -> dict[str, AidCode]:
        """The imported aid codes (cached per process: ``ReferenceCache``); a copy."""
        return dict(self._reference("aid_codes", self._read_aid_codes))

    def _read_aid_codes(self) -> dict[str, AidCode]:
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

    def case_ids_starting(self, prefix: str, limit: int) -> list[str]:
        """Case IDs that start with ``prefix`` (``C-19`` lists a county's cases), in order."""
        c = t.cases
        query = (
            select(c.c.case_id)
            .where(c.c.case_id.startswith(prefix, autoescape=True))
            .order_by(c.c.case_id)
            .limit(limit)
        )
        return [str(r.case_id) for r in self.c.execute(query)]

    def budget_unit_exists(self, case_id: str, budget_unit: str) -> bool:
        bu = t.budget_units
        query = select(bu.c.case_id).where(bu.c.case_id == case_id, bu.c.budget_unit == budget_unit)
        return self.c.execute(query).first() is not None

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
    def _segment(row: Any) -> EligibilitySegment:
        return EligibilitySegment(
            row.cin,
            _month(row.month),
            row.aid_code,
            row.county_code,
            row.plan_code,
            tuple(row.ohc_codes),
        )

    def segments(self, cin: str, month: BenefitMonth) -> list[EligibilitySegment]:
        rows = self._run(_SEGMENTS, {"cin": cin, "month": str(month)})
        return [self._segment(r) for r in rows]

    def plan_segments(self, plan_code: str, month: BenefitMonth) -> list[EligibilitySegment]:
        e = t.eligibility
        rows = self.c.execute(
            select(e)
            .where(e.c.plan_code == plan_code, e.c.month == str(month))
            .order_by(e.c.cin, e.c.aid_code)
        )
        return [self._segment(r) for r in rows]

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

    def existing_members(self, cins: set[str]) -> set[str]:
        m = t.members
        return {r.cin for r in self._in_chunks(select(m.c.cin), m.c.cin, cins)}

    def existing_budget_units(self, case_ids: set[str]) -> set[tuple[str, str]]:
        bu = t.budget_units
        query = select(bu.c.case_id, bu.c.budget_unit)
        return {(r.case_id, r.budget_unit) for r in self._in_chunks(query, bu.c.case_id, case_ids)}

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
        self._run(_INSERT_VERIFICATION, _verification_values(record))

    def add_evc_if_new(self, record: EvcRecord) -> bool:
        """Store the EVC unless its code is taken already (then False: draw another)."""
        return bool(self._run(_NEW_EVC[self.c.dialect.name], _evc_values(record)))

    def record_verification(self, verification: VerificationRecord, evc: EvcRecord | None) -> bool:
        """The verification, with its EVC when it has one; False (nothing written) when the
        EVC's code is taken. One round trip on PostgreSQL (a data-modifying CTE), two on
        SQLite (in process)."""
        if evc is None:
            self.add_verification(verification)
            return True
        if self.c.dialect.name != "postgresql":
            if not self.add_evc_if_new(evc):
                return False
            self.add_verification(verification)
            return True
        values = _evc_values(evc)
        values.update({f"v_{k}": v for k, v in _verification_values(verification).items()})
        return bool(self._run(_VERIFICATION_WITH_EVC, values))

    def record_verifications(
        self, records: list[tuple[VerificationRecord, EvcRecord | None]]
    ) -> set[str]:
        """A chunk's verifications with their EVCs: the EVCs in one multi-row insert (those
        whose code is taken are skipped), then the verifications whose EVC was stored or that
        have none, in one more. Returns the EVC codes that were taken (their verifications are
        not written: draw others and record them again). Codes must differ within ``records``."""
        evcs = [evc for _, evc in records if evc is not None]
        stored: set[str] = set()
        if evcs:
            found = self.c.execute(
                _NEW_EVCS[self.c.dialect.name],
                [{k[2:]: v for k, v in _evc_values(e).items()} for e in evcs],
            )
            stored = set(found.scalars())
        taken = {e.evc for e in evcs} - stored
        rows = [_verification_values(v) for v, evc in records if evc is None or evc.evc in stored]
        if rows:
            self.c.execute(_INSERT_VERIFICATION, rows)
        return taken

    def has_verified(self, provider_npi: str, cin: str, month: BenefitMonth | None = None) -> bool:
        v = t.verifications
        query = select(v.c.verification_id).where(v.c.provider_npi == provider_npi, v.c.cin == cin)
        if month is not None:
            query = query.where(v.c.month == str(month))
        return self.c.execute(query.limit(1)).first() is not None

    def upsert_plans(self, plans: list[Plan]) -> None:
        self._reference_changed()
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
        self._reference_changed()
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

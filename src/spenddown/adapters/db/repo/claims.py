"""Claims: claims and their lines, corrections, acknowledgments received, and what
adjudication reads beside them (fee schedule, authorizations, other health coverage)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import JSON, Row, delete, func, insert, select
from sqlalchemy import text as sql_text

from spenddown.adapters.db import tables as t
from spenddown.adapters.db.repo.base import _CLAIM_ID_LOCKS, RepositoryBase, _utc
from spenddown.domain.cob.model import (
    Authorization,
    AuthorizationPayer,
    FeeScheduleEntry,
    OhcPolicy,
    ServiceScope,
)
from spenddown.domain.money import Money
from spenddown.services.ports import (
    ClaimCorrection,
    InboundAcknowledgment,
    StoredClaim,
    StoredClaimLine,
    StoredMeanwhile,
)


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


# ``StoredClaim`` and ``StoredClaimLine`` name their fields as the columns: one call gives a
# row's values in the table's column order (what COPY and ``executemany`` take).
_claim_values = attrgetter(*(c.name for c in t.claims.columns))
_line_values = attrgetter(*(c.name for c in t.claim_lines.columns))


def _converted(row: Sequence[Any], convert: list[tuple[int, Any]]) -> tuple[Any, ...]:
    """``row`` with the value of each column ``i`` converted by ``f`` (None stays None)."""
    values = list(row)
    for i, f in convert:
        value = values[i]
        if value is not None:
            values[i] = f(value)
    return tuple(values)


# Which (provider NPI, claim ID) keys are stored, on PostgreSQL: the keys as two arrays joined
# to the primary key's index, one probe each. ``= ANY(:array)`` conditions instead made a
# prepared plan test every stored row against every key of the chunk (docs/performance.md,
# figure 4).
_STORED_CLAIM_KEYS = sql_text(
    "SELECT c.provider_npi, c.claim_id FROM claims AS c"
    " JOIN unnest(CAST(:npis AS text[]), CAST(:ids AS text[])) AS k(npi, id)"
    " ON c.provider_npi = k.npi AND c.claim_id = k.id"
)


class ClaimsRepository(RepositoryBase):
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

    def add_claims(self, claims: Iterable[tuple[StoredClaim, list[StoredClaimLine]]]) -> None:
        """Many claims at once: COPY on PostgreSQL, each claim's row sent as ``claims`` yields
        it (a batch's chunk adjudicates the next claim while PostgreSQL reads the last ones),
        then their lines; one prepared multi-row insert (``executemany``) on SQLite. The values
        are converted as SQLAlchemy converts them for ``add_claim``, so that both store the
        same thing."""
        lines: list[tuple[Any, ...]] = []

        def heads() -> Iterator[tuple[Any, ...]]:
            for claim, claim_lines in claims:
                lines.extend(map(_line_values, claim_lines))
                yield _claim_values(claim)

        self._bulk_insert(t.claims, heads())
        self._bulk_insert(t.claim_lines, lines)

    def _bulk_insert(self, table: Any, rows: Iterable[tuple[Any, ...]]) -> None:
        """Rows for ``table``, each a tuple of every column in the table's order, read as
        they come."""
        columns = list(table.columns)
        dialect = self.c.dialect
        if dialect.name == "postgresql":
            serialize = getattr(dialect, "_json_serializer", None) or json.dumps
            converters = [serialize if isinstance(c.type, JSON) else None for c in columns]
        else:
            converters = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        convert = [(i, f) for i, f in enumerate(converters) if f is not None]
        values: Iterator[Sequence[Any]] = iter(rows)
        if convert:
            values = (_converted(row, convert) for row in values)
        first = next(values, None)
        if first is None:
            return
        names = ", ".join(c.name for c in columns)
        if dialect.name == "postgresql":
            import psycopg  # only with PostgreSQL

            raw = self.c.connection.driver_connection
            assert raw is not None
            statement = f"COPY {table.name} ({names}) FROM STDIN"
            try:
                with raw.cursor() as cursor, cursor.copy(statement) as copy:
                    write = copy.write_row
                    write(first)
                    for row in values:
                        write(row)
            except psycopg.errors.UniqueViolation as error:
                raise StoredMeanwhile(table.name) from error
            return
        marks = ", ".join("?" for _ in columns)
        self.c.exec_driver_sql(
            # our own table and column names, never input
            f"INSERT INTO {table.name} ({names}) VALUES ({marks})",  # noqa: S608
            [first, *values],
        )

    def lock_claim_id(self, provider_npi: str, claim_id: str) -> bool:
        """Whether the provider's claim ID is stored. On PostgreSQL the key is first locked
        until the transaction ends (a transaction-level advisory lock on its hash): a claim
        being stored by another transaction is then answered as stored once that one commits,
        rather than failing on the primary key."""
        self._advisory_locks(_CLAIM_ID_LOCKS, [f"{provider_npi}:{claim_id}"])
        return bool(self.stored_claim_ids([(provider_npi, claim_id)]))

    def stored_claim_ids(self, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (provider NPI, claim ID) keys are stored: one look-up of the primary
        key per key, whatever the number of claims stored."""
        if not keys:
            return set()
        wanted = sorted(set(keys))
        if self.c.dialect.name == "postgresql":
            params = {"npis": [k[0] for k in wanted], "ids": [k[1] for k in wanted]}
            rows = self.c.execute(_STORED_CLAIM_KEYS, params)
        else:
            # SQLite searches the primary key for each NPI and claim ID of the two lists (a
            # list of pairs, ``(a, b) IN (...)``, it would scan); pairs not asked are dropped.
            c = t.claims
            query = select(c.c.provider_npi, c.c.claim_id).where(
                c.c.provider_npi.in_(sorted({k[0] for k in wanted})),
                c.c.claim_id.in_(sorted({k[1] for k in wanted})),
            )
            rows = self.c.execute(query)
        return {(r[0], r[1]) for r in rows} & set(wanted)

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

    def ohc_policies_of(self, cins: list[str]) -> list[OhcPolicy]:
        p = t.ohc_policies
        rows = self.c.execute(
            select(p).where(self._one_of(p.c.cin, cins)).order_by(p.c.cin, p.c.plan_year_start)
        )
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

    def fee_schedule(self) -> list[FeeScheduleEntry]:
        f = t.fee_schedule
        rows = self.c.execute(select(f).order_by(f.c.procedure_code, f.c.effective))
        return [self._fee(r) for r in rows]

    def authorizations_of(self, cin: str) -> list[Authorization]:
        a = t.authorizations
        rows = self.c.execute(select(a).where(a.c.cin == cin).order_by(a.c.authorization_id))
        return [self._authorization(r) for r in rows]

    def authorizations_of_members(self, cins: list[str]) -> list[Authorization]:
        a = t.authorizations
        rows = self.c.execute(
            select(a).where(self._one_of(a.c.cin, cins)).order_by(a.c.cin, a.c.authorization_id)
        )
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

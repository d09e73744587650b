"""Access: sign-in attempts and the lockout, API tokens, the access log and idempotency
keys (docs/api.md "Credentials")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, literal, select, update

from spenddown.adapters.db import tables as t
from spenddown.adapters.db.repo.base import (
    _AUTH_SUBJECT_LOCKS,
    _IDEMPOTENCY_KEY_LOCKS,
    RepositoryBase,
    _utc,
    provider_from_row,
)
from spenddown.domain.eligibility.model import Member
from spenddown.services.ports import AccessRecord, ApiToken, SignIn

# Attempts that count toward a lock: failures, and PINs being checked (a "pending" try is
# written before Argon2 runs and settled after; docs/operations.md "Lockout").
COUNTED_ATTEMPTS = ("failure", "pending")


def _counted() -> Any:
    """``outcome IN ('failure', 'pending')`` with one bind parameter per value: a list of
    values would be an expanding parameter, whose SQL SQLAlchemy renders again at every
    execution (about 70 µs of the sign-in's client CPU, docs/performance.md)."""
    return t.auth_attempts.c.outcome.in_([literal(v) for v in COUNTED_ATTEMPTS])


_INSERT_ACCESS = insert(t.access_log)


def _sign_in_statement(
    subject_failures: int, address_failures: int, *, with_member: bool = False
) -> Any:
    """The provider and how its NPI stands, in one statement (the sign-in of a PIN already
    verified in this process): whether the caller's address signed in rightly lately, the
    failures counted against the NPI (all, and from this address alone) with the time of the
    ``subject_failures``-th newest, and the ``address_failures``-th newest failure from the
    address whatever the NPI. ``services.common.standing`` makes the same reading in several.
    ``with_member``: also the member of ``:cin`` (``member_*`` columns, NULL when there is
    none), for the use cases that look a member up next (docs/performance.md "Round trips per
    use case")."""
    a, p, m = t.auth_attempts, t.providers, t.members
    counted = _counted()
    of_npi = (a.c.kind == "npi", a.c.subject == p.c.npi, a.c.at > bindparam("since"), counted)
    here = a.c.address == bindparam("address")

    def newest(offset: int, *where: Any) -> Any:
        return (
            select(a.c.at).where(*where).order_by(a.c.at.desc()).limit(1).offset(offset)
        ).scalar_subquery()

    def count(*where: Any) -> Any:
        # Capped like ``auth_failures`` (1000 newest).
        capped = select(a.c.seq).where(*where).limit(1000).subquery()
        return select(func.count()).select_from(capped).scalar_subquery()

    known = (
        select(a.c.seq)
        .where(
            a.c.kind == "npi",
            a.c.subject == p.c.npi,
            here,
            a.c.at > bindparam("trusted_since"),
            a.c.outcome == "success",
        )
        .exists()
    )
    statement = select(
        p,
        known.label("known"),
        count(*of_npi).label("failures"),
        newest(subject_failures - 1, *of_npi).label("lock_from"),
        count(*of_npi, here).label("failures_here"),
        newest(subject_failures - 1, *of_npi, here).label("lock_from_here"),
        newest(address_failures - 1, here, a.c.at > bindparam("since"), counted).label(
            "address_lock_from"
        ),
    ).where(p.c.npi == bindparam("npi"))
    if not with_member:
        return statement
    return statement.add_columns(
        *(m.c[name].label(f"member_{name}") for name in _MEMBER_COLUMNS)
    ).select_from(p.outerjoin(m, m.c.cin == bindparam("cin")))


_MEMBER_COLUMNS = ("cin", "bic_issue_date", "first_name", "last_name", "birth_date")
# Built once per pair of limits (module constants) and with or without the member.
_SIGN_IN: dict[tuple[int, int, bool], Any] = {}


class AccessRepository(RepositoryBase):
    def provider_sign_in(
        self,
        npi: str,
        address: str,
        since: datetime,
        trusted_since: datetime,
        limits: tuple[int, int],
        cin: str | None = None,
    ) -> SignIn | None:
        """The provider with its NPI's standing (``SignIn``), in one statement; None for an
        unknown NPI. ``limits``: the failures that lock an NPI and an address. With ``cin``,
        the member of that CIN is read in the same statement (``SignIn.member``)."""
        key = (*limits, cin is not None)
        statement = _SIGN_IN.get(key)
        if statement is None:
            statement = _SIGN_IN[key] = _sign_in_statement(*limits, with_member=cin is not None)
        parameters = {
            "npi": npi,
            "address": address,
            "since": since,
            "trusted_since": trusted_since,
        }
        if cin is not None:
            parameters["cin"] = cin
        rows = self._run(statement, parameters)
        if not rows:
            return None
        row = rows[0]
        member = None
        if cin is not None and row.member_cin is not None:
            member = Member(
                row.member_cin,
                row.member_bic_issue_date,
                row.member_first_name,
                row.member_last_name,
                row.member_birth_date,
            )
        return SignIn(
            provider=provider_from_row(row),
            known=bool(row.known),
            failures=int(row.failures),
            lock_from=_utc(row.lock_from),
            failures_here=int(row.failures_here),
            lock_from_here=_utc(row.lock_from_here),
            address_lock_from=_utc(row.address_lock_from),
            member=member,
            member_read=cin is not None,
        )

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
                _counted(),
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
            .where(a.c.address == address, a.c.at > since, _counted())
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
            .where(a.c.kind == kind, a.c.subject == subject, _counted())
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

    def lock_idempotency_key(self, npi: str, key: str) -> None:
        """On PostgreSQL, until the transaction ends: the clearances of one provider's key are
        made one at a time even when they clear different budget units."""
        self._advisory_locks(_IDEMPOTENCY_KEY_LOCKS, [f"{npi}:{key}"])

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

    def append_access(self, *records: AccessRecord) -> None:
        """One statement for the lot (a batch of concurrent requests' rows): one
        ``executemany``."""
        self._run_many(
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

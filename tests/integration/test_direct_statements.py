"""The hot statements' direct path (``RepositoryBase._run``, docs/architecture.md "Storage"): for
each statement of a verification and a clearance, on each engine, the rows ``_run`` returns equal
those of SQLAlchemy's ``Connection.execute`` (values, their types and the columns' names), and a
write through ``_run`` stores exactly the row SQLAlchemy would (read back as the driver's raw
values: SQLite's text of times and JSON, PostgreSQL's types). Driver errors come out as
SQLAlchemy's exceptions, and the statement events fire as they did."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event, exc, insert, text

from spenddown.adapters.db import tables as t
from spenddown.adapters.db.repo import access, ledger, members
from spenddown.adapters.db.repository import SqlRepository
from spenddown.services.common import origin
from support.statements import counting
from support.world import MONTH, PHYSICIAN, SOC_MEMBER, World

NOW = datetime(2026, 11, 23, 15, 4, 5, 123456, tzinfo=UTC)


@pytest.fixture
def used(world: World) -> World:
    """The small world after a verification, a clearance with a key and a few failed sign-ins:
    every hot statement has rows to read."""
    with origin("127.0.0.1"):
        world.verify()
        world.clear("10.00", key="visit-1")
        world.clear("600.00", code="99214")  # met: certified, with its time
        world.verify()  # eligible: an EVC
    with world.app.engine.begin() as c:
        for i in range(6):
            c.execute(
                insert(t.auth_attempts).values(
                    kind="npi",
                    subject=PHYSICIAN[0],
                    address="127.0.0.1" if i % 2 else "10.0.0.9",
                    at=NOW - timedelta(minutes=i + 1, microseconds=i),
                    outcome="failure",
                )
            )
    return world


@pytest.fixture
def repo(used: World) -> Iterator[SqlRepository]:
    with used.app.engine.connect() as c:
        c.begin()
        yield SqlRepository(c, locking=c.dialect.name == "postgresql")
        c.rollback()


def _same_rows(repo: SqlRepository, statement: Any, parameters: dict[str, Any]) -> list[Any]:
    through_sqlalchemy = repo.c.execute(statement, parameters)
    keys = tuple(through_sqlalchemy.keys())
    expected = [tuple(r) for r in through_sqlalchemy]
    found = repo._run(statement, parameters)
    assert [tuple(r) for r in found] == expected
    assert [[type(v) for v in r] for r in found] == [[type(v) for v in r] for r in expected]
    for row in found:
        assert row._fields == keys
    return found


READS = {
    "sign-in": (
        access._sign_in_statement(5, 20),
        {
            "npi": PHYSICIAN[0],
            "address": "127.0.0.1",
            "since": NOW - timedelta(minutes=15),
            "trusted_since": NOW - timedelta(days=30),
        },
    ),
    "sign-in, another address": (
        access._sign_in_statement(2, 3),
        {
            "npi": PHYSICIAN[0],
            "address": "10.0.0.9",
            "since": NOW - timedelta(days=1),
            "trusted_since": NOW - timedelta(days=30),
        },
    ),
    "sign-in, unknown NPI": (
        access._sign_in_statement(5, 20),
        {"npi": "1999999992", "address": "", "since": NOW, "trusted_since": NOW},
    ),
    "sign-in with the member": (
        access._sign_in_statement(5, 20, with_member=True),
        {
            "npi": PHYSICIAN[0],
            "address": "127.0.0.1",
            "since": NOW - timedelta(minutes=15),
            "trusted_since": NOW - timedelta(days=30),
            "cin": SOC_MEMBER,
        },
    ),
    "sign-in with an unknown member": (
        access._sign_in_statement(5, 20, with_member=True),
        {
            "npi": PHYSICIAN[0],
            "address": "",
            "since": NOW,
            "trusted_since": NOW,
            "cin": "99999999Z",
        },
    ),
    "sign-in with a member, unknown NPI": (
        access._sign_in_statement(5, 20, with_member=True),
        {"npi": "1999999992", "address": "", "since": NOW, "trusted_since": NOW, "cin": SOC_MEMBER},
    ),
    "provider": (members._GET_PROVIDER, {"npi": PHYSICIAN[0]}),
    "member": (members._GET_MEMBER, {"cin": SOC_MEMBER}),
    "unknown member": (members._GET_MEMBER, {"cin": "99999999Z"}),
    "segments": (members._SEGMENTS, {"cin": SOC_MEMBER, "month": MONTH}),
    "obligations": (ledger._UNIT_OBLIGATIONS, {"cin": SOC_MEMBER, "month": MONTH}),
    "obligations, locked": (ledger._LOCK_UNIT_OBLIGATIONS, {"cin": SOC_MEMBER, "month": MONTH}),
    "pre-check, key used": (
        ledger._CLEARANCE_PRECHECK,
        {
            "npi": PHYSICIAN[0],
            "key": "visit-1",
            "cin": SOC_MEMBER,
            "day": date(2026, 11, 3),
            "code": "99213",
        },
    ),
    "pre-check, no key": (
        ledger._CLEARANCE_PRECHECK,
        {
            "npi": PHYSICIAN[0],
            "key": None,
            "cin": SOC_MEMBER,
            "day": date(2026, 11, 4),
            "code": "x",
        },
    ),
}


@pytest.mark.parametrize("name", list(READS))
def test_each_hot_read_gives_the_rows_sqlalchemy_gives(repo: SqlRepository, name: str) -> None:
    statement, parameters = READS[name]
    found = _same_rows(repo, statement, parameters)
    if name in (
        "sign-in",
        "sign-in with the member",
        "sign-in with an unknown member",
        "member",
        "segments",
        "obligations",
        "pre-check, key used",
    ):
        assert found  # the world has rows for these: the comparison compared something


def test_the_reads_cover_times_json_dates_and_booleans(repo: SqlRepository) -> None:
    (sign_in,) = repo._run(*READS["sign-in"])
    assert sign_in.lock_from is not None  # a time read from the failures
    (member,) = repo._run(*READS["member"])
    assert isinstance(member.bic_issue_date, date)
    (with_member,) = repo._run(*READS["sign-in with the member"])
    assert isinstance(with_member.member_birth_date, date)
    segments = repo._run(*READS["segments"])
    assert all(isinstance(s.ohc_codes, list) for s in segments)
    obligations = repo._run(*READS["obligations"])
    assert {type(o.ltc) for o in obligations} == {bool}
    assert any(o.certified_at is not None for o in obligations)


@pytest.mark.parametrize("cin", [SOC_MEMBER, "99999999Z"])
def test_the_sign_in_with_the_member_reads_what_the_two_reads_read(
    repo: SqlRepository, cin: str
) -> None:
    args = (PHYSICIAN[0], "127.0.0.1", NOW - timedelta(minutes=15), NOW - timedelta(days=30))
    alone = repo.provider_sign_in(*args, (5, 20))
    found = repo.provider_sign_in(*args, (5, 20), cin)
    assert alone is not None
    assert found is not None
    assert found.member_read
    assert not alone.member_read
    assert found.member == repo.get_member(cin)
    assert (found.member is None) == (cin != SOC_MEMBER)
    assert replace(found, member=None, member_read=False) == alone
    assert repo.provider_sign_in("1999999992", *args[1:], (5, 20), cin) is None


def _stored(c: Connection, table: Any, where: str, value: Any) -> list[tuple[Any, ...]]:
    """The stored row as the driver gives it (no SQLAlchemy type processing)."""
    sql = f"SELECT * FROM {table.name} WHERE {where} = :v"  # noqa: S608 (test's own names)
    return sorted((tuple(r) for r in c.execute(text(sql), {"v": value})), key=repr)


def _write_both_ways(
    repo: SqlRepository,
    statement: Any,
    parameters: dict[str, Any],
    table: Any,
    where: str,
    value: Any,
) -> list[tuple[Any, ...]]:
    c = repo.c
    savepoint = c.begin_nested()
    result = c.execute(statement, parameters)
    returned_by_sqlalchemy = [tuple(r) for r in result] if result.returns_rows else []
    expected = _stored(c, table, where, value)
    savepoint.rollback()
    savepoint = c.begin_nested()
    returned = [tuple(r) for r in repo._run(statement, parameters)]
    found = _stored(c, table, where, value)
    savepoint.rollback()
    assert found == expected
    assert returned == returned_by_sqlalchemy
    assert found, "nothing was written"
    return found


def _evc(code: str) -> dict[str, Any]:
    return {
        "e_evc": code,
        "e_source": "verification",
        "e_provider_npi": PHYSICIAN[0],
        "e_cin": SOC_MEMBER,
        "e_service_date": date(2026, 11, 3),
        "e_month": MONTH,
        "e_aid_codes": ["37", "5é"],
        "e_created_at": NOW,
    }


def _verification(verification_id: str, evc: str | None, eligible: bool) -> dict[str, Any]:
    return {
        "verification_id": verification_id,
        "provider_npi": PHYSICIAN[0],
        "cin": SOC_MEMBER,
        "service_date": date(2026, 11, 3),
        "month": MONTH,
        "eligible": eligible,
        "eligibility_status": "1" if eligible else "6",
        "evc": evc,
        "created_at": NOW,
    }


@pytest.mark.parametrize("eligible", [True, False])
def test_the_verification_record_is_stored_as_sqlalchemy_stores_it(
    repo: SqlRepository, eligible: bool
) -> None:
    evc = "Z123456789" if eligible else None
    if evc:
        _write_both_ways(repo, members._NEW_EVC[repo.c.dialect.name], _evc(evc), t.evcs, "evc", evc)
        repo._run(members._NEW_EVC[repo.c.dialect.name], _evc(evc))
    _write_both_ways(
        repo,
        members._INSERT_VERIFICATION,
        _verification("V-test", evc, eligible),
        t.verifications,
        "verification_id",
        "V-test",
    )


# PostgreSQL's data-modifying CTE: SQLite writes the two rows with two statements (tested above).
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_the_evc_and_verification_in_one_statement(repo: SqlRepository) -> None:
    assert repo.c.dialect.name == "postgresql"
    values = _evc("Z987654321")
    values.update({f"v_{k}": v for k, v in _verification("V-cte", None, True).items()})
    _write_both_ways(
        repo, members._VERIFICATION_WITH_EVC, values, t.verifications, "verification_id", "V-cte"
    )
    repo._run(members._NEW_EVC["postgresql"], _evc("Z987654321"))
    assert repo._run(members._VERIFICATION_WITH_EVC, values) == []  # the code is taken


def _obligation_and_entry(repo: SqlRepository, entry_id: str) -> dict[str, Any]:
    (row, *_) = repo._run(ledger._UNIT_OBLIGATIONS, {"cin": SOC_MEMBER, "month": MONTH})
    obligation = {
        "case_id": row.case_id,
        "budget_unit": row.budget_unit,
        "month": row.month,
        "program": row.program,
        "amount_cents": row.amount_cents,
        "remaining_cents": row.amount_cents - 1,
        "certified_by": None,
        "certified_at": None,
        "ltc": False,
        "updated_at": NOW,
    }
    entry = {
        "entry_id": entry_id,
        "clearance_id": "C-test",
        "kind": "clearance",
        "case_id": row.case_id,
        "budget_unit": row.budget_unit,
        "month": row.month,
        "program": row.program,
        "cin": SOC_MEMBER,
        "provider_npi": PHYSICIAN[0],
        "service_date": date(2026, 11, 3),
        "billing_code": "99213",
        "service_charge_cents": 1,
        "payment": "paid",
        "applied_cents": 1,
        "remaining_after_cents": row.amount_cents - 1,
        "idempotency_key": "k-ü",
        "reverses": None,
        "evc": None,
        "created_at": NOW + timedelta(microseconds=1),
        "other_coverage_paid_cents": None,
        "provider_name": None,
        "change_id": None,
        "service_type": "other",
        "counted_date": date(2026, 11, 3),
    }
    return {"obligation": obligation, "entry": entry}


def test_the_obligation_and_its_entry_are_stored_as_sqlalchemy_stores_them(
    repo: SqlRepository,
) -> None:
    made = _obligation_and_entry(repo, "E-test")
    obligation, entry = made["obligation"], made["entry"]
    if repo.c.dialect.name == "postgresql":
        values = {f"e_{k}": v for k, v in entry.items()}
        values.update({f"o_{k}": v for k, v in obligation.items()})
        _write_both_ways(
            repo, ledger._OBLIGATION_AND_ENTRY, values, t.soc_entries, "entry_id", "E-test"
        )
    upsert = ledger._UPSERT_OBLIGATION[repo.c.dialect.name]
    _write_both_ways(repo, upsert, obligation, t.soc_obligations, "case_id", obligation["case_id"])
    repo._run(upsert, obligation)
    _write_both_ways(repo, ledger._INSERT_ENTRY, entry, t.soc_entries, "entry_id", "E-test")


def test_the_access_log_rows_are_stored_as_sqlalchemy_stores_them(repo: SqlRepository) -> None:
    rows = [
        {
            "at": NOW + timedelta(microseconds=i),
            "actor": PHYSICIAN[0],
            "role": "provider",
            "action": "verify",
            "cin": SOC_MEMBER if i else None,
            "outcome": "ok",
            "address": "127.0.0.1",
        }
        for i in range(3)
    ]
    c = repo.c
    columns = "at, actor, role, action, cin, outcome, address"
    query = text(f"SELECT {columns} FROM access_log WHERE actor = :a ORDER BY seq")  # noqa: S608
    savepoint = c.begin_nested()
    c.execute(access._INSERT_ACCESS, rows)
    expected = [tuple(r) for r in c.execute(query, {"a": PHYSICIAN[0]})]
    savepoint.rollback()
    savepoint = c.begin_nested()
    with counting(c.engine) as sent:
        repo._run_many(access._INSERT_ACCESS, rows)
    found = [tuple(r) for r in c.execute(query, {"a": PHYSICIAN[0]})]
    savepoint.rollback()
    assert found == expected
    assert len(found) >= 3
    assert len(sent) == 1, sent  # one executemany


def test_a_unique_violation_is_sqlalchemys_integrity_error(repo: SqlRepository) -> None:
    values = _verification("V-twice", None, False)
    repo._run(members._INSERT_VERIFICATION, values)
    savepoint = repo.c.begin_nested()
    with pytest.raises(exc.IntegrityError) as raised:
        repo._run(members._INSERT_VERIFICATION, values)
    assert raised.value.statement is not None
    assert "INSERT INTO verifications" in raised.value.statement
    savepoint.rollback()
    # The connection goes on after the rollback, as with Connection.execute.
    assert repo._run(members._GET_MEMBER, {"cin": SOC_MEMBER})


def test_an_executemany_error_is_sqlalchemys_too(repo: SqlRepository) -> None:
    row = {"at": NOW, "actor": "x", "role": "r", "action": "a", "outcome": "ok"}
    savepoint = repo.c.begin_nested()
    with pytest.raises(exc.IntegrityError):
        repo._run_many(access._INSERT_ACCESS, [row, {**row, "actor": None}])  # NOT NULL
    savepoint.rollback()


def test_a_missing_parameter_is_refused(repo: SqlRepository) -> None:
    with pytest.raises(exc.InvalidRequestError):
        repo._run(members._SEGMENTS, {"cin": SOC_MEMBER})


def test_the_statement_events_see_each_statement(repo: SqlRepository) -> None:
    after: list[str] = []

    def note(_c: Any, _cursor: Any, statement: str, *_: Any) -> None:
        after.append(statement)

    event.listen(repo.c.engine, "after_cursor_execute", note)
    try:
        with counting(repo.c.engine) as sent:
            repo._run(*READS["member"])
            repo._run(*READS["segments"])
    finally:
        event.remove(repo.c.engine, "after_cursor_execute", note)
    assert len(sent) == 2
    assert len(after) == 2
    assert after[0].startswith("SELECT members.cin")


def test_a_statement_run_after_a_commit_begins_a_transaction_as_sqlalchemy_does(
    used: World,
) -> None:
    with used.app.engine.connect() as c:
        repo = SqlRepository(c, locking=False)
        with counting(c.engine) as sent:
            repo._run(*READS["member"])
        assert c.in_transaction()
        c.commit()
        assert not c.in_transaction()
        repo._run(*READS["member"])
        assert c.in_transaction()
        c.rollback()
    if used.app.engine.dialect.name == "sqlite":
        assert sent.sent[0] == "BEGIN IMMEDIATE"

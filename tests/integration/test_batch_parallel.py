"""The parallel batch (``batch_jobs.adjudicate_parallel``, ``adjudicate --batch --jobs N``) on
PostgreSQL answers and stores exactly what one process (``claims.adjudicate_batch``) does, over
generated claims with several claims per member, authorization units that run out across two
claims of one member, and claim IDs repeated for another member. A rerun stores nothing twice;
a worker that fails stops the run with whole chunks stored, and a rerun finishes it. SQLite has
one writer: more than one job is refused there."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from integration.test_batch_adjudication import MEMBERS, generated, prepared, same
from integration.test_batch_adjudication import stored as stored_rows
from spenddown.domain.cob.adjudication import Adjudication
from spenddown.domain.errors import InvalidInput, SpenddownError
from spenddown.entrypoints import batch_jobs
from spenddown.services import claims
from spenddown.services.audit import audit_ledger
from support.cli import Cli
from support.world import World


def stored(world: World) -> tuple[list[Any], list[Any]]:
    """The claims and lines stored, in key order (NPI, claim ID, line): two processes store
    the same rows in another order."""
    heads, lines = stored_rows(world)
    return (
        sorted(heads, key=lambda r: (r[1], r[0])),
        sorted(lines, key=lambda r: (r[14], r[0], r[1])),
    )


def _parallel(world: World, batch: list[claims.Claim], jobs: int, chunk: int) -> list[object]:
    return list(
        batch_jobs.adjudicate_parallel(
            batch, world.app.url, world.app.env.clock, jobs=jobs, chunk=chunk
        )
    )


def _differences(left: list[object], right: list[object]) -> list[int]:
    return [i for i, (a, b) in enumerate(zip(left, right, strict=True)) if not same(a, b)]  # type: ignore[arg-type]


def test_the_members_fall_into_both_workers() -> None:
    assert {batch_jobs.partition(cin, 2) for cin in MEMBERS} == {0, 1}
    assert batch_jobs.partition("22222222B", 2) == batch_jobs.partition("22222222B", 2)
    assert all(0 <= batch_jobs.partition(cin, 3) < 3 for cin in MEMBERS)


@pytest.mark.postgres
@pytest.mark.parametrize("chunk", [7, 1000])
def test_two_jobs_answer_and_store_as_one_and_a_rerun_stores_nothing_twice(
    make_postgres_database: Callable[[], str], chunk: int
) -> None:
    batch = generated(400)
    one, two = prepared(make_postgres_database()), prepared(make_postgres_database())
    try:
        expected = list(claims.adjudicate_batch(batch, one.app.uow, one.app.env, chunk=chunk))
        outcomes = _parallel(two, batch, jobs=2, chunk=chunk)
        assert len(outcomes) == len(batch)
        assert _differences(expected, outcomes) == []
        assert stored(two) == stored(one)
        # Authorization units consumed by several claims of one member ran out in both runs.
        denied_for_units = [
            o
            for o, claim in zip(outcomes, batch, strict=True)
            if isinstance(o, Adjudication)
            and claim.member_id == "22222222B"
            and any(line.denial is not None and line.denial.carc == "197" for line in o.lines)
        ]
        assert denied_for_units
        # A claim ID repeated for another member is answered as with one process.
        repeated = [
            i
            for i, claim in enumerate(batch)
            if any(
                c.claim_id == claim.claim_id
                and c.provider_npi == claim.provider_npi
                and c.member_id != claim.member_id
                and batch_jobs.partition(c.member_id, 2) != batch_jobs.partition(claim.member_id, 2)
                for c in batch[:i]
            )
        ]
        assert repeated
        # The same file again: every claim stored is answered DUPLICATE_CLAIM, nothing is added.
        again_one = list(claims.adjudicate_batch(batch, one.app.uow, one.app.env, chunk=chunk))
        again = _parallel(two, batch, jobs=2, chunk=chunk)
        assert _differences(again_one, again) == []
        kept = {
            (o.claim_id, claim.provider_npi)
            for o, claim in zip(outcomes, batch, strict=True)
            if isinstance(o, Adjudication)
        }
        for o, claim in zip(again, batch, strict=True):
            if (claim.claim_id, claim.provider_npi) in kept:
                assert isinstance(o, SpenddownError)
                assert o.code == "DUPLICATE_CLAIM"
        assert not any(isinstance(o, Adjudication) for o in again)
        assert stored(two) == stored(one)
        assert audit_ledger(two.app.uow()) == []
    finally:
        one.app.close()
        two.app.close()


def _refuse(world: World, claim_id: str) -> None:
    """The database refuses to store that claim, like a fault (a trigger)."""
    with world.app.engine.begin() as c:
        c.execute(
            text(
                "CREATE FUNCTION refuse_claim() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.claim_id = '{claim_id}' THEN "
                "RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        c.execute(
            text(
                "CREATE TRIGGER refuse_claim BEFORE INSERT ON claims "
                "FOR EACH ROW EXECUTE FUNCTION refuse_claim()"
            )
        )


@pytest.mark.postgres
def test_a_failing_worker_stops_the_run_and_a_rerun_finishes_it(
    make_postgres_database: Callable[[], str],
) -> None:
    batch = generated(300, seed=5)
    clean, broken = prepared(make_postgres_database()), prepared(make_postgres_database())
    try:
        expected = list(claims.adjudicate_batch(batch, clean.app.uow, clean.app.env, chunk=10))
        victim = next(i for i, o in enumerate(expected) if i > 150 and isinstance(o, Adjudication))
        _refuse(broken, batch[victim].claim_id)
        answered: list[object] = []
        with pytest.raises(batch_jobs.BatchWorkerFailed) as failure:
            answered.extend(
                batch_jobs.adjudicate_parallel(
                    batch, broken.app.url, broken.app.env.clock, jobs=2, chunk=10
                )
            )
        assert failure.value.code == "BATCH_WORKER_FAILED"
        assert "failed (RaiseException)" in failure.value.detail
        assert "disk full" not in failure.value.detail  # the database's words may quote data
        assert "Run the same file again" in failure.value.detail
        assert 0 < len(answered) <= victim  # the answers before the failing chunk, in order
        assert _differences(expected[: len(answered)], answered) == []
        heads, lines = stored(broken)
        assert {h[0] for h in heads} >= {
            o.claim_id for o in answered if isinstance(o, Adjudication)
        }
        assert {line[0] for line in lines} == {h[0] for h in heads}  # whole claims, whole chunks
        assert audit_ledger(broken.app.uow()) == []
        with broken.app.engine.begin() as c:
            c.execute(text("DROP TRIGGER refuse_claim ON claims"))
        _parallel(broken, batch, jobs=2, chunk=10)
        assert stored(broken) == stored(clean)
        assert audit_ledger(broken.app.uow()) == []
    finally:
        clean.app.close()
        broken.app.close()


@pytest.mark.postgres
def test_a_database_that_cannot_be_reached_stops_the_run(
    make_postgres_database: Callable[[], str],
) -> None:
    world = prepared(make_postgres_database())
    try:
        gone = world.app.url.rsplit("/", 1)[0] + "/no_such_database"
        with pytest.raises(batch_jobs.BatchWorkerFailed) as failure:
            list(batch_jobs.adjudicate_parallel(generated(20), gone, world.app.env.clock, jobs=2))
        assert "failed (OperationalError)" in failure.value.detail
    finally:
        world.app.close()


# --- --jobs --------------------------------------------------------------------------------
POSTGRES = "postgresql+psycopg://u@127.0.0.1/db"
SQLITE = "sqlite:///x.db"


def test_jobs_values() -> None:
    assert batch_jobs.resolve_jobs("1", POSTGRES) == 1
    assert batch_jobs.resolve_jobs("3", POSTGRES) == 3
    cores = batch_jobs.resolve_jobs("auto", POSTGRES)
    assert cores >= 1
    assert batch_jobs.resolve_jobs("0", POSTGRES) == cores
    assert batch_jobs.resolve_jobs(" AUTO ", POSTGRES) == cores
    assert batch_jobs.resolve_jobs("auto", SQLITE) == 1  # one writer
    assert batch_jobs.resolve_jobs("0", SQLITE) == 1
    assert batch_jobs.resolve_jobs("1", SQLITE) == 1
    for bad in ("-1", "two", "", "1.5"):
        with pytest.raises(InvalidInput) as error:
            batch_jobs.resolve_jobs(bad, POSTGRES)
        assert error.value.code == "INVALID_JOBS"
    with pytest.raises(InvalidInput) as error:
        batch_jobs.resolve_jobs("2", SQLITE)
    assert error.value.code == "JOBS_NEED_POSTGRESQL"
    with pytest.raises(InvalidInput):
        list(batch_jobs.adjudicate_parallel([], POSTGRES, None, jobs=0))  # type: ignore[arg-type]


def claim_json(claim: claims.Claim) -> str:
    """A claim as a line of a batch file (docs/formats.md §2)."""

    def text_of(value: Any) -> Any:
        return None if value is None else str(value)

    primary = claim.primary
    return json.dumps(
        {
            "claim_id": claim.claim_id,
            "provider_npi": claim.provider_npi,
            "member_id": claim.member_id,
            "soc_amount": str(claim.soc_amount),
            "primary": None
            if primary is None
            else {
                "payer_type": str(primary.payer_type),
                "payer_name": primary.payer_name,
                "claim_number": primary.claim_number,
                "adjudication_date": str(primary.adjudication_date),
            },
            "lines": [
                {
                    "service_date": str(line.service_date),
                    "procedure_code": line.procedure_code,
                    "units": line.units,
                    "charge": str(line.charge),
                    "scope": str(line.scope),
                    "authorizations": {
                        "medi_cal": line.medi_cal_authorization,
                        "primary": line.primary_authorization,
                    },
                    "primary": None
                    if line.primary is None
                    else {
                        "allowed": str(line.primary.allowed),
                        "paid": str(line.primary.paid),
                        "deductible": str(line.primary.deductible),
                        "coinsurance": str(line.primary.coinsurance),
                        "copay": str(line.primary.copay),
                        "denial_carc": text_of(line.primary.denial_carc),
                    },
                }
                for line in claim.lines
            ],
        }
    )


def _claims_file(tmp_path: Path, batch: list[claims.Claim]) -> Path:
    path = tmp_path / "claims.jsonl"
    lines = [claim_json(claim) for claim in batch]
    lines.insert(5, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.postgres
def test_the_cli_with_two_jobs_writes_what_one_job_writes(
    make_postgres_database: Callable[[], str], tmp_path: Path
) -> None:
    batch = generated(120, seed=3)
    path = _claims_file(tmp_path, batch)
    runs = {}
    for jobs in ("1", "2"):
        world = prepared(make_postgres_database())
        world.app.close()
        cli = Cli(world.app.url, tmp_path)
        out = tmp_path / f"out-{jobs}.jsonl"
        result = cli("adjudicate", "--batch", str(path), "--out", str(out), "--jobs", jobs)
        assert result.exit_code == 0, result.stderr
        runs[jobs] = (out.read_text(encoding="utf-8"), result.stderr.splitlines()[-1])
        again = cli("adjudicate", "--batch", str(path), "--out", str(out), "--jobs", jobs)
        assert again.exit_code == 0, again.stderr
        assert "0 paid, 0 partially paid, 0 denied, 121 with errors" in again.stderr
    assert runs["2"] == runs["1"]
    assert "121 claims:" in runs["1"][1]


@pytest.mark.postgres
def test_the_cli_says_which_worker_failed_and_exits_1(
    make_postgres_database: Callable[[], str], tmp_path: Path
) -> None:
    batch = generated(200, seed=3)
    path = _claims_file(tmp_path, batch)
    world = prepared(make_postgres_database())
    try:
        victim = next(
            i
            for i, c in enumerate(batch)
            if i >= 100
            and c.claim_id == f"G-{i}"
            and c.member_id != "00000000Z"  # a known member and provider: it is stored
            and c.provider_npi != "1999999990"
        )
        _refuse(world, batch[victim].claim_id)
        cli = Cli(world.app.url, tmp_path)
        out = tmp_path / "out.jsonl"
        result = cli("adjudicate", "--batch", str(path), "--out", str(out), "--jobs", "2")
        assert result.exit_code == 1
        assert "[BATCH_WORKER_FAILED]" in result.stderr
        assert "Run the same file again" in result.stderr
        assert len(out.read_text(encoding="utf-8").splitlines()) <= victim + 1  # + the bad line
        with world.app.engine.begin() as c:
            c.execute(text("DROP TRIGGER refuse_claim ON claims"))
        again = cli("adjudicate", "--batch", str(path), "--out", str(out), "--jobs", "2")
        assert again.exit_code == 0, again.stderr
        assert audit_ledger(world.app.uow()) == []
    finally:
        world.app.close()


@pytest.mark.parametrize(
    ("value", "code"),
    [("-1", "INVALID_JOBS"), ("many", "INVALID_JOBS"), ("2", "JOBS_NEED_POSTGRESQL")],
)
def test_the_cli_refuses_bad_jobs_in_one_line(tmp_path: Path, value: str, code: str) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path)
    path = tmp_path / "claims.jsonl"
    path.write_text("{}\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = cli("adjudicate", "--batch", str(path), "--out", str(out), "--jobs", value)
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(f"[{code}]")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()  # nothing half-written


def test_auto_jobs_on_sqlite_runs_in_one_process(tmp_path: Path) -> None:
    world = prepared(f"sqlite:///{tmp_path / 'auto.db'}")
    world.app.close()
    path = _claims_file(tmp_path, generated(30, seed=2))
    cli = Cli(world.app.url, tmp_path)
    result = cli("adjudicate", "--batch", str(path), "--out", str(tmp_path / "o"), "--jobs", "auto")
    assert result.exit_code == 0, result.stderr
    assert "31 claims:" in result.stderr

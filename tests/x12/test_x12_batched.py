"""An 837P's original claims go through the batch use case (``claim_answers.BATCHED``): the
answer to a generated file with several claims per member, resends, a changed claim under a
stored ID, an unknown member and a void among them is exactly the answer of the one-claim-at-a-
time path on a fresh database, on SQLite and PostgreSQL; and ``spenddown x12 --jobs 2`` (the
claim runs over two processes) answers it byte for byte as one process does, on PostgreSQL."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import Api, basic, make_api
from x12_builders import FEES, claim_837, cob_line, interchange, submission_837

from spenddown import bootstrap
from spenddown.adapters.x12 import claim_answers
from spenddown.entrypoints import batch_jobs
from spenddown.entrypoints.cli import x12 as x12_command
from support.cli import Cli
from support.world import PHYSICIAN, FixedClock

MEMBERS = ["12345678A", "22222222B", "33333333C", "55555555E", "77777777G", "88888888H"]


def _void(claim: list[str], original: str) -> list[str]:
    out: list[str] = []
    for segment in claim:
        if segment.startswith("CLM*"):
            segment = segment.replace("***11:B:1*", "***11:B:8*")
        if segment.startswith("HI*"):
            out.append(f"REF*F8*{original}")
        out.append(segment)
    return out


def generated(count: int, seed: int, void_share: float = 0.05, sets: int = 1) -> str:
    """``count`` claims and the resends, duplicates, unknown members and voids among them, in
    ``sets`` 837P sets (the runs of original claims then cross set boundaries)."""
    rng = random.Random(seed)
    claims: list[list[str]] = []
    for i in range(count):
        lines = []
        for _ in range(rng.randint(1, 3)):
            charge = f"{rng.randint(60, 200)}.00"
            day = f"202611{rng.randint(1, 20):02d}"
            if rng.random() < 0.4:
                paid = f"{rng.randint(0, 50)}.00"
                owed = f"{int(charge[:-3]) - int(paid[:-3])}.00"
                lines.append(
                    cob_line("99213", charge, 1, day, paid=paid, adjustments=[("PR", "3", owed)])
                )
            else:
                lines.append(cob_line("99213", charge, 1, day))
        claim = claim_837(f"G-{i}", lines, member_id=rng.choice(MEMBERS))
        claims.append(claim)
        roll = rng.random()
        if roll < 0.1 and claims:
            claims.append(list(rng.choice(claims)))  # a resend (or a duplicate if changed since)
        elif roll < 0.15:
            claims.append(claim_837(f"G-{i}", [cob_line("99213", "77.00", 1, "20261102")]))
        elif roll < 0.2:
            claims.append(claim_837(f"U-{i}", lines, member_id="99999999Z"))
        elif roll < 0.2 + void_share:
            claims.append(_void(claim_837(f"V-{i}", lines), f"G-{i}"))
    size = -(-len(claims) // sets)
    bodies = [submission_837(claims[i : i + size]) for i in range(0, len(claims), size)]
    return interchange("837", "005010X222A1", bodies)


@pytest.fixture
def two_apis(
    request: pytest.FixtureRequest, database_url: str
) -> Iterator[tuple[Callable[[], Api], Callable[[], Api]]]:
    if database_url.startswith("sqlite"):
        second = f"sqlite:///{request.getfixturevalue('tmp_path') / 'second.db'}"
    else:
        second = request.getfixturevalue("make_postgres_database")()
    made: list[Api] = []

    def opener(url: str) -> Callable[[], Api]:
        def open_() -> Api:
            api = make_api(url)
            api.world.load(copy.deepcopy(FEES))
            made.append(api)
            return api

        return open_

    yield opener(database_url), opener(second)
    for api in made:
        api.close()


@pytest.mark.parametrize(("seed", "sets"), [(3, 1), (17, 1), (5, 4)])
def test_batched_answers_equal_one_claim_at_a_time(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    sets: int,
) -> None:
    text = generated(40, seed, sets=sets)
    answers = []
    for batched, open_ in zip((False, True), two_apis, strict=True):
        monkeypatch.setattr(claim_answers, "BATCHED", batched)
        api = open_()
        response = api.client.post(
            "/v1/x12",
            content=text,
            headers={"Content-Type": "application/edi-x12", **basic(PHYSICIAN)},
        )
        assert response.status_code == 200, response.text
        answers.append(response.text)
    one_by_one, batched_answer = answers
    assert "CLP*" in one_by_one  # adjudicated claims (835)
    assert "STC*" in one_by_one  # refused claims (277CA)
    assert batched_answer == one_by_one


# --- several processes (``spenddown x12 FILE --jobs N``) ---------------------------------------
def cli_world(url: str, tmp_path: Path) -> Cli:
    """The X12 tests' world on ``url`` (fee schedule included), driven by the CLI."""
    api = make_api(url)
    api.world.load(copy.deepcopy(FEES))
    api.close()
    return Cli(url, tmp_path)


@pytest.mark.postgres
def test_two_jobs_answer_a_file_and_its_rerun_as_one_process(
    make_postgres_database: Callable[[], str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``--jobs 2`` gives byte for byte the answer of one process (claims of both workers,
    resends, duplicates, unknown members, voids between the runs), and so does the same file
    sent again (resends)."""
    assert {batch_jobs.partition(cin, 2) for cin in MEMBERS} == {0, 1}
    monkeypatch.setattr(bootstrap, "SystemClock", FixedClock)  # the same ISA and trace times
    parallel_runs: list[int] = []
    parallel = batch_jobs.adjudicate_parallel

    def counted(*args: Any, **kwargs: Any) -> Any:
        parallel_runs.append(kwargs["jobs"])
        return parallel(*args, **kwargs)

    monkeypatch.setattr(batch_jobs, "adjudicate_parallel", counted)
    monkeypatch.setattr(x12_command, "PARALLEL_FROM", 40)  # long runs on two processes, short not
    path = tmp_path / "in.x12"
    path.write_text(generated(300, seed=29, void_share=0.02), encoding="utf-8")
    answers = {}
    for jobs in ("1", "2"):
        cli = cli_world(make_postgres_database(), tmp_path)
        args = ("x12", str(path), "--npi", PHYSICIAN[0], "--pin", PHYSICIAN[1], "--jobs", jobs)
        first, again = cli(*args), cli(*args)
        assert first.exit_code == 0, first.stderr
        assert again.exit_code == 0, again.stderr
        answers[jobs] = (first.stdout, again.stdout)
    first_answer, rerun = answers["1"]
    assert first_answer.count("CLP*") > 200
    assert "STC*" in first_answer
    assert rerun.count("CLP*") > 200  # resends: answered with what was stored
    assert answers["2"] == answers["1"]
    assert parallel_runs
    assert set(parallel_runs) == {2}  # only --jobs 2 used the workers


@pytest.mark.parametrize(("value", "code"), [("2", "JOBS_NEED_POSTGRESQL"), ("x", "INVALID_JOBS")])
def test_the_cli_refuses_jobs_sqlite_cannot_run(tmp_path: Path, value: str, code: str) -> None:
    cli = cli_world(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path)
    path = tmp_path / "in.x12"
    path.write_text(generated(5, seed=1), encoding="utf-8")
    out = tmp_path / "out.x12"
    args = ("x12", str(path), "--npi", PHYSICIAN[0], "--pin", PHYSICIAN[1], "--out", str(out))
    refused = cli(*args, "--jobs", value)
    assert refused.exit_code == 2
    assert refused.stderr.strip().endswith(f"[{code}]")
    assert not out.exists()
    auto = cli(*args, "--jobs", "auto")  # one process on SQLite
    assert auto.exit_code == 0, auto.stderr
    assert "CLP*" in out.read_text(encoding="utf-8")

"""Figure 3: SOC clearance over HTTP under contention (issue 7): 16 connections (16 providers)
clearing Share of Cost on 10 budget units, each ``POST /v1/soc/clearances`` with its own
idempotency key, against ``spenddown serve`` on PostgreSQL and on SQLite. Throughput and p99.
As in figure 2 (issue 16), the servers run on core 0 (``taskset -c 0``) and the load on core 1;
the load stays ``bench.load`` (not ``wrk``): the checks below need every answer's body.

Baseline, measured in the same run with the same load generator and connections: the bare
FastAPI endpoint doing one indexed read (``bench.bare_app``). It is the floor of one request
through this HTTP stack and one database round trip on this machine at this moment, so the
ratio says what a clearance costs beyond that floor (its authentication, lock on the budget
unit, ledger rows and commit, and the access-log row) whatever the machine's load.

After the run, in the same run, the ledger must be exact or the figure fails loudly:
- every 201 answer names a distinct clearance, and exactly those clearances are stored, once;
- per budget unit, SOC − remaining = the sum applied in the stored entries = the sum of
  ``applied`` in the answers;
- ``services.audit.audit_ledger`` (``spenddown audit``) finds nothing;
- retrying a sample of the answered requests with their idempotency keys gives back the same
  clearances and changes nothing."""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import serving
from bench.bare_app import PATH as BARE_PATH
from bench.common import PIN, PINS, Figure, cin, local_code, npi, population, postgres, today_ca
from spenddown import bootstrap
from spenddown.adapters.db import tables
from spenddown.domain.money import Money
from spenddown.services.audit import audit_ledger

UNITS = 10
CONNECTIONS = 16
SERVER_CPU, LOAD_CPU = 0, 1  # as figure 2 (bench/verification_http.py)
PROVIDERS = 16
SOC = "1000000.00"  # not met during the run: every clearance applies its whole charge
RETRIES = 200
TARGET = "throughput and p99; the ledger exact afterwards"


def dataset(month: str, stored_units: int = UNITS) -> dict[str, Any]:
    return population(max(stored_units, UNITS), PROVIDERS, month, SOC)


def basic(provider: int) -> str:
    return "Basic " + base64.b64encode(f"{npi(provider)}:{PIN}".encode()).decode()


def clearance(i: int, day: date, run: str) -> dict[str, Any]:
    """Request ``i``: provider ``i % 16`` on budget unit ``i % 10``, its own billing code and
    idempotency key."""
    return {
        "method": "POST",
        "path": "/v1/soc/clearances",
        "headers": {"authorization": basic(i % PROVIDERS)},
        "body": json.dumps(
            {
                "member_id": cin(i % UNITS),
                "bic_issue_date": "2025-01-02",
                "service_date": str(day),
                "billing_code": local_code(f"{run}-{i}"),
                "service_charge": f"{1 + i % 29}.{i % 100:02d}",
                "payment": "paid",
                "idempotency_key": f"{run}-{i}",
            }
        ),
    }


def clearances(count: int, day: date, run: str) -> list[dict[str, Any]]:
    return [clearance(i, day, run) for i in range(count)]


def _answers(result: dict[str, Any], what: str) -> dict[int, dict[str, Any]]:
    """The 201 answers by request index; anything else fails the figure."""
    if result["errors"] or set(result["statuses"]) != {"201"}:
        raise RuntimeError(
            f"{what}: not every clearance answered 201: {result['statuses']} "
            f"{result['errors']} {result['error_samples']}"
        )
    return {index: json.loads(body) for index, _, body in result["responses"]}


def _check_ledger(url: str, answers: list[dict[str, Any]]) -> None:
    ids = [a["clearance_id"] for a in answers]
    if len(set(ids)) != len(ids):
        raise RuntimeError("clearance figure: two answers name the same clearance")
    answered_applied: Counter[str] = Counter()
    for answer in answers:
        answered_applied[answer["member_id"]] += Money.parse(answer["applied"]).cents
    app = bootstrap.build(url, migrate=False, pins=PINS)
    try:
        entries, obligations = tables.soc_entries, tables.soc_obligations
        with app.engine.connect() as connection:
            stored = Counter(
                connection.execute(
                    select(entries.c.clearance_id).where(entries.c.kind == "clearance")
                ).scalars()
            )
            applied = dict(
                connection.execute(
                    select(entries.c.cin, func.sum(entries.c.applied_cents)).group_by(entries.c.cin)
                ).all()
            )
            spent = dict(
                connection.execute(
                    select(
                        obligations.c.case_id,
                        obligations.c.amount_cents - obligations.c.remaining_cents,
                    )
                ).all()
            )
        problems = audit_ledger(app.uow())
    finally:
        app.close()
    if set(stored) != set(ids) or any(n != 1 for n in stored.values()):
        raise RuntimeError(
            f"clearance figure: {len(ids)} clearances answered 201, {len(stored)} stored "
            f"({sum(stored.values())} entries); they must be the same, each once"
        )
    for unit in range(UNITS):
        member, case = cin(unit), f"C-{unit}"
        if not spent.get(case) == applied.get(member, 0) == answered_applied[member]:
            raise RuntimeError(
                f"clearance figure: budget unit {case}: SOC − remaining = {spent.get(case)} "
                f"cents, stored entries apply {applied.get(member)}, answers applied "
                f"{answered_applied[member]}"
            )
    if problems:
        raise RuntimeError(f"clearance figure: spenddown audit found {problems[:5]}")


def measure(url: str, engine: str, quick: bool, stored_units: int = UNITS) -> Figure:
    """Figure 3 on one database, with ``stored_units`` budget units stored (the load is on the
    first ten; figure 7 asks for more)."""
    day = today_ca()
    seconds = 3.0 if quick else 6.0
    month = day.strftime("%Y-%m")
    serving.seed_dataset(url, dataset(month, stored_units), production_pins=False)
    warm_requests = clearances(5000, day, "W")
    requests = clearances(int(seconds * 2000), day, "R")  # more than the run can send
    with serving.servers(url, cpu=SERVER_CPU) as (bare_server, server):
        reads = [{"method": "GET", "path": BARE_PATH.format(cin=cin(i))} for i in range(UNITS)]
        serving.load(
            bare_server.base, reads, connections=CONNECTIONS, seconds=1, cycle=True, cpu=LOAD_CPU
        )
        bare = serving.load(
            bare_server.base,
            reads,
            connections=CONNECTIONS,
            seconds=seconds,
            cycle=True,
            cpu=LOAD_CPU,
        )
        warm = serving.load(
            server.base, warm_requests, connections=CONNECTIONS, seconds=1, responses=True
        )
        answers = list(_answers(warm, "warm-up").values())
        result = serving.load(
            server.base,
            requests,
            connections=CONNECTIONS,
            seconds=seconds,
            responses=True,
            cpu=LOAD_CPU,
        )
        run_answers = _answers(result, "clearances")
        answers += run_answers.values()
        # Retries with the same idempotency keys: the same clearances, nothing applied again.
        sample = sorted(run_answers)[:: max(1, len(run_answers) // RETRIES)][:RETRIES]
        retried = serving.load(
            server.base,
            [requests[i] for i in sample],
            connections=CONNECTIONS,
            seconds=30,
            responses=True,
        )
        for position, answer in _answers(retried, "retries").items():
            if answer != run_answers[sample[position]]:
                raise RuntimeError(
                    "clearance figure: a retry with the same idempotency key answered "
                    "differently from the first answer"
                )
    _check_ledger(url, answers)
    return Figure(
        f"3. Clearance over HTTP, 16 connections on 10 budget units ({engine})",
        result["rps"],
        bare["rps"],
        "clearances/s",
        TARGET,
        f"{engine}; server on core {SERVER_CPU}, bench.load on core {LOAD_CPU}; "
        f"p50 {result['p50_ms']:.1f} ms; {result['requests']} clearances, ledger "
        f"exact, audit clean, {len(sample)} retries identical; baseline: bare read endpoint, "
        f"p99 {bare['p99_ms']:.1f} ms",
        p99_ms=result["p99_ms"],
    )


def run(quick: bool) -> list[Figure]:
    figures = []
    with postgres.postgres_server() as server:
        url = postgres.create_database(server, "spenddown_bench")
        figures.append(measure(url, "PostgreSQL", quick))
    if not quick:  # the quick run (under 3 minutes for every figure) on PostgreSQL only
        tmp = Path(tempfile.mkdtemp(prefix="spenddown-bench-http-"))
        try:
            figures.append(measure(f"sqlite:///{tmp / 'clear.db'}", "SQLite", quick))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return figures


if __name__ == "__main__":
    for figure in run(quick=True):
        print(figure)

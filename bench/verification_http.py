"""Figure 2: eligibility verification over HTTP (issue 7), on SQLite and on PostgreSQL.

``spenddown serve`` (production settings: Argon2 PINs behind the verified-PIN cache, one
uvicorn worker) answers authenticated ``POST /v1/eligibility/verifications`` from 32 providers
over 32 keep-alive connections; each answer stores its verification, an EVC when the member is
eligible (3 members in 4 here) and its access-log row. The baseline, measured in the same run
on the same database: a bare FastAPI endpoint doing one indexed read (``bench.bare_app``) served
the same way. The load comes from ``bench.load`` in its own process. Target: ≥ 40% of the bare
rate, p99 ≤ 25 ms.

First requests are measured apart: each provider's first request pays one Argon2 verification
of its PIN (then the PIN is cached, ``CachedPinVerifier``); the figure is the later requests.
After the run, the database must hold exactly one verification and one access-log row per
answer, and an EVC per eligible answer: the figure fails loudly otherwise."""

from __future__ import annotations

import base64
import json
import shutil
import statistics
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from bench import serving
from bench.bare_app import PATH as BARE_PATH
from bench.common import PIN, Figure, cin, npi, population, postgres, today_ca
from spenddown.adapters.db import tables

CONNECTIONS = 32
PROVIDERS = 32
ELIGIBLE_AID_CODE = "34"  # full scope, no Share of Cost: an EVC is issued
TARGET = "≥ 40% of bare, p99 ≤ 25 ms"


def members(quick: bool) -> int:
    return 400 if quick else 2000


def is_eligible(member: int) -> bool:
    return member % 4 != 0  # the others have an unmet Share of Cost (no EVC)


def dataset(units: int, month: str) -> dict[str, Any]:
    data = population(units, PROVIDERS, month, "600.00")
    for i, row in enumerate(data["eligibility"]):
        if is_eligible(i):
            row["aid_code"] = ELIGIBLE_AID_CODE
    return data


def basic(provider: int) -> str:
    return "Basic " + base64.b64encode(f"{npi(provider)}:{PIN}".encode()).decode()


def member_of(i: int, units: int) -> int:
    return (i * 7919) % units  # spread over the members, not in table order


def verification(provider: int, member: int, day: date) -> dict[str, Any]:
    return {
        "method": "POST",
        "path": "/v1/eligibility/verifications",
        "headers": {"authorization": basic(provider)},
        "body": json.dumps(
            {"member_id": cin(member), "bic_issue_date": "2025-01-02", "service_date": str(day)}
        ),
    }


def verifications(units: int, day: date) -> list[dict[str, Any]]:
    """Request ``i``: provider ``i % 32``, a member spread over the population."""
    count = units * PROVIDERS // 4
    return [verification(i % PROVIDERS, member_of(i, units), day) for i in range(count)]


def bare_reads(units: int) -> list[dict[str, Any]]:
    return [
        {"method": "GET", "path": BARE_PATH.format(cin=cin(member_of(i, units)))}
        for i in range(units)
    ]


def _check_ok(result: dict[str, Any], what: str) -> None:
    if result["errors"] or set(result["statuses"]) != {"200"}:
        raise RuntimeError(
            f"{what}: not every request answered 200: {result['statuses']} "
            f"{result['errors']} {result['error_samples']}"
        )


def _check_stored(url: str, answered: int, eligible: int) -> None:
    """One verification and one access-log row per answer, an EVC per eligible answer."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                select(func.count()).select_from(tables.verifications)
            ).scalar_one()
            evcs = connection.execute(
                select(func.count())
                .select_from(tables.evcs)
                .where(tables.evcs.c.source == "verification")
            ).scalar_one()
            logged = connection.execute(
                select(func.count())
                .select_from(tables.access_log)
                .where(tables.access_log.c.action == "eligibility.verify")
            ).scalar_one()
    finally:
        engine.dispose()
    if (stored, logged, evcs) != (answered, answered, eligible):
        raise RuntimeError(
            f"verification figure: {answered} answers ({eligible} eligible) but {stored} "
            f"verifications, {logged} access-log rows and {evcs} EVCs stored"
        )


def measure(url: str, engine: str, quick: bool) -> Figure:
    units = members(quick)
    day = today_ca()
    seconds, rounds = (2.5, 1) if quick else (6.0, 3)
    serving.seed_dataset(url, dataset(units, day.strftime("%Y-%m")))
    requests = verifications(units, day)
    first_requests = [verification(p, member_of(p, units), day) for p in range(PROVIDERS)]
    sent: list[int] = []  # request indices answered, per load run, in ``requests`` order
    bare_runs, later_runs = [], []
    with serving.bare_server(url) as bare_server, serving.spenddown_server(url) as server:
        bare_base, base = bare_server.base, server.base
        first = serving.load(base, first_requests, connections=CONNECTIONS, seconds=60)
        _check_ok(first, "first requests")
        serving.load(bare_base, bare_reads(units), connections=CONNECTIONS, seconds=1, cycle=True)
        warm = serving.load(base, requests, connections=CONNECTIONS, seconds=1, cycle=True)
        _check_ok(warm, "warm-up")
        sent.append(warm["requests"])
        for _ in range(rounds):
            bare = serving.load(
                bare_base, bare_reads(units), connections=CONNECTIONS, seconds=seconds, cycle=True
            )
            _check_ok(bare, "bare endpoint")
            bare_runs.append(bare)
            later = serving.load(
                base, requests, connections=CONNECTIONS, seconds=seconds, cycle=True
            )
            _check_ok(later, "verifications")
            later_runs.append(later)
            sent.append(later["requests"])
    eligible = sum(is_eligible(member_of(p, units)) for p in range(PROVIDERS))
    for n in sent:
        eligible += sum(is_eligible(member_of(i % len(requests), units)) for i in range(n))
    _check_stored(url, PROVIDERS + sum(sent), eligible)
    value = statistics.median(r["rps"] for r in later_runs)
    baseline = statistics.median(r["rps"] for r in bare_runs)
    p99 = statistics.median(r["p99_ms"] for r in later_runs)
    note = (
        f"{engine}; later requests p50 {statistics.median(r['p50_ms'] for r in later_runs):.1f} "
        f"ms; first request of each of {PROVIDERS} providers at once (Argon2 each): p50 "
        f"{first['p50_ms']:.0f} ms, p99 {first['p99_ms']:.0f} ms; bare p99 "
        f"{statistics.median(r['p99_ms'] for r in bare_runs):.1f} ms; client CPU "
        f"{statistics.median(r['client_cpu_us_per_request'] for r in later_runs):.0f} µs/req"
    )
    return Figure(
        f"2. Verification over HTTP, 32 connections ({engine})",
        value,
        baseline,
        "req/s",
        TARGET,
        note,
        p99_ms=p99,
    )


def run(quick: bool) -> list[Figure]:
    figures = []
    tmp = Path(tempfile.mkdtemp(prefix="spenddown-bench-http-"))
    try:
        figures.append(measure(f"sqlite:///{tmp / 'verify.db'}", "SQLite", quick))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with postgres.postgres_server() as server:
        url = postgres.create_database(server, "spenddown_bench")
        figures.append(measure(url, "PostgreSQL", quick))
    return figures


if __name__ == "__main__":
    for figure in run(quick=True):
        print(figure)

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
ELIGIBLE_AID_CODE = "34"  # full scope, no Share of Cost: an EVC is issued
TARGET = "≥ 40% of bare, p99 ≤ 25 ms"


def members(quick: bool) -> int:
    return 400 if quick else 2000


def providers(quick: bool) -> int:
    """Providers sending the load (each PIN hashed with production Argon2 on import)."""
    return 8 if quick else 32


def is_eligible(member: int) -> bool:
    return member % 4 != 0  # the others have an unmet Share of Cost (no EVC)


def dataset(units: int, providers: int, month: str) -> dict[str, Any]:
    data = population(units, providers, month, "600.00")
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


def verifications(units: int, providers: int, day: date) -> list[dict[str, Any]]:
    """Request ``i``: provider ``i % providers``, a member spread over the population."""
    count = units * 8
    return [verification(i % providers, member_of(i, units), day) for i in range(count)]


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


def measure(url: str, engine: str, quick: bool, units: int | None = None) -> Figure:
    """Figure 2 on one database; ``units`` members stored (figure 7 asks for 10×)."""
    units, senders = units or members(quick), providers(quick)
    day = today_ca()
    seconds, rounds = (1.5, 1) if quick else (3.0, 2)
    serving.seed_dataset(url, dataset(units, senders, day.strftime("%Y-%m")), production_pins=True)
    requests = verifications(units, senders, day)
    answered = eligible = 0

    def count(result: dict[str, Any], sent: list[dict[str, Any]], what: str) -> None:
        nonlocal answered, eligible
        _check_ok(result, what)
        n = result["requests"]  # requests 0..n-1 of ``sent`` (cycled), each answered
        answered += n
        eligible += sum(is_eligible(member_of(i % len(sent), units)) for i in range(n))

    bare_runs, later_runs = [], []
    with serving.servers(url) as (bare_server, server):
        bare_base, base = bare_server.base, server.base
        # First and later requests one at a time: the first of each provider pays Argon2.
        first = serving.load(base, requests[:senders], connections=1, seconds=60)
        count(first, requests[:senders], "first requests")
        later_alone = serving.load(base, requests, connections=1, seconds=1, cycle=True)
        count(later_alone, requests, "later requests alone")
        serving.load(bare_base, bare_reads(units), connections=CONNECTIONS, seconds=1, cycle=True)
        for _ in range(rounds):
            bare = serving.load(
                bare_base, bare_reads(units), connections=CONNECTIONS, seconds=seconds, cycle=True
            )
            _check_ok(bare, "bare endpoint")
            bare_runs.append(bare)
            later = serving.load(
                base, requests, connections=CONNECTIONS, seconds=seconds, cycle=True
            )
            count(later, requests, "verifications")
            later_runs.append(later)
    _check_stored(url, answered, eligible)
    value = statistics.median(r["rps"] for r in later_runs)
    baseline = statistics.median(r["rps"] for r in bare_runs)
    p99 = statistics.median(r["p99_ms"] for r in later_runs)
    note = (
        f"{engine}; p50 {statistics.median(r['p50_ms'] for r in later_runs):.1f} ms; one at a "
        f"time, first request of each of {senders} providers (Argon2) p50 "
        f"{first['p50_ms']:.0f} ms vs later requests p50 {later_alone['p50_ms']:.1f} ms; "
        f"bare p99 {statistics.median(r['p99_ms'] for r in bare_runs):.1f} ms; client CPU "
        f"{statistics.median(r['client_cpu_us_per_request'] for r in later_runs):.0f} µs/req; "
        f"stored: one verification and access-log row per answer, EVC per eligible answer"
    )
    return Figure(
        f"2. Verification over HTTP, 32 connections ({engine})",
        value,
        baseline,
        "req/s",
        TARGET,
        note,
        p99_ms=p99,
        min_ratio=0.40,
        max_p99_ms=25.0,
    )


def run(quick: bool) -> list[Figure]:
    """Both engines; the quick run (under 3 minutes for every figure) on PostgreSQL only."""
    figures = []
    if not quick:
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

"""Figure 2: eligibility verification over HTTP (issues 7 and 16), on PostgreSQL (and SQLite in
the full run), driven by ``wrk`` (``bench.wrk``).

``spenddown serve`` (production settings: Argon2 PINs behind the verified-PIN cache, one
uvicorn worker) pinned to core 0 (``taskset -c 0``) answers authenticated
``POST /v1/eligibility/verifications`` from 8 providers over 8 keep-alive connections sent by
``wrk`` pinned to core 1; each answer stores its verification, an EVC when the member is
eligible (3 members in 4 here) and its access-log row. The baseline, measured in the same run on
the same database, pinned the same way and driven the same way: a bare FastAPI endpoint doing
one indexed read (``bench.bare_app``). Bare and verification runs alternate, and each figure is
the median of the rounds. Target (bench/targets.py): ≥ 50% of the bare rate, p99 ≤ 15 ms.

Then, on PostgreSQL, ``spenddown serve --workers 2`` unpinned with ``wrk`` unpinned: its rate
against the one pinned worker's (target ≥ 1.6×). A ``spenddown serve`` without ``--workers``
gives that row as "not available".

First requests are measured apart, one at a time with ``bench.load``: each provider's first
request pays one Argon2 verification of its PIN (then the PIN is cached,
``CachedPinVerifier``); ``wrk`` only sends later requests. After the run the database must hold
one verification and one access-log row per answer and an EVC per eligible answer; ``wrk``
does not count the requests in flight when it stops (at most one per connection), so the
stored counts must lie between the answers counted and that many more."""

from __future__ import annotations

import base64
import json
import shutil
import statistics
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from bench import serving, targets, wrk
from bench.bare_app import PATH as BARE_PATH
from bench.common import PIN, Figure, cin, npi, population, postgres, today_ca
from spenddown.adapters.db import tables

CONNECTIONS = wrk.CONNECTIONS  # 8
SERVER_CPU, WRK_CPU = 0, 1
MAX_REQUESTS = 20_000  # written into wrk's Lua script
ELIGIBLE_AID_CODE = "34"  # full scope, no Share of Cost: an EVC is issued


def members(quick: bool) -> int:
    return 400 if quick else 2000


def providers(quick: bool) -> int:
    """Providers sending the load (each PIN hashed with production Argon2 on import)."""
    return CONNECTIONS


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
    count = min(units * 8, MAX_REQUESTS)
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


@dataclass
class Answered:
    """Answers counted so far, as bounds: ``wrk`` leaves up to one request per connection
    in flight uncounted when it stops (the server still stores it)."""

    low: int = 0
    high: int = 0

    def exact(self, n: int) -> None:
        """``n`` requests answered, each counted (``bench.load`` waits for its answers)."""
        self.low, self.high = self.low + n, self.high + n

    def wrk(self, n: int, connections: int = CONNECTIONS) -> None:
        """``n`` answers counted by ``wrk``."""
        self.low += n
        self.high += n + connections


def check_stored(url: str, answered: Answered, units: int) -> None:
    """One verification and one access-log row per answer, and an EVC for each verification
    of an eligible member, none for the others (checked per stored verification, whichever
    requests ``wrk`` left in flight)."""
    index = {cin(i): i for i in range(units)}
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            v = tables.verifications
            rows = connection.execute(select(v.c.cin, v.c.evc.is_not(None))).all()
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
    stored = len(rows)
    wrong = [member for member, has_evc in rows if has_evc != is_eligible(index[member])]
    with_evc = sum(1 for _, has_evc in rows if has_evc)
    if not (answered.low <= stored <= answered.high and logged == stored) or wrong:
        raise RuntimeError(
            f"verification figure: {answered.low}–{answered.high} answers but {stored} "
            f"verifications and {logged} access-log rows stored; {len(wrong)} verifications "
            "with an EVC for an ineligible member or without one for an eligible member"
        )
    if evcs != with_evc:
        raise RuntimeError(
            f"verification figure: {evcs} EVCs from verifications, {with_evc} verifications "
            "name one"
        )


def _rounds(quick: bool) -> tuple[float, int]:
    return (2.0, 2) if quick else (5.0, 3)


def _median(runs: list[dict[str, Any]], field: str) -> float:
    return float(statistics.median(r[field] for r in runs))


def measure(
    url: str, engine: str, quick: bool, units: int | None = None, *, two_workers: bool = True
) -> list[Figure]:
    """Figure 2 on one database, ``units`` members stored (figure 7 asks for 10×): the one
    pinned worker against the bare endpoint, then (PostgreSQL only, with ``two_workers``) two
    workers unpinned."""
    units, senders = units or members(quick), providers(quick)
    day = today_ca()
    seconds, rounds = _rounds(quick)
    serving.seed_dataset(url, dataset(units, senders, day.strftime("%Y-%m")), production_pins=True)
    requests = verifications(units, senders, day)
    answered = Answered()
    bare_runs: list[dict[str, Any]] = []
    later_runs: list[dict[str, Any]] = []
    with serving.servers(url, cpu=SERVER_CPU) as (bare_server, server):
        bare_base, base = bare_server.base, server.base
        # First and later requests one at a time: the first of each provider pays Argon2.
        first = serving.load(base, requests[:senders], connections=1, seconds=60)
        _check_ok(first, "first requests")
        answered.exact(first["requests"])
        later_alone = serving.load(base, requests, connections=1, seconds=1, cycle=True)
        _check_ok(later_alone, "later requests alone")
        answered.exact(later_alone["requests"])
        wrk.run(bare_base, bare_reads(units), seconds=1, cpu=WRK_CPU)  # warm-up
        for _ in range(rounds):
            bare_runs.append(wrk.run(bare_base, bare_reads(units), seconds=seconds, cpu=WRK_CPU))
            later = wrk.run(base, requests, seconds=seconds, cpu=WRK_CPU)
            answered.wrk(later["requests"])
            later_runs.append(later)
    value, baseline = _median(later_runs, "rps"), _median(bare_runs, "rps")
    key = "verification-1w" if engine == "PostgreSQL" else None
    one_worker = Figure(
        f"2. Verification over HTTP, one worker pinned, {CONNECTIONS} connections, wrk ({engine})",
        value,
        baseline,
        "req/s",
        note=(
            f"{engine}; server on core {SERVER_CPU}, wrk on core {WRK_CPU}; median of {rounds} "
            f"rounds of {seconds:g} s; p50 {_median(later_runs, 'p50_ms'):.1f} ms; bare p50 "
            f"{_median(bare_runs, 'p50_ms'):.1f} ms, p99 {_median(bare_runs, 'p99_ms'):.1f} ms; "
            f"one at a time, first request of each of {senders} providers (Argon2) p50 "
            f"{first['p50_ms']:.0f} ms vs later requests p50 {later_alone['p50_ms']:.1f} ms; "
            "stored: one verification and access-log row per answer, EVC per eligible answer"
        ),
        p99_ms=_median(later_runs, "p99_ms"),
        **{**targets.bounds("verification-1w"), "key": key},
    )
    figures = [one_worker]
    if engine == "PostgreSQL" and two_workers:
        figures.append(_two_workers(url, requests, senders, value, answered, quick))
    check_stored(url, answered, units)
    return figures


def _two_workers(
    url: str,
    requests: list[dict[str, Any]],
    senders: int,
    one_worker: float,
    answered: Answered,
    quick: bool,
) -> Figure:
    """``spenddown serve --workers 2``, server and ``wrk`` unpinned, against one worker."""
    name = f"2. Verification over HTTP, two workers unpinned, {CONNECTIONS} connections, wrk"
    bounds = targets.bounds("verification-2w")
    if not serving.workers_option():
        return Figure(
            name,
            0.0,
            one_worker,
            "req/s",
            note="not available: this `spenddown serve` has no --workers option",
            unavailable="`spenddown serve` has no --workers option",
            **bounds,
        )
    seconds, rounds = _rounds(quick)
    runs = []
    with serving.serve(url, workers=2) as server:
        # Each process caches verified PINs for itself: each provider's first request to each
        # process pays Argon2 again (8 providers x 2 processes x ~180 ms of CPU on 2 cores).
        # wrk's 8 connections each cycle through every provider; a 5 s warm-up, not measured,
        # reaches every provider on both processes (2 s did not: docs/performance.md).
        warm = wrk.run(server.base, requests, seconds=5)
        answered.wrk(warm["requests"])
        for _ in range(rounds):
            result = wrk.run(server.base, requests, seconds=seconds)
            answered.wrk(result["requests"])
            runs.append(result)
    return Figure(
        name,
        _median(runs, "rps"),
        one_worker,
        "req/s",
        note=(
            f"PostgreSQL; baseline: the one pinned worker above (same run); median of {rounds} "
            f"rounds of {seconds:g} s; p50 {_median(runs, 'p50_ms'):.1f} ms"
        ),
        p99_ms=_median(runs, "p99_ms"),
        **bounds,
    )


def run(quick: bool) -> list[Figure]:
    """Both engines; the quick run (under 3 minutes for every figure) on PostgreSQL only."""
    figures = []
    with postgres.postgres_server() as server:
        url = postgres.create_database(server, "spenddown_bench")
        figures += measure(url, "PostgreSQL", quick)
    if not quick:
        tmp = Path(tempfile.mkdtemp(prefix="spenddown-bench-http-"))
        try:
            figures += measure(f"sqlite:///{tmp / 'verify.db'}", "SQLite", quick)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return figures


if __name__ == "__main__":
    for figure in run(quick=True):
        print(figure)

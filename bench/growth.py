"""Figure 7: growth. Figures 1–5 measured again with ten times the data stored (budget units,
members, member-months, claims), to show that the cost per operation stays flat (indexes, no
N+1 queries). Each row: the rate with 10× the data against the rate with 1× (the baseline),
measured in the same run, so the ratio is the share of the throughput kept at 10×.

The sizes are kept small enough for the full run to stay under 20 minutes with the soak, and
the quick run (under 3 minutes) shows figures 1 and 2 only. Each row's key is
``growth:<figure>``: issue 16's targets table (bench/targets.py) wants every one ≥ 80%. At
small sizes fixed costs (a server start, a file's parse) weigh more, so a ratio above 100%
means only that."""

from __future__ import annotations

from collections.abc import Callable

from bench import adjudication, clearance, clearance_http, eligibility_import, verification_http
from bench.common import Figure, postgres
from bench.targets import GROWTH, bounds

TARGET = "≥ 80% (flat cost per operation)"


def _pair(name: str, unit: str, sizes: tuple[int, int], rate: Callable[[int], float]) -> Figure:
    small, large = sizes
    at_small = rate(small)
    at_large = rate(large)
    return Figure(
        f"7. Growth: {name}, {large:,} vs {small:,}",
        at_large,
        at_small,
        unit,
        note=f"baseline: the same figure with {small:,} stored",
        **{**bounds(GROWTH), "target": TARGET, "key": f"{GROWTH}:{name.split('(')[0].strip()}"},
    )


def _on_postgres(measure: Callable[[str], Figure]) -> float:
    with postgres.postgres_server() as server:
        return measure(postgres.create_database(server, "spenddown_growth")).value


def _verification(n: int) -> float:
    return _on_postgres(
        lambda url: verification_http.measure(url, "PostgreSQL", True, n, two_workers=False)[0]
    )


def run(quick: bool) -> list[Figure]:
    figures = [
        _pair(
            "1. SOC clearance (budget units)",
            "clearances/s",
            (500, 5_000) if quick else (2_000, 20_000),
            lambda n: clearance.measure(n, 1.5 if quick else 4.0, baseline=False)[0],
        ),
        _pair(
            "2. verification over HTTP, wrk (members, PostgreSQL)",
            "req/s",
            (400, 4_000),
            _verification,
        ),
    ]
    if quick:
        return figures
    return [
        *figures,
        _pair(
            "3. clearance over HTTP (budget units, PostgreSQL)",
            "clearances/s",
            (100, 1_000),
            lambda n: _on_postgres(lambda url: clearance_http.measure(url, "PostgreSQL", True, n)),
        ),
        _pair(
            "4. batch adjudication (members; 6,000 claims for 1,000 of them, PostgreSQL)",
            "claims/s",
            (1_000, 10_000),
            adjudication.growth_rate,
        ),
        _pair(
            f"4b. batch adjudication (claims stored; {adjudication.GROWTH_CLAIMS:,} more for "
            f"{adjudication.GROWTH_ACTIVE:,} members, PostgreSQL)",
            "claims/s",
            (5_000, 50_000),
            adjudication.stored_growth_rate,
        ),
        _pair(
            "5. eligibility import (member-months)",
            "member-months/s",
            (10_000, 100_000),
            lambda n: eligibility_import.measure(n)[0],
        ),
    ]

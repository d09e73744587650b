"""Figure 7: growth. Figures 1–5 measured again with ten times the data stored (members,
budget units, member-months, claims), to show that the cost per operation stays flat (indexes,
no N+1 queries). Each row: the rate with 10× the data against the rate with 1× (the baseline),
measured in the same run, so the ratio is the share of the throughput kept at 10×."""

from __future__ import annotations

from collections.abc import Callable

from bench import clearance, eligibility_import
from bench.common import Figure

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
        TARGET,
        f"baseline: the same figure with {small:,} stored",
    )


def run(quick: bool) -> list[Figure]:
    seconds = 5.0 if quick else 10.0
    units = (1_000, 10_000) if quick else (10_000, 100_000)
    member_months = (10_000, 100_000) if quick else (50_000, 500_000)
    return [
        _pair(
            "1. SOC clearance (budget units)",
            "clearances/s",
            units,
            lambda n: clearance.measure(n, seconds)[0],
        ),
        _pair(
            "5. eligibility import (member-months)",
            "member-months/s",
            member_months,
            lambda n: eligibility_import.measure(n)[0],
        ),
    ]

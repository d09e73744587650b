"""Figure 8: the population what-if over the state's SOC caseload, 150,000 budget units.

A caseload of determination bodies like the ones ``spenddown generate`` stores (the same mix
of aged/disabled, family and long-term-care units and the same SOC amounts) is re-run by
``whatif.compare`` under the 138% FPL reform: every unit twice (current law and the reform),
identical bodies once. The baseline, in the same run: the current-law ladder once per unit,
without the what-if's comparison or its cache (what a loop of ``soc compute`` would do).
Reading the rows from the database is not in the figure (one indexed SELECT by month).

    PYTHONPATH=. python -m bench.whatif [--units N]
"""

from __future__ import annotations

import argparse
import time

from bench.common import Figure
from spenddown import rules
from spenddown.adapters import synthetic
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.household_input import household_from_body
from spenddown.domain.share_of_cost.ladder import determine
from spenddown.services import whatif
from spenddown.services.ports import StoredDetermination

FULL = 150_000
QUICK = 20_000
SEED = 9
MONTH = BenefitMonth(2026, 11)
REFORM = "mnl_138_fpl"


def caseload(units: int) -> list[StoredDetermination]:
    return [
        StoredDetermination(f"C-{n}", "A", MONTH, "medically_needy", Money.zero(), inputs, county)
        for n, (county, inputs) in enumerate(synthetic.caseload_inputs(units, SEED, MONTH))
    ]


def measure(units: int) -> tuple[float, float, whatif.WhatIfReport]:
    """(what-if seconds, baseline seconds, the report)."""
    records = caseload(units)
    started = time.perf_counter()
    report = whatif.compare(records, MONTH, REFORM)
    whatif_seconds = time.perf_counter() - started
    params, ladder = rules.determination_parameters(MONTH), rules.ladder_parameters(MONTH)
    started = time.perf_counter()
    for record in records:
        household, program = household_from_body(record.inputs)
        determine(household, params, ladder, program)
    return whatif_seconds, time.perf_counter() - started, report


def run(quick: bool) -> list[Figure]:
    units = QUICK if quick else FULL
    seconds, baseline, report = measure(units)
    return [
        Figure(
            f"8. Population what-if, {units:,} SOC budget units ({REFORM})",
            units / seconds,
            units / baseline,
            "units/s",
            "≤ 60 s for 150,000 units",
            f"what-if {seconds:.1f} s (two determinations a distinct unit), one current-law "
            f"determination a unit {baseline:.1f} s; {report.moved_to_free:,} units to no SOC, "
            f"{report.lower_soc:,} lower, SOC {report.total_before.display()} → "
            f"{report.total_after.display()} a month",
            min_value=FULL / 60,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=QUICK)
    args = parser.parse_args()
    seconds, baseline, report = measure(args.units)
    print(
        f"{args.units:,} units: what-if {seconds:.1f} s ({args.units / seconds:,.0f}/s), "
        f"baseline {baseline:.1f} s ({args.units / baseline:,.0f}/s); "
        f"{report.moved_to_free} to no SOC, {report.lower_soc} lower"
    )


if __name__ == "__main__":
    main()

"""Population what-if (docs/rules.md "Population what-if"): re-run the stored determinations of
a month under a reform or parameter overrides and report what moves: units moving to a free
program or to a lower SOC, the total monthly SOC before and after, by county and amount band.

"Before" is the stored inputs re-run under current law (not the stored amount, which may be
older); a stored determination the rules now refuse is counted in ``refused``, not guessed.
Identical inputs are computed once (a caseload repeats itself a lot).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from spenddown import rules
from spenddown.domain.errors import InvalidInput, SpenddownError
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.household_input import household_from_body
from spenddown.domain.share_of_cost.ladder import MEDICALLY_NEEDY
from spenddown.domain.share_of_cost.ladder import determine as ladder_determine
from spenddown.services.ports import StoredDetermination, UnitOfWork

# Monthly SOC bands (lower bound inclusive, upper exclusive, in dollars; None: no upper bound).
BANDS: tuple[tuple[str, Decimal, Decimal | None], ...] = (
    ("$0", Decimal(0), Decimal("0.01")),
    ("$1-199", Decimal("0.01"), Decimal(200)),
    ("$200-499", Decimal(200), Decimal(500)),
    ("$500-999", Decimal(500), Decimal(1000)),
    ("$1,000+", Decimal(1000), None),
)


def band_of(amount: Money) -> str:
    for name, low, high in BANDS:
        if amount.amount >= low and (high is None or amount.amount < high):
            return name
    raise AssertionError("bands cover every amount")  # pragma: no cover


@dataclass(slots=True)
class CountyRow:
    county_code: str
    units: int = 0
    moved_to_free: int = 0
    lower_soc: int = 0
    total_before: Money = field(default_factory=Money.zero)
    total_after: Money = field(default_factory=Money.zero)


@dataclass(slots=True)
class WhatIfReport:
    month: BenefitMonth
    reform: str | None
    overrides: list[str]
    units: int = 0
    moved_to_free: int = 0  # a SOC before, none after (a free program or no SOC)
    lower_soc: int = 0  # still a SOC, a lower one
    higher_soc: int = 0
    unchanged: int = 0
    refused: int = 0
    total_before: Money = field(default_factory=Money.zero)
    total_after: Money = field(default_factory=Money.zero)
    counties: dict[str, CountyRow] = field(default_factory=dict)
    bands_before: dict[str, int] = field(default_factory=lambda: {b[0]: 0 for b in BANDS})
    bands_after: dict[str, int] = field(default_factory=lambda: {b[0]: 0 for b in BANDS})


def compare(
    records: Iterable[StoredDetermination],
    month: BenefitMonth,
    reform: str | None,
    overrides: Mapping[str, Any] | None = None,
) -> WhatIfReport:
    """The what-if of ``records`` (pure: no storage)."""
    if reform is None and not overrides:
        raise InvalidInput(
            "WHATIF_NEEDS_A_CHANGE",
            "A what-if needs --reform NAME or a parameter override file.",
            field="reform",
        )
    base_params = rules.determination_parameters(month)
    base_ladder = rules.ladder_parameters(month)
    new_params, new_ladder = rules.with_overrides(month, reform, overrides or {})
    report = WhatIfReport(month, reform, sorted(overrides or {}))
    seen: dict[str, tuple[str, Money, str, Money] | None] = {}
    for record in records:
        key = json.dumps(record.inputs, sort_keys=True, default=str)
        if key in seen:
            outcome = seen[key]
        else:
            try:
                household, program = household_from_body({**record.inputs, "month": str(month)})
                before = ladder_determine(household, base_params, base_ladder, program)
                after = ladder_determine(household, new_params, new_ladder, program)
                outcome = (before.program, before.soc, after.program, after.soc)
            except SpenddownError:
                outcome = None
            seen[key] = outcome
        if outcome is None:
            report.refused += 1
            continue
        program_before, soc_before, program_after, soc_after = outcome
        county = report.counties.setdefault(record.county_code, CountyRow(record.county_code))
        report.units += 1
        county.units += 1
        report.total_before += soc_before
        report.total_after += soc_after
        county.total_before += soc_before
        county.total_after += soc_after
        report.bands_before[band_of(soc_before)] += 1
        report.bands_after[band_of(soc_after)] += 1
        # No SOC after: a free program, or the Medically Needy program without a SOC.
        free_after = program_after != MEDICALLY_NEEDY or not soc_after.is_positive()
        if soc_before.is_positive() and free_after and program_before == MEDICALLY_NEEDY:
            report.moved_to_free += 1
            county.moved_to_free += 1
        elif soc_after < soc_before:
            report.lower_soc += 1
            county.lower_soc += 1
        elif soc_after > soc_before:
            report.higher_soc += 1
        else:
            report.unchanged += 1
    return report


def run_whatif(
    month: BenefitMonth,
    reform: str | None,
    overrides: Mapping[str, Any] | None,
    uow: UnitOfWork,
) -> WhatIfReport:
    """Re-run the stored determinations of ``month`` under ``reform`` / ``overrides``."""
    # Checked before reading anything: an unknown reform or override is bad input.
    rules.with_overrides(month, reform, overrides or {})
    with uow:
        records = uow.repo.determination_inputs(month)
    return compare(records, month, reform, overrides)

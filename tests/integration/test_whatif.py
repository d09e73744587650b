"""Population what-if on SQLite and PostgreSQL (docs/rules.md "Population what-if"): a SOC set
from a determination stores its inputs, ``generate`` + ``import`` store them for a caseload,
and ``whatif`` re-runs them under a reform; a refused determination stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from spenddown import bootstrap
from spenddown.adapters import synthetic
from spenddown.adapters.dataset import parse_dataset
from spenddown.adapters.db import tables
from spenddown.domain.errors import InvalidInput
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.services import determination, whatif
from spenddown.services.imports import import_dataset
from support.world import FAST_PINS, MONTH, FixedClock, base_dataset

MONTH_ = BenefitMonth.parse(MONTH)


@pytest.fixture
def app(database_url: str) -> Iterator[bootstrap.App]:
    made = bootstrap.build(database_url, clock=FixedClock(), pins=FAST_PINS)
    import_dataset(parse_dataset(base_dataset()), made.uow(), made.env)
    yield made
    made.close()


def stored(app: bootstrap.App) -> int:
    with app.engine.connect() as connection:
        query = select(func.count()).select_from(tables.determination_inputs)
        return int(connection.execute(query).scalar_one())


AGED_2000: dict[str, Any] = {
    "month": MONTH,
    "persons": [{"birth_date": "1955-03-01"}],
    "incomes": [{"kind": "unearned", "amount": "2000.00"}],
}


def test_a_soc_set_from_a_determination_stores_its_inputs(app: bootstrap.App) -> None:
    """$2,000 aged: above A&D FPL → Medically Needy SOC $1,380, set and stored; the 138% FPL
    reform ($1,836) gives 2,000 − 20 − 1,836 = $144: a lower SOC."""
    result, view = determination.set_from_determination(
        "C-1001", "A", AGED_2000, app.uow(), app.env
    )
    assert (result.program, result.soc) == ("medically_needy", Money.of(1380))
    assert view.obligation.amount == Money.of(1380)
    assert stored(app) == 1
    report = whatif.run_whatif(MONTH_, "mnl_138_fpl", None, app.uow())
    assert (report.units, report.lower_soc, report.moved_to_free) == (1, 1, 0)
    assert report.total_before == Money.of(1380)
    assert report.total_after == Money.of(144)
    assert list(report.counties) == ["19"]


def test_a_refused_determination_stores_nothing(app: bootstrap.App) -> None:
    unlinked = {**AGED_2000, "persons": [{"birth_date": "1990-01-01"}]}
    with pytest.raises(InvalidInput) as raised:
        determination.set_from_determination("C-1001", "A", unlinked, app.uow(), app.env)
    assert raised.value.code == "NOT_LINKED"
    assert stored(app) == 0


def test_a_generated_caseload_stores_inputs_that_give_back_its_soc(app: bootstrap.App) -> None:
    """``generate`` attaches the determination of each Medi-Cal SOC unit's last month; under
    current law the re-run gives back exactly the generated SOC."""
    data = synthetic.generate(400, 1, 3, last_month=MONTH_, today=date(2026, 11, 23))
    import_dataset(parse_dataset(data.dataset), app.uow(), app.env)
    with_inputs = [row for row in data.dataset["soc"] if "determination" in row]
    assert with_inputs
    assert stored(app) == len(with_inputs)
    expected = sum((Money.parse(row["amount"]) for row in with_inputs), Money.zero())
    report = whatif.run_whatif(MONTH_, "mnl_138_fpl", None, app.uow())
    assert report.refused == 0
    assert report.units == len(with_inputs)
    assert report.total_before == expected
    assert report.total_after < report.total_before
    assert report.moved_to_free > 0
    pna = whatif.run_whatif(
        MONTH_, None, {"medi_cal/share_of_cost/personal_needs_allowance_ltc": 80}, app.uow()
    )
    assert pna.total_after <= pna.total_before


def test_whatif_bad_input(app: bootstrap.App) -> None:
    with pytest.raises(InvalidInput) as raised:
        whatif.run_whatif(MONTH_, None, None, app.uow())
    assert raised.value.code == "WHATIF_NEEDS_A_CHANGE"
    with pytest.raises(InvalidInput) as unknown:
        whatif.run_whatif(MONTH_, "free_lunch", None, app.uow())
    assert unknown.value.code == "UNKNOWN_REFORM"
    with pytest.raises(InvalidInput) as override:
        whatif.run_whatif(MONTH_, None, {"medi_cal/asset_limits": 1}, app.uow())
    assert override.value.code == "UNKNOWN_PARAMETER_OVERRIDE"

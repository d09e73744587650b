"""The import's bulk path on both engines: upsert by natural key (also within one file), every
error with its path, the whole file in one transaction, SOC records through the ledger rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from spenddown import bootstrap
from spenddown.adapters import synthetic
from spenddown.adapters.claim_format import parse_claim
from spenddown.adapters.dataset import parse_dataset
from spenddown.adapters.db import tables
from spenddown.domain.errors import ImportErrors
from spenddown.domain.months import BenefitMonth
from spenddown.services import claims
from spenddown.services.imports import import_dataset
from support.world import FAST_PINS, MONTH, SOC_MEMBER, FixedClock, base_dataset, member

MONTH_ = BenefitMonth.parse(MONTH)


@pytest.fixture
def app(database_url: str) -> Iterator[bootstrap.App]:
    made = bootstrap.build(database_url, clock=FixedClock(), pins=FAST_PINS)
    yield made
    made.close()


def load(app: bootstrap.App, document: dict[str, Any]) -> dict[str, int]:
    return import_dataset(parse_dataset(document), app.uow(), app.env)


def rows(app: bootstrap.App, table: Any) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_generated_population_imports_and_its_claims_adjudicate(app: bootstrap.App) -> None:
    data = synthetic.generate(
        120, 3, 11, last_month=MONTH_, today=date(2026, 11, 23), claims=40, providers=24
    )
    counts = load(app, data.dataset)
    assert counts["eligibility"] == 360
    assert rows(app, tables.eligibility) == 360
    assert rows(app, tables.soc_obligations) == len(data.dataset["soc"])
    statuses = set()
    for document in data.claims:
        result = claims.adjudicate_batch_claim(parse_claim(document), app.uow(), app.env)
        statuses.add(str(result.status))
    assert "paid" in statuses
    assert rows(app, tables.claims) == 40


def test_importing_again_updates_rows_by_natural_key(app: bootstrap.App) -> None:
    load(app, base_dataset())
    before = {t.name: rows(app, t) for t in (tables.members, tables.eligibility, tables.providers)}
    with app.uow() as uow:
        original = uow.repo.get_provider("1234567893")
    assert original is not None
    update = {
        "members": [member(SOC_MEMBER, first="Anita")],
        "eligibility": [
            {
                "cin": SOC_MEMBER,
                "month": MONTH,
                "aid_code": "17",
                "county_code": "37",
                "plan": None,
                "ohc_codes": ["K"],
            }
        ],
        # no PIN: an existing provider keeps its PIN
        "providers": [{"npi": "1234567893", "name": "Renamed", "type": "clinic"}],
    }
    load(app, update)
    after = {t.name: rows(app, t) for t in (tables.members, tables.eligibility, tables.providers)}
    assert after == before
    with app.uow() as uow:
        found = uow.repo.get_member(SOC_MEMBER)
        assert found is not None
        assert found.first_name == "Anita"
        (segment,) = uow.repo.segments(SOC_MEMBER, MONTH_)
        assert (segment.county_code, segment.plan_code, segment.ohc_codes) == ("37", None, ("K",))
        provider = uow.repo.get_provider("1234567893")
        assert provider is not None
        assert (provider.name, str(provider.type)) == ("Renamed", "clinic")
        assert provider.pin_hash == original.pin_hash


def test_within_one_file_the_last_record_of_a_key_wins(app: bootstrap.App) -> None:
    document = base_dataset()
    document["members"].append(member(SOC_MEMBER, first="Last"))
    document["eligibility"].append(
        {"cin": SOC_MEMBER, "month": MONTH, "aid_code": "17", "county_code": "01", "plan": "HN"}
    )
    document["soc"].append(
        {"case_id": "C-1001", "budget_unit": "A", "month": MONTH, "amount": "450.00"}
    )
    # a provider new in this file, named again without a PIN: it keeps the PIN given above
    document["providers"].append({"npi": "1234567893", "name": "Second", "type": "physician"})
    load(app, document)
    with app.uow() as uow:
        provider = uow.repo.get_provider("1234567893")
        assert provider is not None
        assert provider.name == "Second"
        assert app.env.pins.verify(provider.pin_hash, "2468")
        found = uow.repo.get_member(SOC_MEMBER)
        assert found is not None
        assert found.first_name == "Last"
        (segment,) = uow.repo.segments(SOC_MEMBER, MONTH_)
        assert segment.county_code == "01"
        (obligation,) = uow.repo.get_obligations("C-1001", "A", MONTH_)
        assert obligation.amount.cents == 450_00  # the second record changed the first


def test_every_reference_error_has_its_path_and_nothing_is_stored(app: bootstrap.App) -> None:
    document = base_dataset()
    document["eligibility"] += [
        {"cin": "11111111K", "month": MONTH, "aid_code": "17", "county_code": "19"},
        {"cin": SOC_MEMBER, "month": MONTH, "aid_code": "ZZ", "county_code": "19"},
        {"cin": SOC_MEMBER, "month": MONTH, "aid_code": "17", "county_code": "19", "plan": "QQ"},
        {"cin": SOC_MEMBER, "month": MONTH, "aid_code": "17", "county_code": "19"}
        | {"ohc_codes": ["P", "9"]},
    ]
    document["cases"][0]["budget_units"][0]["members"].append({"cin": "22222222L"})
    document["ohc_policies"] = [
        {"cin": "33333333M", "carrier": "X", "ohc_code": "P", "plan_year_start": "2026-01-01"},
        {"cin": SOC_MEMBER, "carrier": "X", "ohc_code": "Y", "plan_year_start": "2026-01-01"},
    ]
    document["authorizations"] = [
        {
            "id": "T-1",
            "payer": "medi-cal",
            "cin": "44444444N",
            "procedure_code": "97153",
            "start": "2026-11-01",
            "end": "2026-11-30",
            "units": 10,
        }
    ]
    n = len(base_dataset()["eligibility"])
    with pytest.raises(ImportErrors) as raised:
        load(app, document)
    assert raised.value.errors == [
        "cases[0].members[3].cin: unknown member 22222222L",
        f"eligibility[{n}].cin: unknown member 11111111K",
        f"eligibility[{n + 1}].aid_code: unknown aid code ZZ",
        f"eligibility[{n + 2}].plan: unknown plan QQ",
        f"eligibility[{n + 3}].ohc_codes: unknown OHC code(s) 9",
        "ohc_policies[0].cin: unknown member 33333333M",
        "ohc_policies[1].ohc_code: unknown OHC code Y",
        "authorizations[0].cin: unknown member 44444444N",
    ]
    for table in (tables.plans, tables.members, tables.eligibility, tables.soc_obligations):
        assert rows(app, table) == 0


def test_a_refused_soc_record_rolls_back_the_rows_written_before_it(app: bootstrap.App) -> None:
    document = base_dataset()
    document["soc"].append(
        {"case_id": "C-1001", "budget_unit": "Z", "month": MONTH, "amount": "10.00"}
    )
    with pytest.raises(ImportErrors) as raised:
        load(app, document)
    n = len(base_dataset()["soc"])
    assert raised.value.errors == [f"soc[{n}]: No budget unit Z on case C-1001."]
    for table in (tables.members, tables.eligibility, tables.cases, tables.soc_obligations):
        assert rows(app, table) == 0


def test_a_soc_change_on_import_goes_through_the_ledger_rules(app: bootstrap.App) -> None:
    document = base_dataset()
    load(app, document)
    # $0 certifies the month at once (and activates the plan members)...
    zero = {"case_id": "C-1001", "budget_unit": "A", "month": MONTH, "amount": "0.00"}
    load(app, {"soc": [zero]})
    with app.uow() as uow:
        (obligation,) = uow.repo.get_obligations("C-1001", "A", MONTH_)
        assert obligation.certified
        assert uow.repo.activation_count("HN", SOC_MEMBER, MONTH_) == 1
    # ...and a certified month cannot be raised: refused with the record's path
    with pytest.raises(ImportErrors) as raised:
        load(app, {"soc": [zero | {"amount": "100.00"}]})
    assert raised.value.errors == [
        f"soc[0]: The Share of Cost for {MONTH} is certified: it cannot be increased."
    ]


def test_new_zero_soc_records_activate_their_plan_members_in_bulk(app: bootstrap.App) -> None:
    document = base_dataset()
    for record in document["soc"]:
        record["amount"] = "0.00"
    load(app, document)
    with app.uow() as uow:
        assert uow.repo.activation_count("HN", SOC_MEMBER, MONTH_) == 1
        assert all(o.certified for o in uow.repo.get_obligations("C-1001", "A", MONTH_))


def test_providers_sharing_a_pin_get_hashes_of_their_own(app: bootstrap.App) -> None:
    """A shared hash would tell a database reader which providers share a PIN."""
    data = synthetic.generate(40, 1, 3, last_month=MONTH_, today=date(2026, 11, 23), providers=16)
    assert len({p["pin"] for p in data.dataset["providers"]}) == 1
    load(app, data.dataset)
    with app.engine.connect() as connection:
        hashes = connection.execute(select(tables.providers.c.pin_hash)).scalars().all()
    assert len(hashes) == len(data.dataset["providers"]) >= 16
    assert len(set(hashes)) == len(hashes)

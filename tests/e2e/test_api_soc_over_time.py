"""The API of a Share of Cost over time (docs/api.md): changes, notices (JSON, HTML, PDF, both
languages), hearing requests, receipts; bad input answered 422/409 with nothing stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_support import Api, assert_shape, basic, make_api

from spenddown.entrypoints.api import schemas
from support.world import MONTH, PHARMACY, SOC_MEMBER


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    yield made
    made.close()


def _change(api: Api, **body: Any) -> Any:
    document = {
        "case_id": "C-1001",
        "budget_unit": "A",
        "amount": "700.00",
        "changed": "2026-11-20",
        "reported": "2026-11-23",
        "reason": "Earnings went up",
        **body,
    }
    return api.client.post("/v1/soc/changes", json=document, headers=api.headers("county"))


def test_a_change_and_its_notice_in_both_languages(api: Api) -> None:
    response = _change(api)
    assert response.status_code == 201, response.text
    change = response.json()
    assert (change["direction"], change["effective_month"]) == ("increase", "2027-01")
    path = f"/v1/notices/{change['notice_id']}"
    county = api.headers("county")
    english = api.client.get(path, headers=county).json()
    assert english["hearing_deadline"] == "2027-02-21"
    assert english["aid_paid_pending_until"] == "2026-12-31"
    spanish = api.client.get(path + "?lang=es&format=html", headers=county)
    assert spanish.headers["content-type"].startswith("text/html")
    assert '<html lang="es">' in spanish.text
    assert "21 de febrero de 2027" in spanish.text
    pdf = api.client.get(path + "?format=pdf&lang=es", headers=county)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    hearing = api.client.post(
        path + "/hearing", json={"requested_on": "2026-11-23"}, headers=county
    )
    assert hearing.status_code == 201, hearing.text
    assert hearing.json()["aid_paid_pending"] is True
    # a provider may not read notices
    assert api.client.get(path).status_code == 401


def test_bad_changes_and_receipts_are_refused_with_the_field(api: Api) -> None:
    county = api.headers("county")
    backwards = _change(api, changed="2026-11-22", reported="2026-11-01")
    assert backwards.status_code == 422
    assert backwards.json()["code"] == "CHANGE_REPORTED_BEFORE_IT_HAPPENED"
    no_soc = api.client.post(
        "/v1/receipts",
        json={
            "case_id": "C-1001",
            "budget_unit": "A",
            "month": "2026-05",
            "provider_name": "Valley Hospital",
            "date": "2026-05-02",
            "amount": "50.00",
            "paid": True,
        },
        headers=county,
    )
    assert no_soc.status_code == 409
    assert no_soc.json()["code"] == "NO_SOC_FOR_MONTH"
    assert api.client.get("/v1/receipts?case_id=C-1001", headers=county).json() == []


def test_receipts_meet_the_month(api: Api) -> None:
    county = api.headers("county")
    response = api.client.post(
        "/v1/receipts",
        json={
            "case_id": "C-1001",
            "budget_unit": "A",
            "month": MONTH,
            "provider_name": "Valley Hospital",
            "date": "2026-11-02",
            "amount": "600.00",
            "paid": False,
        },
        headers=county,
    )
    assert response.status_code == 201, response.text
    assert response.json()["certified"] is True
    listed = api.client.get(f"/v1/receipts?case_id=C-1001&month={MONTH}", headers=county).json()
    assert [(r["provider_name"], r["applied"]) for r in listed] == [("Valley Hospital", "600.00")]


def test_a_drug_clearance_counts_on_the_day_it_was_received(api: Api) -> None:
    """docs/rules.md §9.1 (22 CCR 50657): the API's `service_type` and `counted_date`."""
    api.client.put(
        "/v1/cases/C-1001/budget-units/A/soc/2026-12",
        json={"amount": "600.00"},
        headers=api.headers("county"),
    ).raise_for_status()
    api.clock.advance(days=10)  # 2026-12-03
    body = {
        "member_id": SOC_MEMBER,
        "bic_issue_date": "2025-02-01",
        "service_date": "2026-11-30",
        "billing_code": "99213",
        "service_charge": "35.00",
        "payment": "paid",
        "service_type": "drug",
        "counted_date": "2026-12-02",
    }
    outside = api.client.post(
        "/v1/soc/clearances", json={**body, "month": "2026-11"}, headers=basic(PHARMACY)
    )
    assert outside.status_code == 422, outside.text
    assert (outside.json()["code"], outside.json()["field"]) == (
        "SERVICE_OUTSIDE_MONTH",
        "counted_date",
    )
    missing = api.client.post(
        "/v1/soc/clearances", json={**body, "counted_date": None}, headers=basic(PHARMACY)
    )
    assert missing.json()["code"] == "COUNTED_DATE_REQUIRED"
    cleared = api.client.post("/v1/soc/clearances", json=body, headers=basic(PHARMACY))
    assert cleared.status_code == 201, cleared.text
    result = cleared.json()
    assert_shape(schemas.Clearance, result)
    assert (result["month"], result["service_type"], result["counted_date"]) == (
        "2026-12",
        "drug",
        "2026-12-02",
    )
    assert result["remaining"] == "565.00"
    ledger = api.client.get(
        f"/v1/soc/obligations/{SOC_MEMBER}/2026-12", headers=api.headers("county")
    )
    assert ledger.status_code == 200, ledger.text
    entries = [e for e in ledger.json()["ledger"] if e["kind"] == "clearance"]
    assert [(e["service_type"], e["counted_date"]) for e in entries] == [("drug", "2026-12-02")]


def _rows(api: Api) -> dict[str, int]:
    from sqlalchemy import func, select

    from spenddown.adapters.db import tables

    with api.app.engine.connect() as connection:
        return {
            table.name: int(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in (tables.soc_changes, tables.notices, tables.soc_entries, tables.claims)
        }


def test_the_bad_input_of_a_soc_over_time_is_refused_and_nothing_is_stored(api: Api) -> None:
    """Issue 12's bad input: a change dated before any SOC it could change, a change reported
    before it happened, a receipt for a month without a SOC, an amount above what the member
    owed, a delay reason code that does not exist: 409/422 with the code, nothing stored."""
    county = api.headers("county")
    before = _rows(api)
    early = _change(api, changed="2026-10-05", reported="2026-10-06")
    assert (early.status_code, early.json()["code"]) == (409, "NO_SOC_FOR_MONTH")
    backwards = _change(api, changed="2026-11-22", reported="2026-11-01")
    assert (backwards.status_code, backwards.json()["field"]) == (422, "reported")
    receipt = {
        "case_id": "C-1001",
        "budget_unit": "A",
        "month": "2026-05",
        "provider_name": "Valley Hospital",
        "date": "2026-05-02",
        "amount": "50.00",
        "paid": True,
    }
    no_soc = api.client.post("/v1/receipts", json=receipt, headers=county)
    assert (no_soc.status_code, no_soc.json()["code"]) == (409, "NO_SOC_FOR_MONTH")
    above = api.client.post(
        "/v1/soc/clearances",
        json={
            "member_id": SOC_MEMBER,
            "bic_issue_date": "2025-02-01",
            "service_date": "2026-11-20",
            "billing_code": "99213",
            "service_charge": "200.00",
            "payment": "paid",
            "other_coverage_paid": "250.00",
        },
        headers=basic(PHARMACY),
    )
    assert (above.status_code, above.json()["code"]) == (422, "AMOUNT_ABOVE_OWED")
    assert above.json()["field"] == "other_coverage_paid"
    claim = {
        "claim_id": "CLM-LATE",
        "provider_npi": PHARMACY[0],
        "member_id": SOC_MEMBER,
        "soc_amount": "0.00",
        "delay_reason_code": "99",
        "lines": [
            {"service_date": "2026-04-10", "procedure_code": "99213", "units": 1, "charge": "90"}
        ],
    }
    late = api.client.post("/v1/claims", json=claim, headers=basic(PHARMACY))
    assert (late.status_code, late.json()["code"]) == (422, "INVALID_DELAY_REASON_CODE")
    assert _rows(api) == before

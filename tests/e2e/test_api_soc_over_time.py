"""The API of a Share of Cost over time (docs/api.md): changes, notices (JSON, HTML, PDF, both
languages), hearing requests, receipts; bad input answered 422/409 with nothing stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_support import Api, make_api

from support.world import MONTH


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

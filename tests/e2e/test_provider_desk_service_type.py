"""The provider desk's clearance form carries the service type and the date it counts on
(docs/rules.md §9.1, 22 CCR 50657; docs/web.md): a drug received next month clears next month."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from api_support import Api, make_api
from fastapi.testclient import TestClient

from spenddown.entrypoints.api.app import create_app
from support.world import PHARMACY, SOC_MEMBER

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    yield made
    made.close()


def _csrf(page: str) -> str:
    match = TOKEN.search(page)
    assert match, page
    return match.group(1)


def test_the_desk_clears_a_drug_on_the_day_it_was_received(api: Api) -> None:
    api.client.put(
        "/v1/cases/C-1001/budget-units/A/soc/2026-12",
        json={"amount": "600.00"},
        headers=api.headers("county"),
    ).raise_for_status()
    api.clock.advance(days=10)  # 2026-12-03
    with TestClient(create_app(api.app), base_url="https://testserver") as client:
        sign_in = client.get("/provider/sign-in")
        client.post(
            "/provider/sign-in",
            data={"csrf_token": _csrf(sign_in.text), "npi": PHARMACY[0], "pin": PHARMACY[1]},
        )
        page = client.post(
            "/provider/verify",
            data={
                "csrf_token": _csrf(client.get("/provider").text),
                "member_id": SOC_MEMBER,
                "bic_issue_date": "2025-02-01",
                "service_date": "2026-11-30",  # the day the pharmacy dispensed it
            },
        )
        assert page.status_code == 200, page.text
        assert 'name="service_type"' in page.text
        assert "Prescription drug (counts on the date received)" in page.text
        form = {
            "csrf_token": _csrf(page.text),
            "member_id": SOC_MEMBER,
            "bic_issue_date": "2025-02-01",
            "service_date": "2026-11-30",
            "billing_code": "99213",
            "service_charge": "40.00",
            "payment": "paid",
            "budget_unit": "C-1001/A",
            "service_type": "drug",
            "counted_date": "",
        }
        missing = client.post("/provider/clear", data=form)
        assert missing.status_code == 422
        assert "give that date" in missing.text
        cleared = client.post(
            "/provider/clear",
            data={**form, "counted_date": "2026-12-02", "csrf_token": _csrf(missing.text)},
        )
        assert cleared.status_code == 200, cleared.text
        assert "Counts toward the Share of Cost of" in cleared.text
        assert "2026-12" in cleared.text
    obligation = api.client.get(
        f"/v1/soc/obligations/{SOC_MEMBER}/2026-12", headers=api.headers("county")
    ).json()
    assert obligation["remaining"] == "560.00"

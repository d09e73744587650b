"""The county page for receipts and old bills (docs/rules.md, "Receipts and old bills"): a
county worker records an unpaid old bill and a receipt; the month is certified as their sum."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from api_support import Api, make_api
from fastapi.testclient import TestClient

from spenddown.entrypoints.api.app import create_app

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


def test_a_county_worker_records_receipts_that_certify_the_month(api: Api) -> None:
    with TestClient(create_app(api.app), base_url="https://testserver") as client:
        sign_in = client.get("/county/sign-in")
        client.post(
            "/county/sign-in",
            data={"csrf_token": _csrf(sign_in.text), "token": api.tokens["county"]},
        )
        page = client.get("/county/receipts")
        assert page.status_code == 200
        assert "Record a receipt or an unpaid old bill" in page.text
        form = {
            "csrf_token": _csrf(page.text),
            "case_id": "C-1001",
            "budget_unit": "A",
            "month": "2026-11",
            "provider_name": "Valley Hospital",
            "date": "2026-08-14",
            "amount": "450.00",
            "paid": "unpaid",
        }
        first = client.post("/county/receipts", data=form)
        assert first.status_code == 200, first.text
        assert "Receipt recorded" in first.text
        second = client.post(
            "/county/receipts",
            data={**form, "provider_name": "Corner Pharmacy", "date": "2026-11-02", "paid": "paid"},
        )
        assert "Certified." in second.text
        assert "Corner Pharmacy" in second.text
        assert "Valley Hospital" in second.text
        refused = client.post(
            "/county/receipts",
            data={**form, "month": "2026-05", "date": "2026-05-02"},
        )
        assert refused.status_code == 409
        assert "NO_SOC_FOR_MONTH" in refused.text or "no Share of Cost" in refused.text

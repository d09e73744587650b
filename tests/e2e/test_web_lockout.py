"""Issue 14 on the web pages (TestClient, both engines): a signed-in office keeps working while
a stranger's guesses lock the NPI for anonymous callers, and the sign-in page says how many tries
are left and when the lock ends."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from api_support import ISSUE_TEXT, SERVICE_DATE, Api, basic, make_api
from fastapi.testclient import TestClient

from spenddown.entrypoints.api.app import create_app
from support.world import PHYSICIAN, SOC_MEMBER

OFFICE = ("203.0.113.5", 50000)
STRANGER = ("198.51.100.7", 50000)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    yield made
    made.close()


def csrf(client: TestClient, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, pin: str) -> str:
    token = csrf(client, "/provider/sign-in")
    form = {"csrf_token": token, "npi": PHYSICIAN[0], "pin": pin}
    return client.post("/provider/sign-in", data=form).text


def test_a_signed_in_office_keeps_working_during_an_anonymous_lockout(api: Api) -> None:
    office = TestClient(create_app(api.app), client=OFFICE)
    stranger = TestClient(create_app(api.app), client=STRANGER)
    assert "Sign out" in sign_in(office, PHYSICIAN[1])

    first = sign_in(stranger, "0000")
    assert "Tries left before a 15-minute lock: 4." in first
    body = {"member_id": SOC_MEMBER, "bic_issue_date": ISSUE_TEXT, "service_date": SERVICE_DATE}
    for guess in range(1, 10):  # guesses through the API too
        stranger.post(
            "/v1/eligibility/verifications",
            json=body,
            headers=basic((PHYSICIAN[0], f"{guess:04d}")),
        )
    locked = sign_in(stranger, PHYSICIAN[1])  # the right PIN, from the stranger: locked
    assert "Locked until 18:15 UTC." in locked

    token = csrf(office, "/provider")
    form = {"csrf_token": token, **body}
    verified = office.post("/provider/verify", data=form)
    assert verified.status_code == 200, verified.text
    assert "Share of Cost" in verified.text
    assert "locked" not in verified.text.lower()

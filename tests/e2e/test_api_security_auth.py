"""Issue 14, authentication through HTTP on SQLite and PostgreSQL: the lockout by caller address
(an office keeps working while anonymous guesses are locked out), what the office is told,
unlocking, tokens (expiry, revocation, county scope, no admin minting through the API) and the
caller's address in the access log (from X-Forwarded-For only for configured proxies)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_support import ISSUE_TEXT, SERVICE_DATE, Api, basic, bearer, make_api
from fastapi.testclient import TestClient

from spenddown.config import Settings
from spenddown.entrypoints.api.app import create_app
from support.world import MONTH, PHYSICIAN, SOC_MEMBER

LTC_MEMBER = "55555555E"  # case C-2002, county 37 (SOC_MEMBER: C-1001, county 19)
OFFICE = ("203.0.113.5", 50000)
STRANGER = ("198.51.100.7", 50000)


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    yield made
    made.close()


def client_at(api: Api, address: tuple[str, int], settings: Settings | None = None) -> TestClient:
    return TestClient(create_app(api.app, settings), client=address)


def verify(client: TestClient, provider: tuple[str, str]) -> Any:
    body = {"member_id": SOC_MEMBER, "bic_issue_date": ISSUE_TEXT, "service_date": SERVICE_DATE}
    return client.post("/v1/eligibility/verifications", json=body, headers=basic(provider))


def test_an_office_keeps_working_while_a_strangers_guesses_are_locked_out(api: Api) -> None:
    office, stranger = client_at(api, OFFICE), client_at(api, STRANGER)
    assert verify(office, PHYSICIAN).status_code == 200  # the office signed in from its address
    answers = []
    for guess in range(48):  # interleaved: the stranger guesses, the office works
        wrong = verify(stranger, (PHYSICIAN[0], f"{guess:04d}"))
        answers.append((wrong.status_code, wrong.json()["code"], wrong.json().get("tries_left")))
        assert verify(office, PHYSICIAN).status_code == 200
    assert answers[:5] == [(401, "INVALID_CREDENTIALS", left) for left in (4, 3, 2, 1, 0)]
    assert set(answers[5:]) == {(401, "PIN_LOCKED", 0)}
    locked = verify(stranger, PHYSICIAN).json()  # the right PIN, from elsewhere: still locked
    assert (locked["code"], locked["locked_until"]) == ("PIN_LOCKED", "2026-11-23T18:15:00Z")
    # The admin's view and unlock.
    admin = api.headers("admin")
    standing = api.client.get(f"/v1/lockouts/providers/{PHYSICIAN[0]}", headers=admin).json()
    assert standing == {
        "kind": "provider",
        "subject": PHYSICIAN[0],
        "failures": 5,
        "tries_left": 0,
        "locked_until": "2026-11-23T18:15:00Z",
        "cleared": None,
    }
    cleared = api.client.delete(f"/v1/lockouts/providers/{PHYSICIAN[0]}", headers=admin).json()
    assert (cleared["cleared"], cleared["tries_left"], cleared["locked_until"]) == (5, 5, None)
    assert verify(stranger, PHYSICIAN).status_code == 200
    # Only county and admin see or lift a lock.
    plan = api.client.delete(
        f"/v1/lockouts/providers/{PHYSICIAN[0]}", headers=api.headers("plan:HN")
    )
    assert plan.status_code == 403


def test_tokens_expire_and_are_revoked_through_the_api(api: Api) -> None:
    admin = api.headers("admin")
    made = api.client.post(
        "/v1/tokens",
        json={"role": "plan:HN", "label": "nightly", "expires_in_days": 1},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    token = made.json()
    assert token["expires_at"] == "2026-11-24T18:00:00Z"
    roster = f"/v1/plans/HN/members?month={MONTH}"
    assert api.client.get(roster, headers=bearer(token["token"])).status_code == 200
    listed = api.client.get("/v1/tokens", headers=admin).json()["tokens"]
    assert token["token_id"] in {t["token_id"] for t in listed}
    assert all("token" not in t for t in listed)  # never the secret
    api.clock.advance(days=1)
    expired = api.client.get(roster, headers=bearer(token["token"]))
    assert (expired.status_code, expired.json()["code"]) == (401, "INVALID_TOKEN")

    county = api.tokens["county"]
    county_id = next(t["token_id"] for t in listed if t["label"] == "test county")
    revoked = api.client.delete(f"/v1/tokens/{county_id}", headers=admin)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] == "2026-11-24T18:00:00Z"
    refused = api.client.get(f"/v1/soc/obligations/{SOC_MEMBER}/{MONTH}", headers=bearer(county))
    assert (refused.status_code, refused.json()["code"]) == (401, "INVALID_TOKEN")
    missing = api.client.delete("/v1/tokens/t_nope", headers=admin)
    assert (missing.status_code, missing.json()["code"]) == (404, "TOKEN_NOT_FOUND")


def test_admin_tokens_are_not_minted_through_the_api(api: Api) -> None:
    made = api.client.post(
        "/v1/tokens", json={"role": "admin", "label": "another"}, headers=api.headers("admin")
    )
    assert (made.status_code, made.json()["code"]) == (403, "FORBIDDEN")


def test_a_county_token_sees_its_own_county_only(api: Api) -> None:
    admin = api.headers("admin")
    neither = api.client.post("/v1/tokens", json={"role": "county", "label": "x"}, headers=admin)
    assert (neither.status_code, neither.json()["field"]) == (422, "county")
    made = api.client.post(
        "/v1/tokens", json={"role": "county", "label": "LA", "county": "19"}, headers=admin
    )
    assert made.status_code == 201, made.text
    assert made.json()["county_code"] == "19"
    la = bearer(made.json()["token"])
    own = api.client.get(f"/v1/soc/obligations/{SOC_MEMBER}/{MONTH}", headers=la)
    assert own.status_code == 200, own.text
    other = api.client.get(f"/v1/soc/obligations/{LTC_MEMBER}/{MONTH}", headers=la)
    assert (other.status_code, other.json()["code"]) == (403, "FORBIDDEN")
    case = api.client.put(
        f"/v1/cases/C-2002/budget-units/A/soc/{MONTH}", json={"amount": "700.00"}, headers=la
    )
    assert (case.status_code, case.json()["code"]) == (403, "FORBIDDEN")
    statewide = api.client.get(f"/v1/soc/clearances?month={MONTH}", headers=la)
    assert (statewide.status_code, statewide.json()["code"]) == (403, "FORBIDDEN")
    # The statewide token (made explicitly so) sees both.
    everywhere = api.headers("county")
    assert (
        api.client.get(f"/v1/soc/obligations/{LTC_MEMBER}/{MONTH}", headers=everywhere).status_code
        == 200
    )


def test_the_access_log_records_the_callers_address(api: Api) -> None:
    direct = client_at(api, STRANGER)
    forged = {"X-Forwarded-For": "192.0.2.1", **api.headers("admin")}
    assert direct.get("/v1/audit-log?limit=1", headers=forged).status_code == 200
    behind = client_at(api, ("10.0.0.2", 40000), Settings(trusted_proxies="10.0.0.0/24"))
    proxied = {"X-Forwarded-For": "192.0.2.1, 192.0.2.44", **api.headers("admin")}
    assert behind.get("/v1/audit-log?limit=1", headers=proxied).status_code == 200
    records = api.client.get("/v1/audit-log?limit=5000", headers=api.headers("admin")).json()
    addresses = [r["address"] for r in records["records"] if r["action"] == "audit_log.read"]
    # Without configured proxies the header is ignored; with them the nearest client is taken.
    assert addresses == [STRANGER[0], "192.0.2.44"]


def test_a_new_pin_must_follow_the_policy(api: Api) -> None:
    provider = {
        "npi": PHYSICIAN[0],
        "name": "Valley Family Medicine",
        "type": "physician",
        "medi_cal_ffs": True,
        "plans": ["HN"],
    }
    for pin, why in (("1", "4 to 12 digits"), ("1234", "run of digits"), ("7893", "the NPI")):
        refused = api.client.post(
            "/v1/imports",
            json={"providers": [{**provider, "pin": pin}]},
            headers=api.headers("admin"),
        )
        assert refused.status_code == 422, refused.text
        (error,) = refused.json()["errors"]
        assert error.startswith("providers[0].pin: ")
        assert why in error
    assert verify(api.client, PHYSICIAN).status_code == 200  # the old PIN is kept

"""Medi-Cal as secondary payer through the REST API (issue 4), on SQLite and PostgreSQL: a claim
adjudicated (docs/rules.md §5 D4), stored once (``DUPLICATE_CLAIM``), read back by its provider and
the county only; bad claims as 422 problems with the field path; the balance-billing check
(§6) without credentials; the accumulator statement; the savings estimate; every role against
each of these endpoints it must not use; and the access log."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import (
    ISSUE_TEXT,
    SERVICE_DATE,
    Api,
    assert_shape,
    basic,
    make_api,
    member_headers,
)

from spenddown.entrypoints.api import schemas
from support.world import CLINIC, MONTH, PHYSICIAN, SOC_MEMBER

ABA_BOTH = ("1765432103", "1471")  # the ACME-PPO network and the member's plan HN
ABA_PPO_ONLY = ("1888888884", "2582")  # the ACME-PPO network only: no Medi-Cal at all
ACCUMULATORS = f"/v1/members/{SOC_MEMBER}/accumulators"
ESTIMATES = f"/v1/members/{SOC_MEMBER}/estimates"

# The world of tests/support/world.py plus the fee schedule, the member's PPO and two ABA
# providers (as tests/integration/test_claims.py and test_billing_services.py).
DATA: dict[str, Any] = {
    "providers": [
        {
            "npi": ABA_BOTH[0],
            "name": "Bright Steps ABA",
            "pin": ABA_BOTH[1],
            "type": "aba",
            "medi_cal_ffs": False,
            "plans": ["HN"],
            "primary_networks": ["ACME-PPO"],
        },
        {
            "npi": ABA_PPO_ONLY[0],
            "name": "PPO Only ABA",
            "pin": ABA_PPO_ONLY[1],
            "type": "aba",
            "medi_cal_ffs": False,
            "primary_networks": ["ACME-PPO"],
        },
    ],
    "ohc_policies": [
        {
            "cin": SOC_MEMBER,
            "carrier": "ACME",
            "network": "ACME-PPO",
            "ohc_code": "P",
            "plan_year_start": "2026-01-01",
            "deductible": "1500.00",
            "out_of_pocket_max": "6000.00",
        }
    ],
    "fee_schedule": [
        {"procedure_code": "99213", "effective": "2026-01-01", "allowed_per_unit": "95.00"},
        {
            "procedure_code": "97153",
            "effective": "2026-01-01",
            "allowed_per_unit": "16.50",
            "requires_authorization": True,
        },
    ],
}
MEDICARE = {
    "payer_type": "medicare",
    "payer_name": "Medicare",
    "claim_number": "M-1",
    "adjudication_date": "2026-11-10",
}
COMMERCIAL = {
    "payer_type": "commercial",
    "payer_name": "Acme PPO",
    "claim_number": "A-1",
    "adjudication_date": "2026-11-10",
}


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    made.world.load(copy.deepcopy(DATA))
    yield made
    made.close()


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    assert_shape(schemas.Problem, body)
    return body


def d4_claim(claim_id: str = "CLM-D4", **overrides: Any) -> dict[str, Any]:
    """docs/rules.md §5 D4: Medicare allowed 100, paid 80, coinsurance 20; Medi-Cal allows 95."""
    body = {
        "claim_id": claim_id,
        "provider_npi": PHYSICIAN[0],
        "member_id": SOC_MEMBER,
        "soc_amount": "0.00",
        "primary": MEDICARE,
        "lines": [
            {
                "service_date": SERVICE_DATE,
                "procedure_code": "99213",
                "units": 1,
                "charge": "120.00",
                "primary": {"allowed": "100.00", "paid": "80.00", "coinsurance": "20.00"},
            }
        ],
    }
    return {**body, **overrides}


def submit(api: Api, body: dict[str, Any], provider: tuple[str, str] = PHYSICIAN) -> Any:
    return api.client.post("/v1/claims", json=body, headers=basic(provider))


def certify_by_county(api: Api) -> None:
    """The county certifies the SOC member's unit: her month is eligible (OHC code P stays)."""
    path = f"/v1/cases/C-1001/budget-units/A/soc/{MONTH}/certification"
    response = api.client.post(path, json={}, headers=api.headers("county"))
    assert response.status_code == 200, response.text


def access_rows(api: Api) -> list[tuple[str, str, str | None, str]]:
    log = api.client.get("/v1/audit-log?limit=500", headers=api.headers("admin"))
    assert log.status_code == 200, log.text
    return [
        (r["role"], r["action"], r["member_id"], r["outcome"])
        for r in log.json()["records"]
        if r["action"].startswith(("claim.", "billing.", "member."))
    ]


# --- claims -----------------------------------------------------------------------------------
def test_d4_through_http_stored_once_and_read_by_its_provider_and_the_county(api: Api) -> None:
    certify_by_county(api)
    answered = submit(api, d4_claim())
    assert answered.status_code == 201, answered.text
    body = answered.json()
    assert_shape(schemas.Adjudication, body)
    assert (body["claim_id"], body["status"], body["delivery_system"]) == ("CLM-D4", "paid", "plan")
    assert body["plan_code"] == "HN"
    [line] = body["lines"]
    assert line["medi_cal_allowed"] == "95.00"
    assert line["primary_paid"] == "80.00"
    assert line["patient_liability_after_primary"] == "20.00"
    assert line["medi_cal_paid"] == "15.00"  # min(L = 20, A − P = 15)
    assert line["member_owes"] == "0.00"
    assert line["provider_write_off"] == "5.00"
    assert line["denial"] is None
    assert body["totals"]["medi_cal_paid"] == "15.00"
    assert body["explanation"]

    again = submit(api, d4_claim(lines=d4_claim()["lines"] * 2))
    problem(again, 409, "DUPLICATE_CLAIM")

    own = api.client.get("/v1/claims/CLM-D4", headers=basic(PHYSICIAN))
    assert own.status_code == 200, own.text
    assert own.json() == body
    county = api.client.get("/v1/claims/CLM-D4", headers=api.headers("county"))
    assert county.status_code == 200, county.text
    assert county.json() == body
    # Another provider's claim is not found, like one that does not exist.
    problem(api.client.get("/v1/claims/CLM-D4", headers=basic(CLINIC)), 404, "CLAIM_NOT_FOUND")
    problem(
        api.client.get("/v1/claims/CLM-0", headers=api.headers("county")), 404, "CLAIM_NOT_FOUND"
    )
    # A provider submits under its own NPI only.
    problem(submit(api, d4_claim("CLM-X", provider_npi=CLINIC[0])), 403, "FORBIDDEN")
    problem(submit(api, d4_claim("CLM-Y"), (PHYSICIAN[0], "0000")), 401, "INVALID_CREDENTIALS")

    assert access_rows(api) == [
        ("provider", "claim.submit", SOC_MEMBER, "OK"),
        ("provider", "claim.submit", SOC_MEMBER, "DUPLICATE_CLAIM"),
        ("provider", "claim.read", SOC_MEMBER, "OK"),
        ("county", "claim.read", SOC_MEMBER, "OK"),
        ("provider", "claim.read", None, "CLAIM_NOT_FOUND"),
        ("county", "claim.read", None, "CLAIM_NOT_FOUND"),
        ("provider", "claim.submit", SOC_MEMBER, "FORBIDDEN"),
        ("provider", "claim.submit", SOC_MEMBER, "INVALID_CREDENTIALS"),
    ]


def test_money_as_json_numbers_and_an_unmet_soc(api: Api) -> None:
    """Numbers with at most two decimals are money too; before the SOC is met: CARC 178."""
    line = {**d4_claim()["lines"][0], "charge": 120.5, "primary": None}
    unmet = submit(api, d4_claim("CLM-N", primary=None, lines=[line]))
    assert unmet.status_code == 201, unmet.text
    body = unmet.json()
    assert body["status"] == "denied"
    assert body["totals"]["charge"] == "120.50"
    assert body["lines"][0]["denial"]["carc"] == "178"
    assert body["lines"][0]["medi_cal_paid"] == "0.00"


def test_bad_claims_are_422_problems_with_the_field_path(api: Api) -> None:
    certify_by_county(api)
    line = d4_claim()["lines"][0]
    for charge in ("1.234", 1.234, "ten", -0.001):
        bad = problem(
            submit(api, d4_claim(lines=[{**line, "charge": charge}])), 422, "INVALID_AMOUNT"
        )
        assert bad["field"] == "lines[0].charge", bad
    allowed = {**line, "primary": {**line["primary"], "allowed": "100.001"}}
    bad = problem(submit(api, d4_claim(lines=[line, allowed])), 422, "INVALID_AMOUNT")
    assert bad["field"] == "lines[1].primary.allowed"

    without_lines = d4_claim()
    del without_lines["lines"]
    missing = problem(submit(api, without_lines), 422, "INVALID_REQUEST")
    assert missing["field"] == "lines"
    assert problem(submit(api, d4_claim(lines=[])), 422, "INVALID_REQUEST")["field"] == "lines"
    units = problem(submit(api, d4_claim(lines=[{**line, "units": 0}])), 422, "INVALID_REQUEST")
    assert units["field"] == "lines[0].units"
    unknown = problem(submit(api, {**d4_claim(), "idempotency": "x"}), 422, "INVALID_REQUEST")
    assert unknown["field"] == "idempotency"
    cin = problem(submit(api, d4_claim(member_id="12345")), 422, "INVALID_CIN")
    assert cin["field"] == "member_id"
    future = {**line, "service_date": "2026-12-01"}
    problem(submit(api, d4_claim(lines=[future])), 422, "SERVICE_DATE_IN_FUTURE")
    huge = json.dumps(d4_claim()).replace('"charge": "120.00"', '"charge": 1e400')
    assert "1e400" in huge
    raw = {**basic(PHYSICIAN), "Content-Type": "application/json"}
    bad = problem(api.client.post("/v1/claims", content=huge, headers=raw), 422, "INVALID_AMOUNT")
    assert bad["field"] == "lines[0].charge"
    not_json = api.client.post(
        "/v1/claims",
        content=b'{"claim_id": NaN}',
        headers={**basic(PHYSICIAN), "Content-Type": "application/json"},
    )
    problem(not_json, 422, "INVALID_REQUEST")
    # None of these was stored.
    problem(
        api.client.get("/v1/claims/CLM-D4", headers=api.headers("county")), 404, "CLAIM_NOT_FOUND"
    )


# --- balance-billing check --------------------------------------------------------------------
def billing_check(
    api: Api, amount: Any, headers: dict[str, str] | None = None, **extra: Any
) -> Any:
    body = {
        "member_id": SOC_MEMBER,
        "bic_issue_date": ISSUE_TEXT,
        "provider_npi": PHYSICIAN[0],
        "service_date": SERVICE_DATE,
        "amount": amount,
        "birth_date": "1960-05-01",  # the family's proof (docs/api.md "Credentials")
        **extra,
    }
    return api.client.post("/v1/billing-checks", json=body, headers=headers or {})


def test_billing_check_by_the_family_allowed_and_not_allowed(api: Api) -> None:
    """docs/rules.md §6: the physician verified the member and cleared her whole $600 SOC on the day
    of service: it may collect $600 and no more (W&I §14019.4)."""
    assert api.verify(SOC_MEMBER, PHYSICIAN).status_code == 200
    assert api.clear(SOC_MEMBER, PHYSICIAN, "600.00").status_code == 201
    too_much = billing_check(api, "900.00")
    assert too_much.status_code == 200, too_much.text
    verdict = too_much.json()
    assert_shape(schemas.BillingCheck, verdict)
    assert (verdict["allowed"], verdict["may_collect"], verdict["rule"]) == (
        False,
        "600.00",
        "W&I 14019.4",
    )
    assert verdict["protected"] is True
    assert verdict["explanation"]
    assert verdict["what_to_do"]
    within = billing_check(api, 600, api.headers("county"))
    assert within.status_code == 200, within.text
    assert (within.json()["allowed"], within.json()["rule"]) == (True, "22 CCR 51002")
    # The PPO-only ABA provider never accepted the member as a Medi-Cal patient (W&I §14018.2).
    ppo_only = billing_check(api, "480.00", provider_npi=ABA_PPO_ONLY[0])
    assert (ppo_only.json()["allowed"], ppo_only.json()["may_collect"]) == (True, "480.00")

    problem(billing_check(api, "10.00", bic_issue_date="2025-02-02"), 404, "MEMBER_NOT_FOUND")
    problem(billing_check(api, "10.00", provider_npi="1999999992"), 404, "PROVIDER_NOT_FOUND")
    problem(billing_check(api, "10.00", claim_id="CLM-0"), 404, "CLAIM_NOT_FOUND")
    npi = problem(billing_check(api, "10.00", provider_npi="1234567890"), 422, "INVALID_NPI")
    assert npi["field"] == "provider_npi"
    assert problem(billing_check(api, "0.00"), 422, "INVALID_AMOUNT")
    assert problem(billing_check(api, "1.234"), 422, "INVALID_AMOUNT")["field"] == "amount"
    # The provider's own credentials instead of the birth date; they are checked.
    problem(billing_check(api, "10.00", basic((PHYSICIAN[0], "0000"))), 401, "INVALID_CREDENTIALS")

    rows = [row for row in access_rows(api) if row[1] == "billing.check"]
    assert rows[:3] == [
        ("member", "billing.check", SOC_MEMBER, "OK"),
        ("county", "billing.check", SOC_MEMBER, "OK"),
        ("member", "billing.check", SOC_MEMBER, "OK"),
    ]
    assert rows[-1] == ("provider", "billing.check", SOC_MEMBER, "INVALID_CREDENTIALS")


def test_billing_check_brute_force_of_the_issue_date_gets_nothing(api: Api) -> None:
    """Issue 14: the card issue date no longer falls to 366 anonymous tries. Without the birth
    date nothing is answered; with guessed birth dates 5 tries lock the member's look-ups, and
    an unknown member answers exactly alike (nothing tells whether the member exists)."""
    anonymous = {k: v for k, v in BILLING_CHECK_BODY.items()}
    for day in range(1, 32):  # a month of issue dates without credentials: all 401
        anonymous["bic_issue_date"] = f"2025-01-{day:02d}"
        response = api.client.post("/v1/billing-checks", json=anonymous)
        body = problem(response, 401, "AUTHENTICATION_REQUIRED")
        assert "may_collect" not in body
        assert "remaining" not in response.text
    answers = []
    for member in (SOC_MEMBER, "10101010Z"):  # a real member and an unknown one
        seen = []
        for day in range(1, 8):
            guess = billing_check(
                api,
                "10.00",
                member_id=member,
                bic_issue_date=f"2025-02-{day:02d}",
                birth_date="1961-01-01",
            )
            body = guess.json()
            seen.append((guess.status_code, body["code"], body.get("tries_left")))
        answers.append(seen)
    assert answers[0] == answers[1]
    assert answers[0] == [
        (404, "MEMBER_NOT_FOUND", 4),
        (404, "MEMBER_NOT_FOUND", 3),
        (404, "MEMBER_NOT_FOUND", 2),
        (404, "MEMBER_NOT_FOUND", 1),
        (404, "MEMBER_NOT_FOUND", 0),
        (401, "MEMBER_LOCKED", 0),
        (401, "MEMBER_LOCKED", 0),
    ]
    # Even the right issue date and birth date are refused now, from this (anonymous) caller.
    problem(billing_check(api, "10.00"), 401, "MEMBER_LOCKED")
    # A county unlock lifts it.
    unlocked = api.client.delete(
        f"/v1/lockouts/members/{SOC_MEMBER}", headers=api.headers("county")
    )
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json()["cleared"] == 5
    assert billing_check(api, "10.00").status_code == 200


def test_billing_check_with_the_claim_says_what_the_member_owes(api: Api) -> None:
    """docs/rules.md §5.7: with the claim, the provider may collect only the SOC on it ($10)."""
    assert api.clear(SOC_MEMBER, CLINIC, "590.00", service_date="2026-11-02").status_code == 201
    assert api.clear(SOC_MEMBER, PHYSICIAN, "10.00").status_code == 201
    line = {
        "service_date": SERVICE_DATE,
        "procedure_code": "99213",
        "units": 1,
        "charge": "150.00",
        "primary": {"allowed": "150.00", "paid": "0.00", "deductible": "150.00"},
    }
    claim = d4_claim("CLM-B1", soc_amount="10.00", primary=COMMERCIAL, lines=[line])
    answered = submit(api, claim)
    assert answered.status_code == 201, answered.text
    assert answered.json()["totals"]["member_owes"] == "10.00"
    verdict = billing_check(api, "150.00", claim_id="CLM-B1").json()
    assert (verdict["allowed"], verdict["may_collect"]) == (False, "10.00")


# --- accumulators and estimate ----------------------------------------------------------------
def test_accumulators_for_the_member_or_the_county(api: Api) -> None:
    """Two claims with PPO deductibles (see tests/integration/test_billing_services.py): applied
    200, Medi-Cal 100, member 10 (the SOC on the claim), written off 90; OOP 220 of 6,000."""
    assert api.clear(SOC_MEMBER, CLINIC, "590.00", service_date="2026-11-02").status_code == 201
    assert api.clear(SOC_MEMBER, PHYSICIAN, "10.00").status_code == 201
    first = {
        "service_date": SERVICE_DATE,
        "procedure_code": "99213",
        "units": 1,
        "charge": "150.00",
        "primary": {"allowed": "150.00", "paid": "0.00", "deductible": "150.00"},
    }
    second = {
        **first,
        "service_date": "2026-11-04",
        "primary": {"allowed": "150", "paid": "80", "deductible": "50", "copay": "20"},
    }
    for claim_id, soc, line in (("CLM-A1", "10.00", first), ("CLM-A2", "0", second)):
        body = d4_claim(claim_id, soc_amount=soc, primary=COMMERCIAL, lines=[line])
        assert submit(api, body).status_code == 201

    mine = api.client.get(ACCUMULATORS, headers=member_headers())
    assert mine.status_code == 200, mine.text
    [statement] = mine.json()
    assert_shape(schemas.AccumulatorStatement, statement)
    assert (statement["carrier"], statement["plan_year_end"]) == ("ACME", "2026-12-31")
    assert statement["deductible_applied"] == "200.00"
    assert (statement["paid_by_medi_cal"], statement["paid_by_member"]) == ("100.00", "10.00")
    assert statement["written_off"] == "90.00"
    assert statement["deductible_remaining"] == "1300.00"
    assert (statement["out_of_pocket"], statement["out_of_pocket_remaining"]) == (
        "220.00",
        "5780.00",
    )
    assert [i["claim_id"] for i in statement["items"]] == ["CLM-A1", "CLM-A2"]
    assert any("Medi-Cal paid $100.00 of your deductible" in s for s in statement["statement"])

    county = api.client.get(ACCUMULATORS + "?plan_year=2026-06-01", headers=api.headers("county"))
    assert county.status_code == 200, county.text
    assert county.json() == [statement]
    problem(
        api.client.get(ACCUMULATORS + "?plan_year=2025-06-01", headers=api.headers("county")),
        404,
        "OHC_POLICY_NOT_FOUND",
    )
    problem(
        api.client.get(ACCUMULATORS + "?plan_year=2026-13-01", headers=api.headers("county")),
        422,
        "INVALID_DATE",
    )
    problem(
        api.client.get(ACCUMULATORS, headers=member_headers(born="1960-05-02")),
        404,
        "MEMBER_NOT_FOUND",
    )
    problem(api.client.get(ACCUMULATORS), 401, "AUTHENTICATION_REQUIRED")
    # A member without other coverage: no statement.
    assert (
        api.client.get("/v1/members/99999999J/accumulators", headers=api.headers("county")).json()
        == []
    )


def estimate_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "procedure_code": "97153",
        "units_per_visit": 4,
        "visits_per_week": 5,
        "primary_allowed_per_unit": "30.00",
        "deductible": "1500.00",
        "out_of_pocket_max": "6000.00",
        "copay_per_visit": 30,
        "provider_npis": [ABA_BOTH[0], ABA_PPO_ONLY[0], PHYSICIAN[0]],
    }
    return {**body, **overrides}


def test_estimate_for_the_member_or_the_county(api: Api) -> None:
    """Seed: 97153 × 4 (Medi-Cal $16.50 × 4 = $66), 5 visits a week; only the provider in the
    PPO network AND the member's plan HN qualifies. The year starts on the PPO's plan year."""
    mine = api.client.post(ESTIMATES, json=estimate_body(), headers=member_headers())
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert_shape(schemas.Estimate, body)
    assert body["medi_cal_allowed_per_visit"] == "66.00"
    assert body["monthly_soc"] == "600.00"
    assert body["start"] == "2026-01-01"
    assert (body["visits"], body["without_medi_cal"]) == (260, "6000.00")
    assert [p["name"] for p in body["providers"] if p["qualifies"]] == ["Bright Steps ABA"]
    assert any("Providers that take both" in s for s in body["explanation"])
    county = api.client.post(ESTIMATES, json=estimate_body(), headers=api.headers("county"))
    assert county.json() == body

    coinsurance = estimate_body(
        copay_per_visit=None, coinsurance_percent="20", start="2026-11-02", weeks=4
    )
    shorter = api.client.post(ESTIMATES, json=coinsurance, headers=api.headers("county"))
    assert shorter.status_code == 200, shorter.text
    assert (shorter.json()["visits"], shorter.json()["start"]) == (20, "2026-11-02")

    county_headers = api.headers("county")
    both = estimate_body(coinsurance_percent=20)
    problem(
        api.client.post(ESTIMATES, json=both, headers=county_headers), 422, "INVALID_COST_SHARING"
    )
    percent = estimate_body(copay_per_visit=None, coinsurance_percent=100.5)
    bad = problem(
        api.client.post(ESTIMATES, json=percent, headers=county_headers), 422, "INVALID_PERCENT"
    )
    assert bad["field"] == "coinsurance_percent"
    visits = estimate_body(visits_per_week=8)
    bad = problem(
        api.client.post(ESTIMATES, json=visits, headers=county_headers), 422, "INVALID_REQUEST"
    )
    assert bad["field"] == "visits_per_week"
    npis = estimate_body(provider_npis=["1234567890"])
    bad = problem(api.client.post(ESTIMATES, json=npis, headers=county_headers), 422, "INVALID_NPI")
    assert bad["field"] == "provider_npis[0]"
    unknown = estimate_body(provider_npis=["1999999992"])
    problem(
        api.client.post(ESTIMATES, json=unknown, headers=county_headers), 404, "PROVIDER_NOT_FOUND"
    )
    fee = estimate_body(procedure_code="00000")
    problem(api.client.post(ESTIMATES, json=fee, headers=county_headers), 404, "FEE_NOT_FOUND")
    problem(
        api.client.post(
            "/v1/members/11111111Z/estimates", json=estimate_body(), headers=county_headers
        ),
        404,
        "MEMBER_NOT_FOUND",
    )
    problem(
        api.client.post(
            ESTIMATES, json=estimate_body(), headers=member_headers(issue="2025-02-02")
        ),
        404,
        "MEMBER_NOT_FOUND",
    )

    rows = [row for row in access_rows(api) if row[1] == "member.estimate"]
    assert rows[:2] == [
        ("member", "member.estimate", SOC_MEMBER, "OK"),
        ("county", "member.estimate", SOC_MEMBER, "OK"),
    ]


# --- role boundaries --------------------------------------------------------------------------
BILLING_CHECK_BODY = {
    "member_id": SOC_MEMBER,
    "bic_issue_date": ISSUE_TEXT,
    "provider_npi": PHYSICIAN[0],
    "service_date": SERVICE_DATE,
    "amount": "10.00",
}
ROLES = ("provider", "county", "plan:HN", "plan:LA", "admin", "anonymous", "member")
# (method, path, body, roles that may use it); the same rules as test_api.py's table.
ENDPOINTS: list[tuple[str, str, Any, set[str]]] = [
    ("POST", "/v1/claims", d4_claim(), {"provider"}),
    ("GET", "/v1/claims/CLM-D4", None, {"provider", "county"}),
    # Issue 14: the family proves itself with the birth date in the body (not in this body).
    ("POST", "/v1/billing-checks", BILLING_CHECK_BODY, set(ROLES) - {"anonymous", "member"}),
    ("GET", ACCUMULATORS, None, {"member", "county"}),
    ("POST", ESTIMATES, estimate_body(), {"member", "county"}),
]


def credentials(api: Api, role: str) -> dict[str, str]:
    if role == "provider":
        return basic(PHYSICIAN)
    if role == "anonymous":
        return {}
    if role == "member":
        return member_headers()
    return api.headers(role)


def test_every_role_is_refused_from_every_claims_endpoint_it_must_not_use(api: Api) -> None:
    wrong: list[str] = []
    for method, path, body, allowed in ENDPOINTS:
        for role in ROLES:
            response = api.client.request(method, path, json=body, headers=credentials(api, role))
            label = f"{role} {method} {path}: {response.status_code} {response.text[:120]}"
            if role in allowed:
                if response.status_code in (401, 403) or response.status_code >= 500:
                    wrong.append("refused " + label)
                continue
            expected = (
                (401, "AUTHENTICATION_REQUIRED")
                if role in ("anonymous", "member")
                else (403, "FORBIDDEN")
            )
            code = response.json().get("code") if response.status_code >= 400 else None
            if (response.status_code, code) != expected:
                wrong.append(f"expected {expected} for " + label)
    assert wrong == []


def test_the_new_operations_are_documented(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    paths = document["paths"]
    assert paths["/v1/claims"]["post"]["security"] == [{"providerBasic": []}]
    assert "201" in paths["/v1/claims"]["post"]["responses"]
    assert "409" in paths["/v1/claims"]["post"]["responses"]
    assert paths["/v1/billing-checks"]["post"]["security"] == [
        {"providerBasic": []},
        {"tokenBearer": []},
    ]
    for path in ("/v1/claims/{claim_id}", "/v1/members/{member_id}/accumulators"):
        assert "get" in paths[path]
    assert "post" in paths["/v1/members/{member_id}/estimates"]
    components = document["components"]["schemas"]
    assert components["Adjudication"]["additionalProperties"] is False
    assert "ClaimIn" in components

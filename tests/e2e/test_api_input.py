"""Issue 14, the input half, on SQLite and PostgreSQL: every bad input found by the attack is a
4xx with a stable code, never a 500 and never silently stored (docs/api.md "Input limits").

NUL bytes and control characters (also in the unauthenticated Basic user name, the sign-in NPI
and the billing check's claim ID), over-long strings (the import too), deeply nested and
5,000-digit JSON, other scripts' digits in IDs and money, bodies over the limit (declared or
chunked, before authentication), billing codes, claim IDs per provider, the security headers and
the packaged /docs, and a database that cannot take the access log (503, Retry-After)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import ISSUE_TEXT, SERVICE_DATE, Api, assert_shape, basic, make_api
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from spenddown.adapters.db import tables as t
from spenddown.entrypoints.api import middleware, schemas
from support.world import CLINIC, PHYSICIAN, SOC_MEMBER

FEES: dict[str, Any] = {
    "fee_schedule": [
        {"procedure_code": "99213", "effective": "2026-01-01", "allowed_per_unit": "95.00"}
    ]
}
ARABIC_CIN = "١٢٣٤٥٦٧٨A"  # Arabic-Indic digits: int() and \d read them as 12345678
FULLWIDTH_NPI = "１２３４５６７８９３"  # 1234567893 in full-width digits


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    made.world.load(copy.deepcopy(FEES))
    yield made
    made.close()


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert_shape(schemas.Problem, body)
    return body


def claim(claim_id: str = "CLM-1", npi: str = PHYSICIAN[0], **overrides: Any) -> dict[str, Any]:
    body = {
        "claim_id": claim_id,
        "provider_npi": npi,
        "member_id": SOC_MEMBER,
        "soc_amount": "0.00",
        "lines": [
            {"service_date": SERVICE_DATE, "procedure_code": "99213", "units": 1, "charge": "120"}
        ],
    }
    return {**body, **overrides}


def billing_check(**overrides: Any) -> dict[str, Any]:
    body = {
        "member_id": SOC_MEMBER,
        "bic_issue_date": ISSUE_TEXT,
        "provider_npi": PHYSICIAN[0],
        "service_date": SERVICE_DATE,
        "amount": "900.00",
        "birth_date": "1960-05-01",  # the family's proof (docs/api.md "Credentials")
    }
    return {**body, **overrides}


def member_row(**overrides: Any) -> dict[str, Any]:
    row = {
        "cin": "56565656Q",
        "bic_issue_date": "2025-01-01",
        "first_name": "Ana",
        "last_name": "Lopez",
        "birth_date": "1970-01-01",
    }
    return {**row, **overrides}


def count(api: Api, table: Any) -> int:
    with api.app.engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())


def raw_json(api: Api, path: str, text: str | bytes, headers: dict[str, str]) -> Any:
    return api.client.post(
        path, content=text, headers={"Content-Type": "application/json", **headers}
    )


# --- NUL and control characters ----------------------------------------------------------------
def test_nul_bytes_are_refused_where_they_enter_never_a_500(api: Api) -> None:
    # The unauthenticated Basic user name.
    nul_user = {"Authorization": "Basic " + __import__("base64").b64encode(b"123\x00:1").decode()}
    refused = api.client.post("/v1/eligibility/verifications", json={}, headers=nul_user)
    problem(refused, 401, "INVALID_CREDENTIALS")
    # The sign-in NPI of the pages (a form post).
    signed = api.client.post(
        "/provider/sign-in",
        content=b"csrf_token=x&npi=12345%0067893&pin=2468",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    problem(signed, 422, "INVALID_CHARACTERS")
    # The billing check's claim ID (no credentials needed).
    checked = api.client.post("/v1/billing-checks", json=billing_check(claim_id="C\x00-1"))
    problem(checked, 422, "INVALID_CHARACTERS")
    # A claim ID, an idempotency key, a path and a query.
    problem(
        api.client.post("/v1/claims", json=claim("CLM\x00"), headers=basic(PHYSICIAN)),
        422,
        "INVALID_CHARACTERS",
    )
    cleared = api.clear(SOC_MEMBER, PHYSICIAN, idempotency_key="k\x00")
    problem(cleared, 422, "INVALID_CHARACTERS")
    problem(
        api.client.get("/v1/claims/CLM%00X", headers=basic(PHYSICIAN)), 422, "INVALID_CHARACTERS"
    )
    problem(
        api.client.get("/v1/audit-log?member_id=%00", headers=api.headers("admin")),
        422,
        "INVALID_CHARACTERS",
    )
    # Other control characters and unpaired surrogates in JSON strings, escaped or not.
    for text in ('"C\\u0007"', '"C\\b"', '"\\ud800"', '"C\u0085"'):
        body = json.dumps(billing_check())[:-1] + f', "claim_id": {text}}}'
        problem(raw_json(api, "/v1/billing-checks", body, {}), 422, "INVALID_CHARACTERS")
    # An escaped backslash before "u0000" is text, not a NUL.
    body = json.dumps(billing_check())[:-1] + ', "claim_id": "C\\\\u0000"}'
    assert raw_json(api, "/v1/billing-checks", body, {}).status_code == 404  # no such claim
    assert count(api, t.claims) == 0
    assert count(api, t.soc_entries) == 0


def test_nul_bytes_in_an_import_json_or_yaml(api: Api) -> None:
    admin = api.headers("admin")
    as_json = api.client.post(
        "/v1/imports", json={"members": [member_row(first_name="A\x00na")]}, headers=admin
    )
    body = problem(as_json, 422, "IMPORT_INVALID")  # checked by the import, after the admin
    assert "members[0].first_name" in json.dumps(body)
    yaml_text = 'members:\n  - {cin: 56565656Q, bic_issue_date: 2025-01-01, first_name: "A\\0na",'
    yaml_text += " last_name: Lopez, birth_date: 1970-01-01}\n"
    as_yaml = api.client.post(
        "/v1/imports", content=yaml_text, headers={**admin, "Content-Type": "application/yaml"}
    )
    body = problem(as_yaml, 422, "IMPORT_INVALID")
    assert "members[0].first_name" in json.dumps(body)
    with api.app.engine.connect() as c:
        assert c.execute(select(t.members).where(t.members.c.cin == "56565656Q")).first() is None


# --- lengths against the columns --------------------------------------------------------------
def test_over_long_strings_are_refused_on_both_engines_nothing_stored(api: Api) -> None:
    admin = api.headers("admin")
    members = count(api, t.members)
    for row in (
        member_row(first_name="A" * 101),
        member_row(last_name="L" * 101),
    ):
        refused = api.client.post("/v1/imports", json={"members": [row]}, headers=admin)
        problem(refused, 422, "IMPORT_INVALID")
    for document in (
        {"plans": [{"code": "P" * 17, "name": "Plan"}]},
        {"aid_codes": [{"aid_code": "12345", "soc": True}]},
        {"cases": [{"case_id": "C" * 41, "county_code": "19", "budget_units": []}]},
        {
            "fee_schedule": [
                {"procedure_code": "9" * 21, "effective": "2026-01-01", "allowed_per_unit": "1"}
            ]
        },
    ):
        refused = api.client.post("/v1/imports", json=document, headers=admin)
        problem(refused, 422, "IMPORT_INVALID")
    assert count(api, t.members) == members
    primary = {
        "payer_type": "commercial",
        "payer_name": "P" * 101,
        "claim_number": "1",
        "adjudication_date": "2026-11-10",
    }
    long_payer = api.client.post(
        "/v1/claims", json=claim(primary=primary), headers=basic(PHYSICIAN)
    )
    assert long_payer.status_code == 422, long_payer.text
    assert count(api, t.claims) == 0


# --- JSON depth and number size ---------------------------------------------------------------
@pytest.mark.parametrize("path", ["/v1/imports", "/v1/claims", "/v1/billing-checks"])
def test_deep_and_huge_json_are_refused(api: Api, path: str) -> None:
    headers = api.headers("admin") if path == "/v1/imports" else basic(PHYSICIAN)
    if path == "/v1/billing-checks":
        headers = {}
    # The import checks its document itself, after authentication (guard.UNSCANNED).
    deep_code, huge_code = (
        ("INVALID_REQUEST", "INVALID_REQUEST")
        if path == "/v1/imports"
        else ("JSON_TOO_DEEP", "NUMBER_TOO_LONG")
    )
    deep = '{"members": ' + "[" * 5000 + "]" * 5000 + "}"
    problem(raw_json(api, path, deep, headers), 422, deep_code)
    huge = '{"soc_amount": ' + "9" * 5000 + "}"
    problem(raw_json(api, path, huge, headers), 422, huge_code)
    # Without credentials the import's body is not even parsed.
    if path == "/v1/imports":
        problem(raw_json(api, path, deep, {}), 401, "AUTHENTICATION_REQUIRED")
    # A number of 5,000 digits in a string is a string: refused by the field, not the guard.
    assert raw_json(api, path, '{"claim_id": "' + "9" * 5000 + '"}', headers).status_code == 422


# --- other scripts' digits --------------------------------------------------------------------
def test_unicode_digits_are_not_digits(api: Api) -> None:
    problem(api.verify(ARABIC_CIN, PHYSICIAN), 422, "INVALID_MEMBER_ID")
    problem(
        api.client.post("/v1/billing-checks", json=billing_check(provider_npi=FULLWIDTH_NPI)),
        422,
        "INVALID_NPI",
    )
    problem(
        api.client.post("/v1/billing-checks", json=billing_check(amount="١٥٠.٠٠")),
        422,
        "INVALID_AMOUNT",
    )
    problem(api.clear(SOC_MEMBER, PHYSICIAN, charge="١٥٠"), 422, "INVALID_AMOUNT")
    problem(api.clear(SOC_MEMBER, PHYSICIAN, service_date="٢٠٢٦-11-03"), 422, "INVALID_DATE")
    # A look-alike member cannot be imported.
    admin = api.headers("admin")
    for document in (
        {"members": [member_row(cin=ARABIC_CIN)]},
        {"cases": [{"case_id": "C-9", "county_code": "١٩", "budget_units": []}]},
    ):
        problem(api.client.post("/v1/imports", json=document, headers=admin), 422, "IMPORT_INVALID")
    with api.app.engine.connect() as c:
        assert c.execute(select(t.members).where(t.members.c.cin == ARABIC_CIN)).first() is None


# --- billing codes ----------------------------------------------------------------------------
def test_billing_codes_follow_the_documented_pattern(api: Api) -> None:
    for code in ("1", "ABC", "99213; DROP", "9921", "992133", "1234A"):
        problem(api.clear(SOC_MEMBER, PHYSICIAN, billing_code=code), 422, "INVALID_BILLING_CODE")
    line = {"service_date": SERVICE_DATE, "procedure_code": "<b>", "units": 1, "charge": "1"}
    refused = api.client.post("/v1/claims", json=claim(lines=[line]), headers=basic(PHYSICIAN))
    body = problem(refused, 422, "INVALID_BILLING_CODE")
    assert body["field"] == "lines[0].procedure_code"
    # CPT, CPT category II/III and PLA, HCPCS, CDT and local codes pass.
    for code in ("99213", "0001U", "3008F", "0042T", "J1100", "D0120", "Z5999", "X12AB"):
        cleared = api.clear(SOC_MEMBER, PHYSICIAN, billing_code=code.lower(), charge="1.00")
        assert cleared.status_code == 201, (code, cleared.text)


# --- body size, before authentication ---------------------------------------------------------
def test_bodies_over_the_limit_are_refused_before_authentication(api: Api) -> None:
    big = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    # No credentials: 413, not 401 (the body is not read beyond the declared length).
    problem(raw_json(api, "/v1/eligibility/verifications", big, {}), 413, "PAYLOAD_TOO_LARGE")

    def chunks(total: int) -> Iterator[bytes]:
        for _ in range(total // 65536):
            yield b" " * 65536

    # Chunked (no Content-Length): read up to the limit, then refused; FHIR answers in FHIR.
    chunked = api.client.post(
        "/fhir/Claim/$submit",
        content=chunks(2 * 1024 * 1024),
        headers={"Content-Type": "application/fhir+json", **basic(PHYSICIAN)},
    )
    assert chunked.status_code == 413, chunked.text
    assert chunked.headers["content-type"].startswith("application/fhir+json")
    assert chunked.json()["issue"][0]["details"]["coding"][0]["code"] == "BODY_TOO_LARGE"
    rest_chunked = api.client.post(
        "/v1/billing-checks",
        content=chunks(3 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
    )
    problem(rest_chunked, 413, "PAYLOAD_TOO_LARGE")


# --- claim IDs per provider -------------------------------------------------------------------
def test_the_same_claim_id_from_two_providers_is_two_claims(api: Api) -> None:
    first = api.client.post("/v1/claims", json=claim("SAME-1"), headers=basic(PHYSICIAN))
    assert first.status_code == 201, first.text
    second = api.client.post(
        "/v1/claims", json=claim("SAME-1", npi=CLINIC[0]), headers=basic(CLINIC)
    )
    assert second.status_code == 201, second.text
    again = api.client.post("/v1/claims", json=claim("SAME-1"), headers=basic(PHYSICIAN))
    problem(again, 409, "DUPLICATE_CLAIM")
    assert count(api, t.claims) == 2
    assert api.client.get("/v1/claims/SAME-1", headers=basic(PHYSICIAN)).json() == first.json()
    assert api.client.get("/v1/claims/SAME-1", headers=basic(CLINIC)).json() == second.json()
    # A provider cannot read another's by naming it.
    other = api.client.get(f"/v1/claims/SAME-1?provider_npi={CLINIC[0]}", headers=basic(PHYSICIAN))
    problem(other, 404, "CLAIM_NOT_FOUND")
    county = api.headers("county")
    problem(api.client.get("/v1/claims/SAME-1", headers=county), 422, "PROVIDER_NPI_REQUIRED")
    named = api.client.get(f"/v1/claims/SAME-1?provider_npi={CLINIC[0]}", headers=county)
    assert named.status_code == 200, named.text
    assert named.json() == second.json()
    # An ID used by one provider only needs no name.
    only = api.client.post("/v1/claims", json=claim("ONLY-1"), headers=basic(PHYSICIAN))
    assert api.client.get("/v1/claims/ONLY-1", headers=county).json() == only.json()
    # The balance-billing check finds the provider's own claim of that ID.
    checked = api.client.post(
        "/v1/billing-checks", json=billing_check(provider_npi=CLINIC[0], claim_id="SAME-1")
    )
    assert checked.status_code == 200, checked.text


# --- headers and /docs ------------------------------------------------------------------------
def test_security_headers_on_every_response_and_docs_without_a_cdn(api: Api) -> None:
    answers = {
        "json": api.client.get("/healthz"),
        "problem": api.client.get("/v1/claims/X", headers=basic(PHYSICIAN)),
        "not found": api.client.get("/nowhere"),
        "refused by the guard": api.client.get("/v1/claims/%00"),
        "openapi": api.client.get("/openapi.json"),
    }
    for name, response in answers.items():
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", name
        assert headers["cache-control"] == "no-store", name
        assert headers["x-frame-options"] == "DENY", name
        assert headers["referrer-policy"] == "no-referrer", name
        assert "frame-ancestors 'none'" in headers["content-security-policy"], name
    page = api.client.get("/provider/sign-in")
    assert "script-src 'self'" in page.headers["content-security-policy"]  # the page's own
    assert page.headers["x-content-type-options"] == "nosniff"
    for path, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        docs = api.client.get(path)
        assert docs.status_code == 200
        assert "http" not in docs.text.replace("http-equiv", ""), docs.text  # nothing remote
        assert f"/docs-assets/{asset}" in docs.text
        policy = docs.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
        served = api.client.get(f"/docs-assets/{asset}")
        assert served.status_code == 200
        assert len(served.content) > 100_000
    assert "'sha256-" in api.client.get("/docs").headers["content-security-policy"]


# --- the database cannot take the access log --------------------------------------------------
def test_an_access_log_that_cannot_be_written_is_a_503_with_retry_after(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*_: Any) -> None:
        raise OperationalError("INSERT", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(middleware, "record_accesses", unavailable)
    for response in (
        api.verify(SOC_MEMBER, PHYSICIAN),
        api.client.post("/v1/billing-checks", json=billing_check()),
        api.client.get("/v1/claims/X", headers=basic(PHYSICIAN)),
        api.client.get("/v1/audit-log", headers=api.headers("admin")),
    ):
        body = problem(response, 503, "DATABASE_UNAVAILABLE")
        assert response.headers["retry-after"] == "1"
        assert "access log" in body["detail"]

"""The REST API end to end through HTTP (``TestClient``) on SQLite and PostgreSQL: every
endpoint, every role boundary, PIN lockout and its reset, a changed PIN, idempotent retries, the
activation cursor, problem details with field paths, the access log, and logs without personal
data (docs/api.md, issue 3)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import (
    ISSUE_TEXT,
    SERVICE_DATE,
    Api,
    assert_shape,
    basic,
    bearer,
    make_api,
    member_headers,
)

from spenddown.entrypoints.api import schemas
from spenddown.services import plans as plans_service
from support.world import CLINIC, LTC_HOME, MONTH, PHARMACY, PHYSICIAN, SOC_MEMBER

CHILD = "33333333C"  # unit C-1001/B, SOC 150, plan LA
LTC_MEMBER = "55555555E"  # C-2002/A, long-term care, SOC 800


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    yield made
    made.close()


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert body["detail"]
    assert body["type"]
    assert body["title"]
    assert_shape(schemas.Problem, body)
    return body


# --- health and documents ---------------------------------------------------------------------
def test_health_openapi_and_docs(api: Api) -> None:
    health = api.client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok"}

    document = api.client.get("/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/v1/eligibility/verifications",
        "/v1/soc/clearances",
        "/v1/soc/clearances/{clearance_id}/reversal",
        "/v1/soc/obligations/{member_id}/{month}",
        "/v1/soc/determinations",
        "/v1/cases/{case_id}/budget-units/{budget_unit}/soc/{month}",
        "/v1/cases/{case_id}/budget-units/{budget_unit}/soc/{month}/certification",
        "/v1/cycles/{month}/start",
        "/v1/plans/{code}/members",
        "/v1/plans/{code}/activations",
        "/v1/members/{member_id}/soc/{month}",
        "/v1/imports",
        "/v1/tokens",
        "/v1/audit-log",
        "/healthz",
    ):
        assert path in paths, path
    clear = paths["/v1/soc/clearances"]["post"]
    assert clear["security"] == [{"providerBasic": []}]
    assert "application/problem+json" in clear["responses"]["422"]["content"]
    schemas_ = document["components"]["schemas"]
    assert schemas_["Clearance"]["examples"][0]["remaining"] == "0.00"
    assert schemas_["Clearance"]["additionalProperties"] is False

    docs = api.client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_browsers_get_a_page_for_an_unknown_address_and_api_clients_problem_json(api: Api) -> None:
    """A mistyped address in a browser is a page in the visitor's language (not JSON); the
    machine interfaces answer problem+json whatever the client accepts; HEAD / answers."""
    page = api.client.get(
        "/provider/verfy", headers={"Accept": "text/html", "Accept-Language": "es"}
    )
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "No se encontró la página" in page.text
    for path in ("/v1/nothing-here", "/fhir/Nothing"):
        machine = api.client.get(path, headers={"Accept": "text/html"})
        assert machine.status_code == 404
        assert machine.headers["content-type"].startswith("application/"), path
    plain = api.client.get("/nothing-here")
    assert plain.status_code == 404
    assert plain.json()["code"] == "NOT_FOUND"
    head = api.client.head("/")
    assert head.status_code == 200
    assert head.content == b""


# --- provider transactions --------------------------------------------------------------------
def test_verify_clear_list_and_reverse(api: Api) -> None:
    verified = api.verify(SOC_MEMBER, PHYSICIAN)
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert_shape(schemas.Verification, body)
    assert body["member_id"] == SOC_MEMBER
    assert body["month"] == MONTH
    assert body["share_of_cost"]["amount"] == "600.00"
    assert body["share_of_cost"]["remaining"] == "600.00"
    assert body["plan"]["code"] == "HN"

    cleared = api.clear(SOC_MEMBER, PHYSICIAN, "150.00", payment="obligated")
    assert cleared.status_code == 201, cleared.text
    clearance = cleared.json()
    assert_shape(schemas.Clearance, clearance)
    assert clearance["applied"] == "150.00"
    assert clearance["remaining"] == "450.00"
    assert clearance["payment"] == "obligated"
    assert clearance["reversed"] is False

    other = api.clear(SOC_MEMBER, CLINIC, "100.00", billing_code="80050")
    assert other.status_code == 201
    assert other.json()["remaining"] == "350.00"

    mine = api.client.get(f"/v1/soc/clearances?member_id={SOC_MEMBER}", headers=basic(PHYSICIAN))
    assert mine.status_code == 200
    assert [c["clearance_id"] for c in mine.json()] == [clearance["clearance_id"]]
    everything = api.client.get(
        f"/v1/soc/clearances?member_id={SOC_MEMBER}&month={MONTH}", headers=api.headers("county")
    )
    assert len(everything.json()) == 2
    for item in everything.json():
        assert_shape(schemas.Clearance, item)
    by_month = api.client.get(f"/v1/soc/clearances?month={MONTH}", headers=basic(CLINIC))
    assert [c["billing_code"] for c in by_month.json()] == ["80050"]
    problem(api.client.get("/v1/soc/clearances", headers=basic(CLINIC)), 422, "INVALID_REQUEST")

    # Only its own provider reverses a clearance.
    path = f"/v1/soc/clearances/{clearance['clearance_id']}/reversal"
    problem(api.client.post(path, json={}, headers=basic(CLINIC)), 403, "FORBIDDEN")
    reversed_ = api.client.post(path, json={}, headers=basic(PHYSICIAN))
    assert reversed_.status_code == 200, reversed_.text
    assert_shape(schemas.Clearance, reversed_.json())
    assert reversed_.json()["reversed"] is True
    assert reversed_.json()["remaining"] == "500.00"
    problem(api.client.post(path, headers=basic(PHYSICIAN)), 409, "ALREADY_REVERSED")
    problem(
        api.client.post("/v1/soc/clearances/c_nothing/reversal", headers=basic(PHYSICIAN)),
        404,
        "CLEARANCE_NOT_FOUND",
    )


def test_obligation_seen_by_a_provider_only_after_verifying_the_member(api: Api) -> None:
    path = f"/v1/soc/obligations/{SOC_MEMBER}/{MONTH}"
    assert api.clear(SOC_MEMBER, CLINIC, "120.00", billing_code="80050").status_code == 201
    problem(api.client.get(path, headers=basic(PHYSICIAN)), 403, "FORBIDDEN")

    assert api.verify(SOC_MEMBER, PHYSICIAN).status_code == 200
    assert api.clear(SOC_MEMBER, PHYSICIAN, "100.00").status_code == 201
    seen = api.client.get(path, headers=basic(PHYSICIAN))
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert_shape(schemas.ObligationWithLedger, body)
    assert body["remaining"] == "380.00"
    assert len(body["ledger"]) == 2
    own = [e for e in body["ledger"] if e["provider_npi"] == PHYSICIAN[0]]
    others = [e for e in body["ledger"] if e["provider_npi"] is None]
    assert len(own) == 1
    assert own[0]["billing_code"] == "99213"
    # The other provider's clearance shows its amount, not who billed what.
    assert len(others) == 1
    assert others[0]["billing_code"] is None
    assert others[0]["applied"] == "120.00"

    county = api.client.get(path, headers=api.headers("county")).json()
    assert {e["provider_npi"] for e in county["ledger"]} == {PHYSICIAN[0], CLINIC[0]}
    problem(
        api.client.get(f"/v1/soc/obligations/99999999J/{MONTH}", headers=api.headers("county")),
        404,
        "OBLIGATION_NOT_FOUND",
    )


def test_idempotent_clearance_returns_the_first_result_also_after_a_restart(api: Api) -> None:
    first = api.clear(SOC_MEMBER, PHYSICIAN, "150.00", idempotency_key="visit-1")
    again = api.clear(SOC_MEMBER, PHYSICIAN, "150.00", idempotency_key="visit-1")
    # Both 201 (docs/api.md "Notes": idempotent clearances); the retry is the first result.
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert first.json()["remaining"] == "450.00"

    restarted = api.restart()
    try:
        after = restarted.clear(SOC_MEMBER, PHYSICIAN, "150.00", idempotency_key="visit-1")
        assert after.status_code == 201
        assert after.json() == first.json()
        listed = restarted.client.get(
            f"/v1/soc/clearances?member_id={SOC_MEMBER}", headers=restarted.headers("county")
        ).json()
        assert len(listed) == 1
        reused = restarted.clear(SOC_MEMBER, PHYSICIAN, "99.00", idempotency_key="visit-1")
        problem(reused, 409, "IDEMPOTENCY_KEY_REUSED")
    finally:
        restarted.close()


# --- authentication ---------------------------------------------------------------------------
def test_pin_lockout_through_http_and_its_reset_after_15_minutes(api: Api) -> None:
    wrong = (PHYSICIAN[0], "0000")
    for _ in range(5):
        problem(api.verify(SOC_MEMBER, wrong), 401, "INVALID_CREDENTIALS")
    locked = api.verify(SOC_MEMBER, PHYSICIAN)
    problem(locked, 401, "PIN_LOCKED")
    assert "Basic" in locked.headers["www-authenticate"]
    # Locked for every provider endpoint, whatever the PIN.
    problem(api.clear(SOC_MEMBER, PHYSICIAN), 401, "PIN_LOCKED")
    problem(
        api.client.get(f"/v1/soc/clearances?month={MONTH}", headers=basic(PHYSICIAN)),
        401,
        "PIN_LOCKED",
    )
    # Another NPI is not affected.
    assert api.verify(SOC_MEMBER, CLINIC).status_code == 200

    api.clock.advance(minutes=14, seconds=59)
    problem(api.verify(SOC_MEMBER, PHYSICIAN), 401, "PIN_LOCKED")
    api.clock.advance(seconds=2)
    assert api.verify(SOC_MEMBER, PHYSICIAN).status_code == 200


def test_failed_member_lookups_count_toward_the_lockout(api: Api) -> None:
    for _ in range(5):
        problem(
            api.verify(SOC_MEMBER, PHARMACY, bic_issue_date="2025-03-01"), 404, "MEMBER_NOT_FOUND"
        )
    problem(api.verify(SOC_MEMBER, PHARMACY), 401, "PIN_LOCKED")


def test_a_success_does_not_reset_the_count(api: Api) -> None:
    """Issue 14: wrong PINs mixed into an office's own traffic (one address) still lock; the
    window slides (docs/api.md "Credentials")."""
    wrong = (PHYSICIAN[0], "0000")
    for _ in range(4):
        problem(api.verify(SOC_MEMBER, wrong), 401, "INVALID_CREDENTIALS")
    assert api.verify(SOC_MEMBER, PHYSICIAN).status_code == 200
    last = problem(api.verify(SOC_MEMBER, wrong), 401, "INVALID_CREDENTIALS")
    assert last["tries_left"] == 0
    problem(api.verify(SOC_MEMBER, PHYSICIAN), 401, "PIN_LOCKED")


def test_a_changed_pin_stops_working_at_once_although_the_old_one_is_cached(api: Api) -> None:
    assert api.verify(SOC_MEMBER, PHYSICIAN).status_code == 200  # the PIN is now cached
    assert api.verify(SOC_MEMBER, PHYSICIAN).status_code == 200
    provider = {
        "npi": PHYSICIAN[0],
        "name": "Valley Family Medicine",
        "pin": "97531",
        "type": "physician",
        "medi_cal_ffs": True,
        "plans": ["HN"],
    }
    imported = api.client.post(
        "/v1/imports", json={"providers": [provider]}, headers=api.headers("admin")
    )
    assert imported.status_code == 200, imported.text
    problem(api.verify(SOC_MEMBER, PHYSICIAN), 401, "INVALID_CREDENTIALS")
    assert api.verify(SOC_MEMBER, (PHYSICIAN[0], "97531")).status_code == 200


def test_credentials_that_are_malformed_or_unknown(api: Api) -> None:
    path = f"/v1/soc/clearances?month={MONTH}"
    problem(api.client.get(path), 401, "AUTHENTICATION_REQUIRED")
    problem(
        api.client.get(path, headers={"Authorization": "Basic !!!"}), 401, "INVALID_CREDENTIALS"
    )
    problem(api.client.get(path, headers={"Authorization": "Digest x"}), 401, "INVALID_CREDENTIALS")
    problem(api.client.get(path, headers=bearer("sd_not-a-token")), 401, "INVALID_TOKEN")
    unknown_npi = problem(
        api.verify(SOC_MEMBER, ("1111111112", "1234")), 401, "INVALID_CREDENTIALS"
    )
    assert "1111111112" not in unknown_npi["detail"]
    missing = api.client.get(path)
    assert "Bearer" in missing.headers["www-authenticate"]


# --- role boundaries --------------------------------------------------------------------------
VERIFY_BODY = {"member_id": SOC_MEMBER, "bic_issue_date": ISSUE_TEXT, "service_date": SERVICE_DATE}
CLEAR_BODY = {
    **VERIFY_BODY,
    "billing_code": "99213",
    "service_charge": "10.00",
    "payment": "paid",
}
DETERMINATION_BODY = {
    "month": MONTH,
    "household_size": 1,
    "incomes": [{"kind": "unearned", "amount": "1147.10"}],
}
SOC_PATH = f"/v1/cases/C-1001/budget-units/A/soc/{MONTH}"
# (method, path, body, roles that may use it)
ENDPOINTS: list[tuple[str, str, Any, set[str]]] = [
    ("POST", "/v1/eligibility/verifications", VERIFY_BODY, {"provider"}),
    ("POST", "/v1/soc/clearances", CLEAR_BODY, {"provider"}),
    ("POST", "/v1/soc/clearances/c_unknown/reversal", {}, {"provider"}),
    ("GET", f"/v1/soc/clearances?member_id={SOC_MEMBER}", None, {"provider", "county"}),
    ("GET", f"/v1/soc/obligations/{SOC_MEMBER}/{MONTH}", None, {"provider", "county"}),
    ("POST", "/v1/soc/determinations", DETERMINATION_BODY, {"county"}),
    ("POST", "/v1/soc/whatif", {"month": MONTH, "reform": "mnl_138_fpl"}, {"county"}),
    ("PUT", SOC_PATH, {"amount": "600.00"}, {"county"}),
    ("POST", SOC_PATH + "/certification", {}, {"county"}),
    ("POST", f"/v1/cycles/{MONTH}/start", {}, {"county", "admin"}),
    ("GET", f"/v1/plans/HN/members?month={MONTH}", None, {"plan:HN", "county"}),
    ("GET", "/v1/plans/HN/activations", None, {"plan:HN", "county"}),
    ("GET", f"/v1/plans/LA/members?month={MONTH}", None, {"plan:LA", "county"}),
    ("GET", "/v1/plans/LA/activations?since=0", None, {"plan:LA", "county"}),
    ("GET", f"/v1/members/{SOC_MEMBER}/soc/{MONTH}", None, {"member", "county"}),
    ("POST", "/v1/imports", {}, {"admin"}),
    ("POST", "/v1/tokens", {"role": "county", "label": "x"}, {"admin"}),
    ("GET", f"/v1/audit-log?member_id={SOC_MEMBER}", None, {"county", "admin"}),
]
ROLES = ("provider", "county", "plan:HN", "plan:LA", "admin", "anonymous", "member")


def credentials(api: Api, role: str) -> dict[str, str]:
    if role == "provider":
        return basic(PHYSICIAN)
    if role == "anonymous":
        return {}
    if role == "member":
        return member_headers()
    return api.headers(role)


def test_every_role_is_refused_from_every_endpoint_it_must_not_use(api: Api) -> None:
    assert api.verify(SOC_MEMBER, PHYSICIAN).status_code == 200  # may see the obligation
    wrong: list[str] = []
    for method, path, body, allowed in ENDPOINTS:
        for role in ROLES:
            response = api.client.request(method, path, json=body, headers=credentials(api, role))
            label = f"{role} {method} {path}: {response.status_code} {response.text[:120]}"
            if role in allowed:
                if response.status_code in (401, 403):
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


def test_a_plan_sees_only_its_own_members(api: Api) -> None:
    own = api.client.get(f"/v1/plans/HN/members?month={MONTH}", headers=api.headers("plan:HN"))
    assert own.status_code == 200
    problem(
        api.client.get(f"/v1/plans/LA/members?month={MONTH}", headers=api.headers("plan:HN")),
        403,
        "FORBIDDEN",
    )
    problem(
        api.client.get("/v1/plans/la/activations", headers=api.headers("plan:HN")),
        403,
        "FORBIDDEN",
    )
    problem(
        api.client.get("/v1/plans/XX/members", headers=api.headers("plan:HN")), 403, "FORBIDDEN"
    )
    problem(
        api.client.get("/v1/plans/XX/members", headers=api.headers("county")),
        404,
        "PLAN_NOT_FOUND",
    )


# --- county, plans, admin ---------------------------------------------------------------------
def test_determination(api: Api) -> None:
    response = api.client.post(
        "/v1/soc/determinations",
        json={
            "month": MONTH,
            "household_size": 1,
            "ltc": False,
            "budget": "abd",
            "aged": True,
            "incomes": [{"kind": "unearned", "amount": 1147.1}],
            "premiums": ["0.00"],
        },
        headers=api.headers("county"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert_shape(schemas.Determination, body)
    assert body["household_size"] == 1
    assert body["steps"]
    # An aged person: countable 1,147.10 − 20 = 1,127.10 ≤ the A&D FPL limit → free Medi-Cal
    # (before 2026-12-04 this answered a Medically Needy SOC: the ladder was missing).
    assert body["net_nonexempt_income"] == "1127.10"
    assert (body["program"], body["soc"]) == ("aged_disabled_fpl", "0.00")
    assert [s["program"] for s in body["screened"]] == ["magi", "aged_disabled_fpl"]


def test_set_soc_from_a_determination_then_the_whatif(api: Api) -> None:
    """PUT .../soc/{month} with a determination sets its SOC and stores its inputs; the
    what-if re-runs them (aged, $2,000: $1,380 now, $144 at 138% FPL)."""
    county = api.headers("county")
    household = {
        "month": MONTH,
        "persons": [{"birth_date": "1955-03-01"}],
        "incomes": [{"kind": "unearned", "amount": "2000.00"}],
    }
    mismatch = api.client.put(
        SOC_PATH, json={"amount": "1.00", "determination": household}, headers=county
    )
    assert problem(mismatch, 422, "AMOUNT_MISMATCH")["field"] == "amount"
    done = api.client.put(SOC_PATH, json={"determination": household}, headers=county)
    assert done.status_code == 200, done.text
    assert done.json()["amount"] == "1380.00"
    report = api.client.post(
        "/v1/soc/whatif", json={"month": MONTH, "reform": "mnl_138_fpl"}, headers=county
    )
    assert report.status_code == 200, report.text
    body = report.json()
    assert_shape(schemas.WhatIf, body)
    assert (body["units"], body["lower_soc"]) == (1, 1)
    assert (body["total_soc_before"], body["total_soc_after"]) == ("1380.00", "144.00")
    assert problem(api.client.put(SOC_PATH, json={}, headers=county), 422, "INVALID_REQUEST")


def test_determination_of_a_household_with_persons(api: Api) -> None:
    """Parent and child above MAGI: the Medically Needy budget with the $750 need level."""
    county = api.headers("county")
    household = {
        "month": MONTH,
        "persons": [
            {"birth_date": "1990-05-01"},
            {"birth_date": "2015-06-01", "relationship": "child"},
        ],
        "incomes": [{"kind": "unearned", "amount": "5000.00", "person": 0}],
    }
    response = api.client.post("/v1/soc/determinations", json=household, headers=county)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_shape(schemas.Determination, body)
    assert (body["program"], body["soc"]) == ("medically_needy", "4250.00")
    assert body["maintenance_need_level"] == "750.00"
    ltc = {
        "month": MONTH,
        "persons": [{"birth_date": "1950-01-01"}, {"relationship": "spouse"}],
        "incomes": [{"kind": "unearned", "amount": "2500.00"}],
        "care": {"resident": 0, "whole_month": True},
    }
    kept = api.client.post("/v1/soc/determinations", json=ltc, headers=county).json()
    assert kept["soc"] == "0.00"
    assert kept["allocations"]["spouse"] == "2465.00"
    refusals = [
        ({**household, "persons": [{"birth_date": "1990-05-01"}]}, "NOT_LINKED", "persons"),
        ({**ltc, "care": {"resident": 0}}, "LTC_MONTH_MISSING", "ltc.whole_month"),
        ({**household, "program": "free"}, "UNKNOWN_PROGRAM", "program"),
        (
            {**household, "persons": [{"birth_date": "2027-01-01"}]},
            "BIRTH_DATE_IN_FUTURE",
            "persons[0].birth_date",
        ),
    ]
    for body_, code, field in refusals:
        refused = api.client.post("/v1/soc/determinations", json=body_, headers=county)
        assert problem(refused, 422, code)["field"] == field


def test_county_sets_and_certifies_a_share_of_cost(api: Api) -> None:
    county = api.headers("county")
    changed = api.client.put(SOC_PATH, json={"amount": 650}, headers=county)
    assert changed.status_code == 200, changed.text
    assert_shape(schemas.Obligation, changed.json())
    assert changed.json()["amount"] == "650.00"
    assert changed.json()["remaining"] == "650.00"
    assert changed.json()["other_obligations"] == []

    old = api.client.put(
        "/v1/cases/C-1001/budget-units/A/soc/2025-01", json={"amount": "1.00"}, headers=county
    )
    problem(old, 409, "RETRO_CHANGE_TOO_OLD")
    override = api.client.put(
        "/v1/cases/C-1001/budget-units/A/soc/2025-01",
        json={"amount": "1.00", "retro_override": True},
        headers=county,
    )
    assert override.status_code == 200, override.text
    problem(
        api.client.put(
            f"/v1/cases/C-9999/budget-units/A/soc/{MONTH}", json={"amount": "1"}, headers=county
        ),
        404,
        "BUDGET_UNIT_NOT_FOUND",
    )

    certified = api.client.post(SOC_PATH + "/certification", json={}, headers=county)
    assert certified.status_code == 200, certified.text
    assert_shape(schemas.Obligation, certified.json())
    assert certified.json()["certified"] is True
    assert certified.json()["certified_by"] == "county"
    problem(api.client.post(SOC_PATH + "/certification", headers=county), 409, "SOC_ALREADY_MET")


def test_cycle_start_certifies_long_term_care_once(api: Api) -> None:
    first = api.client.post(f"/v1/cycles/{MONTH}/start", json={}, headers=api.headers("admin"))
    assert first.status_code == 200, first.text
    assert first.json() == {"month": MONTH, "ltc_certified": 1}
    again = api.client.post(f"/v1/cycles/{MONTH}/start", headers=api.headers("county"))
    assert again.json() == {"month": MONTH, "ltc_certified": 0}
    view = api.client.get(
        f"/v1/soc/obligations/{LTC_MEMBER}/{MONTH}", headers=api.headers("county")
    ).json()
    assert view["certified_by"] == "ltc_auto"
    # After the automatic certification only the LTC facility still records its bills
    # (patient liability); anyone else's clearance is refused by a rule.
    problem(api.clear(LTC_MEMBER, PHYSICIAN, "100.00"), 409, "LTC_SOC_NOT_CLEARED_ONLINE")
    facility = api.clear(LTC_MEMBER, LTC_HOME, "100.00")
    assert facility.status_code == 201, facility.text


def test_roster_and_activation_cursor_each_once_in_order(api: Api) -> None:
    hn, la = api.headers("plan:HN"), api.headers("plan:LA")
    roster = api.client.get(f"/v1/plans/HN/members?month={MONTH}", headers=hn)
    assert_shape(schemas.Roster, roster.json())
    statuses = {m["member_id"]: m["hcp_status"] for m in roster.json()["members"]}
    assert statuses == {SOC_MEMBER: "55", "22222222B": "55"}

    empty = api.client.get("/v1/plans/HN/activations", headers=hn).json()
    assert empty["activations"] == []
    assert empty["cursor"] == "0"

    # Meeting unit A's SOC activates both of its HN members, in the certifying transaction.
    assert api.clear(SOC_MEMBER, PHYSICIAN, "600.00").json()["certified"] is True
    page = api.client.get("/v1/plans/HN/activations", headers=hn).json()
    assert_shape(schemas.Activations, page)
    members = [a["member_id"] for a in page["activations"]]
    assert sorted(members) == [SOC_MEMBER, "22222222B"]
    seqs = [a["seq"] for a in page["activations"]]
    assert seqs == sorted(seqs)
    assert page["cursor"] == str(seqs[-1])
    assert {a["hcp_status"] for a in page["activations"]} == {"01"}

    after = api.client.get(f"/v1/plans/HN/activations?since={page['cursor']}", headers=hn).json()
    assert after["activations"] == []
    assert after["cursor"] == page["cursor"]
    # Page by page with a limit: each once.
    one = api.client.get("/v1/plans/HN/activations?limit=1", headers=hn).json()
    two = api.client.get(f"/v1/plans/HN/activations?limit=1&since={one['cursor']}", headers=hn)
    assert [a["seq"] for a in one["activations"] + two.json()["activations"]] == seqs

    # Unit B (plan LA) certified by the county: LA sees it, HN gets nothing new.
    certify = api.client.post(
        f"/v1/cases/C-1001/budget-units/B/soc/{MONTH}/certification",
        headers=api.headers("county"),
    )
    assert certify.status_code == 200, certify.text
    la_page = api.client.get("/v1/plans/LA/activations", headers=la).json()
    assert [a["member_id"] for a in la_page["activations"]] == [CHILD]
    assert la_page["activations"][0]["certified_by"] == "county"
    hn_after = api.client.get(f"/v1/plans/HN/activations?since={page['cursor']}", headers=hn)
    assert hn_after.json()["activations"] == []
    roster = api.client.get(f"/v1/plans/HN/members?month={MONTH}", headers=hn).json()
    assert {m["hcp_status"] for m in roster["members"]} == {"01"}
    problem(api.client.get("/v1/plans/HN/activations?since=abc", headers=hn), 422, "INVALID_CURSOR")


def test_family_view_by_member_headers_or_county(api: Api) -> None:
    assert api.clear(SOC_MEMBER, PHYSICIAN, "150.00").status_code == 201
    path = f"/v1/members/{SOC_MEMBER}/soc/{MONTH}"
    mine = api.client.get(path, headers=member_headers())
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert_shape(schemas.FamilyView, body)
    [obligation] = body["obligations"]
    assert obligation["remaining"] == "450.00"
    assert obligation["clearances"] == [
        {
            "provider_name": "Valley Family Medicine",
            "service_date": SERVICE_DATE,
            "amount": "150.00",
            "payment": "paid",
            "reversed": False,
        }
    ]
    assert api.client.get(path, headers=api.headers("county")).json() == body
    problem(
        api.client.get(path, headers=member_headers(born="1960-05-02")), 404, "MEMBER_NOT_FOUND"
    )
    problem(
        api.client.get(path, headers={"X-Member-Issue-Date": ISSUE_TEXT}),
        401,
        "AUTHENTICATION_REQUIRED",
    )
    problem(
        api.client.get(path, headers={**member_headers(), "X-Member-Birth-Date": "05/01/1960"}),
        422,
        "INVALID_DATE",
    )
    # docs/api.md "Credentials": in headers or body: the same in a JSON body, with GET or POST
    proof = {"bic_issue_date": ISSUE_TEXT, "birth_date": "1960-05-01"}
    assert api.client.request("GET", path, json=proof).json() == body
    assert api.client.post(path, json=proof).json() == body
    wrong = api.client.post(path, json={**proof, "birth_date": "1960-05-02"})
    problem(wrong, 404, "MEMBER_NOT_FOUND")
    problem(api.client.post(path, json={**proof, "birth_date": "05/01/1960"}), 422, "INVALID_DATE")
    problem(api.client.post(path), 401, "AUTHENTICATION_REQUIRED")


def test_import_all_or_nothing_with_every_error_path(api: Api) -> None:
    admin = api.headers("admin")
    counts = api.client.post(
        "/v1/imports",
        json={"plans": [{"code": "KP", "name": "Kaiser"}]},
        headers=admin,
    )
    assert counts.status_code == 200, counts.text
    assert_shape(schemas.ImportCounts, counts.json())
    assert counts.json()["plans"] == 1
    assert counts.json()["members"] == 0

    bad = api.client.post(
        "/v1/imports",
        json={
            "plans": [{"code": "ZZ", "name": "Never"}],
            "eligibility": [{"cin": "12345678A", "month": MONTH, "aid_code": "17", "plan": "QQ"}],
            "members": [{"cin": "bad"}],
        },
        headers=admin,
    )
    body = problem(bad, 422, "IMPORT_INVALID")
    assert any(e.startswith("members[0]") for e in body["errors"]), body
    roster = api.client.get("/v1/plans/ZZ/members", headers=api.headers("county"))
    problem(roster, 404, "PLAN_NOT_FOUND")  # nothing imported
    problem(api.client.post("/v1/imports", json=[1, 2], headers=admin), 422, "INVALID_REQUEST")
    broken = api.client.post("/v1/imports", content=b'{"plans": [', headers=admin)
    problem(broken, 422, "INVALID_REQUEST")


def test_import_takes_yaml_as_the_cli_does(api: Api) -> None:
    document = "plans:\n  - {code: KP, name: Kaiser}\n  - code: SF\n    name: SF Health Plan\n"
    yaml_headers = {**api.headers("admin"), "Content-Type": "application/yaml"}
    counts = api.client.post("/v1/imports", content=document.encode(), headers=yaml_headers)
    assert counts.status_code == 200, counts.text
    assert counts.json()["plans"] == 2
    roster = api.client.get(f"/v1/plans/SF/members?month={MONTH}", headers=api.headers("county"))
    assert roster.status_code == 200, roster.text
    bad = api.client.post("/v1/imports", content=b"plans: [unclosed", headers=yaml_headers)
    problem(bad, 422, "INVALID_REQUEST")


def test_tokens_created_by_admin_work_at_once(api: Api) -> None:
    created = api.client.post(
        "/v1/tokens", json={"role": "plan:LA", "label": "LA nightly"}, headers=api.headers("admin")
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert_shape(schemas.IssuedToken, body)
    assert body["role"] == "plan"
    assert body["plan_code"] == "LA"
    assert body["token"].startswith("sd_")
    roster = api.client.get(f"/v1/plans/LA/members?month={MONTH}", headers=bearer(body["token"]))
    assert roster.status_code == 200
    assert [m["member_id"] for m in roster.json()["members"]] == [CHILD]
    problem(
        api.client.post(
            "/v1/tokens", json={"role": "root", "label": "x"}, headers=api.headers("admin")
        ),
        422,
        "INVALID_ROLE",
    )
    problem(
        api.client.post(
            "/v1/tokens", json={"role": "plan:QQ", "label": "x"}, headers=api.headers("admin")
        ),
        404,
        "PLAN_NOT_FOUND",
    )


# --- problems ---------------------------------------------------------------------------------
def test_malformed_requests_are_422_problems_with_the_field_path(api: Api) -> None:
    body = problem(api.clear(SOC_MEMBER, PHYSICIAN, 1.234), 422, "INVALID_AMOUNT")
    assert body["field"] == "service_charge"
    problem(api.clear(SOC_MEMBER, PHYSICIAN, "12.345"), 422, "INVALID_AMOUNT")
    problem(api.clear(SOC_MEMBER, PHYSICIAN, "ten"), 422, "INVALID_AMOUNT")
    problem(api.clear(SOC_MEMBER, PHYSICIAN, True), 422, "INVALID_AMOUNT")
    for text in ("$150", "1,500.00", "1e3", "150.", ".5"):  # digits, at most two decimals
        problem(api.clear(SOC_MEMBER, PHYSICIAN, text), 422, "INVALID_AMOUNT")
    problem(api.clear(SOC_MEMBER, PHYSICIAN, "0"), 422, "INVALID_SERVICE_CHARGE")
    huge = api.client.post(
        "/v1/soc/clearances",
        content=b'{"member_id": "12345678A", "bic_issue_date": "2025-02-01", '
        b'"service_date": "2026-11-03", "billing_code": "1", "service_charge": 1e400, '
        b'"payment": "paid"}',
        headers={**basic(PHYSICIAN), "content-type": "application/json"},
    )
    problem(huge, 422, "INVALID_AMOUNT")
    nan = api.client.post(
        "/v1/soc/clearances",
        content=b'{"service_charge": NaN}',
        headers={**basic(PHYSICIAN), "content-type": "application/json"},
    )
    assert problem(nan, 422, "INVALID_REQUEST")["field"] == "body"

    # A JSON number with at most two decimals is taken exactly (never through a float).
    exact = api.clear(SOC_MEMBER, PHYSICIAN, 150.5)
    assert exact.status_code == 201, exact.text
    assert exact.json()["service_charge"] == "150.50"

    missing = dict(VERIFY_BODY)
    del missing["member_id"]
    response = api.client.post(
        "/v1/eligibility/verifications", json=missing, headers=basic(PHYSICIAN)
    )
    assert problem(response, 422, "INVALID_REQUEST")["field"] == "member_id"
    surprise = api.verify(SOC_MEMBER, PHYSICIAN, surprise=1)
    assert problem(surprise, 422, "INVALID_REQUEST")["field"] == "surprise"
    assert problem(api.verify("1234", PHYSICIAN), 422, "INVALID_MEMBER_ID")["field"] == "member_id"
    assert (
        problem(api.verify(SOC_MEMBER, PHYSICIAN, service_date="2026-02-30"), 422, "INVALID_DATE")[
            "field"
        ]
        == "service_date"
    )
    problem(
        api.verify(SOC_MEMBER, PHYSICIAN, service_date="2026-11-30"), 422, "SERVICE_DATE_IN_FUTURE"
    )

    determination = api.client.post(
        "/v1/soc/determinations",
        json={
            "month": MONTH,
            "household_size": 1,
            "incomes": [{"kind": "earned", "amount": "1.234"}],
        },
        headers=api.headers("county"),
    )
    body = problem(determination, 422, "INVALID_AMOUNT")
    assert body["field"] == "incomes[0].amount"
    assert body["errors"][0]["location"] == "body"

    not_json = api.client.post(
        "/v1/eligibility/verifications",
        content=b"{not json",
        headers={**basic(PHYSICIAN), "content-type": "application/json"},
    )
    assert problem(not_json, 422, "INVALID_REQUEST")["field"] == "body"

    month = api.client.get(
        f"/v1/soc/obligations/{SOC_MEMBER}/2026-13", headers=api.headers("county")
    )
    assert problem(month, 422, "INVALID_MONTH")["field"] == "month"
    limit = api.client.get("/v1/plans/HN/activations?limit=0", headers=api.headers("county"))
    assert problem(limit, 422, "INVALID_REQUEST")["field"] == "limit"


def test_unknown_routes_and_methods_are_problems(api: Api) -> None:
    problem(api.client.get("/v1/nothing"), 404, "NOT_FOUND")
    problem(api.client.delete("/v1/soc/clearances"), 405, "METHOD_NOT_ALLOWED")


def test_an_unexpected_error_is_a_500_problem_without_details(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError(f"boom for member {SOC_MEMBER}")

    monkeypatch.setattr(plans_service, "plan_roster", broken)
    with caplog.at_level(logging.INFO, logger="spenddown"):
        response = api.client.get("/v1/plans/HN/members", headers=api.headers("plan:HN"))
    body = problem(response, 500, "INTERNAL_ERROR")
    assert SOC_MEMBER not in response.text
    assert "boom" not in response.text
    assert "RuntimeError" in caplog.text
    assert SOC_MEMBER not in caplog.text
    records = api.client.get("/v1/audit-log", headers=api.headers("admin")).json()["records"]
    assert (records[-1]["action"], records[-1]["outcome"]) == ("plan.roster", "INTERNAL_ERROR")
    assert body["detail"]


# --- access log and application logs ----------------------------------------------------------
def test_access_log_records_accepted_and_refused_requests(api: Api) -> None:
    assert api.verify(SOC_MEMBER, PHYSICIAN).status_code == 200
    problem(api.clear(SOC_MEMBER, (PHYSICIAN[0], "0000")), 401, "INVALID_CREDENTIALS")
    problem(api.clear(SOC_MEMBER, PHYSICIAN, "1.001"), 422, "INVALID_AMOUNT")
    problem(
        api.client.get(f"/v1/soc/obligations/{SOC_MEMBER}/{MONTH}", headers=api.headers("plan:HN")),
        403,
        "FORBIDDEN",
    )
    problem(
        api.client.get(
            f"/v1/members/{SOC_MEMBER}/soc/{MONTH}", headers=member_headers(born="1999-01-01")
        ),
        404,
        "MEMBER_NOT_FOUND",
    )
    problem(
        api.client.get(f"/v1/soc/obligations/{SOC_MEMBER}/{MONTH}"), 401, "AUTHENTICATION_REQUIRED"
    )
    assert (
        api.client.get(
            f"/v1/soc/obligations/{SOC_MEMBER}/{MONTH}", headers=api.headers("county")
        ).status_code
        == 200
    )
    problem(api.client.get("/v1/audit-log", headers=basic(PHYSICIAN)), 403, "FORBIDDEN")

    log = api.client.get(f"/v1/audit-log?member_id={SOC_MEMBER}", headers=api.headers("county"))
    assert log.status_code == 200, log.text
    assert_shape(schemas.AccessLog, log.json())
    rows = [(r["role"], r["action"], r["outcome"]) for r in log.json()["records"]]
    assert rows == [
        ("provider", "eligibility.verify", "OK"),
        ("provider", "soc.clear", "INVALID_CREDENTIALS"),
        ("provider", "soc.clear", "INVALID_AMOUNT"),
        ("plan:HN", "soc.obligation", "FORBIDDEN"),
        ("member", "member.soc", "MEMBER_NOT_FOUND"),
        ("anonymous", "soc.obligation", "AUTHENTICATION_REQUIRED"),
        ("county", "soc.obligation", "OK"),
    ]
    first = log.json()["records"][0]
    assert first["actor"] == PHYSICIAN[0]
    assert first["member_id"] == SOC_MEMBER
    assert first["at"] == "2026-11-23T18:00:00Z"
    # The reading of the log is itself logged; the cursor pages.
    everything = api.client.get("/v1/audit-log", headers=api.headers("admin")).json()
    actions = [r["action"] for r in everything["records"]]
    assert actions[-1] == "audit_log.read"
    assert "audit_log.read" in actions[:-1]
    since = everything["records"][-2]["seq"]
    rest = api.client.get(f"/v1/audit-log?since={since}", headers=api.headers("admin")).json()
    assert next(r["seq"] for r in rest["records"]) == everything["records"][-1]["seq"]
    # Determinations and tokens touch no member data: not logged.
    assert "soc.determine" not in actions


def test_application_logs_carry_no_member_ids(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        assert api.verify(SOC_MEMBER, PHYSICIAN).status_code == 200
        api.client.get(f"/v1/soc/obligations/{SOC_MEMBER}/{MONTH}", headers=api.headers("county"))
        api.client.get(f"/v1/members/{SOC_MEMBER}/soc/{MONTH}", headers=member_headers())
        problem(api.verify(SOC_MEMBER, (PHYSICIAN[0], "0000")), 401, "INVALID_CREDENTIALS")
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            f"/v1/members/{SOC_MEMBER}/soc/{MONTH}?token=abc",
            "1.1",
            200,
        )
    # The app's loggers and uvicorn's (the test client's own httpx logger prints its URLs).
    text = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith(("spenddown", "uvicorn"))
    )
    assert "/v1/soc/obligations/{member_id}/{month} 200" in text
    assert "/v1/members/{member_id}/soc/{month} 200" in text
    assert SOC_MEMBER not in text
    assert "*****678A" in text
    assert "0000" not in text
    assert "1960-05-01" not in text
    assert "token=abc" not in text

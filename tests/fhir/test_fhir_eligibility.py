"""``POST /fhir/CoverageEligibilityRequest/$submit`` (issue 5) on SQLite and PostgreSQL: the
same verification as ``POST /v1/eligibility/verifications`` for every case of docs/rules.md §2 and
§4 (unmet SOC, certified, LTC, dual aid codes, restricted scope, no eligibility), every answer
valid FHIR, and bad input answered with an OperationOutcome and a 4xx."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fhir_support import (
    ELIGIBILITY,
    comparable_verification,
    eligibility_request,
    outcome,
    parsed_back,
    sample,
    verification_of,
    verify,
)

from e2e.api_support import Api, basic, make_api
from spenddown.adapters.fhir import codes
from spenddown.domain.identifiers import card_id
from support.world import CLINIC, ISSUE, LTC_HOME, MONTH, PHYSICIAN, SOC_MEMBER


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    yield made
    made.close()


def _certify(api: Api) -> None:
    path = f"/v1/cases/C-1001/budget-units/A/soc/{MONTH}/certification"
    assert api.client.post(path, json={}, headers=api.headers("county")).status_code == 200


def _clear(api: Api) -> None:
    assert api.clear(SOC_MEMBER, CLINIC, "150.00").status_code == 201


def _cycle(api: Api) -> None:
    response = api.client.post(f"/v1/cycles/{MONTH}/start", json={}, headers=api.headers("county"))
    assert response.status_code == 200, response.text


def _nothing(api: Api) -> None:
    return None


# (case, member, provider, setup)
CASES: list[tuple[str, str, tuple[str, str], Callable[[Api], None]]] = [
    ("unmet SOC", SOC_MEMBER, PHYSICIAN, _nothing),
    ("partly cleared", SOC_MEMBER, PHYSICIAN, _clear),
    ("certified by the county", SOC_MEMBER, PHYSICIAN, _certify),
    ("LTC auto-certified", "55555555E", LTC_HOME, _cycle),
    ("dual aid codes", "66666666F", PHYSICIAN, _nothing),
    ("CMSP and Medi-Cal SOC", "77777777G", PHYSICIAN, _nothing),
    ("restricted scope", "88888888H", PHYSICIAN, _nothing),
    ("no eligibility", "99999999J", PHYSICIAN, _nothing),
]


@pytest.mark.parametrize(("case", "cin", "provider", "setup"), CASES, ids=[c[0] for c in CASES])
def test_same_verification_as_the_rest_api(
    api: Api, case: str, cin: str, provider: tuple[str, str], setup: Callable[[Api], None]
) -> None:
    setup(api)
    rest = api.verify(cin, provider)
    assert rest.status_code == 200, rest.text
    answered = verify(api, provider, eligibility_request(cin))
    assert answered.status_code == 200, answered.text
    body = parsed_back(answered, "CoverageEligibilityResponse")
    assert verification_of(body) == comparable_verification(rest.json()), case
    assert body["outcome"] == "complete"
    assert body["request"]["identifier"]["value"] == "REQ-0001"
    assert body["requestor"]["identifier"] == {"system": codes.NPI, "value": provider[0]}
    assert body["insurance"][0]["benefitPeriod"] == {"start": "2026-11-01", "end": "2026-11-30"}


def test_the_share_of_cost_benefit_and_the_evc(api: Api) -> None:
    """SOC $600 with $150 cleared: allowed 600, used 150, remaining 450 in the disposition;
    certified by the county: inforce, with a new EVC as identifier and preAuthRef."""
    _clear(api)
    body = parsed_back(
        verify(api, PHYSICIAN, sample("eligibility-request.json")), "CoverageEligibilityResponse"
    )
    medi_cal = body["insurance"][0]
    assert medi_cal["inforce"] is False
    [benefit] = medi_cal["item"][0]["benefit"]
    assert benefit["type"]["coding"][0]["code"] == "share-of-cost"
    assert (benefit["allowedMoney"]["value"], benefit["usedMoney"]["value"]) == (600, 150)
    assert body["disposition"] == "MEDI-CAL ELIGIBLE WITH $00600 SOC. REMAINING SOC $450.00."
    assert "preAuthRef" not in body
    # The plan (potential enrollee while the SOC is unmet) and the PPO as insurance entries.
    assert [i["coverage"]["reference"] for i in body["insurance"]] == [
        "#medi-cal",
        "#plan",
        "#ohc-P",
    ]
    _certify(api)
    body = parsed_back(
        verify(api, PHYSICIAN, sample("eligibility-request.json")), "CoverageEligibilityResponse"
    )
    assert body["insurance"][0]["inforce"] is True
    evc = body["preAuthRef"]
    assert body["identifier"] == [{"system": codes.EVC, "value": evc}]
    assert len(evc) == 10
    plan = next(c for c in body["contained"] if c["id"] == "plan")
    assert plan["extension"][0]["valueCode"] == "01"


def test_a_card_id_a_logical_reference_and_a_parameters_envelope(api: Api) -> None:
    body = eligibility_request(SOC_MEMBER)
    identifier = body["contained"][0]["identifier"][0]
    body["contained"] = []
    card = card_id(SOC_MEMBER, ISSUE)  # the 14-character ID on the card
    body["patient"] = {"identifier": {**identifier, "value": card}}
    wrapped = {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": body}]}
    answered = verify(api, PHYSICIAN, wrapped)
    assert answered.status_code == 200, answered.text
    assert (
        parsed_back(answered, "CoverageEligibilityResponse")["patient"]["identifier"]["value"]
        == SOC_MEMBER
    )


def test_bad_input_is_an_operation_outcome(api: Api) -> None:
    post = api.client.post
    raw = {**basic(PHYSICIAN), "Content-Type": "application/fhir+json"}
    outcome(post(ELIGIBILITY, content=b"{not json", headers=raw), 400, "INVALID_RESOURCE")
    outcome(post(ELIGIBILITY, content=b"[1, 2]", headers=raw), 400, "INVALID_RESOURCE")
    wrong_type = outcome(verify(api, PHYSICIAN, {"resourceType": "Claim"}), 400, "INVALID_RESOURCE")
    assert wrong_type["issue"][0]["expression"] == ["CoverageEligibilityRequest.resourceType"]
    incomplete = eligibility_request(SOC_MEMBER)
    del incomplete["insurer"], incomplete["patient"]
    missing = outcome(verify(api, PHYSICIAN, incomplete), 400, "INVALID_RESOURCE", "structure")
    assert {e for i in missing["issue"] for e in i["expression"]} == {
        "CoverageEligibilityRequest.insurer",
        "CoverageEligibilityRequest.patient",
    }
    no_date = eligibility_request(SOC_MEMBER)
    del no_date["servicedDate"]
    assert outcome(verify(api, PHYSICIAN, no_date), 422, "INVALID_REQUEST", "required")["issue"][0][
        "expression"
    ] == ["CoverageEligibilityRequest.servicedDate"]
    no_issue = eligibility_request(SOC_MEMBER)
    del no_issue["contained"][0]["identifier"][0]["period"]
    assert outcome(verify(api, PHYSICIAN, no_issue), 422, "INVALID_REQUEST", "required")["issue"][
        0
    ]["expression"] == ["CoverageEligibilityRequest.contained[0].identifier.period.start"]
    bad_id = outcome(
        verify(api, PHYSICIAN, eligibility_request("12345")), 422, "INVALID_MEMBER_ID", "invalid"
    )
    assert bad_id["issue"][0]["expression"] == [
        "CoverageEligibilityRequest.contained[0].identifier.value"
    ]
    outcome(
        verify(api, PHYSICIAN, eligibility_request(SOC_MEMBER, service_date="2026-12-01")),
        422,
        "SERVICE_DATE_IN_FUTURE",
    )
    outcome(
        verify(api, PHYSICIAN, eligibility_request(SOC_MEMBER, issue="2025-02-02")),
        404,
        "MEMBER_NOT_FOUND",
    )
    outcome(
        verify(api, PHYSICIAN, eligibility_request(SOC_MEMBER, npi=CLINIC[0])), 403, "FORBIDDEN"
    )
    denied = verify(api, (PHYSICIAN[0], "0000"), eligibility_request(SOC_MEMBER))
    outcome(denied, 401, "INVALID_CREDENTIALS")
    assert denied.headers["www-authenticate"].startswith("Basic")
    outcome(post(ELIGIBILITY, json=eligibility_request(SOC_MEMBER)), 401, "AUTHENTICATION_REQUIRED")
    county = post(ELIGIBILITY, json=eligibility_request(SOC_MEMBER), headers=api.headers("county"))
    outcome(county, 403, "FORBIDDEN")
    xml = {**basic(PHYSICIAN), "Content-Type": "application/fhir+xml"}
    outcome(post(ELIGIBILITY, content=b"<x/>", headers=xml), 415, "UNSUPPORTED_MEDIA_TYPE")


def test_requests_are_in_the_access_log(api: Api) -> None:
    assert verify(api, PHYSICIAN, eligibility_request(SOC_MEMBER)).status_code == 200
    outcome(
        verify(api, PHYSICIAN, eligibility_request(SOC_MEMBER, issue="2025-02-02")),
        404,
        "MEMBER_NOT_FOUND",
    )
    log = api.client.get("/v1/audit-log?limit=50", headers=api.headers("admin"))
    assert log.status_code == 200, log.text
    rows = [
        (r["role"], r["action"], r["member_id"], r["outcome"])
        for r in log.json()["records"]
        if r["action"] == "eligibility.verify"
    ]
    assert rows == [
        ("provider", "eligibility.verify", SOC_MEMBER, "OK"),
        ("provider", "eligibility.verify", SOC_MEMBER, "MEMBER_NOT_FOUND"),
    ]


def test_the_cmsp_share_of_cost_is_its_own_insurance(api: Api) -> None:
    """77777777G: Medi-Cal SOC $300 (aid code 17) and CMSP SOC $200 (aid code 88) in one unit.
    Medi-Cal's is insurance[0]'s benefit; CMSP's is an insurance entry of its own (contained
    Coverage #cmsp), not only a sentence of the disposition."""
    body = parsed_back(
        verify(api, PHYSICIAN, eligibility_request("77777777G")), "CoverageEligibilityResponse"
    )
    by_coverage = {i["coverage"]["reference"]: i for i in body["insurance"]}
    assert list(by_coverage) == ["#medi-cal", "#cmsp"]

    def soc(entry: dict[str, Any]) -> tuple[Any, ...]:
        [item] = entry["item"]
        [benefit] = item["benefit"]
        program = next(
            e["valueCode"] for e in item["extension"] if e["url"] == codes.EXT_SOC_PROGRAM
        )
        return program, benefit["allowedMoney"]["value"], benefit["usedMoney"]["value"]

    assert soc(by_coverage["#medi-cal"]) == ("medi-cal", 300, 0)
    assert soc(by_coverage["#cmsp"]) == ("cmsp", 200, 0)
    assert by_coverage["#cmsp"]["inforce"] is False  # unmet
    assert by_coverage["#cmsp"]["benefitPeriod"] == {"start": "2026-11-01", "end": "2026-11-30"}
    cmsp = next(c for c in body["contained"] if c["id"] == "cmsp")
    assert cmsp["payor"] == [{"display": "CMSP (County Medical Services Program)"}]
    # A member with one program has no second SOC entry.
    single = parsed_back(
        verify(api, PHYSICIAN, eligibility_request(SOC_MEMBER)), "CoverageEligibilityResponse"
    )
    assert "cmsp" not in {c["id"] for c in single["contained"]}

"""Issue 13: CoverageEligibilityRequests as EHRs send them, on SQLite and PostgreSQL: the member
in the Coverage (``subscriberId``, an identifier of type MB, the card issue date in
``period.start``), contained or in a Bundle (bare or in Parameters), the provider's NPI on a
Practitioner; a member spenddown cannot find answered with ``outcome`` error; business-rule
misses as 422 with ``required``/``invalid``; a Claim in a Bundle."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from fhir_support import (
    as_bundle,
    comparable_verification,
    ehr_request,
    outcome,
    parsed_back,
    sample,
    submit,
    verification_of,
    verify,
)

from e2e.api_support import Api, make_api
from spenddown.adapters.fhir import codes
from support.world import CLINIC, PHYSICIAN, SOC_MEMBER

Json = dict[str, Any]
CHILD = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
            "code": "child",
        }
    ]
}


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    yield made
    made.close()


def same_as_rest(api: Api, body: Json, cin: str = SOC_MEMBER) -> Json:
    answered = verify(api, PHYSICIAN, body)
    found = parsed_back(answered, "CoverageEligibilityResponse")
    rest = api.verify(cin, PHYSICIAN)
    assert rest.status_code == 200, rest.text
    assert verification_of(found) == comparable_verification(rest.json())
    assert found["outcome"] == "complete"
    return found


def params(resource: Json) -> Json:
    return {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": resource}]}


def test_the_member_is_read_from_the_coverage(api: Api) -> None:
    found = same_as_rest(api, ehr_request(SOC_MEMBER))
    assert found["request"]["identifier"]["value"] == "EHR-1"
    # subscriberId alone (the patient is the subscriber) ...
    only_subscriber = ehr_request(SOC_MEMBER, identifier=None)
    del only_subscriber["contained"][1]["identifier"]
    same_as_rest(api, only_subscriber)
    # ... or the MB identifier alone, whatever its system.
    only_mb = ehr_request(SOC_MEMBER)
    del only_mb["contained"][1]["subscriberId"]
    same_as_rest(api, only_mb)


def test_a_bundle_bare_or_in_parameters(api: Api) -> None:
    for kind in ("collection", "transaction", "batch"):
        same_as_rest(api, as_bundle(ehr_request(SOC_MEMBER), kind))
    same_as_rest(api, params(as_bundle(ehr_request(SOC_MEMBER))))
    # Absolute references to the Bundle's entries resolve too.
    absolute = as_bundle(ehr_request(SOC_MEMBER))
    request = absolute["entry"][0]["resource"]
    request["insurance"][0]["coverage"]["reference"] = "http://ehr.example/fhir/Coverage/cov1"
    same_as_rest(api, absolute)


def test_the_provider_on_a_practitioner_must_be_the_caller(api: Api) -> None:
    body = ehr_request(SOC_MEMBER)
    practitioner = {
        "resourceType": "Practitioner",
        "id": "doc",
        "identifier": [{"system": codes.NPI, "value": PHYSICIAN[0]}],
    }
    body["contained"].append(practitioner)
    body["provider"] = {"reference": "#doc"}
    same_as_rest(api, body)
    practitioner["identifier"][0]["value"] = CLINIC[0]
    outcome(verify(api, PHYSICIAN, body), 403, "FORBIDDEN", "forbidden")
    bundled = as_bundle(body)
    outcome(verify(api, PHYSICIAN, bundled), 403, "FORBIDDEN", "forbidden")


def test_a_member_spenddown_cannot_find_is_an_error_in_the_response(api: Api) -> None:
    """The HL7 example's shape (references to the sender's server), a Patient with only the
    EHR's record number, and a dependent's Coverage with only the subscriber's ID: answered,
    ``outcome`` error, nobody looked up (no lockout count), the access log says why."""
    stored = ehr_request(SOC_MEMBER)
    stored["contained"] = []
    stored["patient"] = {"reference": "Patient/pat1"}
    stored["insurance"] = [{"coverage": {"reference": "Coverage/9876B1"}}]
    no_member_id = ehr_request(SOC_MEMBER)
    del no_member_id["contained"][1]
    no_member_id["insurance"] = [{"coverage": {"display": "Medi-Cal"}}]
    dependent = ehr_request(SOC_MEMBER, relationship=CHILD)
    del dependent["contained"][1]["identifier"]
    for body in (stored, no_member_id, dependent) * 2:  # 6 refusals: fewer than 5 would lock
        answered = verify(api, PHYSICIAN, body)
        found = parsed_back(answered, "CoverageEligibilityResponse")
        assert found["outcome"] == "error"
        [error] = found["error"]
        assert error["code"]["coding"][0]["code"] == "MEMBER_NOT_FOUND"
        assert "insurance" not in found
        assert "preAuthRef" not in found
        assert found["requestor"]["identifier"]["value"] == PHYSICIAN[0]
    assert parsed_back(verify(api, PHYSICIAN, stored), "CoverageEligibilityResponse")[
        "patient"
    ] == {"type": "Patient", "display": "Patient/pat1 (as the request names it)"}
    same_as_rest(api, ehr_request(SOC_MEMBER))  # not locked
    # The credentials are still checked.
    outcome(verify(api, (PHYSICIAN[0], "0000"), stored), 401, "INVALID_CREDENTIALS", "login")
    log = api.client.get("/v1/audit-log?limit=50", headers=api.headers("admin")).json()
    outcomes = [r["outcome"] for r in log["records"] if r["action"] == "eligibility.verify"]
    assert outcomes.count("MEMBER_NOT_FOUND") == 7


def test_business_rule_misses_are_422_structural_garbage_400(api: Api) -> None:
    other = ehr_request(SOC_MEMBER)
    other["contained"][0]["identifier"].append(
        {"system": codes.MEMBER_ID, "value": "22222222B", "period": {"start": "2025-02-01"}}
    )
    refused = outcome(verify(api, PHYSICIAN, other), 422, "INVALID_MEMBER_ID", "invalid")
    assert "another member" in refused["issue"][0]["details"]["text"]
    no_issue = ehr_request(SOC_MEMBER)
    del no_issue["contained"][1]["period"]
    missing = outcome(verify(api, PHYSICIAN, no_issue), 422, "INVALID_REQUEST", "required")
    assert missing["issue"][0]["expression"] == [
        "CoverageEligibilityRequest.contained[1].period.start"
    ]
    no_date = ehr_request(SOC_MEMBER)
    del no_date["servicedDate"]
    outcome(verify(api, PHYSICIAN, no_date), 422, "INVALID_REQUEST", "required")
    document = as_bundle(ehr_request(SOC_MEMBER), "document")
    outcome(verify(api, PHYSICIAN, document), 422, "INVALID_REQUEST", "invalid")
    two = as_bundle(ehr_request(SOC_MEMBER))
    two["entry"].append(copy.deepcopy(two["entry"][0]))
    outcome(verify(api, PHYSICIAN, two), 422, "INVALID_REQUEST", "invalid")
    empty_parameters = {"resourceType": "Parameters", "parameter": [{"name": "other"}]}
    outcome(verify(api, PHYSICIAN, empty_parameters), 422, "INVALID_REQUEST", "required")
    # Not valid FHIR: 400 "structure", every problem with its path.
    broken = as_bundle(ehr_request(SOC_MEMBER))
    broken["entry"][0]["resource"]["status"] = 7
    garbage = outcome(verify(api, PHYSICIAN, broken), 400, "INVALID_RESOURCE", "structure")
    assert garbage["issue"][0]["expression"][0].startswith("Bundle.entry[0]")
    outcome(verify(api, PHYSICIAN, {"resourceType": "Bundle"}), 400, "INVALID_RESOURCE")
    # Found by fuzzing: JSON nulls the model lets through, a non-array parameter list.
    null_patient = ehr_request(SOC_MEMBER)
    null_patient["patient"] = None
    outcome(verify(api, PHYSICIAN, null_patient), 400, "INVALID_RESOURCE", "structure")
    null_coverage = ehr_request(SOC_MEMBER)
    null_coverage["insurance"][0]["coverage"] = None
    outcome(verify(api, PHYSICIAN, null_coverage), 400, "INVALID_RESOURCE", "structure")
    not_a_list = {"resourceType": "Parameters", "parameter": True}
    outcome(verify(api, PHYSICIAN, not_a_list), 400, "INVALID_RESOURCE", "structure")
    # A patient reference naming a contained resource that is not a Patient: not identified.
    wrong_kind = ehr_request(SOC_MEMBER)
    wrong_kind["patient"] = {"reference": "#cov1"}
    del wrong_kind["contained"][1]["subscriberId"], wrong_kind["contained"][1]["identifier"]
    answered = parsed_back(verify(api, PHYSICIAN, wrong_kind), "CoverageEligibilityResponse")
    assert answered["outcome"] == "error"


def test_a_claim_in_a_bundle_with_its_patient(api: Api) -> None:
    claim = sample("claim-d4-medicare.json")
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [
            {"system": codes.MEMBER_ID, "value": claim["patient"]["identifier"]["value"]}
        ],
    }
    claim["id"] = "c1"
    claim["patient"] = {"reference": "Patient/p1"}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:claim-1", "resource": claim},
            {"fullUrl": "urn:uuid:patient-1", "resource": patient},
        ],
    }
    found = parsed_back(submit(api, bundle, PHYSICIAN), "ClaimResponse")
    assert found["patient"]["identifier"]["value"] == patient["identifier"][0]["value"]
    assert found["identifier"][0]["value"] == claim["identifier"][0]["value"]
    claim["patient"] = {"reference": "urn:uuid:patient-1"}
    claim["identifier"][0]["value"] = "CLM-BUNDLE-2"
    assert submit(api, bundle, PHYSICIAN).status_code == 200
    claim["patient"] = {"reference": "Patient/elsewhere"}
    claim["identifier"][0]["value"] = "CLM-BUNDLE-3"
    outcome(submit(api, bundle, PHYSICIAN), 422, "INVALID_REQUEST", "invalid")

"""``POST /fhir/Claim/$submit`` (issue 5) on SQLite and PostgreSQL: the same adjudication as
``POST /v1/claims`` for the worked examples of docs/rules.md §5 (D4, D5b, D6) and for denials, as a
ClaimResponse with CARIN Blue Button adjudication amounts; the sample file; bad claims answered
with an OperationOutcome and a 4xx."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fhir_support import (
    CLAIM,
    adjudication_of,
    fhir_claim,
    outcome,
    parsed_back,
    sample,
    submit,
)

from e2e.api_support import SERVICE_DATE, Api, basic, make_api
from spenddown.adapters.fhir import codes
from support.world import CLINIC, MONTH, PHYSICIAN, SOC_MEMBER

FEES: dict[str, Any] = {
    "fee_schedule": [
        {"procedure_code": "99213", "effective": "2026-01-01", "allowed_per_unit": "95.00"},
        {"procedure_code": "99215", "effective": "2026-01-01", "allowed_per_unit": "140.00"},
        {"procedure_code": "99212", "effective": "2026-01-01", "allowed_per_unit": "60.00"},
    ]
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
    made.world.load(copy.deepcopy(FEES))
    yield made
    made.close()


def certify(api: Api) -> None:
    path = f"/v1/cases/C-1001/budget-units/A/soc/{MONTH}/certification"
    assert api.client.post(path, json={}, headers=api.headers("county")).status_code == 200


def rest_claim(
    claim_id: str,
    code: str,
    charge: str,
    primary_line: dict[str, str] | None,
    primary: dict[str, str] | None,
    soc: str = "0.00",
) -> dict[str, Any]:
    return {
        "claim_id": claim_id,
        "provider_npi": PHYSICIAN[0],
        "member_id": SOC_MEMBER,
        "soc_amount": soc,
        "primary": primary,
        "lines": [
            {
                "service_date": SERVICE_DATE,
                "procedure_code": code,
                "units": 1,
                "charge": charge,
                "primary": primary_line,
            }
        ],
    }


MEDICARE_LINE = {"allowed": "100.00", "paid": "80.00", "coinsurance": "20.00"}
COMMERCIAL_LINE = {"allowed": "150.00", "paid": "120.00", "copay": "30.00"}
# (case, certified, REST claim, expected (status, medi_cal_paid, member_owes, write-off, CARC))
CASES: list[tuple[str, bool, dict[str, Any], tuple[str, str, str, str, str | None]]] = [
    (
        "D4 Medicare crossover",
        True,
        rest_claim("CLM", "99213", "120.00", MEDICARE_LINE, MEDICARE),
        ("paid", "15.00", "0.00", "5.00", None),
    ),
    (
        "D5b commercial",
        True,
        rest_claim("CLM", "99215", "150.00", COMMERCIAL_LINE, COMMERCIAL),
        ("paid", "20.00", "0.00", "10.00", None),
    ),
    (
        "D6 SOC on the claim",
        True,
        rest_claim(
            "CLM",
            "99212",
            "80.00",
            {"allowed": "60.00", "paid": "40.00", "coinsurance": "20.00"},
            MEDICARE,
            soc="10.00",
        ),
        ("paid", "10.00", "10.00", "0.00", None),
    ),
    (
        "denied: SOC unmet",
        False,
        rest_claim("CLM", "99213", "100.00", None, None),
        ("denied", "0.00", "100.00", "0.00", "178"),
    ),
    (
        "denied: bill the other coverage first",
        True,
        rest_claim("CLM", "99213", "100.00", None, None),
        ("denied", "0.00", "0.00", "0.00", "22"),
    ),
    (
        "denied by the primary for missing information",
        True,
        rest_claim(
            "CLM",
            "99213",
            "100.00",
            {"allowed": "0.00", "paid": "0.00", "denial_carc": "16"},
            COMMERCIAL,
        ),
        # the provider's error: it writes off the whole charge; the member owes nothing
        ("denied", "0.00", "0.00", "100.00", "16"),
    ),
]


@pytest.mark.parametrize(
    ("case", "certified", "claim", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_same_adjudication_as_the_rest_api(
    api: Api,
    case: str,
    certified: bool,
    claim: dict[str, Any],
    expected: tuple[str, str, str, str, str | None],
) -> None:
    if certified:
        certify(api)
    rest = api.client.post(
        "/v1/claims", json={**claim, "claim_id": "CLM-REST"}, headers=basic(PHYSICIAN)
    )
    assert rest.status_code == 201, rest.text
    answered = submit(api, fhir_claim({**claim, "claim_id": "CLM-FHIR"}), PHYSICIAN)
    assert answered.status_code == 200, answered.text
    body = parsed_back(answered, "ClaimResponse")
    from_fhir = adjudication_of(body)
    from_rest = json.loads(json.dumps(rest.json()).replace("CLM-REST", "CLM-FHIR"))
    assert from_fhir == from_rest, case
    status, paid, owes, write_off, carc = expected
    line = from_fhir["lines"][0]
    assert (from_fhir["status"], line["medi_cal_paid"], line["member_owes"]) == (status, paid, owes)
    assert line["provider_write_off"] == write_off
    assert (line["denial"] or {}).get("carc") == carc
    assert body["outcome"] == "complete"
    assert body["request"]["identifier"] == {"system": codes.CLAIM_ID, "value": "CLM-FHIR"}
    assert body["processNote"], "the explanation is in the process notes"
    if float(paid):
        assert body["payment"]["amount"]["value"] == float(paid)
    else:
        assert "payment" not in body


def test_the_sample_claim_d4(api: Api) -> None:
    """tests/resources/fhir/claim-d4-medicare.json: Medi-Cal pays min(L = 20, A − P = 15)."""
    certify(api)
    answered = submit(api, sample("claim-d4-medicare.json"), PHYSICIAN)
    assert answered.status_code == 200, answered.text
    body = parsed_back(answered, "ClaimResponse")
    [item] = body["item"]
    amounts = {
        (a["category"]["coding"][0]["system"], a["category"]["coding"][0]["code"]): a["amount"][
            "value"
        ]
        for a in item["adjudication"]
        if "amount" in a and a["category"]["coding"][0]["code"] != "adjustmentreason"
    }
    assert amounts[(codes.ADJUDICATION, "submitted")] == 120
    assert amounts[(codes.ADJUDICATION, "eligible")] == 95
    assert amounts[(codes.C4BB_ADJUDICATION, "priorpayerpaid")] == 80
    assert amounts[(codes.C4BB_ADJUDICATION, "paidtoprovider")] == 15
    assert amounts[(codes.ADJUDICATION, "benefit")] == 15
    assert amounts[(codes.C4BB_ADJUDICATION, "memberliability")] == 0
    adjustments = sorted(
        (a["reason"]["coding"][1]["code"], a["reason"]["coding"][0]["code"], a["amount"]["value"])
        for a in item["adjudication"]
        if a["category"]["coding"][0]["code"] == "adjustmentreason"
    )
    assert adjustments == [("CO", "45", 5), ("OA", "23", 80)]
    assert body["disposition"].startswith("Claim paid")
    # Stored like a REST claim: the same claim ID again is a duplicate, and REST reads it.
    outcome(submit(api, sample("claim-d4-medicare.json"), PHYSICIAN), 409, "DUPLICATE_CLAIM")
    stored = api.client.get("/v1/claims/CLM-D4", headers=basic(PHYSICIAN))
    assert stored.status_code == 200, stored.text
    assert adjudication_of(body) == stored.json()


def test_bad_claims_are_operation_outcomes(api: Api) -> None:
    certify(api)
    good = fhir_claim(rest_claim("CLM-BAD", "99213", "120.00", MEDICARE_LINE, MEDICARE))

    def variant(**changes: Any) -> dict[str, Any]:
        body = copy.deepcopy(good)
        for path, value in changes.items():
            target = body
            *parents, last = path.split("__")
            for part in parents:
                target = target[int(part)] if part.isdigit() else target[part]
            if value is None:
                del target[last]
            else:
                target[last] = value
        return body

    amount = outcome(
        submit(api, variant(item__0__net={"value": 1.234, "currency": "USD"}), PHYSICIAN),
        422,
        "INVALID_AMOUNT",
    )
    assert amount["issue"][0]["expression"] == ["Claim.item[0].net.value"]
    euros = outcome(
        submit(api, variant(item__0__net={"value": 10, "currency": "EUR"}), PHYSICIAN),
        422,
        "INVALID_REQUEST",
        "invalid",
    )
    assert euros["issue"][0]["expression"] == ["Claim.item[0].net.currency"]
    outcome(submit(api, variant(item__0__quantity={"value": 1.5}), PHYSICIAN), 422, "INVALID_CLAIM")
    # A valid Claim without what spenddown needs: 422 "required"; not a valid Claim: 400.
    outcome(submit(api, variant(item__0__net=None), PHYSICIAN), 422, "INVALID_REQUEST", "required")
    outcome(submit(api, variant(item=None), PHYSICIAN), 422, "INVALID_REQUEST", "required")
    outcome(
        submit(api, variant(provider={"display": "x"}), PHYSICIAN),
        422,
        "INVALID_REQUEST",
        "required",
    )
    outcome(submit(api, variant(status=None), PHYSICIAN), 400, "INVALID_RESOURCE", "structure")
    npi = variant(provider={"identifier": {"system": codes.NPI, "value": "1234567890"}})
    outcome(submit(api, npi, PHYSICIAN), 422, "INVALID_NPI")
    payer = variant(contained__0__type={"coding": [{"system": codes.PAYER_TYPE, "code": "x"}]})
    assert outcome(submit(api, payer, PHYSICIAN), 422, "INVALID_REQUEST", "invalid")["issue"][0][
        "expression"
    ] == ["Claim.insurance[0].coverage"]
    stored = variant(insurance__0__claimResponse={"reference": "ClaimResponse/1"})
    outcome(submit(api, stored, PHYSICIAN), 422, "INVALID_REQUEST", "invalid")
    outcome(
        submit(api, variant(item__0__servicedDate="2026-12-01"), PHYSICIAN),
        422,
        "SERVICE_DATE_IN_FUTURE",
    )
    outcome(submit(api, good, CLINIC), 403, "FORBIDDEN")
    outcome(submit(api, good, (PHYSICIAN[0], "0000")), 401, "INVALID_CREDENTIALS")
    two_primaries = variant()
    two_primaries["insurance"].insert(1, {**two_primaries["insurance"][0], "sequence": 3})
    outcome(submit(api, two_primaries, PHYSICIAN), 422, "INVALID_REQUEST", "invalid")
    # None of these was stored: the good claim goes through once.
    assert submit(api, good, PHYSICIAN).status_code == 200
    outcome(submit(api, good, PHYSICIAN), 409, "DUPLICATE_CLAIM")
    raw = {**basic(PHYSICIAN), "Content-Type": "application/fhir+json"}
    outcome(api.client.post(CLAIM, content=b'{"a": NaN', headers=raw), 400, "INVALID_RESOURCE")

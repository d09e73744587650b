"""Issue 5, "done when": every verification and adjudication case of the REST API gives the same
result through X12 (270 → 271, 837P → 835 via ``POST /v1/x12``) and through FHIR
(``$submit`` of a CoverageEligibilityRequest or a Claim), on SQLite and PostgreSQL.

Each answer is reduced to one small dict (interop_support.py: eligible, EVC present, eligibility
status, aid codes, SOC amount and remaining, plan code and HCP status, OHC codes; per claim
line: status, denial CARC, Medi-Cal paid, member owes) and the three must be equal to each
other AND to the literal written here (docs/rules.md §2, §4, §5), so that the test also fails when
the three interfaces are wrong together. The world is tests/support/world.py (fixed clock
2026-11-23, service date 2026-11-03) plus a fee schedule and a pay-and-chase (OHC A) member."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from interop_support import (
    CLAIM,
    ELIGIBILITY,
    X12_HEADERS,
    eligibility_request,
    fhir_claim,
    from_271,
    from_835,
    from_adjudication,
    from_claim_response,
    from_coverage_eligibility_response,
    from_verification,
    inquiry_270,
    submission_837,
    with_claim_id,
)

from e2e.api_support import ISSUE_TEXT, SERVICE_DATE, Api, basic, make_api
from support.world import CLINIC, LTC_HOME, MONTH, PHYSICIAN, SOC_MEMBER

PAY_AND_CHASE = "12121212K"  # OHC code A, fee-for-service, aid code 34 (no SOC)
DATA: dict[str, Any] = {
    "members": [
        {
            "cin": PAY_AND_CHASE,
            "bic_issue_date": ISSUE_TEXT,
            "first_name": "Pat",
            "last_name": "Chase",
            "birth_date": "1970-01-01",
        }
    ],
    "eligibility": [
        {
            "cin": PAY_AND_CHASE,
            "month": MONTH,
            "aid_code": "34",
            "county_code": "19",
            "ohc_codes": ["A"],
        }
    ],
    "fee_schedule": [
        {"procedure_code": code, "effective": "2026-01-01", "allowed_per_unit": fee}
        for code, fee in (
            ("99211", "70.00"),  # D4b
            ("99212", "60.00"),  # D6
            ("99213", "95.00"),  # D4
            ("99214", "100.00"),  # D5
            ("99215", "140.00"),  # D5b
            ("10060", "40.00"),  # W3: incision and drainage
        )
    ],
}


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    made.world.load(copy.deepcopy(DATA))
    yield made
    made.close()


# --- setups -------------------------------------------------------------------------------------
def certify(unit: str = "A") -> Callable[[Api], None]:
    def run(api: Api) -> None:
        path = f"/v1/cases/C-1001/budget-units/{unit}/soc/{MONTH}/certification"
        response = api.client.post(path, json={}, headers=api.headers("county"))
        assert response.status_code == 200, response.text

    return run


def clear(charge: str) -> Callable[[Api], None]:
    def run(api: Api) -> None:
        assert api.clear(SOC_MEMBER, CLINIC, charge).status_code == 201

    return run


def cycle_start(api: Api) -> None:
    response = api.client.post(f"/v1/cycles/{MONTH}/start", json={}, headers=api.headers("county"))
    assert response.status_code == 200, response.text


def nothing(api: Api) -> None:
    return None


@dataclass(frozen=True)
class Case:
    name: str
    expected: dict[str, Any]
    setup: Callable[[Api], None] = nothing
    provider: tuple[str, str] = PHYSICIAN
    # a verification
    member: str | None = None
    issue: str = ISSUE_TEXT
    service_date: str = SERVICE_DATE
    # or a claim (a REST body)
    claim: dict[str, Any] = field(default_factory=dict)


# --- verifications (docs/rules.md §2, §4) ---------------------------------------------------------
UNMET = {
    "eligible": False,
    "evc": False,
    "eligibility_status": "5",
    "aid_codes": [],
    "soc": {"amount": "600.00", "remaining": "600.00"},
    "plan": {"code": "HN", "hcp_status": "55"},
    "ohc": ["P"],
}
CERTIFIED = {
    **UNMET,
    "eligible": True,
    "evc": True,
    "eligibility_status": "3",
    "aid_codes": ["17"],
    "plan": {"code": "HN", "hcp_status": "01"},
}
NOT_FOUND = {"refused": "MEMBER_NOT_FOUND"}
VERIFICATIONS = [
    Case("unmet SOC", UNMET, member=SOC_MEMBER),
    Case(
        "partly cleared SOC",
        {**UNMET, "soc": {"amount": "600.00", "remaining": "450.00"}},
        clear("150.00"),
        member=SOC_MEMBER,
    ),
    Case(
        "certified by clearances",
        {**CERTIFIED, "soc": {"amount": "600.00", "remaining": "0.00"}},
        clear("600.00"),
        member=SOC_MEMBER,
    ),
    Case(
        "certified by the county",
        {**CERTIFIED, "soc": {"amount": "600.00", "remaining": "0.00"}},
        certify("A"),
        member=SOC_MEMBER,
    ),
    Case(
        "LTC auto-certified",
        {
            "eligible": True,
            "evc": True,
            "eligibility_status": "1",
            "aid_codes": ["13"],
            "soc": {"amount": "800.00", "remaining": "800.00"},
            "plan": None,
            "ohc": [],
        },
        cycle_start,
        LTC_HOME,
        member="55555555E",
    ),
    Case(
        "dual aid codes: non-SOC eligible, SOC unmet",
        {
            "eligible": True,
            "evc": True,
            "eligibility_status": "0",  # MEDS: eligible
            "aid_codes": ["34"],
            "soc": {"amount": "250.00", "remaining": "250.00"},
            "plan": None,
            "ohc": [],
        },
        member="66666666F",
    ),
    Case(
        "CMSP and Medi-Cal SOC",
        {
            "eligible": False,
            "evc": False,
            "eligibility_status": "5",
            "aid_codes": [],
            "soc": {"amount": "300.00", "remaining": "300.00"},
            "plan": None,
            "ohc": [],
        },
        member="77777777G",
    ),
    Case(
        "restricted scope",
        {
            "eligible": True,
            "evc": True,
            "eligibility_status": "3",  # MEDS: eligible with conditions
            "aid_codes": ["C1"],
            "soc": None,
            "plan": None,
            "ohc": [],
        },
        member="88888888H",
    ),
    Case(
        "no eligibility",
        {
            "eligible": False,
            "evc": False,
            "eligibility_status": "9",  # MEDS: not eligible
            "aid_codes": [],
            "soc": None,
            "plan": None,
            "ohc": [],
        },
        member="99999999J",
    ),
    Case("unknown member", NOT_FOUND, member="11111111Z"),
    Case("wrong issue date", NOT_FOUND, member=SOC_MEMBER, issue="2025-02-02"),
    Case(
        "date of service too old",
        {"refused": "SERVICE_DATE_TOO_OLD"},
        member=SOC_MEMBER,
        service_date="2025-10-01",
    ),
    Case(
        "date of service in the future",
        {"refused": "SERVICE_DATE_IN_FUTURE"},
        member=SOC_MEMBER,
        service_date="2026-11-24",
    ),
]

# --- claims (docs/rules.md §5) --------------------------------------------------------------------
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
MEDICARE_LINE = {"allowed": "100.00", "paid": "80.00", "coinsurance": "20.00"}
COMMERCIAL_LINE = {"allowed": "150.00", "paid": "120.00", "copay": "30.00"}


def claim(
    code: str,
    charge: str,
    primary_line: dict[str, str] | None = None,
    primary: dict[str, str] | None = None,
    *,
    member: str = SOC_MEMBER,
    soc: str = "0.00",
) -> dict[str, Any]:
    return {
        "claim_id": "CLM",
        "provider_npi": PHYSICIAN[0],
        "member_id": member,
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


def paid(medi_cal: str, owes: str = "0.00", status: str = "paid") -> dict[str, Any]:
    line = {"status": status, "carc": None, "medi_cal_paid": medi_cal, "member_owes": owes}
    return {"denied": False, "medi_cal_paid": medi_cal, "member_owes": owes, "lines": [line]}


def denied(carc: str, owes: str = "0.00") -> dict[str, Any]:
    line = {"status": "denied", "carc": carc, "medi_cal_paid": "0.00", "member_owes": owes}
    return {"denied": True, "medi_cal_paid": "0.00", "member_owes": owes, "lines": [line]}


CLAIMS = [
    # D4: min(L = 20, A − P = 95 − 80 = 15)
    Case(
        "D4 Medicare",
        paid("15.00"),
        certify(),
        claim=claim("99213", "120.00", MEDICARE_LINE, MEDICARE),
    ),
    # D4b: A − P = 70 − 80 < 0
    Case(
        "D4b Medicare",
        paid("0.00"),
        certify(),
        claim=claim("99211", "120.00", MEDICARE_LINE, MEDICARE),
    ),
    # D5: A − P = 100 − 120 < 0
    Case(
        "D5 commercial",
        paid("0.00"),
        certify(),
        claim=claim("99214", "150.00", COMMERCIAL_LINE, COMMERCIAL),
    ),
    # D5b: min(L = 30, 140 − 120 = 20)
    Case(
        "D5b commercial",
        paid("20.00"),
        certify(),
        claim=claim("99215", "150.00", COMMERCIAL_LINE, COMMERCIAL),
    ),
    # D6: min(L = 20, 60 − 40 = 20) − SOC 10 on the claim; the member owes the SOC only
    Case(
        "D6 SOC on the claim",
        paid("10.00", "10.00"),
        certify(),
        claim=claim(
            "99212",
            "80.00",
            {"allowed": "60.00", "paid": "40.00", "coinsurance": "20.00"},
            MEDICARE,
            soc="10.00",
        ),
    ),
    # W3-like: no primary (the spouse has no OHC), SOC 4 on the drainage: min(15, 40) − 4
    Case(
        "W3 no primary, SOC on the claim",
        paid("11.00", "4.00"),
        certify(),
        claim=claim("10060", "15.00", member="22222222B", soc="4.00"),
    ),
    # the SOC is not met: 178, and the member owes the charge (she is still paying her SOC)
    Case("denied 178 SOC unmet", denied("178", "100.00"), claim=claim("99213", "100.00")),
    # OHC code P (cost avoidance) and no primary adjudication on the claim: 22
    Case(
        "denied 22 bill the primary first", denied("22"), certify(), claim=claim("99213", "100.00")
    ),
    # the child is in plan LA; the physician contracts with HN only: B7
    Case(
        "denied B7 provider not in the member's plan",
        denied("B7", "100.00"),
        certify("B"),
        claim=claim("99213", "100.00", member="33333333C"),
    ),
    # the primary denied for missing information (the provider's error): Medi-Cal denies too
    Case(
        "denied 16 by the primary",
        denied("16"),
        certify(),
        claim=claim(
            "99213", "100.00", {"allowed": "0.00", "paid": "0.00", "denial_carc": "16"}, COMMERCIAL
        ),
    ),
    # OHC code A: pay as primary, min(charge 100, A 95), and chase the carrier
    Case(
        "OHC A pay and chase",
        paid("95.00"),
        claim=claim("99213", "100.00", member=PAY_AND_CHASE),
    ),
]
CASES = VERIFICATIONS + CLAIMS


def verify_three_ways(api: Api, case: Case) -> dict[str, dict[str, Any]]:
    assert case.member is not None
    auth = basic(case.provider)
    rest = api.verify(
        case.member, case.provider, bic_issue_date=case.issue, service_date=case.service_date
    )
    text = inquiry_270(case.provider[0], case.member, case.issue, case.service_date)
    x12 = api.client.post("/v1/x12", content=text, headers={**X12_HEADERS, **auth})
    assert x12.status_code == 200, x12.text
    assert x12.headers["X12-Answer"] == "271", x12.text
    request = eligibility_request(case.member, case.issue, case.service_date, case.provider[0])
    fhir = api.client.post(ELIGIBILITY, json=request, headers=auth)
    return {
        "rest": from_verification(rest),
        "x12": from_271(x12.text),
        "fhir": from_coverage_eligibility_response(fhir),
    }


def submit_three_ways(api: Api, case: Case) -> dict[str, dict[str, Any]]:
    auth = basic(case.provider)
    rest = api.client.post("/v1/claims", json=with_claim_id(case.claim, "CLM-REST"), headers=auth)
    text = submission_837(with_claim_id(case.claim, "CLM-X12"))
    x12 = api.client.post("/v1/x12", content=text, headers={**X12_HEADERS, **auth})
    assert x12.status_code == 200, x12.text
    assert x12.headers["X12-Answer"] == "835", x12.text
    body = fhir_claim(with_claim_id(case.claim, "CLM-FHIR"))
    fhir = api.client.post(CLAIM, json=body, headers=auth)
    return {
        "rest": from_adjudication(rest),
        "x12": from_835(x12.text),
        "fhir": from_claim_response(fhir),
    }


PARAMS = [pytest.param(c, id=c.name) for c in CASES]


@pytest.mark.parametrize("case", PARAMS)
def test_rest_x12_and_fhir_give_the_same_answer(api: Api, case: Case) -> None:
    case.setup(api)
    answers = verify_three_ways(api, case) if case.member else submit_three_ways(api, case)
    assert answers["x12"] == answers["rest"], "X12 differs from REST"
    assert answers["fhir"] == answers["rest"], "FHIR differs from REST"
    assert answers["rest"] == case.expected

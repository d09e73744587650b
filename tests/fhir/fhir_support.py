"""Helpers for the FHIR tests: requests built like the sample files, every answer parsed back
with fhir.resources (through the one module that imports it), and readers that turn a
CoverageEligibilityResponse or a ClaimResponse back into the REST API's JSON shapes, so that
the two interfaces can be compared field by field."""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from e2e.api_support import Api, basic
from spenddown.adapters.fhir import codes, release

RESOURCES = Path(__file__).parent.parent / "resources" / "fhir"
ELIGIBILITY = "/fhir/CoverageEligibilityRequest/$submit"
CLAIM = "/fhir/Claim/$submit"
MODELS: dict[str, type[release.FHIRAbstractModel]] = {
    "CoverageEligibilityResponse": release.CoverageEligibilityResponse,
    "ClaimResponse": release.ClaimResponse,
    "OperationOutcome": release.OperationOutcome,
    "CapabilityStatement": release.CapabilityStatement,
}
Json = dict[str, Any]


def sample(name: str) -> Json:
    data: Json = json.loads((RESOURCES / name).read_text())
    return data


def parsed_back(response: Any, resource_type: str) -> Json:
    """The answer is FHIR JSON of the expected type and validates with fhir.resources."""
    assert response.headers["content-type"].startswith("application/fhir+json"), response.text
    body: Json = response.json()
    assert body["resourceType"] == resource_type, body
    model = MODELS[resource_type]
    again = release.build(model, body)
    assert json.loads(release.to_json(again)) == body  # nothing lost or added
    return body


def outcome(response: Any, status: int, code: str, issue_code: str | None = None) -> Json:
    """An OperationOutcome with this HTTP status and our stable code on its first issue (and
    this ``issue.code``: ``structure``, ``required``, ``invalid``, ... when given)."""
    assert response.status_code == status, response.text
    body = parsed_back(response, "OperationOutcome")
    issue = body["issue"][0]
    assert issue["severity"] == "error"
    if issue_code is not None:
        assert issue["code"] == issue_code, body
    assert issue["details"]["coding"][0] == {"system": codes.ERROR, "code": code}, body
    assert issue["details"]["text"]
    return body


# --- requests ---------------------------------------------------------------------------------
def eligibility_request(
    cin: str, issue: str = "2025-02-01", service_date: str = "2026-11-03", npi: str | None = None
) -> Json:
    body = sample("eligibility-request.json")
    body["contained"][0]["identifier"][0].update(value=cin, period={"start": issue})
    body["servicedDate"] = service_date
    if npi is None:
        del body["provider"]
    else:
        body["provider"]["identifier"]["value"] = npi
    return body


MB = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MB"}]}


def ehr_request(
    cin: str, issue: str = "2025-02-01", service_date: str = "2026-11-03", **coverage: Any
) -> Json:
    """An EHR's request: a contained Patient with the EHR's own record number only, and a
    contained Coverage with the member ID in ``subscriberId`` and an identifier of type MB, the
    card issue date in ``period.start``; ``coverage`` replaces elements of the Coverage."""
    return {
        "resourceType": "CoverageEligibilityRequest",
        "identifier": [{"system": "http://ehr.example/request", "value": "EHR-1"}],
        "contained": [
            {
                "resourceType": "Patient",
                "id": "pat1",
                "identifier": [{"system": "urn:oid:0.1.2.3.4.5.6.7", "value": "654321"}],
                "name": [{"family": "LOPEZ", "given": ["ANA"]}],
                "birthDate": "1960-05-01",
            },
            {
                "resourceType": "Coverage",
                "id": "cov1",
                "status": "active",
                "identifier": [{"type": MB, "system": "https://www.dhcs.ca.gov/cin", "value": cin}],
                "subscriberId": cin,
                "beneficiary": {"reference": "#pat1"},
                "relationship": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                            "code": "self",
                        }
                    ]
                },
                "period": {"start": issue},
                "payor": [{"display": "Medi-Cal"}],
                **coverage,
            },
        ],
        "status": "active",
        "purpose": ["validation", "benefits"],
        "patient": {"reference": "#pat1"},
        "servicedDate": service_date,
        "created": "2026-11-03T09:00:00-08:00",
        "insurer": {"display": "Medi-Cal"},
        "insurance": [{"focal": True, "coverage": {"reference": "#cov1"}}],
    }


def as_bundle(
    request: Json, kind: str = "collection", base: str = "http://ehr.example/fhir"
) -> Json:
    """The request's contained resources as entries of a Bundle beside it, referenced as
    ``Type/id`` (as an EHR's Bundle does)."""
    request = copy.deepcopy(request)
    contained = request.pop("contained", [])
    request["id"] = "req1"
    ids = {f"#{c['id']}": f"{c['resourceType']}/{c['id']}" for c in contained}

    def relink(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: ids.get(v, v) if k == "reference" else relink(v) for k, v in node.items()}
        if isinstance(node, list):
            return [relink(v) for v in node]
        return node

    entries = [relink(request), *(relink(c) for c in contained)]
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {"fullUrl": f"{base}/{e['resourceType']}/{e['id']}", "resource": e} for e in entries
        ],
    }


def verify(api: Api, provider: tuple[str, str], body: Json) -> Any:
    return api.client.post(ELIGIBILITY, json=body, headers=basic(provider))


def money(value: str) -> Json:
    return {"value": float(value), "currency": "USD"}


def _adjudication(system: str, code: str, value: str) -> Json:
    return {"category": {"coding": [{"system": system, "code": code}]}, "amount": money(value)}


def fhir_claim(rest: Json) -> Json:
    """The FHIR Claim for a REST Claim body (docs/formats.md §2), mapped as docs/fhir.md says."""
    body = copy.deepcopy(sample("claim-d4-medicare.json"))
    member = {"system": codes.MEMBER_ID, "value": rest["member_id"]}
    body["identifier"][0]["value"] = rest["claim_id"]
    body["patient"] = {"identifier": member}
    body["provider"]["identifier"]["value"] = rest["provider_npi"]
    if Decimal(str(rest.get("soc_amount", "0"))) != 0:
        body["extension"] = [{"url": codes.PATIENT_PAID, "valueMoney": money(rest["soc_amount"])}]
    items, primary_items = [], []
    for n, line in enumerate(rest["lines"], start=1):
        items.append(
            {
                "sequence": n,
                "productOrService": {"coding": [{"code": line["procedure_code"]}]},
                "servicedDate": line["service_date"],
                "quantity": {"value": line["units"]},
                "net": money(line["charge"]),
            }
        )
        p = line.get("primary")
        if p is None:
            continue
        amounts = [
            _adjudication(codes.ADJUDICATION, "eligible", p.get("allowed", "0")),
            _adjudication(codes.ADJUDICATION, "benefit", p.get("paid", "0")),
            _adjudication(codes.ADJUDICATION, "deductible", p.get("deductible", "0")),
            _adjudication(codes.ADJUDICATION, "copay", p.get("copay", "0")),
            _adjudication(codes.C4BB_ADJUDICATION, "coinsurance", p.get("coinsurance", "0")),
        ]
        if p.get("denial_carc"):
            amounts.append(
                {
                    "category": {
                        "coding": [{"system": codes.C4BB_DISCRIMINATOR, "code": "denialreason"}]
                    },
                    "reason": {"coding": [{"system": codes.CARC, "code": p["denial_carc"]}]},
                }
            )
        primary_items.append({"itemSequence": n, "adjudication": amounts})
    body["item"] = items
    primary = rest.get("primary")
    if primary is None:
        body["contained"] = []
        body["insurance"] = [{"sequence": 1, "focal": True, "coverage": {"display": "Medi-Cal"}}]
    else:
        coverage, response = body["contained"]
        coverage["type"]["coding"][0]["code"] = primary["payer_type"]
        coverage["payor"] = [{"display": primary["payer_name"]}]
        coverage["beneficiary"] = {"identifier": member}
        response.update(
            identifier=[{"value": primary["claim_number"]}],
            created=primary["adjudication_date"],
            insurer={"display": primary["payer_name"]},
            patient={"identifier": member},
            item=primary_items,
        )
        if not primary_items:
            del response["item"]
    return body


def submit(api: Api, body: Json, provider: tuple[str, str]) -> Any:
    return api.client.post(CLAIM, json=body, headers=basic(provider))


# --- readers: FHIR answers back to the REST shapes --------------------------------------------
def _ext(element: Json, url: str) -> Any:
    for ext in element.get("extension", []):
        if ext["url"] == url:
            return next(v for k, v in ext.items() if k.startswith("value"))
    return None


def _cents(amount: Json) -> str:
    assert amount["currency"] == "USD"
    return f"{Decimal(str(amount['value'])):.2f}"


def verification_of(body: Json) -> Json:
    """The REST Verification carried by a CoverageEligibilityResponse (``evc`` as a flag)."""
    contained = {c["id"]: c for c in body.get("contained", [])}
    medi_cal_entry = body["insurance"][0]
    assert medi_cal_entry["coverage"]["reference"] == "#medi-cal"
    medi_cal = contained["medi-cal"]
    items = medi_cal_entry.get("item", [])
    soc = None
    for item in items:
        for benefit in item.get("benefit", []):
            if benefit["type"]["coding"][0] == {
                "system": codes.BENEFIT,
                "code": codes.SHARE_OF_COST,
                "display": "Share of Cost",
            }:
                amount = Decimal(_cents(benefit["allowedMoney"]))
                used = Decimal(_cents(benefit["usedMoney"]))
                soc = {
                    "amount": f"{amount:.2f}",
                    "remaining": f"{amount - used:.2f}",
                    "certified": _ext(item, codes.EXT_SOC_CERTIFIED),
                    "certified_by": _ext(item, codes.EXT_SOC_CERTIFIED_BY),
                    "ltc": _ext(item, codes.EXT_SOC_LTC),
                    "clear_online": _ext(item, codes.EXT_SOC_CLEAR_ONLINE),
                    "program": _ext(item, codes.EXT_SOC_PROGRAM),
                }
    plan = None
    if "plan" in contained:
        coverage = contained["plan"]
        plan = {
            "code": coverage["payor"][0]["identifier"]["value"],
            "name": coverage["payor"][0]["display"],
            "hcp_status": _ext(coverage, codes.EXT_HCP_STATUS),
        }
    ohc = [
        c["type"]["coding"][0]["code"]
        for c in body.get("contained", [])
        if c["id"].startswith("ohc-")
    ]
    month = medi_cal_entry["benefitPeriod"]["start"][:7]
    evc = body.get("preAuthRef")
    if evc is not None:
        assert body["identifier"] == [{"system": codes.EVC, "value": evc}]
    return {
        "member_id": body["patient"]["identifier"]["value"],
        "service_date": body["servicedDate"],
        "month": month,
        "eligible": medi_cal_entry["inforce"],
        "evc": evc is not None,
        "eligibility_status": _ext(body, codes.EXT_ELIGIBILITY_STATUS),
        "county_code": _ext(body, codes.EXT_COUNTY_CODE),
        "aid_codes": [c["name"] for c in medi_cal.get("class", [])],
        "share_of_cost": soc,
        "plan": plan,
        "other_health_coverage": ohc,
        "restrictions": [i["description"] for i in items if i["name"] == "Restricted scope"],
        "messages": body.get("disposition", ""),
    }


def comparable_verification(rest: Json) -> Json:
    """The REST Verification in the form ``verification_of`` returns."""
    soc = rest["share_of_cost"]
    return {
        **rest,
        "evc": rest["evc"] is not None,
        "aid_codes": [
            f"Aid code {c['aid_code']} ({c['scope']} scope, {c['program']})"
            for c in rest["aid_codes"]
        ],
        "share_of_cost": soc,
        "messages": " ".join(rest["messages"]),
    }


def _amounts(adjudications: list[Json]) -> dict[str, str]:
    found = {}
    for a in adjudications:
        if "amount" in a:
            found[a["category"]["coding"][0]["code"]] = _cents(a["amount"])
    return found


def adjudication_of(body: Json) -> Json:
    """The REST Adjudication carried by a ClaimResponse."""
    notes = {n["number"]: n["text"] for n in body.get("processNote", [])}
    # Each sentence is one note (a line's sentences are the claim's too, referenced by the
    # item), never doubled and never prefixed twice.
    assert len(set(notes.values())) == len(notes), notes
    assert not any(re.match(r"Line \d+: Line \d+:", text) for text in notes.values()), notes
    lines = []
    for number, item in enumerate(body["item"], start=1):
        amounts = _amounts(item["adjudication"])
        assert amounts["benefit"] == amounts["paidtoprovider"]
        adjustments, denial = [], None
        for a in item["adjudication"]:
            kind = a["category"]["coding"][0]
            if kind["system"] != codes.C4BB_DISCRIMINATOR:
                continue
            reason = {c["system"]: c for c in a["reason"]["coding"]}
            if kind["code"] == "adjustmentreason":
                adjustments.append(
                    {
                        "group": reason[codes.ADJUSTMENT_GROUP]["code"],
                        "carc": reason[codes.CARC]["code"],
                        "amount": _cents(a["amount"]),
                    }
                )
            elif kind["code"] == "denialreason":
                carc = reason[codes.CARC]
                denial = {"carc": carc["code"], "reason": carc["display"]}
        lines.append(
            {
                "line": number,
                "status": _ext(item, codes.EXT_LINE_STATUS),
                "medi_cal_allowed": amounts["eligible"],
                "primary_paid": amounts["priorpayerpaid"],
                "patient_liability_after_primary": amounts["liability-after-primary"],
                "soc_applied": amounts["soc-applied"],
                "medi_cal_paid": amounts["benefit"],
                "member_owes": amounts["memberliability"],
                "provider_write_off": amounts["provider-write-off"],
                "deductible_credit": amounts["deductible-credit"],
                "adjustments": adjustments,
                "denial": denial,
                "authorization_id": _ext(item, codes.EXT_AUTHORIZATION_ID),
                "explanation": [notes[n] for n in item.get("noteNumber", [])],
            }
        )
    totals = _amounts(body["total"])
    return {
        "claim_id": body["identifier"][0]["value"],
        "status": _ext(body, codes.EXT_CLAIM_STATUS),
        "delivery_system": _ext(body, codes.EXT_DELIVERY_SYSTEM),
        "plan_code": _ext(body, codes.EXT_PLAN_CODE),
        "lines": lines,
        "totals": {
            "charge": totals["submitted"],
            "primary_paid": totals["priorpayerpaid"],
            "medi_cal_paid": totals["benefit"],
            "member_owes": totals["memberliability"],
            "provider_write_off": totals["provider-write-off"],
        },
        "recovery_flag": _ext(body, codes.EXT_RECOVERY_FLAG),
        "explanation": [text for _, text in sorted(notes.items())],
    }

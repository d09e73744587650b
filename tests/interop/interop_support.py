"""Helpers for the three-interfaces test: the same verification or claim put to the REST API,
to ``POST /v1/x12`` (270 → 271, 837P → 835) and to the FHIR operations, and each answer read
back into one small comparable dict.

Copied in small from tests/x12 and tests/fhir (on purpose: those helpers turn an answer back
into the REST shape, which would hide a difference in a field the REST shape does not keep;
here every interface is reduced to the same few fields independently). The 271 and 835 are
read with pyx12's envelope-checking reader, not with ours."""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyx12.x12file

from spenddown.adapters.fhir import codes

Json = dict[str, Any]
FHIR_RESOURCES = Path(__file__).parent.parent / "resources" / "fhir"
X12_HEADERS = {"Content-Type": "application/edi-x12"}
ELIGIBILITY = "/fhir/CoverageEligibilityRequest/$submit"
CLAIM = "/fhir/Claim/$submit"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"

# AAA03 (2100C) ↔ the REST problem code (docs/x12.md "AAA (refusals)").
AAA_TO_CODE = {
    "75": "MEMBER_NOT_FOUND",
    "72": "INVALID_MEMBER_ID",
    "62": "SERVICE_DATE_TOO_OLD",
    "63": "SERVICE_DATE_IN_FUTURE",
    "15": "ISSUE_DATE_MISSING",
}
# 835 CAS reasons that are not a denial (docs/x12.md: OA-23, CO-45, PR-142; the primary's
# PR-1/2/3 never reach our 835).
NOT_A_DENIAL = {"23", "45", "142", "1", "2", "3"}


def money(value: Any) -> str:
    return f"{Decimal(str(value)):.2f}"


# --- X12 writing --------------------------------------------------------------------------------
def interchange(code: str, version: str, body: Sequence[str], control: str = "101") -> str:
    """One interchange, one group, one transaction set; SE01 and the control numbers computed."""
    functional = {"270": "HS", "837": "HC"}[code]
    segments = [f"ST*{code}*0001*{version}", *body]
    segments.append(f"SE*{len(segments) + 1}*0001")
    lines = [
        f"ISA*00*{' ' * 10}*00*{' ' * 10}*ZZ*{'CLINICSUBMIT':<15}*ZZ*{'MEDICAL':<15}*261123*1000*^*"
        f"00501*{control:0>9}*0*T*:",
        f"GS*{functional}*CLINICSUBMIT*MEDICAL*20261123*1000*{int(control)}*X*{version}",
        *segments,
        f"GE*1*{int(control)}",
        f"IEA*1*{control:0>9}",
    ]
    return "~\n".join(lines) + "~\n"


def inquiry_270(npi: str, member_id: str, issue: str, service: str) -> str:
    """A 270 for one subscriber: issue date in 2100C DTP*102, date of service in DTP*291."""
    body = [
        "BHT*0022*13*REQ-1*20261123*1000",
        "HL*1**20*1",
        "NM1*PR*2*MEDI-CAL*****PI*610442",
        "HL*2*1*21*1",
        f"NM1*1P*2*PROVIDER*****XX*{npi}",
        "HL*3*2*22*0",
        "TRN*1*TRACE-1*9CLINIC001",
        f"NM1*IL*1*LOPEZ*ANA****MI*{member_id}",
        f"DTP*102*D8*{issue.replace('-', '')}",
        f"DTP*291*D8*{service.replace('-', '')}",
        "EQ*30",
    ]
    return interchange("270", "005010X279A1", body)


FILING = {"medicare": "MB", "medicare_advantage": "16", "commercial": "CI"}


def _x12_date(text: str) -> str:
    return text.replace("-", "")


def submission_837(rest: Json) -> str:
    """The 837P for a REST claim body (docs/x12.md "837P → domain Claim", read backwards)."""
    claim_id, member = rest["claim_id"], rest["member_id"]
    charge = sum(Decimal(str(line["charge"])) for line in rest["lines"])
    primary: Json | None = rest.get("primary")
    adjudicated = _x12_date(primary["adjudication_date"]) if primary else ""
    body = [
        "BHT*0019*00*BATCH-1*20261123*1000*CH",
        "NM1*41*2*PROVIDER*****46*CLINICSUBMIT",
        "PER*IC*BILLING OFFICE*TE*5595550100",
        "NM1*40*2*MEDI-CAL*****46*610442",
        "HL*1**20*1",
        f"NM1*85*2*PROVIDER*****XX*{rest['provider_npi']}",
        "N3*1 CLINIC WAY",
        "N4*FRESNO*CA*93701",
        "REF*EI*123456789",
        "HL*2*1*22*0",
        "SBR*S*18*******MC",
        f"NM1*IL*1*LOPEZ*ANA****MI*{member}",
        "N3*100 MAIN ST",
        "N4*FRESNO*CA*93701",
        "DMG*D8*19600501*F",
        "NM1*PR*2*MEDI-CAL*****PI*610442",
        f"CLM*{claim_id}*{charge:.2f}***11:B:1*Y*A*Y*Y",
    ]
    if Decimal(str(rest.get("soc_amount", "0"))):
        body.append(f"AMT*F5*{money(rest['soc_amount'])}")
    body.append("HI*ABK:F840")
    if primary is not None:
        paid = sum(Decimal(str((line["primary"] or {}).get("paid", "0"))) for line in rest["lines"])
        body += [
            f"SBR*P*18*GRP01******{FILING[primary['payer_type']]}",
            f"AMT*D*{paid:.2f}",
            "OI***Y***Y",
            "NM1*IL*1*LOPEZ*ANA****MI*PRIMARY123",
            f"NM1*PR*2*{primary['payer_name'].upper()}*****PI*PRIM01",
            f"DTP*573*D8*{adjudicated}",
            f"REF*F8*{primary['claim_number']}",
        ]
    for number, line in enumerate(rest["lines"], start=1):
        code, units = line["procedure_code"], line["units"]
        body += [
            f"LX*{number}",
            f"SV1*HC:{code}*{money(line['charge'])}*UN*{units}***1",
            f"DTP*472*D8*{_x12_date(line['service_date'])}",
        ]
        p = line.get("primary")
        if p is None:
            continue
        body.append(f"SVD*PRIM01*{money(p.get('paid', '0'))}*HC:{code}**{units}")
        adjustments: dict[str, list[tuple[str, Decimal]]] = {}
        reduction = Decimal(str(line["charge"])) - Decimal(str(p.get("allowed", "0")))
        if p.get("denial_carc"):
            adjustments["CO"] = [(p["denial_carc"], Decimal(str(line["charge"])))]
        elif reduction:
            adjustments["CO"] = [("45", reduction)]
        for reason, key in (("1", "deductible"), ("2", "coinsurance"), ("3", "copay")):
            if Decimal(str(p.get(key, "0"))):
                adjustments.setdefault("PR", []).append((reason, Decimal(str(p[key]))))
        for group, items in adjustments.items():
            body.append(f"CAS*{group}*" + "**".join(f"{r}*{a:.2f}" for r, a in items))
        body.append(f"DTP*573*D8*{adjudicated}")
    return interchange("837", "005010X222A1", body)


# --- X12 reading --------------------------------------------------------------------------------
def segments(text: str) -> list[list[str]]:
    """pyx12's own envelope-checking reader: every segment as its elements, errors refused."""
    reader = pyx12.x12file.X12Reader(io.StringIO(text))
    out: list[list[str]] = []
    errors: list[object] = []
    for seg in reader:
        out.append(seg.format().rstrip("~").split("*"))
        errors.extend(reader.err_list)
        reader.err_list = []
    reader.cleanup()
    errors.extend(reader.err_list)
    if errors:
        raise AssertionError(f"pyx12 found errors: {errors}")
    return out


def from_271(text: str) -> Json:
    """The one subscriber of a 271, reduced to the comparable fields."""
    rows = segments(text)
    hl = [i for i, s in enumerate(rows) if s[0] == "HL" and s[3] == "22"]
    assert len(hl) == 1, text
    sub = rows[hl[0] + 1 :]
    sub = sub[: next((i for i, s in enumerate(sub) if s[0] in ("HL", "SE")), len(sub))]
    aaa = [s for s in sub if s[0] == "AAA"]
    ebs = [s for s in sub if s[0] == "EB"]
    if aaa:
        assert len(aaa) == 1, sub
        assert not ebs, sub
        return {"refused": AAA_TO_CODE.get(aaa[0][3], f"AAA {aaa[0][3]}")}
    messages = [s[1] for s in sub if s[0] == "MSG"]
    status = next(
        (m.group(1) for t in messages if (m := re.match(r"ELIGIBILITY STATUS (\w+)", t))), None
    )
    hcp = next(
        (m.groups() for t in messages if (m := re.match(r"PLAN (\w+) HCP STATUS (\w+)", t))), None
    )
    plan_ids = [s[9] for s in sub if s[0] == "NM1" and s[1] == "Y2"]
    spend_down = {eb[6]: money(eb[7]) for eb in ebs if eb[1] == "Y"}
    evc = [s[2] for s in sub if s[0] == "TRN" and s[1] == "1" and s[3] == "9SPENDDOWN"]
    plan = None
    if any(eb[1] == "MC" for eb in ebs):
        assert hcp is not None, sub
        assert plan_ids == [hcp[0]], sub
        plan = {"code": plan_ids[0], "hcp_status": hcp[1]}
    return {
        "eligible": ebs[0][1] == "1" and ebs[0][5] == "MEDI-CAL",
        "evc": bool(evc),
        "eligibility_status": status,
        "aid_codes": [s[2] for s in sub if s[0] == "REF" and s[1] == "M7"],
        "soc": {"amount": spend_down["34"], "remaining": spend_down["29"]} if spend_down else None,
        "plan": plan,
        "ohc": [eb[5].removeprefix("OHC CODE ") for eb in ebs if eb[1] == "R"],
    }


def from_835(text: str) -> Json:
    """The one claim of an 835 (CLP, its SVC lines with their CAS and AMT*B6)."""
    claim: Json | None = None
    line: Json | None = None
    for seg in segments(text):
        if seg[0] == "CLP":
            assert claim is None, "one claim expected"
            claim = {"clp": seg, "cas": [], "lines": []}
            line = None
        elif claim is None:
            continue
        elif seg[0] == "SVC":
            line = {"svc": seg, "cas": [], "allowed": None}
            claim["lines"].append(line)
        elif seg[0] == "CAS":
            pairs = [(seg[1], seg[i], Decimal(seg[i + 1])) for i in range(2, len(seg) - 1, 3)]
            (line or claim)["cas"].extend(pairs)
        elif seg[0] == "AMT" and seg[1] == "B6" and line is not None:
            line["allowed"] = seg[2]
    assert claim is not None, text
    if not claim["lines"]:  # refused as a whole (CO-31, CO-18, CO-16)
        return {"refused": [(g, r) for g, r, _ in claim["cas"]]}
    lines = []
    for ln in claim["lines"]:
        denials = sorted({r for _, r, _ in ln["cas"] if r not in NOT_A_DENIAL})
        assert len(denials) <= 1, ln
        lines.append(
            {
                "status": "paid" if ln["allowed"] is not None else "denied",
                "carc": denials[0] if denials else None,
                "medi_cal_paid": money(ln["svc"][3]),
                "member_owes": money(sum((a for g, _, a in ln["cas"] if g == "PR"), Decimal(0))),
            }
        )
    clp = claim["clp"]
    return {
        "denied": clp[2] == "4",
        "medi_cal_paid": money(clp[4]),
        "member_owes": money(clp[5] or "0"),
        "lines": lines,
    }


# --- FHIR ---------------------------------------------------------------------------------------
def eligibility_request(cin: str, issue: str, service_date: str, npi: str) -> Json:
    body: Json = json.loads((FHIR_RESOURCES / "eligibility-request.json").read_text())
    body["contained"][0]["identifier"][0].update(value=cin, period={"start": issue})
    body["servicedDate"] = service_date
    body["provider"]["identifier"]["value"] = npi
    return body


def _money(value: Any) -> Json:
    return {"value": float(value), "currency": "USD"}


def _adjudication(system: str, code: str, value: str) -> Json:
    return {"category": {"coding": [{"system": system, "code": code}]}, "amount": _money(value)}


def fhir_claim(rest: Json) -> Json:
    """The FHIR Claim for a REST claim body (docs/fhir.md), built on the sample D4 claim."""
    body: Json = json.loads((FHIR_RESOURCES / "claim-d4-medicare.json").read_text())
    member = {"system": codes.MEMBER_ID, "value": rest["member_id"]}
    body["identifier"][0]["value"] = rest["claim_id"]
    body["patient"] = {"identifier": member}
    body["provider"]["identifier"]["value"] = rest["provider_npi"]
    if Decimal(str(rest.get("soc_amount", "0"))):
        body["extension"] = [{"url": codes.PATIENT_PAID, "valueMoney": _money(rest["soc_amount"])}]
    items, primary_items = [], []
    for n, line in enumerate(rest["lines"], start=1):
        items.append(
            {
                "sequence": n,
                "productOrService": {"coding": [{"code": line["procedure_code"]}]},
                "servicedDate": line["service_date"],
                "quantity": {"value": line["units"]},
                "net": _money(line["charge"]),
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


def _ext(element: Json, url: str) -> Any:
    for ext in element.get("extension", []):
        if ext["url"] == url:
            return next(v for k, v in ext.items() if k.startswith("value"))
    return None


def _outcome_code(body: Json) -> str:
    assert body["resourceType"] == "OperationOutcome", body
    coding = body["issue"][0]["details"]["coding"][0]
    assert coding["system"] == codes.ERROR, body
    return str(coding["code"])


def from_coverage_eligibility_response(response: Any) -> Json:
    assert response.headers["content-type"].startswith("application/fhir+json"), response.text
    body: Json = response.json()
    if response.status_code != 200:
        return {"refused": _outcome_code(body)}
    assert body["resourceType"] == "CoverageEligibilityResponse", body
    contained = {c["id"]: c for c in body.get("contained", [])}
    medi_cal = body["insurance"][0]
    assert medi_cal["coverage"]["reference"] == "#medi-cal"
    soc = None
    for item in medi_cal.get("item", []):
        for benefit in item.get("benefit", []):
            if benefit["type"]["coding"][0]["code"] == codes.SHARE_OF_COST:
                assert soc is None, "one share-of-cost benefit"
                amount = Decimal(str(benefit["allowedMoney"]["value"]))
                used = Decimal(str(benefit["usedMoney"]["value"]))
                soc = {"amount": money(amount), "remaining": money(amount - used)}
    plan = None
    if "plan" in contained:
        coverage = contained["plan"]
        plan = {
            "code": coverage["payor"][0]["identifier"]["value"],
            "hcp_status": _ext(coverage, codes.EXT_HCP_STATUS),
        }
    evc = body.get("preAuthRef")
    if evc is not None:
        assert body["identifier"] == [{"system": codes.EVC, "value": evc}]
    return {
        "eligible": medi_cal["inforce"],
        "evc": evc is not None,
        "eligibility_status": _ext(body, codes.EXT_ELIGIBILITY_STATUS),
        "aid_codes": [c["value"] for c in contained["medi-cal"].get("class", [])],
        "soc": soc,
        "plan": plan,
        "ohc": [
            c["type"]["coding"][0]["code"] for c in contained.values() if c["id"][:4] == "ohc-"
        ],
    }


def _amounts(adjudications: list[Json]) -> dict[str, str]:
    return {
        a["category"]["coding"][0]["code"]: money(a["amount"]["value"])
        for a in adjudications
        if "amount" in a and a["category"]["coding"][0]["system"] != codes.C4BB_DISCRIMINATOR
    }


def from_claim_response(response: Any) -> Json:
    assert response.headers["content-type"].startswith("application/fhir+json"), response.text
    body: Json = response.json()
    if response.status_code != 200:
        return {"refused": _outcome_code(body)}
    assert body["resourceType"] == "ClaimResponse", body
    lines = []
    for item in body["item"]:
        amounts = _amounts(item["adjudication"])
        denials = [
            c["code"]
            for a in item["adjudication"]
            if a["category"]["coding"][0]["code"] == "denialreason"
            for c in a["reason"]["coding"]
            if c["system"] == codes.CARC
        ]
        assert len(denials) <= 1, item
        lines.append(
            {
                "status": _ext(item, codes.EXT_LINE_STATUS),
                "carc": denials[0] if denials else None,
                "medi_cal_paid": amounts["paidtoprovider"],
                "member_owes": amounts["memberliability"],
            }
        )
    totals = _amounts(body["total"])
    return {
        "denied": _ext(body, codes.EXT_CLAIM_STATUS) == "denied",
        "medi_cal_paid": totals["benefit"],
        "member_owes": totals["memberliability"],
        "lines": lines,
    }


# --- REST ---------------------------------------------------------------------------------------
def from_verification(response: Any) -> Json:
    body: Json = response.json()
    if response.status_code != 200:
        return {"refused": body["code"]}
    soc, plan = body["share_of_cost"], body["plan"]
    return {
        "eligible": body["eligible"],
        "evc": body["evc"] is not None,
        "eligibility_status": body["eligibility_status"],
        "aid_codes": [c["aid_code"] for c in body["aid_codes"]],
        "soc": soc and {"amount": soc["amount"], "remaining": soc["remaining"]},
        "plan": plan and {"code": plan["code"], "hcp_status": plan["hcp_status"]},
        "ohc": body["other_health_coverage"],
    }


def from_adjudication(response: Any) -> Json:
    body: Json = response.json()
    if response.status_code != 201:
        return {"refused": body["code"]}
    return {
        "denied": body["status"] == "denied",
        "medi_cal_paid": body["totals"]["medi_cal_paid"],
        "member_owes": body["totals"]["member_owes"],
        "lines": [
            {
                "status": line["status"],
                "carc": (line["denial"] or {}).get("carc"),
                "medi_cal_paid": line["medi_cal_paid"],
                "member_owes": line["member_owes"],
            }
            for line in body["lines"]
        ],
    }


def with_claim_id(rest: Json, claim_id: str) -> Json:
    body = copy.deepcopy(rest)
    body["claim_id"] = claim_id
    return body

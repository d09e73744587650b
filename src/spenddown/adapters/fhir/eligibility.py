"""CoverageEligibilityRequest → the verification's input; Verification →
CoverageEligibilityResponse (docs/fhir.md "Eligibility").

Request: the member ID (CIN or card ID) is the patient's identifier with system
``codes.MEMBER_ID``, given on ``patient.identifier`` or on a contained Patient; the card (BIC)
issue date is that identifier's ``period.start`` (the card is valid from the day it was issued);
the date of service is ``servicedDate``. ``provider``, when it carries an NPI, must be the
authenticated provider.

Response: ``insurance[0]`` is Medi-Cal (``inforce`` = eligible, ``benefitPeriod`` = the benefit
month, the eligible aid codes as Coverage classes, the Share of Cost as a benefit with
``allowedMoney`` = SOC and ``usedMoney`` = cleared), then the managed-care plan, then one entry
per other-health-coverage code. The EVC is the response's ``identifier`` and its ``preAuthRef``
(what the provider quotes later); the POS messages are the ``disposition``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from spenddown.adapters.fhir import codes, release
from spenddown.adapters.fhir.common import (
    Json,
    as_date,
    concept,
    extension,
    identifier_with,
    invalid,
    money,
    npi_of,
    parse_resource,
    referenced_identifiers,
    timestamp,
)
from spenddown.domain.eligibility.verification import Verification
from spenddown.domain.identifiers import MemberId, parse_member_id
from spenddown.domain.money import Money

RESOURCE = "CoverageEligibilityRequest"
MEDI_CAL_PAYOR = "Medi-Cal (California Department of Health Care Services)"


@dataclass(frozen=True, slots=True)
class EligibilityInquiry:
    """What a CoverageEligibilityRequest asks, in domain terms."""

    member_id: MemberId
    bic_issue_date: date
    service_date: date
    provider_npi: str | None
    purposes: tuple[str, ...]
    request_reference: Json


def read_request(document: Any) -> EligibilityInquiry:
    request = parse_resource(release.CoverageEligibilityRequest, RESOURCE, document)
    identifiers, where = referenced_identifiers(request, request.patient, f"{RESOURCE}.patient")
    identifier = identifier_with(identifiers, codes.MEMBER_ID, where)
    member_id = parse_member_id(str(identifier.value), f"{where}.value")
    period = identifier.period
    issue = as_date(None if period is None else period.start, f"{where}.period.start")
    if request.servicedDate is None:
        raise invalid(f"{RESOURCE}.servicedDate", "the date of service is required.")
    service_date = as_date(request.servicedDate, f"{RESOURCE}.servicedDate")
    return EligibilityInquiry(
        member_id=member_id,
        bic_issue_date=issue,
        service_date=service_date,
        provider_npi=npi_of(request, request.provider, f"{RESOURCE}.provider"),
        purposes=tuple(str(p) for p in request.purpose or ()) or ("validation", "benefits"),
        request_reference=_request_reference(request),
    )


def _request_reference(request: Any) -> Json:
    if request.identifier:
        first = request.identifier[0]
        found = {k: v for k, v in (("system", first.system), ("value", first.value)) if v}
        if found.get("value"):
            return {"type": RESOURCE, "identifier": found}
    if request.id:
        return {"type": RESOURCE, "display": f"{RESOURCE} {request.id}"}
    return {"type": RESOURCE, "display": "the submitted CoverageEligibilityRequest"}


def _patient(cin: str) -> Json:
    return {"type": "Patient", "identifier": {"system": codes.MEMBER_ID, "value": cin}}


def _coverage(id_: str, cin: str, payor: Json, **more: Any) -> Json:
    return {
        "resourceType": "Coverage",
        "id": id_,
        "status": "active",
        "subscriberId": cin,
        "beneficiary": _patient(cin),
        "payor": [payor],
        **more,
    }


def build_response(
    result: Verification,
    inquiry: EligibilityInquiry,
    *,
    provider_npi: str,
    created: datetime,
) -> release.CoverageEligibilityResponse:
    cin = result.member_id
    month = result.month
    last_day = month.plus(1).first_day - timedelta(days=1)
    period = {"start": month.first_day.isoformat(), "end": last_day.isoformat()}
    medi_cal: Json = _coverage(
        "medi-cal",
        cin,
        {"display": MEDI_CAL_PAYOR},
        identifier=[{"system": codes.MEMBER_ID, "value": cin}],
        period=period,
    )
    classes = [
        {
            "type": concept(codes.COVERAGE_CLASS, "class"),
            "value": c.aid_code,
            "name": f"Aid code {c.aid_code} ({c.scope} scope, {c.program})",
        }
        for c in result.aid_codes
    ]
    if classes:
        medi_cal["class"] = classes
    items: list[Json] = []
    soc = result.share_of_cost
    if soc is not None:
        cleared = soc.amount - soc.remaining
        soc_extensions = [
            extension(codes.EXT_SOC_CERTIFIED, valueBoolean=soc.certified),
            extension(codes.EXT_SOC_LTC, valueBoolean=soc.ltc),
            extension(codes.EXT_SOC_CLEAR_ONLINE, valueBoolean=soc.clear_online),
            extension(codes.EXT_SOC_PROGRAM, valueCode=str(soc.program)),
        ]
        if soc.certified_by is not None:
            soc_extensions.append(
                extension(codes.EXT_SOC_CERTIFIED_BY, valueCode=str(soc.certified_by))
            )
        items.append(
            {
                "extension": soc_extensions,
                "category": concept(codes.BENEFIT_CATEGORY, "30", "Health Benefit Plan Coverage"),
                "name": "Share of Cost",
                "description": f"Monthly Share of Cost ({soc.program}): "
                f"${soc.amount}, remaining ${soc.remaining}.",
                "benefit": [
                    {
                        "type": concept(codes.BENEFIT, codes.SHARE_OF_COST, "Share of Cost"),
                        "allowedMoney": money(soc.amount),
                        "usedMoney": money(max(cleared, Money.zero())),
                    }
                ],
            }
        )
    for restriction in result.restrictions:
        items.append(
            {
                "category": concept(codes.BENEFIT_CATEGORY, "30", "Health Benefit Plan Coverage"),
                "name": "Restricted scope",
                "description": restriction,
            }
        )
    medi_cal_entry: Json = {
        "coverage": {"reference": "#medi-cal"},
        "inforce": result.eligible,
        "benefitPeriod": period,
    }
    if items:
        medi_cal_entry["item"] = items
    contained: list[Json] = [medi_cal]
    insurance: list[Json] = [medi_cal_entry]
    if result.plan is not None:
        plan = result.plan
        contained.append(
            _coverage(
                "plan",
                cin,
                {
                    "identifier": {"system": codes.PLAN_CODE, "value": plan.code},
                    "display": plan.name,
                },
                extension=[extension(codes.EXT_HCP_STATUS, valueCode=str(plan.hcp_status))],
                period=period,
                **{
                    "class": [
                        {
                            "type": concept(codes.COVERAGE_CLASS, "plan"),
                            "value": plan.code,
                            "name": plan.name,
                        }
                    ]
                },
            )
        )
        insurance.append(
            {
                "coverage": {"reference": "#plan", "display": plan.name},
                "inforce": result.eligible,
                "benefitPeriod": period,
            }
        )
    for code in result.other_health_coverage:
        contained.append(
            _coverage(
                f"ohc-{code}",
                cin,
                {"display": f"Other health coverage (OHC code {code})"},
                type=concept(codes.OHC_CODE, code),
            )
        )
        insurance.append({"coverage": {"reference": f"#ohc-{code}"}, "inforce": True})
    extensions = [extension(codes.EXT_ELIGIBILITY_STATUS, valueCode=result.eligibility_status)]
    if result.county_code:
        extensions.append(extension(codes.EXT_COUNTY_CODE, valueCode=result.county_code))
    document: Json = {
        "resourceType": "CoverageEligibilityResponse",
        "contained": contained,
        "extension": extensions,
        "status": "active",
        "purpose": list(inquiry.purposes),
        "patient": _patient(cin),
        "servicedDate": result.service_date.isoformat(),
        "created": timestamp(created),
        "requestor": {"identifier": {"system": codes.NPI, "value": provider_npi}},
        "request": inquiry.request_reference,
        "outcome": "complete",
        "insurer": {"display": MEDI_CAL_PAYOR},
        "insurance": insurance,
    }
    if result.messages:
        document["disposition"] = " ".join(result.messages)
    if result.evc is not None:
        document["identifier"] = [{"system": codes.EVC, "value": result.evc}]
        document["preAuthRef"] = result.evc
    return release.build(release.CoverageEligibilityResponse, document)

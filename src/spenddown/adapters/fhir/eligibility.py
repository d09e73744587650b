"""CoverageEligibilityRequest → the verification's input; Verification →
CoverageEligibilityResponse (docs/fhir.md "Eligibility").

Request (the resource, in ``Parameters``, or in a Bundle whose entries its references name):
the member ID (CIN or card ID) and the card (BIC) issue date are found, first that gives a
valid member ID wins, in

1. the patient's identifier with system ``codes.MEMBER_ID`` (``patient.identifier``, or the
   Patient it references: contained or in the Bundle); the issue date is its ``period.start``;
2. the Coverage of each ``insurance`` (focal first; contained or in the Bundle): an identifier
   with system ``codes.MEMBER_ID`` or of type ``MB`` (v2-0203 member number), else
   ``subscriberId`` when the patient is the subscriber (``relationship`` self or absent: every
   Medi-Cal member has a CIN of their own); the issue date is the identifier's ``period.start``,
   else the Coverage's ``period.start`` (the card is valid from the day it was issued).

A request whose member spenddown cannot find that way (the HL7 spec's own example references a
``Patient/pat1`` only the sender holds) is answered with a CoverageEligibilityResponse whose
``outcome`` is ``error`` (``MemberNotIdentified``), like a 271's AAA. The date of service is
``servicedDate``. ``provider``, when it carries an NPI (logical, contained or bundled
Practitioner/Organization), must be the authenticated provider.

Response: ``insurance[0]`` is Medi-Cal (``inforce`` = eligible, ``benefitPeriod`` = the benefit
month, the eligible aid codes as Coverage classes, the Share of Cost as a benefit with
``allowedMoney`` = SOC and ``usedMoney`` = cleared), then the managed-care plan, then a CMSP
entry with its own Share of Cost benefit when the member has one beside Medi-Cal's, then one
entry per other-health-coverage code. The EVC is the response's ``identifier`` and its
``preAuthRef`` (what the provider quotes later); the POS messages are the ``disposition``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from spenddown.adapters.fhir import codes, release
from spenddown.adapters.fhir.common import (
    Json,
    Submitted,
    as_date,
    concept,
    extension,
    has_type,
    invalid,
    money,
    npi_of,
    path_of,
    read_submitted,
    refused,
    required,
    resolve,
    timestamp,
)
from spenddown.domain.eligibility.codes import Program
from spenddown.domain.eligibility.verification import ShareOfCostView, Verification
from spenddown.domain.errors import InvalidInput
from spenddown.domain.identifiers import MemberId, parse_member_id
from spenddown.domain.money import Money

RESOURCE = "CoverageEligibilityRequest"
MEDI_CAL_PAYOR = "Medi-Cal (California Department of Health Care Services)"
PROGRAM_PAYOR = {Program.CMSP: "CMSP (County Medical Services Program)"}
SUBSCRIBER_SELF = "self"
MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"


@dataclass(frozen=True, slots=True)
class EligibilityInquiry:
    """What a CoverageEligibilityRequest asks, in domain terms."""

    member_id: MemberId
    bic_issue_date: date
    service_date: date
    provider_npi: str | None
    purposes: tuple[str, ...]
    request_reference: Json


@dataclass(frozen=True, slots=True)
class MemberNotIdentified:
    """A request whose member spenddown cannot find: answered with ``outcome`` = error."""

    reason: str
    patient: Json  # the request's patient reference, echoed
    service_date: date | None
    provider_npi: str | None
    purposes: tuple[str, ...]
    request_reference: Json


@dataclass(frozen=True, slots=True)
class _Found:
    value: str
    where: str
    issue: Any  # a date, or None
    issue_where: str


def read_request(document: Any) -> EligibilityInquiry | MemberNotIdentified:
    submitted = read_submitted(release.CoverageEligibilityRequest, RESOURCE, document)
    request = submitted.resource
    provider_npi = npi_of(submitted, request.provider, f"{RESOURCE}.provider")
    purposes = tuple(str(p) for p in request.purpose or ()) or ("validation", "benefits")
    chosen = _member(submitted)
    if chosen is None:
        return MemberNotIdentified(
            reason="No member ID spenddown can read: send the CIN or the card ID on the "
            f"patient (identifier system {codes.MEMBER_ID}) or on the Coverage "
            "(subscriberId, or an identifier of type MB), contained in the request or in the "
            "same Bundle; references to resources stored elsewhere cannot be read.",
            patient=_patient_echo(request.patient),
            service_date=_optional_date(request.servicedDate),
            provider_npi=provider_npi,
            purposes=purposes,
            request_reference=_request_reference(request),
        )
    member_id, issue = chosen
    if request.servicedDate is None:
        raise required(f"{RESOURCE}.servicedDate", "the date of service is required.")
    service_date = as_date(request.servicedDate, f"{RESOURCE}.servicedDate")
    return EligibilityInquiry(
        member_id=member_id,
        bic_issue_date=issue,
        service_date=service_date,
        provider_npi=provider_npi,
        purposes=purposes,
        request_reference=_request_reference(request),
    )


def _member(submitted: Submitted[Any]) -> tuple[MemberId, date] | None:
    """The member ID and the card issue date (module docstring: where they are looked for)."""
    found = [*_from_patient(submitted), *_from_coverages(submitted)]
    if not found:
        return None
    parsed: list[tuple[MemberId, _Found]] = []
    first_error: InvalidInput | None = None
    for candidate in found:
        try:
            parsed.append((parse_member_id(candidate.value, candidate.where), candidate))
        except InvalidInput as error:  # e.g. another payer's member number
            first_error = first_error or error
    if not parsed:
        assert first_error is not None
        raise first_error
    member_id, chosen = parsed[0]
    for other, candidate in parsed[1:]:
        if other.cin != member_id.cin:
            raise refused(
                candidate.where,
                f"names another member than {chosen.where}: send one member per request.",
                "INVALID_MEMBER_ID",
            )
    issue = chosen.issue
    if issue is None:
        issue = next((c.issue for m, c in parsed if c.issue is not None), None)
    return member_id, as_date(issue, chosen.issue_where)


def _from_patient(submitted: Submitted[Any]) -> list[_Found]:
    reference = submitted.resource.patient
    if reference is None:  # "patient": null passes the model; FHIR requires it (1..1)
        raise invalid(f"{RESOURCE}.patient", "is required.")
    if reference.identifier is not None:
        identifiers, where = [reference.identifier], f"{RESOURCE}.patient.identifier"
    else:
        target = resolve(submitted, reference)
        if target is None or target.get_resource_type() != "Patient":
            return []
        identifiers, where = list(target.identifier or []), path_of(submitted, target)
    return [
        _Found(str(i.value), f"{where}.value", _start(i.period), f"{where}.period.start")
        for i in identifiers
        if i.system == codes.MEMBER_ID and i.value
    ]


def _from_coverages(submitted: Submitted[Any]) -> list[_Found]:
    insurances = list(submitted.resource.insurance or [])
    ordered = sorted(range(len(insurances)), key=lambda n: not insurances[n].focal)
    found: list[_Found] = []
    for n in ordered:
        reference = insurances[n].coverage
        here = f"{RESOURCE}.insurance[{n}].coverage"
        if reference is None:  # null passes the model; FHIR requires it (1..1)
            raise invalid(here, "is required.")
        logical = reference.identifier
        if logical is not None and logical.value and _is_member_number(logical):
            where = f"{here}.identifier"
            found.append(
                _Found(str(logical.value), f"{where}.value", None, f"{where}.period.start")
            )
        coverage = resolve(submitted, reference)
        if coverage is None or coverage.get_resource_type() != "Coverage":
            continue
        base = path_of(submitted, coverage, "")[:-1]
        period = _start(coverage.period)
        for k, identifier in enumerate(coverage.identifier or []):
            if identifier.value and _is_member_number(identifier):
                where = f"{base}.identifier[{k}]"
                own = _start(identifier.period)
                found.append(
                    _Found(
                        str(identifier.value),
                        f"{where}.value",
                        own if own is not None else period,
                        f"{where}.period.start" if own is not None else f"{base}.period.start",
                    )
                )
        relationship = _codes(coverage.relationship)
        if coverage.subscriberId and (not relationship or SUBSCRIBER_SELF in relationship):
            found.append(
                _Found(
                    str(coverage.subscriberId),
                    f"{base}.subscriberId",
                    period,
                    f"{base}.period.start",
                )
            )
    return found


def _is_member_number(identifier: Any) -> bool:
    return bool(identifier.system == codes.MEMBER_ID or has_type(identifier, "MB"))


def _codes(concept_: Any) -> set[str]:
    return {str(c.code) for c in getattr(concept_, "coding", None) or [] if c.code}


def _start(period: Any) -> Any:
    return None if period is None else period.start


def _optional_date(value: Any) -> date | None:
    try:
        return None if value is None else as_date(value, f"{RESOURCE}.servicedDate")
    except InvalidInput:
        return None


def _patient_echo(reference: Any) -> Json:
    """The request's patient as a Reference valid in the answer: its identifier, an absolute
    URL as is; a relative or contained reference (``Patient/pat1``, ``#pat1``) would name a
    resource of spenddown's, so it is only quoted in ``display``."""
    echo: Json = {"type": "Patient"}
    target = str(reference.reference or "")
    if reference.identifier is not None:
        echo["identifier"] = reference.identifier.model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
    elif target.startswith(("http://", "https://")):
        echo["reference"] = target
    if reference.display:
        echo["display"] = str(reference.display)[:200]
    elif target and "reference" not in echo:
        echo["display"] = f"{target[:100]} (as the request names it)"
    else:
        echo["display"] = "the patient of the request"
    return echo


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


def _soc_item(soc: ShareOfCostView) -> Json:
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
    return {
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
    if result.share_of_cost is not None:
        items.append(_soc_item(result.share_of_cost))
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
    for soc in result.other_shares_of_cost:
        # CMSP beside Medi-Cal: the county's program, with its own SOC (docs/fhir.md).
        program = str(soc.program)
        eligible_here = [c for c in result.aid_codes if c.program is soc.program]
        own: Json = {}
        if eligible_here:
            own["class"] = [
                {
                    "type": concept(codes.COVERAGE_CLASS, "class"),
                    "value": c.aid_code,
                    "name": f"Aid code {c.aid_code} ({c.scope} scope, {c.program})",
                }
                for c in eligible_here
            ]
        contained.append(
            _coverage(
                program,
                cin,
                {"display": PROGRAM_PAYOR.get(soc.program, program)},
                period=period,
                **own,
            )
        )
        insurance.append(
            {
                "coverage": {"reference": f"#{program}"},
                "inforce": bool(eligible_here),
                "benefitPeriod": period,
                "item": [_soc_item(soc)],
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


def build_error_response(
    refusal: MemberNotIdentified, *, provider_npi: str, created: datetime
) -> release.CoverageEligibilityResponse:
    """The answer to a request whose member spenddown cannot find: ``outcome`` error and the
    reason in ``error`` (the REST API's code in the error system) and ``disposition``."""
    document: Json = {
        "resourceType": "CoverageEligibilityResponse",
        "status": "active",
        "purpose": list(refusal.purposes),
        "patient": refusal.patient,
        "created": timestamp(created),
        "requestor": {"identifier": {"system": codes.NPI, "value": provider_npi}},
        "request": refusal.request_reference,
        "outcome": "error",
        "disposition": "The member was not found: " + refusal.reason,
        "insurer": {"display": MEDI_CAL_PAYOR},
        "error": [
            {
                "code": {
                    "coding": [
                        {
                            "system": codes.ERROR,
                            "code": MEMBER_NOT_FOUND,
                            "display": "Member not found",
                        }
                    ],
                    "text": refusal.reason,
                }
            }
        ],
    }
    if refusal.service_date is not None:
        document["servicedDate"] = refusal.service_date.isoformat()
    return release.build(release.CoverageEligibilityResponse, document)

"""FHIR Claim → domain ``Claim``; ``Adjudication`` → ClaimResponse in the CARIN Blue Button
style (docs/fhir.md "Claims").

Claim: the claim ID is ``identifier`` (system ``codes.CLAIM_ID`` first, else the first one,
else ``id``); the provider's NPI is on ``provider``; the member's ID on ``patient`` (as for
eligibility); the Share of Cost the member paid toward this claim (box 10D) is R5's
``Claim.patientPaid`` through its cross-version extension; ``type`` gives the service scope
(oral → dental, vision, pharmacy, else medical). Lines are ``item``s: ``servicedDate``,
``productOrService`` (CPT/HCPCS code), ``quantity`` (units, default 1) and ``net`` (the charge).

The primary payer is the ``insurance`` with ``focal`` = false: its ``coverage`` is a contained
Coverage (``type`` = payer type, ``payor[0].display`` = payer name) and its ``claimResponse`` a
contained ClaimResponse with the primary's adjudication (``identifier`` = its claim number,
``created`` = its adjudication date, per ``item``: ``eligible`` = allowed, ``benefit`` = paid,
``deductible``, ``copay``, CARIN ``coinsurance``, and a CARIN ``denialreason`` with the CARC).
Authorizations: ``preAuthRef`` of the focal (Medi-Cal) insurance and of the primary's: one value
for every item, or one per item in item order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from spenddown.adapters.fhir import codes, release
from spenddown.adapters.fhir.common import (
    Json,
    Submitted,
    as_date,
    coding,
    concept,
    extension,
    identifier_with,
    invalid,
    money,
    money_in,
    npi_of,
    read_submitted,
    referenced_identifiers,
    refused,
    required,
    resolve,
    timestamp,
)
from spenddown.domain.cob.adjudication import Adjudication
from spenddown.domain.cob.model import (
    Claim,
    ClaimLine,
    ClaimPrimary,
    PayerType,
    PrimaryLine,
    ServiceScope,
)
from spenddown.domain.identifiers import parse_member_id, parse_npi
from spenddown.domain.money import Money

RESOURCE = "Claim"
MEDI_CAL_PAYOR = "Medi-Cal (California Department of Health Care Services)"
SCOPES = {
    "oral": ServiceScope.DENTAL,
    "vision": ServiceScope.VISION,
    "pharmacy": ServiceScope.PHARMACY,
}
STATUS_TEXT = {"paid": "paid", "partially_paid": "partially paid", "denied": "denied"}


@dataclass(frozen=True, slots=True)
class ClaimSubmission:
    """A FHIR Claim in domain terms, with what the ClaimResponse echoes."""

    claim: Claim
    item_sequences: tuple[int, ...]
    claim_type: Json


def _claim_id(claim: Any) -> str:
    identifiers = [i for i in claim.identifier or [] if i.value]
    ours = [i for i in identifiers if i.system == codes.CLAIM_ID]
    chosen = (ours or identifiers or [None])[0]
    if chosen is not None:
        return str(chosen.value).strip()
    if claim.id:
        return str(claim.id)
    raise required(f"{RESOURCE}.identifier", f"the claim ID is required (system {codes.CLAIM_ID}).")


def _contained(submitted: Submitted[Any], reference: Any, kind: str, where: str) -> Any:
    """A contained resource (``#id``), or an entry of the submitted Bundle."""
    found = resolve(submitted, reference)
    if found is not None and found.get_resource_type() == kind:
        return found
    target = getattr(reference, "reference", None) or ""
    raise refused(
        where,
        f"must reference a contained {kind} ('#id') or one in the same Bundle, "
        f"not {target[:60]!r}.",
    )


def _code(concept_: Any, system: str | None = None) -> str | None:
    for c in getattr(concept_, "coding", None) or []:
        if c.code and (system is None or c.system == system):
            return str(c.code)
    return None


def _per_item(values: Any, count: int, where: str) -> list[str | None]:
    refs: list[str | None] = [str(v) for v in values or [] if v]
    if not refs:
        return [None] * count
    if len(refs) == 1:
        return refs * count
    if len(refs) == count:
        return refs
    raise refused(where, "give one authorization for every item, or one per item in item order.")


# Adjudication categories of the primary's ClaimResponse.item → PrimaryLine fields.
_PRIMARY_AMOUNTS = {
    (codes.ADJUDICATION, "eligible"): "allowed",
    (codes.ADJUDICATION, "benefit"): "paid",
    (codes.C4BB_ADJUDICATION, "paidtoprovider"): "paid",
    (codes.ADJUDICATION, "deductible"): "deductible",
    (codes.ADJUDICATION, "copay"): "copay",
    (codes.C4BB_ADJUDICATION, "coinsurance"): "coinsurance",
}


def _primary_lines(response: Any, where: str) -> dict[int, PrimaryLine]:
    lines: dict[int, PrimaryLine] = {}
    for i, item in enumerate(response.item or []):
        amounts: dict[str, Money] = {}
        denial: str | None = None
        for j, adjudication in enumerate(item.adjudication or []):
            here = f"{where}.item[{i}].adjudication[{j}]"
            category = adjudication.category
            if _code(category, codes.C4BB_DISCRIMINATOR) == "denialreason":
                denial = _code(adjudication.reason, codes.CARC) or _code(adjudication.reason)
                if denial is None:
                    raise required(f"{here}.reason", "the denial reason needs a CARC code.")
                continue
            for c in getattr(category, "coding", None) or []:
                field = _PRIMARY_AMOUNTS.get((str(c.system), str(c.code)))
                if field is not None:
                    amounts[field] = money_in(adjudication.amount, f"{here}.amount")
                    break
        if denial is not None and len(denial) > 5:
            raise refused(f"{where}.item[{i}]", "a CARC has at most 5 characters.")
        zero = Money.zero()
        lines[_sequence(item.itemSequence)] = PrimaryLine(
            amounts.get("allowed", zero),
            amounts.get("paid", zero),
            amounts.get("deductible", zero),
            amounts.get("coinsurance", zero),
            amounts.get("copay", zero),
            denial,
        )
    return lines


def read_claim(document: Any) -> ClaimSubmission:
    submitted = read_submitted(release.Claim, RESOURCE, document)
    claim = submitted.resource
    claim_id = _claim_id(claim)
    npi = npi_of(submitted, claim.provider, f"{RESOURCE}.provider")
    if npi is None:
        raise required(f"{RESOURCE}.provider", f"the provider's NPI is required ({codes.NPI}).")
    provider_npi = parse_npi(npi, f"{RESOURCE}.provider.identifier.value")
    identifiers, where = referenced_identifiers(submitted, claim.patient, f"{RESOURCE}.patient")
    member = identifier_with(identifiers, codes.MEMBER_ID, where)
    cin = parse_member_id(str(member.value), f"{where}.value").cin
    soc = Money.zero()
    for index, ext in enumerate(claim.extension or []):
        if ext.url == codes.PATIENT_PAID:
            soc = money_in(ext.valueMoney, f"{RESOURCE}.extension[{index}].valueMoney")
    scope = SCOPES.get(_code(claim.type, codes.CLAIM_TYPE) or "", ServiceScope.MEDICAL)

    items = list(claim.item or [])
    if not items:
        raise required(f"{RESOURCE}.item", "a claim has at least one item.")
    insurances = list(claim.insurance or [])
    focal = [i for i in insurances if i.focal]
    prior = [(n, i) for n, i in enumerate(insurances) if not i.focal]
    if len(prior) > 1:
        raise refused(f"{RESOURCE}.insurance", "only one prior payer (focal = false) is supported.")
    medi_cal_refs = _per_item(
        focal[0].preAuthRef if focal else None, len(items), f"{RESOURCE}.insurance"
    )
    primary: ClaimPrimary | None = None
    primary_lines: dict[int, PrimaryLine] = {}
    primary_refs: list[str | None] = [None] * len(items)
    if prior:
        n, insurance = prior[0]
        here = f"{RESOURCE}.insurance[{n}]"
        coverage = _contained(submitted, insurance.coverage, "Coverage", f"{here}.coverage")
        payer_type = _code(coverage.type, codes.PAYER_TYPE)
        try:
            kind = PayerType(payer_type or "")
        except ValueError:
            raise refused(
                f"{here}.coverage",
                f"the Coverage's type is the payer type ({codes.PAYER_TYPE}: "
                "commercial | medicare | medicare_advantage).",
            ) from None
        if insurance.claimResponse is None:
            raise required(f"{here}.claimResponse", "the prior payer's adjudication is required.")
        response = _contained(
            submitted, insurance.claimResponse, "ClaimResponse", f"{here}.claimResponse"
        )
        payer_name = (coverage.payor[0].display if coverage.payor else None) or (
            response.insurer.display if response.insurer else None
        )
        number = next((str(i.value) for i in response.identifier or [] if i.value), "")
        primary = ClaimPrimary(
            kind,
            str(payer_name or "")[:100],
            number[:60],
            as_date(response.created, f"{here}.claimResponse.created"),
        )
        primary_lines = _primary_lines(response, "ClaimResponse")
        primary_refs = _per_item(insurance.preAuthRef, len(items), here)

    lines: list[ClaimLine] = []
    for i, item in enumerate(items):
        here = f"{RESOURCE}.item[{i}]"
        code = _code(item.productOrService)
        if code is None:
            raise required(f"{here}.productOrService", "the procedure code is required.")
        units = _units(item.quantity, f"{here}.quantity")
        lines.append(
            ClaimLine(
                as_date(item.servicedDate, f"{here}.servicedDate"),
                code.strip().upper()[:20],
                units,
                money_in(item.net, f"{here}.net"),
                primary_lines.get(_sequence(item.sequence)),
                medi_cal_refs[i],
                primary_refs[i],
                scope,
            )
        )
    return ClaimSubmission(
        Claim(claim_id, provider_npi, cin, soc, primary, tuple(lines)),
        tuple(_sequence(item.sequence) for item in items),
        claim.type.model_dump(mode="json", by_alias=True, exclude_none=True)
        if claim.type is not None
        else concept(codes.CLAIM_TYPE, "professional"),
    )


def _sequence(value: Any) -> int:
    return int(value or 0)


def _units(quantity: Any, where: str) -> int:
    if quantity is None or quantity.value is None:
        return 1
    value = Decimal(str(quantity.value))
    if value != value.to_integral_value() or not 1 <= value <= 9999:
        raise invalid(f"{where}.value", "units are a whole number from 1 to 9999.", "INVALID_CLAIM")
    return int(value)


# --- the answer -------------------------------------------------------------------------------
def _amount(system: str, code: str, display: str, value: Money) -> Json:
    return {"category": concept(system, code, display), "amount": money(value)}


def _local(code: str, display: str, value: Money) -> Json:
    return _amount(codes.LOCAL_ADJUDICATION, code, display, value)


def _paid_amounts(paid: Money) -> list[Json]:
    return [
        _amount(codes.ADJUDICATION, "benefit", "Benefit Amount", paid),
        _amount(codes.C4BB_ADJUDICATION, "paidtoprovider", "Paid to provider", paid),
    ]


def build_response(
    result: Adjudication,
    submission: ClaimSubmission,
    *,
    created: datetime,
) -> release.ClaimResponse:
    claim = submission.claim
    notes: list[Json] = []

    def note(text: str) -> int:
        notes.append({"number": len(notes) + 1, "type": "display", "text": text})
        return len(notes)

    # The claim's explanation already holds every line's sentences ("Line n: ..."): each is one
    # note, which the item refers to; a line sentence missing there gets a note of its own.
    numbers_of: dict[str, int] = {}
    for sentence in result.explanation:
        numbers_of.setdefault(sentence, note(sentence))
    items: list[Json] = []
    allowed_total = Money.zero()
    for line, sequence, claim_line in zip(
        result.lines, submission.item_sequences, claim.lines, strict=True
    ):
        allowed_total = allowed_total + line.medi_cal_allowed
        adjudication = [
            _amount(codes.ADJUDICATION, "submitted", "Submitted Amount", claim_line.charge),
            _amount(codes.ADJUDICATION, "eligible", "Eligible Amount", line.medi_cal_allowed),
            _amount(
                codes.C4BB_ADJUDICATION, "priorpayerpaid", "Prior payer paid", line.primary_paid
            ),
            *_paid_amounts(line.medi_cal_paid),
            _amount(
                codes.C4BB_ADJUDICATION, "memberliability", "Member liability", line.member_owes
            ),
            _local(
                "liability-after-primary",
                "Member liability left by the primary",
                line.patient_liability_after_primary,
            ),
            _local("soc-applied", "Share of Cost applied", line.soc_applied),
            _local("provider-write-off", "Provider write-off", line.provider_write_off),
            _local(
                "deductible-credit", "Credited to the primary's deductible", line.deductible_credit
            ),
        ]
        for adjustment in line.adjustments:
            adjudication.append(
                {
                    "category": concept(
                        codes.C4BB_DISCRIMINATOR, "adjustmentreason", "Adjustment Reason"
                    ),
                    "reason": {
                        "coding": [
                            coding(codes.CARC, adjustment.carc),
                            coding(codes.ADJUSTMENT_GROUP, adjustment.group),
                        ]
                    },
                    "amount": money(adjustment.amount),
                }
            )
        if line.denial is not None:
            adjudication.append(
                {
                    "category": concept(codes.C4BB_DISCRIMINATOR, "denialreason", "Denial Reason"),
                    "reason": concept(codes.CARC, line.denial.carc, line.denial.reason),
                }
            )
        extensions = [extension(codes.EXT_LINE_STATUS, valueCode=str(line.status))]
        if line.authorization_id:
            extensions.append(
                extension(codes.EXT_AUTHORIZATION_ID, valueString=line.authorization_id)
            )
        item: Json = {
            "extension": extensions,
            "itemSequence": sequence,
            "adjudication": adjudication,
        }
        numbers = [
            numbers_of.get(sentence) or numbers_of.setdefault(sentence, note(sentence))
            for sentence in line.explanation
        ]
        if numbers:
            item["noteNumber"] = numbers
        items.append(item)

    totals = result.totals
    claim_extensions = [
        extension(codes.EXT_CLAIM_STATUS, valueCode=str(result.status)),
        extension(codes.EXT_DELIVERY_SYSTEM, valueCode=result.delivery_system),
        extension(codes.EXT_RECOVERY_FLAG, valueBoolean=result.recovery_flag),
    ]
    if result.plan_code:
        claim_extensions.append(extension(codes.EXT_PLAN_CODE, valueCode=result.plan_code))
    claim_id = {"system": codes.CLAIM_ID, "value": result.claim_id}
    document: Json = {
        "resourceType": "ClaimResponse",
        "extension": claim_extensions,
        "identifier": [claim_id],
        "status": "active",
        "type": submission.claim_type,
        "use": "claim",
        "patient": {
            "type": "Patient",
            "identifier": {"system": codes.MEMBER_ID, "value": claim.member_id},
        },
        "created": timestamp(created),
        "insurer": {"display": MEDI_CAL_PAYOR},
        "requestor": {"identifier": {"system": codes.NPI, "value": claim.provider_npi}},
        "request": {"type": "Claim", "identifier": claim_id},
        "outcome": "complete",
        "disposition": f"Claim {STATUS_TEXT.get(str(result.status), str(result.status))}: "
        f"Medi-Cal pays ${totals.medi_cal_paid}, the member owes ${totals.member_owes}.",
        "item": items,
        "total": [
            _amount(codes.ADJUDICATION, "submitted", "Submitted Amount", totals.charge),
            _amount(codes.ADJUDICATION, "eligible", "Eligible Amount", allowed_total),
            _amount(
                codes.C4BB_ADJUDICATION, "priorpayerpaid", "Prior payer paid", totals.primary_paid
            ),
            *_paid_amounts(totals.medi_cal_paid),
            _amount(
                codes.C4BB_ADJUDICATION, "memberliability", "Member liability", totals.member_owes
            ),
            _local("provider-write-off", "Provider write-off", totals.provider_write_off),
        ],
    }
    if totals.medi_cal_paid.is_positive():
        document["payment"] = {
            "type": concept(codes.PAYMENT_TYPE, "complete"),
            "amount": money(totals.medi_cal_paid),
        }
    if notes:
        document["processNote"] = notes
    return release.build(release.ClaimResponse, document)

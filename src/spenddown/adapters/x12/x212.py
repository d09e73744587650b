"""005010X212: the 276 claim status request, answered with a 277 claim status response for the
claims spenddown stored (docs/x12.md "276/277 claim status").

Read (276), from the segment stream:

    2000A/2100A  NM1*PR payer            2000B/2100B  NM1*41 information receiver (submitter)
    2000C/2100C  NM1*1P service provider, NM108 XX, NM109 the NPI (must be the credentials')
    2000D/2100D  NM1*IL subscriber       2000E/2100E  NM1*QC dependent patient (optional)
    2200D/2200E  TRN*1 the request's trace, REF*1K payer claim control number (spenddown's
                 CLP07, the claim ID), REF*EJ patient account number (CLM01), AMT*T3, DTP*472

Written (277), one 2200D/2200E per request, echoing the tree:

    STC*F1:1 (finalized, paid; see the remittance advice) or F2:1 (finalized, denied) with
    STC04 the charge, STC05 the amount paid, STC06 the adjudication date; STC*F2:1 for a claim
    replaced or voided since; STC*D0:35 (data search unsuccessful, claim not found) when the
    provider has no such claim. REF*1K the claim ID, DTP*472 the service dates.

x12sdk has 005010X212 models; the set is written like the 277CA (``x214``) with its generic
segment models, checked in the tests with pyx12's 277.5010.X212 map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from x12sdk.models import X12Segment, X12SegmentGroup
from x12sdk.v5010.segments import (
    BhtSegment,
    DtpSegment,
    Nm1Segment,
    RefSegment,
    SeSegment,
    StSegment,
)

from spenddown.adapters.x12.acknowledgments import clean
from spenddown.adapters.x12.codes import ElementError, SegmentError
from spenddown.adapters.x12.envelope import (
    ElementInvalid,
    ElementProblem,
    Segment,
    SegmentProblem,
    TransactionSet,
    build,
    dtp_date,
    required,
)
from spenddown.adapters.x12.x214 import OptionalHlSegment, OptionalStcSegment, OptionalTrnSegment

GUIDE = "005010X212"


class ClaimStatusResponse(X12SegmentGroup):
    """A 277 (005010X212) transaction set as a flat list of segments."""

    __module__ = "spenddown.adapters.x12.x12_277_005010X212"  # read by write_transactions

    segments: list[X12Segment]


ClaimStatusResponse.model_rebuild(_types_namespace={"X12Segment": X12Segment})


@dataclass(slots=True)
class Party:
    entity: str  # NM101
    kind: str  # NM102
    last: str
    first: str = ""
    qualifier: str = ""
    identifier: str = ""


@dataclass(slots=True)
class StatusRequest:
    """One 2200D/2200E: the claim asked about."""

    trace: str
    payer_claim_number: str = ""  # REF*1K
    account_number: str = ""  # REF*EJ (CLM01)
    charge: str = ""  # AMT*T3
    first_day: date | None = None
    last_day: date | None = None
    patient: Party | None = None  # 2100E when the patient is a dependent

    @property
    def claim_id(self) -> str:
        return self.payer_claim_number or self.account_number


@dataclass(slots=True)
class SubscriberRequests:
    subscriber: Party
    requests: list[StatusRequest] = field(default_factory=list)


@dataclass(slots=True)
class ProviderRequests:
    provider: Party
    subscribers: list[SubscriberRequests] = field(default_factory=list)


@dataclass(slots=True)
class StatusInquiry:
    reference: str  # BHT03
    payer: Party
    receiver: Party
    providers: list[ProviderRequests] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ClaimStatusAnswer:
    category: str  # F1, F2, D0, ...
    code: str  # 1, 35, ...
    charge: Decimal
    paid: Decimal
    adjudicated: date | None = None


def _party(segment: Segment) -> Party:
    return Party(
        segment.el(1),
        segment.el(2) or "2",
        required(segment, 3)[:60],
        segment.el(4)[:35],
        segment.el(8),
        segment.el(9)[:80],
    )


def read_276(transaction: TransactionSet) -> StatusInquiry:
    """The requests; problems are appended to ``transaction.errors`` (answered with a 999)."""
    body = transaction.segments[1:-1]
    problems: list[SegmentProblem] = []
    inquiry = StatusInquiry("", Party("PR", "2", ""), Party("41", "2", ""))
    if not body or body[0].id != "BHT":
        anchor = body[0] if body else transaction.segments[-1]
        problems.append(SegmentProblem("BHT", anchor.position, "", SegmentError.REQUIRED_MISSING))
        transaction.errors.extend(problems)
        return inquiry
    inquiry.reference = body[0].el(3)[:50]
    level = ""
    provider: ProviderRequests | None = None
    subscriber: SubscriberRequests | None = None
    patient: Party | None = None
    request: StatusRequest | None = None
    for segment in body[1:]:
        try:
            if segment.id == "HL":
                level, request, patient = segment.el(3), None, None
                if level not in ("20", "21", "19", "22", "23"):
                    raise ElementInvalid(3, ElementError.INVALID_CODE, level)
            elif segment.id == "NM1":
                party = _party(segment)
                if level == "20":
                    inquiry.payer = party
                elif level == "21":
                    inquiry.receiver = party
                elif level == "19":
                    provider = ProviderRequests(party)
                    inquiry.providers.append(provider)
                elif level == "22" and provider is not None:
                    subscriber = SubscriberRequests(party)
                    provider.subscribers.append(subscriber)
                elif level == "23":
                    patient = party
            elif segment.id == "TRN" and subscriber is not None:
                request = StatusRequest(required(segment, 2)[:50], patient=patient)
                subscriber.requests.append(request)
            elif request is None:
                continue
            elif segment.id == "REF" and segment.el(1) == "1K":
                request.payer_claim_number = required(segment, 2)[:50]
            elif segment.id == "REF" and segment.el(1) == "EJ":
                request.account_number = required(segment, 2)[:50]
            elif segment.id == "AMT" and segment.el(1) == "T3":
                request.charge = required(segment, 2)
            elif segment.id == "DTP" and segment.el(1) == "472":
                request.first_day = dtp_date(segment)
                value = segment.el(3)
                request.last_day = request.first_day
                if segment.el(2) == "RD8" and "-" in value:
                    end = value.partition("-")[2]
                    request.last_day = date(int(end[:4]), int(end[4:6]), int(end[6:8]))
        except ElementInvalid as error:
            problems.append(
                SegmentProblem(
                    segment.id,
                    segment.position,
                    "",
                    SegmentError.HAS_ELEMENT_ERRORS,
                    [ElementProblem(error.position, error.code, error.value)],
                )
            )
    if not problems and not any(s.requests for p in inquiry.providers for s in p.subscribers):
        problems.append(
            SegmentProblem("TRN", body[-1].position, "2200D", SegmentError.REQUIRED_MISSING)
        )
    transaction.errors.extend(problems)
    return inquiry


def _nm1(party: Party) -> X12Segment:
    return build(
        Nm1Segment,
        entity_identifier_code=party.entity,
        entity_type_qualifier=party.kind if party.kind in ("1", "2") else "2",
        name_last_or_organization_name=clean(party.last, 60) or "UNKNOWN",
        name_first=clean(party.first, 35) or None,
        identification_code_qualifier=party.qualifier or None,
        identification_code=clean(party.identifier, 80) or None,
    )


def build_277(
    inquiry: StatusInquiry,
    answers: dict[int, ClaimStatusAnswer],
    *,
    control_number: str,
    created: datetime,
    payer: Party,
) -> ClaimStatusResponse:
    """``answers`` by ``id()`` of each ``StatusRequest``."""
    segments: list[X12Segment] = [
        build(
            StSegment,
            transaction_set_identifier_code="277",
            transaction_set_control_number=control_number,
            implementation_convention_reference=GUIDE,
        ),
        build(
            BhtSegment,
            hierarchical_structure_code="0010",
            transaction_set_purpose_code="08",
            submitter_transactional_identifier=clean(inquiry.reference, 50) or "1",
            transaction_set_creation_date=f"{created:%Y%m%d}",
            transaction_set_creation_time=f"{created:%H%M%S}",
            transaction_type_code="DG",
        ),
        build(
            OptionalHlSegment,
            hierarchical_id_number="1",
            hierarchical_level_code="20",
            hierarchical_child_code="1",
        ),
        _nm1(payer),
        build(
            OptionalHlSegment,
            hierarchical_id_number="2",
            hierarchical_parent_id_number="1",
            hierarchical_level_code="21",
            hierarchical_child_code="1",
        ),
        _nm1(inquiry.receiver),
    ]
    number = 2
    for provider in inquiry.providers:
        number += 1
        provider_hl = number
        segments += [
            build(
                OptionalHlSegment,
                hierarchical_id_number=str(provider_hl),
                hierarchical_parent_id_number="2",
                hierarchical_level_code="19",
                hierarchical_child_code="1",
            ),
            _nm1(provider.provider),
        ]
        for subscriber in provider.subscribers:
            number += 1
            subscriber_hl = number
            own = [r for r in subscriber.requests if r.patient is None]
            dependents = [r for r in subscriber.requests if r.patient is not None]
            segments += [
                build(
                    OptionalHlSegment,
                    hierarchical_id_number=str(subscriber_hl),
                    hierarchical_parent_id_number=str(provider_hl),
                    hierarchical_level_code="22",
                    hierarchical_child_code="1" if dependents else "0",
                ),
                _nm1(subscriber.subscriber),
            ]
            for request in own:
                segments += _status(request, answers[id(request)], created)
            for request in dependents:
                assert request.patient is not None
                number += 1
                segments += [
                    build(
                        OptionalHlSegment,
                        hierarchical_id_number=str(number),
                        hierarchical_parent_id_number=str(subscriber_hl),
                        hierarchical_level_code="23",
                    ),
                    _nm1(request.patient),
                    *_status(request, answers[id(request)], created),
                ]
    segments.append(
        build(
            SeSegment,
            transaction_segment_count=len(segments) + 1,
            transaction_set_control_number=control_number,
        )
    )
    return build(ClaimStatusResponse, segments=segments)


def _status(
    request: StatusRequest, answer: ClaimStatusAnswer, created: datetime
) -> list[X12Segment]:
    out: list[X12Segment] = [
        build(
            OptionalTrnSegment,
            trace_type_code="2",
            reference_identification_1=clean(request.trace, 50),
        ),
        build(
            OptionalStcSegment,
            health_care_claim_status_1=f"{answer.category}:{answer.code}",
            status_effective_date=f"{created:%Y%m%d}",
            total_claim_charge_amount=answer.charge.quantize(Decimal("0.01")),
            claim_payment_amount=answer.paid.quantize(Decimal("0.01")),
            adjudication_finalized_date=None
            if answer.adjudicated is None
            else f"{answer.adjudicated:%Y%m%d}",
        ),
    ]
    if request.claim_id:
        out.append(
            build(
                RefSegment,
                reference_identification_qualifier="1K",
                reference_identification=clean(request.claim_id, 50),
            )
        )
    if request.account_number:
        out.append(
            build(
                RefSegment,
                reference_identification_qualifier="EJ",
                reference_identification=clean(request.account_number, 50),
            )
        )
    if request.first_day is not None:
        last = request.last_day or request.first_day
        out.append(
            build(
                DtpSegment,
                date_time_qualifier="472",
                date_time_period_format_qualifier="D8" if last == request.first_day else "RD8",
                date_time_period=f"{request.first_day:%Y%m%d}"
                if last == request.first_day
                else f"{request.first_day:%Y%m%d}-{last:%Y%m%d}",
            )
        )
    return out

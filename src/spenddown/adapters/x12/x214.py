"""005010X214: the 277CA claim acknowledgment, for the claims of an 837P refused before
adjudication (docs/x12.md "277CA"). An 835 carries only adjudicated claims; a claim that cannot
be adjudicated (unknown member or patient, invalid ID or NPI, the prior payers' amounts not
balancing, a date in the future, a correction of an unknown claim) is answered here.

    2000A/2100A/2200A  information source: NM1*PR MEDI-CAL, TRN*1, DTP*050 received, DTP*009
    2000B/2100B/2200B  information receiver: NM1*41 the 837P's submitter, TRN*2 its BHT03,
                       STC (A1:19 received), QTY*90/AA and AMT*YU/YY (accepted / rejected)
    2000C/2100C/2200C  billing provider: NM1*85 ... XX NPI, TRN*1*0, QTY*QA/QC, AMT*YU/YY
    2000D/2100D/2200D  patient: NM1*QC, TRN*2 CLM01, STC (A3 or A7 : status code : entity),
                       STC12 the reason in words, DTP*472 the claim's service dates

x12sdk 2.2.0 has no 005010X214 model: the set is written with x12sdk's generic segment models
in ``ClaimAcknowledgment``, whose module identity tells ``write_transactions`` it is a 277 of
005010X214 (GS01 HN, GS08 005010X214). pyx12's 277.5010.X214 map checks it in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from x12sdk.models import X12Segment, X12SegmentGroup
from x12sdk.v5010.segments import (
    AmtSegment,
    BhtSegment,
    DtpSegment,
    HlSegment,
    Nm1Segment,
    QtySegment,
    SeSegment,
    StcSegment,
    StSegment,
    TrnSegment,
)

from spenddown.adapters.x12.acknowledgments import clean
from spenddown.adapters.x12.envelope import build

GUIDE = "005010X214"


class OptionalHlSegment(HlSegment):
    """HL with HL02 (parent) and HL04 (child code) optional, as the 277CA uses them (x12sdk's
    generic HL requires both)."""

    hierarchical_parent_id_number: str | None = None  # type: ignore[assignment]
    hierarchical_child_code: str | None = None  # type: ignore[assignment]


class OptionalTrnSegment(TrnSegment):
    """TRN without TRN03 (the 277CA does not use it; x12sdk's generic TRN requires it)."""

    originating_company_identifier: str | None = None  # type: ignore[assignment]


class OptionalStcSegment(StcSegment):
    """STC with STC02 optional (not used at the 277CA's provider level)."""

    status_effective_date: date | str | None = None  # type: ignore[assignment]


class ClaimAcknowledgment(X12SegmentGroup):
    """A 277CA transaction set (ST to SE) as a flat list of segments."""

    __module__ = "spenddown.adapters.x12.x12_277_005010X214"  # read by write_transactions

    segments: list[X12Segment]


# The class's module is a name only (see above): its annotations are resolved here.
ClaimAcknowledgment.model_rebuild(_types_namespace={"X12Segment": X12Segment})


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    """One STC01 composite: category (A1, A3, A7, ...), status code, entity (optional)."""

    category: str
    code: str
    entity: str = ""

    def composite(self) -> str:
        return ":".join(p for p in (self.category, self.code, self.entity) if p)


@dataclass(slots=True)
class AcknowledgedClaim:
    claim_id: str  # CLM01 (2200D TRN02)
    patient_last: str
    patient_first: str
    patient_id: str  # 2010BA NM109 as sent
    charge: Decimal
    first_day: date | None
    last_day: date | None
    statuses: list[ClaimStatus]
    message: str = ""
    accepted: bool = False


@dataclass(slots=True)
class AcknowledgedProvider:
    name: str
    npi: str  # 2010AA NM109 as sent
    claims: list[AcknowledgedClaim] = field(default_factory=list)


@dataclass(slots=True)
class Acknowledgment:
    received: date
    trace: str  # 2200A TRN02: our trace of this acknowledgment
    submitter_name: str
    submitter_id: str
    batch_reference: str  # the 837P's BHT03
    providers: list[AcknowledgedProvider] = field(default_factory=list)


def _ascii(text: str) -> str:
    """STC12 is X12 text (type AN): anything outside the basic character set is dropped."""
    return text.encode("ascii", "ignore").decode("ascii")


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _counts(claims: list[AcknowledgedClaim]) -> tuple[int, int, Decimal, Decimal]:
    accepted = [c for c in claims if c.accepted]
    rejected = [c for c in claims if not c.accepted]
    return (
        len(accepted),
        len(rejected),
        _money(sum((c.charge for c in accepted), Decimal("0"))),
        _money(sum((c.charge for c in rejected), Decimal("0"))),
    )


def _totals(claims: list[AcknowledgedClaim], qty: tuple[str, str]) -> list[X12Segment]:
    accepted, rejected, accepted_amount, rejected_amount = _counts(claims)
    out: list[X12Segment] = []
    if accepted:
        out.append(build(QtySegment, quantity_qualifier=qty[0], quantity=Decimal(accepted)))
    if rejected:
        out.append(build(QtySegment, quantity_qualifier=qty[1], quantity=Decimal(rejected)))
    if accepted:
        out.append(build(AmtSegment, amount_qualifier_code="YU", monetary_amount=accepted_amount))
    if rejected:
        out.append(build(AmtSegment, amount_qualifier_code="YY", monetary_amount=rejected_amount))
    return out


def _received(claims: list[AcknowledgedClaim], created: datetime | None) -> X12Segment:
    """STC of the receiver and provider levels: A1:19:PR (the payer received them), total.
    The provider level has no STC02 (``created`` None)."""
    return build(
        OptionalStcSegment,
        health_care_claim_status_1="A1:19:PR",
        status_effective_date=None if created is None else f"{created:%Y%m%d}",
        action_code="WQ",
        total_claim_charge_amount=_money(sum((c.charge for c in claims), Decimal("0"))),
    )


def _period(claim: AcknowledgedClaim, fallback: date) -> DtpSegment:
    first = claim.first_day or fallback
    last = claim.last_day or first
    if first == last:
        return build(
            DtpSegment,
            date_time_qualifier="472",
            date_time_period_format_qualifier="D8",
            date_time_period=f"{first:%Y%m%d}",
        )
    return build(
        DtpSegment,
        date_time_qualifier="472",
        date_time_period_format_qualifier="RD8",
        date_time_period=f"{first:%Y%m%d}-{last:%Y%m%d}",
    )


def build_277ca(
    content: Acknowledgment,
    *,
    control_number: str,
    created: datetime,
    payer_name: str,
    payer_id: str,
) -> ClaimAcknowledgment:
    segments: list[X12Segment] = [
        build(
            StSegment,
            transaction_set_identifier_code="277",
            transaction_set_control_number=control_number,
            implementation_convention_reference=GUIDE,
        ),
        build(
            BhtSegment,
            hierarchical_structure_code="0085",
            transaction_set_purpose_code="08",
            submitter_transactional_identifier=clean(content.trace, 50) or "1",
            transaction_set_creation_date=f"{created:%Y%m%d}",
            transaction_set_creation_time=f"{created:%H%M%S}",
            transaction_type_code="TH",
        ),
        build(
            OptionalHlSegment,
            hierarchical_id_number="1",
            hierarchical_parent_id_number=None,
            hierarchical_level_code="20",
            hierarchical_child_code="1",
        ),
        build(
            Nm1Segment,
            entity_identifier_code="PR",
            entity_type_qualifier="2",
            name_last_or_organization_name=payer_name,
            identification_code_qualifier="PI",
            identification_code=payer_id,
        ),
        build(
            OptionalTrnSegment,
            trace_type_code="1",
            reference_identification_1=clean(content.trace, 50) or "1",
        ),
        build(
            DtpSegment,
            date_time_qualifier="050",
            date_time_period_format_qualifier="D8",
            date_time_period=f"{content.received:%Y%m%d}",
        ),
        build(
            DtpSegment,
            date_time_qualifier="009",
            date_time_period_format_qualifier="D8",
            date_time_period=f"{created:%Y%m%d}",
        ),
        build(
            OptionalHlSegment,
            hierarchical_id_number="2",
            hierarchical_parent_id_number="1",
            hierarchical_level_code="21",
            hierarchical_child_code="1" if content.providers else "0",
        ),
        build(
            Nm1Segment,
            entity_identifier_code="41",
            entity_type_qualifier="2",
            name_last_or_organization_name=clean(content.submitter_name, 60) or "SUBMITTER",
            identification_code_qualifier="46",
            identification_code=clean(content.submitter_id, 80) or "UNKNOWN",
        ),
        build(
            OptionalTrnSegment,
            trace_type_code="2",
            reference_identification_1=clean(content.batch_reference, 50) or "0",
        ),
    ]
    claims = [c for p in content.providers for c in p.claims]
    segments.append(_received(claims, created))
    segments.extend(_totals(claims, ("90", "AA")))
    number = 2
    for provider in content.providers:
        number += 1
        provider_hl = number
        segments += [
            build(
                OptionalHlSegment,
                hierarchical_id_number=str(provider_hl),
                hierarchical_parent_id_number="2",
                hierarchical_level_code="19",
                hierarchical_child_code="1" if provider.claims else "0",
            ),
            build(
                Nm1Segment,
                entity_identifier_code="85",
                entity_type_qualifier="2",
                name_last_or_organization_name=clean(provider.name, 60) or "PROVIDER",
                identification_code_qualifier="XX",
                identification_code=clean(provider.npi, 80) or "0000000000",
            ),
            build(OptionalTrnSegment, trace_type_code="1", reference_identification_1="0"),
            _received(provider.claims, None),
            *_totals(provider.claims, ("QA", "QC")),
        ]
        for claim in provider.claims:
            number += 1
            segments += [
                build(
                    OptionalHlSegment,
                    hierarchical_id_number=str(number),
                    hierarchical_parent_id_number=str(provider_hl),
                    hierarchical_level_code="PT",
                    hierarchical_child_code=None,
                ),
                build(
                    Nm1Segment,
                    entity_identifier_code="QC",
                    entity_type_qualifier="1",
                    name_last_or_organization_name=clean(claim.patient_last, 60) or "UNKNOWN",
                    name_first=clean(claim.patient_first, 35) or None,
                    identification_code_qualifier="MI",
                    identification_code=clean(claim.patient_id, 80) or "UNKNOWN",
                ),
                build(
                    OptionalTrnSegment,
                    trace_type_code="2",
                    reference_identification_1=clean(claim.claim_id, 50),
                ),
                build(
                    StcSegment,
                    health_care_claim_status_1=claim.statuses[0].composite(),
                    status_effective_date=f"{created:%Y%m%d}",
                    action_code="WQ" if claim.accepted else "U",
                    total_claim_charge_amount=_money(claim.charge),
                    health_care_claim_status_2=claim.statuses[1].composite()
                    if len(claim.statuses) > 1
                    else None,
                    free_form_message_text=clean(_ascii(claim.message), 264) or None,
                ),
                _period(claim, content.received),
            ]
    segments.append(
        build(
            SeSegment,
            transaction_segment_count=len(segments) + 1,
            transaction_set_control_number=control_number,
        )
    )
    return build(ClaimAcknowledgment, segments=segments)


__all__ = [
    "AcknowledgedClaim",
    "AcknowledgedProvider",
    "Acknowledgment",
    "ClaimAcknowledgment",
    "ClaimStatus",
    "build_277ca",
]

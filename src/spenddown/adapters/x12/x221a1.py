"""005010X221A1: the 835 claim payment/advice. ``write_835`` writes it segment by segment (the
hot path of ``POST /v1/x12`` and ``spenddown x12``); ``build_835`` builds the same transaction
set with x12sdk's validated models, which the tests hold ``write_835`` equal to, byte for byte
(docs/decisions.md "Streaming X12").

Balancing (X221A1 §1.10.2), checked by ``check_balance`` before the model is built:

    per line:   SVC02 charge − SVC03 paid = Σ line CAS amounts
    per claim:  CLP03 charge − CLP04 paid = Σ claim CAS + Σ its lines' CAS
    CLP05 patient responsibility = Σ CAS amounts of group PR (claim and lines)
    BPR02 total paid = Σ CLP04 − Σ PLB amounts. The only PLB spenddown writes is FB (forwarding
    balance) when reversals (CLP02 22) take back more than the other claims pay: a negative PLB04
    of that amount, and BPR02 = 0.00
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from x12sdk.support import count_segments
from x12sdk.v5010.segments import (
    BprSegment,
    ClpSegment,
    MoaSegment,
    N3Segment,
    N4Segment,
    Nm1Segment,
    PlbSegment,
    SeSegment,
    SvcSegment,
)
from x12sdk.v5010.x12_835_005010X221A1 import loops as wire
from x12sdk.v5010.x12_835_005010X221A1 import segments as seg
from x12sdk.v5010.x12_835_005010X221A1.transaction_set import HealthCareClaimPayment

from spenddown.adapters.x12.acknowledgments import clean, segment
from spenddown.adapters.x12.codes import AdjustmentGroup, ClaimStatus
from spenddown.adapters.x12.envelope import build

CLAIM_FILING_MEDICAID = "MC"  # CLP06
PAYER_TECHNICAL_PHONE = "8005550199"  # 1000A PER*BL (required by the guide)


@dataclass(frozen=True, slots=True)
class CasAmount:
    group: AdjustmentGroup
    reason: str
    amount: Decimal


@dataclass(slots=True)
class ServicePayment:
    procedure: str
    charge: Decimal
    paid: Decimal
    units: int
    service_date: date
    allowed: Decimal | None
    adjustments: list[CasAmount] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)  # 2110 LQ*HE, one each


@dataclass(slots=True)
class ClaimPayment:
    claim_id: str
    status: ClaimStatus
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    payer_claim_number: str
    patient_last: str
    patient_first: str
    member_id: str
    adjustments: list[CasAmount] = field(default_factory=list)  # claim level
    lines: list[ServicePayment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)  # 2100 MOA03-07 (up to five)


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    identifier: str  # payer: TRN03 / payee: NPI
    address: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""


@dataclass(slots=True)
class Remittance:
    payer: Party
    payee: Party
    trace_number: str  # TRN02: the check / EFT trace number
    payment_date: date
    claims: list[ClaimPayment] = field(default_factory=list)

    @property
    def claims_paid(self) -> Decimal:
        return sum((c.paid for c in self.claims), Decimal("0.00"))

    @property
    def forwarded_balance(self) -> Decimal:
        """PLB FB: when reversals (CLP02 22) take back more than the claims pay, the rest is
        carried to a later remittance (a negative PLB04) and BPR02 is 0.00."""
        return min(self.claims_paid, Decimal("0.00"))

    @property
    def total_paid(self) -> Decimal:
        """BPR02 = Σ CLP04 − Σ PLB04."""
        return self.claims_paid - self.forwarded_balance


class Unbalanced(ValueError):
    pass


def check_balance(remittance: Remittance) -> None:
    """Raises ``Unbalanced`` when a rule of the module docstring does not hold."""
    for claim in remittance.claims:
        line_cas = Decimal("0.00")
        patient = sum(
            (
                a.amount
                for a in claim.adjustments
                if a.group is AdjustmentGroup.PATIENT_RESPONSIBILITY
            ),
            Decimal("0.00"),
        )
        for number, line in enumerate(claim.lines, start=1):
            cas = sum((a.amount for a in line.adjustments), Decimal("0.00"))
            if line.charge - line.paid != cas:
                raise Unbalanced(
                    f"{claim.claim_id} line {number}: {line.charge} - {line.paid} != {cas}"
                )
            line_cas += cas
            patient += sum(
                (
                    a.amount
                    for a in line.adjustments
                    if a.group is AdjustmentGroup.PATIENT_RESPONSIBILITY
                ),
                Decimal("0.00"),
            )
        claim_cas = sum((a.amount for a in claim.adjustments), Decimal("0.00"))
        if claim.charge - claim.paid != claim_cas + line_cas:
            raise Unbalanced(f"{claim.claim_id}: claim does not balance")
        if claim.patient_responsibility != patient:
            raise Unbalanced(f"{claim.claim_id}: CLP05 != sum of PR adjustments")


def _cas(
    adjustments: list[CasAmount], model: type[seg.Loop2100CasSegment] | type[seg.Loop2110CasSegment]
) -> list:  # type: ignore[type-arg]
    """One CAS per group, up to six reason/amount pairs each (X12 CAS syntax)."""
    by_group: dict[AdjustmentGroup, list[CasAmount]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group, []).append(adjustment)
    out = []
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            fields: dict[str, object] = {"adjustment_group_code": group.value}
            for index, item in enumerate(items[start : start + 6], start=1):
                fields[f"adjustment_reason_code_{index}"] = item.reason
                fields[f"monetary_amount_{index}"] = item.amount
            out.append(build(model, **fields))
    return out


def _line(line: ServicePayment) -> wire.Loop2110:
    return build(
        wire.Loop2110,
        svc_segment=build(
            SvcSegment,
            composite_medical_procedure_identifier_1=f"HC:{clean(line.procedure, 48)}",
            line_item_charge_amount=line.charge,
            line_item_provider_payment_amount=line.paid,
            units_of_service_paid_count=Decimal(line.units),
        ),
        dtm_segment=[
            build(
                seg.Loop2110DtmSegment, date_time_qualifier="472", production_date=line.service_date
            )
        ],
        cas_segment=_cas(line.adjustments, seg.Loop2110CasSegment) or None,
        amt_segment=None
        if line.allowed is None
        else [
            build(seg.Loop2110AmtSegment, amount_qualifier_code="B6", monetary_amount=line.allowed)
        ],
        lq_segment=[
            build(seg.Loop2110LqSegment, code_list_qualifier_code="HE", form_identifier=remark)
            for remark in dict.fromkeys(line.remarks)
        ]
        or None,
    )


def _claim(claim: ClaimPayment) -> wire.Loop2100:
    return build(
        wire.Loop2100,
        clp_segment=build(
            ClpSegment,
            patient_control_number=clean(claim.claim_id, 38),
            claim_status_code=claim.status.value,
            total_claim_charge_amount=claim.charge,
            claim_payment_amount=claim.paid,
            patient_responsibility_amount=claim.patient_responsibility,
            claim_filing_indicator_code=CLAIM_FILING_MEDICAID,
            payer_claim_control_number=clean(claim.payer_claim_number, 50) or None,
        ),
        cas_segment=_cas(claim.adjustments, seg.Loop2100CasSegment) or None,
        nm1_segment=[
            build(
                Nm1Segment,
                entity_identifier_code="QC",
                entity_type_qualifier="1",
                name_last_or_organization_name=clean(claim.patient_last, 60) or "UNKNOWN",
                name_first=clean(claim.patient_first, 35) or None,
                identification_code_qualifier="MI" if claim.member_id else None,
                identification_code=clean(claim.member_id, 80) or None,
            )
        ],
        moa_segment=_moa(claim.remarks),
        loop_2110=[_line(line) for line in claim.lines] or None,
    )


def _moa(remarks: list[str]) -> MoaSegment | None:
    """MOA (outpatient adjudication) carrying the claim's remark codes, MOA03 to MOA07."""
    codes = list(dict.fromkeys(remarks))[:5]
    if not codes:
        return None
    return build(
        MoaSegment,
        **{f"claim_payment_remark_code_{n}": code for n, code in enumerate(codes, start=1)},
    )


def build_835(remittance: Remittance, *, control_number: str) -> HealthCareClaimPayment:
    check_balance(remittance)
    total = remittance.total_paid
    payer, payee = remittance.payer, remittance.payee
    structure: dict[str, object] = {
        "header": build(
            wire.Header,
            st_segment=build(
                seg.HeaderStSegment,
                transaction_set_identifier_code="835",
                transaction_set_control_number=control_number,
            ),
            # Nothing to pay: a notification only (BPR01 H, BPR04 NON), else a check.
            bpr_segment=build(
                BprSegment,
                transaction_handling_code="I" if total > 0 else "H",
                total_actual_provider_payment_amount=total,
                credit_debit_flag_code="C",
                payment_method_code="CHK" if total > 0 else "NON",
                eft_effective_date=remittance.payment_date,
            ),
            trn_segment=build(
                seg.HeaderTrnSegment,
                trace_type_code="1",
                reference_identification_1=clean(remittance.trace_number, 50),
                originating_company_identifier=payer.identifier,
            ),
            dtm_segment=build(
                seg.HeaderDtmSegment,
                date_time_qualifier="405",
                production_date=remittance.payment_date,
            ),
        ),
        "loop_1000a": build(
            wire.Loop1000A,
            n1_segment=build(
                seg.Loop1000AN1Segment, entity_identifier_code="PR", name=clean(payer.name, 60)
            ),
            n3_segment=build(N3Segment, address_information_1=clean(payer.address, 55)),
            n4_segment=build(
                N4Segment,
                city_name=clean(payer.city, 30),
                state_province_code=payer.state,
                postal_code=payer.postal_code,
            ),
            per_segment=[
                build(
                    seg.Loop1000APerSegment,
                    contact_function_code="BL",
                    name="SPENDDOWN X12 SUPPORT",
                    communication_number_qualifier_1="TE",
                    communication_number_1=PAYER_TECHNICAL_PHONE,
                )
            ],
        ),
        "loop_1000b": build(
            wire.Loop1000B,
            n1_segment=build(
                seg.Loop1000BN1Segment,
                entity_identifier_code="PE",
                name=clean(payee.name, 60) or "PROVIDER",
                identification_code_qualifier="XX",
                identification_code=payee.identifier,
            ),
        ),
    }
    if remittance.claims:
        structure["loop_2000"] = [
            build(
                wire.Loop2000,
                lx_segment={"assigned_number": "1"},
                loop_2100=[_claim(c) for c in remittance.claims],
            )
        ]
    plb = (
        build(
            PlbSegment,
            provider_identifier=payee.identifier,
            fiscal_period_date=date(remittance.payment_date.year, 12, 31),
            adjustment_reason_code_1=f"FB:{clean(remittance.trace_number, 50)}",
            provider_adjustment_amount_1=remittance.forwarded_balance,
        )
        if remittance.forwarded_balance
        else None
    )
    placeholder = dict(
        structure,
        footer={
            "plb_segment": None if plb is None else plb.model_dump(),
            "se_segment": {
                "transaction_segment_count": 1,
                "transaction_set_control_number": control_number,
            },
        },
    )
    structure["footer"] = build(
        wire.Footer,
        plb_segment=plb,
        se_segment=build(
            SeSegment,
            transaction_segment_count=count_segments(placeholder),
            transaction_set_control_number=control_number,
        ),
    )
    return build(HealthCareClaimPayment, **structure)


# --- the segment writer: the text ``build_835(...).x12()`` gives, without the models -------------


def _amount(value: Decimal) -> str:
    """A Decimal as x12sdk writes one: its own scale, never an exponent."""
    return format(value, "f")


def _cas_segments(adjustments: list[CasAmount]) -> list[str]:
    """``_cas`` written: one CAS per group, up to six reason/amount/quantity triples each."""
    by_group: dict[AdjustmentGroup, list[CasAmount]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group, []).append(adjustment)
    out = []
    for group, items in by_group.items():
        if group is AdjustmentGroup.CORRECTION_REVERSAL:  # not a CAS01 of the 835 (5010)
            raise ValueError("CAS01: CR is not a group of the 835")
        for start in range(0, len(items), 6):
            elements = ["CAS", group.value]
            for index, item in enumerate(items[start : start + 6]):
                # as the models: a reason (CAS02 up to 5 characters, the others 12) and a
                # non-zero amount in each triple
                if not item.reason or not item.amount or len(item.reason) > (12 if index else 5):
                    raise ValueError("CAS: a triple without a reason or an amount")
                elements += [item.reason, _amount(item.amount), ""]
            out.append(segment(*elements))
    return out


def _line_segments(line: ServicePayment) -> list[str]:
    out = [
        segment(
            "SVC",
            f"HC:{clean(line.procedure, 48)}",
            _amount(line.charge),
            _amount(line.paid),
            "",
            str(line.units),
        ),
        segment("DTM", "472", f"{line.service_date:%Y%m%d}"),
        *_cas_segments(line.adjustments),
    ]
    if line.allowed is not None:
        out.append(segment("AMT", "B6", _amount(line.allowed)))
    out += [segment("LQ", "HE", remark) for remark in dict.fromkeys(line.remarks)]
    return out


def _claim_segments(claim: ClaimPayment) -> list[str]:
    claim_id = clean(claim.claim_id, 38)
    if not claim_id:  # CLP01 is required: the models refused an empty one
        raise ValueError("CLP01: the claim has no patient control number")
    out = [
        segment(
            "CLP",
            claim_id,
            claim.status.value,
            _amount(claim.charge),
            _amount(claim.paid),
            _amount(claim.patient_responsibility),
            CLAIM_FILING_MEDICAID,
            clean(claim.payer_claim_number, 50),
        ),
        *_cas_segments(claim.adjustments),
    ]
    member = clean(claim.member_id, 80)
    if claim.member_id and not member:  # NM108 without NM109: the models refused it
        raise ValueError("NM109: the member ID has no character X12 can carry")
    out.append(
        segment(
            "NM1",
            "QC",
            "1",
            clean(claim.patient_last, 60) or "UNKNOWN",
            clean(claim.patient_first, 35),
            "",
            "",
            "",
            "MI" if claim.member_id else "",
            member,
        )
    )
    codes = list(dict.fromkeys(claim.remarks))[:5]
    if codes:
        out.append(segment("MOA", "", "", *codes))
    for line in claim.lines:
        out += _line_segments(line)
    return out


def write_835(remittance: Remittance, *, control_number: str) -> str:
    """The 835 transaction set (ST..SE, one segment a line) that ``build_835`` builds, written
    directly: the values are the ones our own code produced (checked by ``check_balance``, texts
    through ``clean`` with the guide's lengths), so the models' per-field validation is not
    repeated on the hot path; tests/x12/test_x12_835_writer.py holds the two equal."""
    check_balance(remittance)
    if not remittance.claims:  # the models require loop 2000
        raise ValueError("an 835 answers at least one claim")
    total = remittance.total_paid
    payer, payee = remittance.payer, remittance.payee
    trace = clean(remittance.trace_number, 50)
    if not trace:
        raise ValueError("TRN02: no trace number")
    day = f"{remittance.payment_date:%Y%m%d}"
    out = [
        segment("ST", "835", control_number),
        # Nothing to pay: a notification only (BPR01 H, BPR04 NON), else a check.
        segment(
            "BPR",
            "I" if total > 0 else "H",
            _amount(total),
            "C",
            "CHK" if total > 0 else "NON",
            *[""] * 11,
            day,
        ),
        segment("TRN", "1", trace, payer.identifier),
        segment("DTM", "405", day),
        segment("N1", "PR", clean(payer.name, 60)),
        segment("N3", clean(payer.address, 55)),
        segment("N4", clean(payer.city, 30), payer.state, payer.postal_code),
        segment("PER", "BL", "SPENDDOWN X12 SUPPORT", "TE", PAYER_TECHNICAL_PHONE),
        segment("N1", "PE", clean(payee.name, 60) or "PROVIDER", "XX", payee.identifier),
    ]
    out.append(segment("LX", "1"))
    for claim in remittance.claims:
        out += _claim_segments(claim)
    if remittance.forwarded_balance:
        out.append(
            segment(
                "PLB",
                payee.identifier,
                f"{remittance.payment_date.year}1231",
                f"FB:{trace}",
                _amount(remittance.forwarded_balance),
            )
        )
    out.append(segment("SE", str(len(out) + 1), control_number))
    return "\n".join(out)

"""Wire ↔ domain: the one place that decides which X12 element carries which domain value.

271 (from a domain ``Verification``; docs/x12.md has the table):

    eligible / not         2110C EB*1 (active) / EB*6 (inactive), IND, 30, MC, "MEDI-CAL"
    messages, restrictions 2110C MSG under that EB (the POS-style SOC message among them)
    eligible aid codes     one 2110C each: EB*1*IND*30*MC*AID CODE 17 + REF*M7*17*FULL MEDI-CAL
    SOC amount, remaining  2110C EB*Y*IND*30*MC**34*600.00 and EB*Y*IND*30*MC**29*450.00
    managed-care plan      2110C EB*MC*IND*30*HM*<plan name> + LS/2120C NM1*Y2 (name, PI code)/LE
    other coverage         2110C EB*R*IND*30**OHC CODE <code>
    EVC                    2000C TRN*1*<EVC>*<our 10-character trace ID>
    month verified         2100C DTP*307*RD8*<first day>-<last day>
    refusals               AAA (see ``subscriber_rejection`` / ``receiver_rejection``)

837P → domain ``Claim`` and domain ``Adjudication`` → 835 (``ClaimPayment``): see the functions.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from x12sdk.v5010.segments import EbSegment, LeSegment, LsSegment, MsgSegment
from x12sdk.v5010.x12_271_005010X279A1 import loops as wire271
from x12sdk.v5010.x12_271_005010X279A1 import segments as seg271

from spenddown import rules
from spenddown.adapters.x12.acknowledgments import clean
from spenddown.adapters.x12.codes import (
    AdjustmentGroup,
    Benefit,
    Carc,
    ClaimStatus,
    FollowUp,
    InsuranceType,
    RejectReason,
    TimePeriod,
)
from spenddown.adapters.x12.envelope import build
from spenddown.adapters.x12.writer import construct
from spenddown.adapters.x12.x214 import AcknowledgedClaim
from spenddown.adapters.x12.x214 import ClaimStatus as X214Status
from spenddown.adapters.x12.x221a1 import CasAmount, ClaimPayment, ServicePayment
from spenddown.adapters.x12.x222a1 import (
    CasAdjustment,
    LinePayment,
    OtherPayer,
    ProfessionalClaim,
)
from spenddown.adapters.x12.x279a1 import Rejection
from spenddown.domain.cob import prior
from spenddown.domain.cob.adjudication import Adjudication, LineResult, LineStatus
from spenddown.domain.cob.model import Claim, ClaimLine, PayerType
from spenddown.domain.cob.prior import PayerAdjustment, PayerLine, PriorPayer
from spenddown.domain.eligibility.codes import Program
from spenddown.domain.eligibility.verification import Verification
from spenddown.domain.errors import AuthenticationFailed, InvalidInput, NotFound, SpenddownError
from spenddown.domain.identifiers import parse_member_id, parse_npi
from spenddown.domain.money import Money
from spenddown.rules import RemarkRules
from spenddown.services.claims import Correction

HEALTH_BENEFIT_PLAN_COVERAGE = "30"  # EB03 service type
INDIVIDUAL = "IND"  # EB02 coverage level
MAX_MSG = 10  # 2110C MSG repeats


# --- 270/271 ----------------------------------------------------------------------------------
def subscriber_rejection(error: SpenddownError) -> Rejection:
    """AAA in 2100C for a refused verification. An unknown ID and a wrong issue date are the
    same error in the use case (docs/rules.md §2) and so the same AAA03 (75) here."""
    by_code = {
        "MEMBER_NOT_FOUND": RejectReason.SUBSCRIBER_NOT_FOUND,
        "INVALID_MEMBER_ID": RejectReason.INVALID_SUBSCRIBER_ID,
        "SERVICE_DATE_TOO_OLD": RejectReason.DATE_NOT_IN_INQUIRY_PERIOD,
        "SERVICE_DATE_IN_FUTURE": RejectReason.DATE_IN_FUTURE,
        "ISSUE_DATE_MISSING": RejectReason.REQUIRED_DATA_MISSING,
    }
    if isinstance(error, AuthenticationFailed):  # locked while this interchange was answered
        return Rejection(RejectReason.UNABLE_TO_RESPOND_NOW, FollowUp.RESUBMISSION_ALLOWED)
    reason = by_code.get(error.code)
    if reason is None:
        reason = (
            RejectReason.SUBSCRIBER_NOT_FOUND
            if isinstance(error, NotFound)
            else RejectReason.REQUIRED_DATA_MISSING
        )
    return Rejection(reason, FollowUp.CORRECT_AND_RESUBMIT)


def receiver_rejection(error: SpenddownError) -> Rejection:
    """AAA in 2100B: the provider (information receiver) is refused; no subscriber is answered."""
    if error.code == "NPI_MISMATCH":
        return Rejection(RejectReason.INVALID_PROVIDER_ID, FollowUp.CORRECT_AND_RESUBMIT)
    if error.code == "PIN_LOCKED":
        return Rejection(
            RejectReason.AUTHORIZATION_ACCESS_RESTRICTIONS, FollowUp.RESUBMISSION_ALLOWED
        )
    return Rejection(RejectReason.AUTHORIZATION_ACCESS_RESTRICTIONS, FollowUp.CORRECT_AND_RESUBMIT)


def _eb(
    benefit: Benefit,
    *,
    insurance: InsuranceType | None = InsuranceType.MEDICAID,
    description: str | None = None,
    period: TimePeriod | None = None,
    amount: Money | None = None,
) -> EbSegment:
    return build(
        EbSegment,
        eligibility_benefit_information=benefit.value,
        coverage_level_code=INDIVIDUAL,
        service_type_code=[HEALTH_BENEFIT_PLAN_COVERAGE],
        insurance_type_code=None if insurance is None else insurance.value,
        plan_coverage_description=None if description is None else clean(description, 50),
        time_period_qualifier=None if period is None else period.value,
        benefit_amount=None if amount is None else amount.amount,
    )


def _messages(texts: Iterable[str]) -> list[MsgSegment] | None:
    found = [build(MsgSegment, free_form_text=clean(t, 264)) for t in texts if clean(t)]
    return found[:MAX_MSG] or None


def eligibility_period(verification: Verification) -> tuple[date, date]:
    first = verification.month.first_day
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def benefits(verification: Verification) -> list[wire271.Loop2110C]:
    """The 2110C loops answering one subscriber (module docstring)."""
    v = verification
    status = Benefit.ACTIVE_COVERAGE if v.eligible else Benefit.INACTIVE
    notes = [*v.messages, *v.restrictions]
    where = f", COUNTY {v.county_code}" if v.county_code else ""
    notes.append(f"ELIGIBILITY STATUS {v.eligibility_status}{where}.")
    loops = [
        construct(
            wire271.Loop2110C,
            eb_segment=_eb(status, description="MEDI-CAL"),
            msg_segment=_messages(notes),
        )
    ]
    for code in v.aid_codes:
        program = "CMSP" if code.program is Program.CMSP else "MEDI-CAL"
        loops.append(
            construct(
                wire271.Loop2110C,
                eb_segment=_eb(
                    Benefit.ACTIVE_COVERAGE,
                    insurance=InsuranceType.MEDICAID
                    if code.program is Program.MEDI_CAL
                    else InsuranceType.OTHER,
                    description=f"AID CODE {code.aid_code}",
                ),
                ref_segment=[
                    build(
                        seg271.Loop2110RefSegment,
                        reference_identification_qualifier="M7",
                        reference_identification=clean(code.aid_code, 50),
                        description=f"{code.scope.value.upper()} {program}",
                    )
                ],
            )
        )
    soc = v.share_of_cost
    if soc is not None:
        loops.append(
            construct(
                wire271.Loop2110C,
                eb_segment=_eb(Benefit.SPEND_DOWN, period=TimePeriod.MONTH, amount=soc.amount),
            )
        )
        loops.append(
            construct(
                wire271.Loop2110C,
                eb_segment=_eb(
                    Benefit.SPEND_DOWN, period=TimePeriod.REMAINING, amount=soc.remaining
                ),
            )
        )
    if v.plan is not None:
        loops.append(
            construct(
                wire271.Loop2110C,
                eb_segment=_eb(
                    Benefit.MANAGED_CARE_COORDINATOR,
                    insurance=InsuranceType.HMO,
                    description=v.plan.name,
                ),
                msg_segment=_messages(
                    [f"PLAN {v.plan.code} HCP STATUS {v.plan.hcp_status.value}."]
                ),
                ls_segment=build(LsSegment, loop_id_code="2120"),
                loop_2120c=[
                    construct(
                        wire271.Loop2120C,
                        nm1_segment=build(
                            seg271.Loop2120Nm1Segment,
                            entity_identifier_code="Y2",
                            entity_type_qualifier="2",
                            name_last_or_organization_name=clean(v.plan.name, 60) or v.plan.code,
                            identification_code_qualifier="PI",
                            identification_code=clean(v.plan.code, 80),
                        ),
                    )
                ],
                le_segment=build(LeSegment, loop_id_code="2120"),
            )
        )
    for ohc in v.other_health_coverage:
        loops.append(
            construct(
                wire271.Loop2110C,
                eb_segment=_eb(
                    Benefit.OTHER_OR_ADDITIONAL_PAYER, insurance=None, description=f"OHC CODE {ohc}"
                ),
            )
        )
    return loops


# --- 837P → Claim -----------------------------------------------------------------------------
MEDICARE_FILING = {"MA", "MB"}  # SBR09 Medicare Part A / Part B
MEDICARE_ADVANTAGE_FILING = {"16"}  # SBR09 HMO Medicare Risk


def _money(value: str, *where: object) -> Money:
    """An amount of the 837P: the reader validated it as an X12 decimal (``x222a1.amount``),
    so it is built without re-validation (``Money.plain``, equal to ``Money.parse``). The
    field's name (``where``, joined by spaces) is written only for an amount that is not
    plain, which ``Money.parse`` judges: about ten amounts a claim."""
    value = value or "0"
    money = Money.plain(value)
    if money is None:
        return Money.parse(value, " ".join(map(str, where)))
    return money


def _payer_type(filing_indicator: str) -> PayerType:
    if filing_indicator in MEDICARE_FILING:
        return PayerType.MEDICARE
    if filing_indicator in MEDICARE_ADVANTAGE_FILING:
        return PayerType.MEDICARE_ADVANTAGE
    return PayerType.COMMERCIAL


def _adjustments(found: list[CasAdjustment], *where: object) -> tuple[PayerAdjustment, ...]:
    """The CAS amounts; ``where``: the loop, for the name of a refused amount (``_money``)."""
    return tuple([PayerAdjustment(a.group, a.reason[:5], _money(a.amount, *where)) for a in found])


class _Owners:
    """Which 2320 payer each 2430 SVD belongs to, for one claim: SVD01 is the payer's 2330B
    NM109; an SVD01 matching no 2320 payer belongs to the primary (the first payer in the
    order of payment), as senders often put another ID. The payers' IDs and the primary are
    found once per claim, not once per SVD."""

    __slots__ = ("first", "known")

    def __init__(self, wire: ProfessionalClaim) -> None:
        payers = wire.other_payers
        self.known = {p.payer_id for p in payers}
        self.first = (
            min(payers, key=lambda p: prior.rank(p.responsibility))
            if len(payers) > 1
            else payers[0]
            if payers
            else None
        )

    def pays(self, payment: LinePayment, payer: OtherPayer) -> bool:
        """Whether a 2430 SVD is this payer's."""
        if payment.payer_id == payer.payer_id:
            return True
        return payment.payer_id not in self.known and payer is self.first


def _adjudicated(payer: OtherPayer, wire: ProfessionalClaim, owners: _Owners) -> bool:
    """A 2320 payer that adjudicated the claim: AMT*D, a claim-level CAS or a 2430 of its own."""
    return bool(
        payer.paid
        or payer.adjustments
        or any(owners.pays(p, payer) for line in wire.lines for p in line.payments)
    )


def prior_payers(wire: ProfessionalClaim) -> list[PriorPayer]:
    """Every 2320 payer that adjudicated the claim, with its claim- and line-level amounts."""
    found: list[PriorPayer] = []
    owners = _Owners(wire)
    for payer in wire.other_payers:
        if not _adjudicated(payer, wire, owners):
            continue
        where = f"2320 SBR*{payer.responsibility}"
        lines: list[PayerLine] = []
        dates: list[date] = []
        for number, line in enumerate(wire.lines, start=1):
            for payment in line.payments:
                if not owners.pays(payment, payer):
                    continue
                lines.append(
                    PayerLine(
                        number,
                        _money(payment.paid, "2400 LX", number, "2430 SVD02"),
                        _adjustments(payment.adjustments, "2400 LX", number, "2430 CAS"),
                    )
                )
                if payment.adjudication_date is not None:
                    dates.append(payment.adjudication_date)
        when = payer.adjudication_date or (dates[0] if dates else None)
        if when is None:
            raise InvalidInput(
                "INVALID_CLAIM",
                f"{where} 2330B DTP*573: the payer's adjudication date is missing.",
            )
        found.append(
            PriorPayer(
                responsibility=payer.responsibility,
                payer_type=_payer_type(payer.filing_indicator),
                payer_name=payer.payer_name or "PRIOR PAYER",
                claim_number=payer.claim_number,
                adjudication_date=when,
                paid=_money(payer.paid, where, "AMT*D") if payer.paid else None,
                adjustments=_adjustments(payer.adjustments, where, "CAS"),
                lines=tuple(lines),
                prior_authorization=payer.prior_authorization or None,
            )
        )
    return prior.ordered(found)


def _units(value: str, line: int) -> int:
    """SV104 of the line numbered ``line``."""
    number = Decimal(value)
    if number != number.to_integral_value() or not 1 <= number <= 9999:
        raise InvalidInput(
            "INVALID_CLAIM", f"2400 LX {line}: units must be a whole number 1 to 9999."
        )
    return int(number)


def to_claim(wire: ProfessionalClaim, member_id: str | None = None) -> Claim:
    """The domain claim; ``InvalidInput`` when a value is not acceptable to the domain (the
    prior payers' amounts not balancing among them: ``COB_UNBALANCED``). ``member_id``: the
    patient's CIN when the patient is a dependent (2000C) the caller identified."""
    npi = parse_npi(wire.billing_npi, "2010AA NM109")
    member = member_id or parse_member_id(wire.member_id, "2010BA NM109").cin
    payers = prior_payers(wire)
    # Each line's values in the order the lines come (a refusal names the first bad one),
    # then each line built once, with what the prior payers decided on it (prior.decided).
    values: list[tuple[date, int, Money]] = []
    for line in wire.lines:
        assert line.service_date is not None  # the reader refused lines without DTP*472
        values.append(
            (
                line.service_date,
                _units(line.units, line.number),
                _money(line.charge, "2400 LX", line.number, "SV102"),
            )
        )
    soc_amount = _money(wire.patient_paid, "2300 AMT*F5")
    if payers:
        # The balancing edits use CLM02 as sent (it may differ from the sum of the lines).
        decision = prior.decided(
            [charge for _, _, charge in values], payers, _money(wire.charge, "2300 CLM02")
        )
        primary, other_payers = decision.primary, decision.other_payers
        on_lines, authorization = decision.lines, decision.authorization
    else:
        primary, other_payers, on_lines, authorization = None, (), [None] * len(values), None
    return Claim(
        wire.claim_id,
        npi,
        member,
        soc_amount,
        primary,
        tuple(
            [
                ClaimLine(
                    service_date,
                    line.procedure.upper(),
                    units,
                    charge,
                    found,
                    line.prior_authorization or None,
                    authorization if found else None,
                )
                for line, (service_date, units, charge), found in zip(
                    wire.lines, values, on_lines, strict=True
                )
            ]
        ),
        other_payers,
        wire.delay_reason or None,
    )


# --- Adjudication → 835 -----------------------------------------------------------------------
def _merge(adjustments: list[CasAmount]) -> list[CasAmount]:
    """One amount per group and reason, zero amounts dropped (the order of first use kept)."""
    totals: dict[tuple[AdjustmentGroup, str], Decimal] = {}
    for a in adjustments:
        key = (a.group, a.reason)
        totals[key] = totals.get(key, Decimal("0.00")) + a.amount
    return [CasAmount(g, r, amount) for (g, r), amount in totals.items() if amount != 0]


def _grouped(group: str, carc: str, remarks: RemarkRules) -> AdjustmentGroup:
    """The group code the CARC's usage note allows (e.g. 18 and 23: OA only)."""
    return AdjustmentGroup(remarks.group_for(carc, group))


def line_adjustments(
    line: ClaimLine, result: LineResult, remarks: RemarkRules | None = None
) -> list[CasAmount]:
    """The domain's adjustments, plus what the domain does not list so that the 835 balances:
    the primary's own contractual reduction (charge − its allowed), added to OA-23 when there
    was a primary, else to CO-45."""
    usage = remarks or rules.remark_rules()
    return _merge(_balanced(result, line.charge.amount, line.primary is not None, usage))


def _balanced(
    result: LineResult, charge: Decimal, has_primary: bool, remarks: RemarkRules
) -> list[CasAmount]:
    """The line's adjustments, plus the gap between its charge and what Medi-Cal paid: OA-23
    when there was a primary, else CO-45 (unmerged)."""
    out = [
        CasAmount(_grouped(a.group, a.carc, remarks), a.carc, a.amount.amount)
        for a in result.adjustments
    ]
    gap = charge - result.medi_cal_paid.amount - sum((a.amount for a in out), Decimal("0.00"))
    if gap != 0:
        if has_primary:
            out.append(CasAmount(AdjustmentGroup.OTHER, Carc.PRIOR_PAYER.value, gap))
        else:
            out.append(CasAmount(AdjustmentGroup.CONTRACTUAL, Carc.ABOVE_ALLOWED.value, gap))
    return out


def line_remarks(result: LineResult, remarks: RemarkRules) -> list[str]:
    """2110 LQ*HE: the remark each adjustment's CARC requires, and the one that says why
    spenddown denied the line."""
    found = [remarks.remark_for(a.carc) for a in result.adjustments]
    if result.denial is not None:
        found.append(remarks.remark_for(result.denial.carc))
    return list(dict.fromkeys(code for code in found if code))


def patient_name(wire: ProfessionalClaim) -> tuple[str, str]:
    """The patient (NM1*QC): the 2010CA patient when there is one, else the subscriber."""
    if wire.dependent:
        return wire.patient_last, wire.patient_first
    return wire.member_last, wire.member_first


def claim_payment(
    wire: ProfessionalClaim,
    claim: Claim,
    result: Adjudication,
    remarks: RemarkRules | None = None,
) -> ClaimPayment:
    usage = remarks or rules.remark_rules(min(line.service_date for line in claim.lines))
    lines = [
        ServicePayment(
            procedure=line.procedure_code,
            charge=line.charge.amount,
            paid=outcome.medi_cal_paid.amount,
            units=line.units,
            service_date=line.service_date,
            allowed=outcome.medi_cal_allowed.amount if outcome.status is LineStatus.PAID else None,
            adjustments=line_adjustments(line, outcome, usage),
            remarks=line_remarks(outcome, usage),
        )
        for line, outcome in zip(claim.lines, result.lines, strict=True)
    ]
    if all(r.status is LineStatus.DENIED for r in result.lines):
        status = ClaimStatus.DENIED
    elif claim.primary is not None or any(r.has_primary for r in result.lines):
        status = ClaimStatus.PROCESSED_AS_SECONDARY
    else:
        status = ClaimStatus.PROCESSED_AS_PRIMARY
    patient = sum(
        (
            a.amount
            for s in lines
            for a in s.adjustments
            if a.group is AdjustmentGroup.PATIENT_RESPONSIBILITY
        ),
        Decimal("0.00"),
    )
    last, first = patient_name(wire)
    return ClaimPayment(
        claim_id=claim.claim_id,
        status=status,
        charge=sum((s.charge for s in lines), Decimal("0.00")),
        paid=result.totals.medi_cal_paid.amount,
        patient_responsibility=patient,
        payer_claim_number=claim.claim_id,
        patient_last=last,
        patient_first=first,
        member_id=claim.member_id,
        lines=lines,
    )


def reversal_payment(
    correction: Correction, wire: ProfessionalClaim, remarks: RemarkRules
) -> ClaimPayment:
    """The 835 reversal of a replaced or voided claim (CLP02 22): the original's claim, its
    amounts and adjustments negated (X221A1 "Reversals and Corrections"), CLP07 the original
    claim ID. Lines whose charge the stored record lacks are left out (claim level only)."""
    original = correction.original
    lines: list[ServicePayment] = []
    if all(r.charge is not None for r in original.lines) and len(original.lines) == len(
        correction.original_lines
    ):
        for result, stored in zip(original.lines, correction.original_lines, strict=True):
            assert result.charge is not None
            out = _balanced(result, result.charge.amount, result.has_primary, remarks)
            lines.append(
                ServicePayment(
                    procedure=stored.procedure_code,
                    charge=-result.charge.amount,
                    paid=-result.medi_cal_paid.amount,
                    units=stored.units,
                    service_date=stored.service_date,
                    allowed=None,
                    adjustments=[CasAmount(c.group, c.reason, -c.amount) for c in _merge(out)],
                )
            )
    charge = original.totals.charge.amount
    paid = original.totals.medi_cal_paid.amount
    patient = sum(
        (
            a.amount
            for s in lines
            for a in s.adjustments
            if a.group is AdjustmentGroup.PATIENT_RESPONSIBILITY
        ),
        Decimal("0.00"),
    )
    claim_level: list[CasAmount] = []
    if not lines:
        patient = -original.totals.member_owes.amount
        if patient:
            claim_level.append(
                CasAmount(AdjustmentGroup.PATIENT_RESPONSIBILITY, Carc.SHARE_OF_COST.value, patient)
            )
        rest = -(charge - paid) - patient
        if rest:
            claim_level.append(
                CasAmount(AdjustmentGroup.CONTRACTUAL, Carc.ABOVE_ALLOWED.value, rest)
            )
    last, first = patient_name(wire)
    return ClaimPayment(
        claim_id=correction.original_claim_id,
        status=ClaimStatus.REVERSAL,
        charge=-charge,
        paid=-paid,
        patient_responsibility=patient,
        payer_claim_number=correction.original_claim_id,
        patient_last=last,
        patient_first=first,
        member_id=correction.original_member,
        adjustments=claim_level,
        lines=lines,
    )


# --- refusals → 277CA ---------------------------------------------------------------------------
# A claim refused before adjudication: STC01 category A3 (returned as unprocessable) or A7
# (rejected for invalid information), a claim status code and, where the code needs one, the
# entity it is about (IL subscriber, QC patient, 85 billing provider).
REJECTION_STATUS: dict[str, X214Status] = {
    "MEMBER_NOT_FOUND": X214Status("A3", "33", "IL"),  # subscriber and subscriber ID not found
    "INVALID_MEMBER_ID": X214Status("A7", "33", "IL"),
    "PATIENT_NOT_FOUND": X214Status("A3", "97", "QC"),  # patient eligibility not found
    "PATIENT_BIRTH_DATE_MISSING": X214Status("A6", "158", "QC"),  # entity's date of birth
    "INVALID_NPI": X214Status("A7", "562", "85"),  # entity's NPI
    "FORBIDDEN": X214Status("A7", "562", "85"),
    "PROVIDER_NOT_FOUND": X214Status("A7", "562", "85"),
    "COB_UNBALANCED": X214Status("A7", "400"),  # claim is out of balance
    "DUPLICATE_CLAIM": X214Status("A3", "78"),  # duplicate of a previously processed claim
    "SERVICE_DATE_IN_FUTURE": X214Status("A7", "187"),  # date(s) of service
    "ORIGINAL_CLAIM_NOT_FOUND": X214Status("A7", "464"),  # payer claim control number
    "ALREADY_CORRECTED": X214Status("A7", "464"),
}
INVALID_CLAIM_STATUS = X214Status("A7", "21")  # missing or invalid information


def rejected_claim(wire: ProfessionalClaim, error: SpenddownError) -> AcknowledgedClaim:
    """The 277CA entry of a claim refused before adjudication; STC12 says why in words."""
    try:
        charge = Decimal(wire.charge).quantize(Decimal("0.01"))
    except ArithmeticError:  # pragma: no cover - the reader checked the format
        charge = Decimal("0.00")
    days = [line.service_date for line in wire.lines if line.service_date is not None]
    last, first = patient_name(wire)
    return AcknowledgedClaim(
        claim_id=wire.claim_id,
        patient_last=last,
        patient_first=first,
        patient_id=wire.member_id,
        charge=charge,
        first_day=min(days) if days else None,
        last_day=max(days) if days else None,
        statuses=[REJECTION_STATUS.get(error.code, INVALID_CLAIM_STATUS)],
        message=f"{error.code}: {error.detail}",
    )

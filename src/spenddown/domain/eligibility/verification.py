"""The eligibility verification response (docs/rules.md §2), built from a member's segments and
SOC obligations for one month. Pure: the service supplies the data, the clock and the EVC."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from spenddown.domain.eligibility.codes import AidCode, CertifiedBy, HcpStatus, Program, Scope
from spenddown.domain.eligibility.model import EligibilitySegment, Plan
from spenddown.domain.errors import InvalidInput
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import Obligation

# AEVS answers for the current month and the 12 before it.
VERIFICATION_WINDOW_MONTHS = 12
RESTRICTED_SCOPE_MESSAGE = "RESTRICTED TO EMERGENCY AND PREGNANCY-RELATED SERVICES."


class EligibilityStatus:
    """First digit of the MEDS eligibility status."""

    ELIGIBLE = "0"
    LTC_SOC = "1"
    WITH_CONDITIONS = "3"
    THROUGH_PLAN = "4"
    SOC_UNMET = "5"
    NOT_ELIGIBLE = "9"


def check_service_date(service_date: date, today: date) -> BenefitMonth:
    """docs/rules.md §2: from 12 months before the current month up to today."""
    if service_date.year < 1900:
        raise InvalidInput(
            "SERVICE_DATE_TOO_OLD", f"The date of service {service_date} is too old."
        )
    if service_date > today:
        raise InvalidInput(
            "SERVICE_DATE_IN_FUTURE", f"The date of service {service_date} is in the future."
        )
    month = BenefitMonth.of(service_date)
    if BenefitMonth.of(today).months_since(month) > VERIFICATION_WINDOW_MONTHS:
        raise InvalidInput(
            "SERVICE_DATE_TOO_OLD",
            f"The date of service {service_date} is more than {VERIFICATION_WINDOW_MONTHS} months "
            "before the current month.",
        )
    return month


@dataclass(frozen=True, slots=True)
class EligibleAidCode:
    aid_code: str
    scope: Scope
    program: Program


@dataclass(frozen=True, slots=True)
class ShareOfCostView:
    amount: Money
    remaining: Money
    certified: bool
    certified_by: CertifiedBy | None
    ltc: bool
    clear_online: bool
    program: Program


@dataclass(frozen=True, slots=True)
class PlanView:
    code: str
    name: str
    hcp_status: HcpStatus


@dataclass(frozen=True, slots=True)
class Verification:
    member_id: str
    service_date: date
    month: BenefitMonth
    eligible: bool
    evc: str | None
    eligibility_status: str
    county_code: str | None
    aid_codes: tuple[EligibleAidCode, ...]
    share_of_cost: ShareOfCostView | None
    plan: PlanView | None
    other_health_coverage: tuple[str, ...]
    restrictions: tuple[str, ...]
    messages: tuple[str, ...] = field(default_factory=tuple)
    # The member's other programs' SOCs beside ``share_of_cost`` (CMSP beside Medi-Cal), in
    # program order: the FHIR answer shows each as its own benefit (docs/fhir.md).
    other_shares_of_cost: tuple[ShareOfCostView, ...] = ()


def soc_message(obligation: Obligation) -> str:
    program = "CMSP" if obligation.key.program is Program.CMSP else "MEDI-CAL"
    return (
        f"{program} ELIGIBLE WITH ${obligation.amount.dollars_padded()} SOC. "
        f"REMAINING SOC ${obligation.remaining}."
    )


def build_verification(
    *,
    member_id: str,
    service_date: date,
    segments: list[EligibilitySegment],
    aid_codes: dict[str, AidCode],
    obligations: dict[Program, Obligation],
    plans: dict[str, Plan],
    evc: str | None,
) -> Verification:
    """Decide eligibility for the month of ``service_date``.

    ``obligations`` are the SOC obligations of the member's own budget unit for the month, by
    program. ``evc`` is used only if the member is eligible (the service issues and stores it).
    """
    month = BenefitMonth.of(service_date)
    eligible_codes: list[EligibleAidCode] = []
    soc_view: ShareOfCostView | None = None
    views: dict[Program, ShareOfCostView] = {}
    messages: list[str] = []
    unmet = False
    ltc_auto = False
    certified_soc = False
    for segment in segments:
        attributes = aid_codes[segment.aid_code]
        code = EligibleAidCode(segment.aid_code, attributes.scope, attributes.program)
        if not attributes.soc:
            eligible_codes.append(code)
            continue
        obligation = obligations.get(attributes.program)
        if obligation is None:
            unmet = True
            messages.append(f"SHARE OF COST FOR AID CODE {segment.aid_code} NOT ON FILE.")
            continue
        view = ShareOfCostView(
            amount=obligation.amount,
            remaining=obligation.remaining,
            certified=obligation.certified,
            certified_by=obligation.certified_by,
            ltc=attributes.ltc,
            clear_online=obligation.certified_by is not CertifiedBy.LTC_AUTO,
            program=attributes.program,
        )
        # One SOC is shown: Medi-Cal's when the member also has a CMSP one (same income).
        if soc_view is None or attributes.program is Program.MEDI_CAL:
            soc_view = view
        views.setdefault(attributes.program, view)
        if obligation.certified_by is CertifiedBy.LTC_AUTO:
            ltc_auto = True
            eligible_codes.append(code)
            messages.append(
                f"LTC SOC/Spend down ${obligation.amount}. "
                "THE FACILITY COLLECTS THE SOC: DO NOT CLEAR ONLINE."
            )
        elif obligation.certified:
            certified_soc = True
            eligible_codes.append(code)
            messages.append(f"SOC CERTIFIED. REMAINING SOC ${obligation.remaining}.")
        else:
            unmet = True
            messages.append(soc_message(obligation))
    eligible = bool(eligible_codes)
    restricted = any(c.scope is Scope.RESTRICTED for c in eligible_codes)
    plan_code = next((s.plan_code for s in segments if s.plan_code), None)
    if not segments:
        status = EligibilityStatus.NOT_ELIGIBLE
        messages.append("NOT ELIGIBLE FOR MEDI-CAL IN THE MONTH OF SERVICE.")
    elif not eligible:
        status = EligibilityStatus.SOC_UNMET if unmet else EligibilityStatus.NOT_ELIGIBLE
    elif ltc_auto:
        status = EligibilityStatus.LTC_SOC
    elif certified_soc or restricted or any(c.program is Program.CMSP for c in eligible_codes):
        status = EligibilityStatus.WITH_CONDITIONS
    elif plan_code:
        status = EligibilityStatus.THROUGH_PLAN
    else:
        status = EligibilityStatus.ELIGIBLE
    plan_view = None
    if plan_code:
        plan = plans.get(plan_code)
        hcp = HcpStatus.ENROLLED if eligible else HcpStatus.POTENTIAL_ENROLLEE_SOC_UNMET
        plan_view = PlanView(plan_code, plan.name if plan else plan_code, hcp)
    ohc = sorted({code for s in segments for code in s.ohc_codes if code != "N"})
    return Verification(
        member_id=member_id,
        service_date=service_date,
        month=month,
        eligible=eligible,
        evc=evc if eligible else None,
        eligibility_status=status,
        county_code=segments[0].county_code if segments else None,
        aid_codes=tuple(eligible_codes),
        share_of_cost=soc_view,
        plan=plan_view,
        other_health_coverage=tuple(ohc),
        restrictions=(RESTRICTED_SCOPE_MESSAGE,) if restricted else (),
        messages=tuple(messages),
        other_shares_of_cost=tuple(
            view
            for program, view in sorted(views.items(), key=lambda kv: list(Program).index(kv[0]))
            if soc_view is None or program is not soc_view.program
        ),
    )


def hcp_status(
    segments: list[EligibilitySegment],
    aid_codes: dict[str, AidCode],
    obligations: dict[Program, Obligation],
) -> HcpStatus:
    """Plan status for a plan roster: 01 when eligible, 55 while SOC is unmet."""
    if not any(s.plan_code for s in segments):
        return HcpStatus.NO_PLAN
    for segment in segments:
        attributes = aid_codes[segment.aid_code]
        if not attributes.soc:
            return HcpStatus.ENROLLED
        obligation = obligations.get(attributes.program)
        if obligation is not None and obligation.certified:
            return HcpStatus.ENROLLED
    return HcpStatus.POTENTIAL_ENROLLEE_SOC_UNMET

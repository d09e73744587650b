"""Medi-Cal as secondary payer: adjudicate a claim line by line (docs/rules.md §5).

Per line, in this order: eligibility in the month (177), delivery system and provider
enrollment (B7), Share of Cost (178), restricted scope (96), bill the primary first (22), the
primary's denial (provider error → same denial; not covered → Medi-Cal pays as primary), the
fee schedule (96), authorization (197), then payment:

    A = Medi-Cal allowed (fee × units), P = primary paid, L = member liability after the primary
    paid = max(0, min(L, A − P))            with a primary adjudication
    paid = min(charge, A)                    without one (no OHC, OHC A, primary did not cover)

Medicare crossovers cap the claim at max(0, ΣA − ΣP) over the lines not denied, reducing from the
last line back. The SOC on the claim (box 10D) is then taken from the first lines on; it is the
only amount the member owes. Invariants of every line that is not waiting for the primary:

    liability = medi_cal_paid + soc_applied + provider_write_off + (member_owes − soc_applied)
    0 <= medi_cal_paid <= min(L, A − P)   (or min(charge, A) without a primary)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from spenddown.domain.cob.model import (
    Authorization,
    AuthorizationPayer,
    Claim,
    ClaimLine,
    FeeScheduleEntry,
    ServiceScope,
)
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth

SOC_CARC = "142"  # monthly Medicaid patient liability amount
PRIOR_PAYER_CARC = "23"
ABOVE_ALLOWED_CARC = "45"


class LineStatus(StrEnum):
    PAID = "paid"
    DENIED = "denied"


class ClaimStatus(StrEnum):
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class MemberMonth:
    """What the service found about the member in one benefit month."""

    any_eligibility: bool
    eligible: bool  # an eligible aid code: no SOC, or SOC certified
    restricted_only: bool  # every eligible aid code is restricted scope
    plan_code: str | None  # the Medi-Cal managed-care plan; None = fee-for-service
    cost_avoidance_scopes: frozenset[ServiceScope] = frozenset()
    pay_and_chase: bool = False


@dataclass(frozen=True, slots=True)
class ProviderEnrollment:
    medi_cal_ffs: bool
    plans: frozenset[str]


@dataclass(frozen=True, slots=True)
class CobRules:
    """Dated lists from the rules layer: which primary denials mean "not covered by the primary"
    (Medi-Cal pays as primary) and which are the provider's error (Medi-Cal denies too)."""

    not_covered_carcs: frozenset[str]
    provider_error_carcs: frozenset[str]
    carc_descriptions: dict[str, str] = field(default_factory=dict)
    citations: dict[str, str] = field(default_factory=dict)

    def describe(self, carc: str) -> str:
        return self.carc_descriptions.get(carc, f"CARC {carc}")


@dataclass(frozen=True, slots=True)
class Adjustment:
    group: str  # CO contractual, OA other, PR patient responsibility
    carc: str
    amount: Money


@dataclass(frozen=True, slots=True)
class Denial:
    carc: str
    reason: str


@dataclass(frozen=True, slots=True)
class LineResult:
    line: int
    status: LineStatus
    medi_cal_allowed: Money
    primary_paid: Money
    patient_liability_after_primary: Money
    soc_applied: Money
    medi_cal_paid: Money
    member_owes: Money
    provider_write_off: Money
    deductible_credit: Money
    adjustments: tuple[Adjustment, ...]
    denial: Denial | None
    explanation: tuple[str, ...]
    has_primary: bool = False
    awaiting_primary: bool = False
    authorization_id: str | None = None
    charge: Money | None = None  # the line's charge (None in records stored before it was kept)


@dataclass(frozen=True, slots=True)
class Totals:
    charge: Money
    primary_paid: Money
    medi_cal_paid: Money
    member_owes: Money
    provider_write_off: Money


@dataclass(frozen=True, slots=True)
class Adjudication:
    claim_id: str
    status: ClaimStatus
    delivery_system: str  # "ffs" | "plan"
    plan_code: str | None
    lines: tuple[LineResult, ...]
    totals: Totals
    recovery_flag: bool
    explanation: tuple[str, ...]


FeeLookup = Callable[[str, date], FeeScheduleEntry | None]


_ZERO = Money.zero()


@dataclass(slots=True)
class _Work:
    """One line while it is being adjudicated."""

    index: int
    line: ClaimLine
    month: BenefitMonth
    allowed: Money = _ZERO
    liability: Money = _ZERO
    primary_paid: Money = _ZERO
    has_primary: bool = False
    paid: Money = _ZERO
    soc: Money = _ZERO
    denial: Denial | None = None
    member_protected: bool = True
    awaiting_primary: bool = False
    authorization_id: str | None = None
    notes: list[str] = field(default_factory=list)


def _deny(work: _Work, carc: str, rules: CobRules, why: str, *, protected: bool) -> None:
    work.denial = Denial(carc, rules.describe(carc))
    work.member_protected = protected
    work.notes.append(why)


def _authorization(
    work: _Work,
    cin: str,
    payer: AuthorizationPayer,
    authorizations: list[Authorization],
    units_used: dict[str, int],
) -> Authorization | None:
    line = work.line
    for authorization in authorizations:
        if authorization.payer is not payer:
            continue
        if line.medi_cal_authorization and authorization.authorization_id != (
            line.medi_cal_authorization
        ):
            continue
        if not authorization.covers(cin, line.procedure_code, line.service_date):
            continue
        used = units_used.get(authorization.authorization_id, 0)
        if used + line.units <= authorization.units:
            return authorization
    return None


def adjudicate(
    claim: Claim,
    *,
    months: dict[BenefitMonth, MemberMonth],
    provider: ProviderEnrollment,
    fees: FeeLookup,
    authorizations: list[Authorization],
    units_used: dict[str, int],
    rules: CobRules,
    untimely: dict[int, str] | None = None,
) -> Adjudication:
    """Adjudicate ``claim``. ``months`` holds the member's situation for every month a line
    falls in; ``units_used`` the authorization units earlier claims used; ``untimely`` the
    lines filed too late (``domain/claims_timeliness.py``), denied CARC 29."""
    used = dict(units_used)
    works = [
        _Work(i + 1, line, BenefitMonth.of(line.service_date)) for i, line in enumerate(claim.lines)
    ]
    recovery = False
    delivery_system, plan_code = "ffs", None
    for work in works:
        line = work.line
        month = months.get(work.month)
        if untimely and work.index in untimely:
            _deny(work, "29", rules, untimely[work.index], protected=True)
            continue
        if month is None or not month.any_eligibility:
            _deny(
                work,
                "177",
                rules,
                f"Line {work.index}: the member has no Medi-Cal in {work.month}.",
                protected=False,
            )
            continue
        # docs/rules.md §5.1: a plan member is served through the plan, else fee-for-service.
        if month.plan_code is not None:
            delivery_system, plan_code = "plan", month.plan_code
            enrolled = month.plan_code in provider.plans
            system_name = f"the member's Medi-Cal plan {month.plan_code}"
        else:
            delivery_system, plan_code = "ffs", None
            enrolled = provider.medi_cal_ffs
            system_name = "fee-for-service Medi-Cal"
        if not enrolled:
            _deny(
                work,
                "B7",
                rules,
                f"Line {work.index}: the provider is not enrolled in "
                f"{system_name}; Medi-Cal cannot pay, and the family may owe the primary's "
                "cost sharing for this visit.",
                protected=False,
            )
            continue
        if not month.eligible:
            _deny(
                work,
                "178",
                rules,
                f"Line {work.index}: the Share of Cost for {work.month} is not met yet.",
                protected=False,
            )
            continue
        fee = fees(line.procedure_code, line.service_date)
        if month.restricted_only and (fee is None or not fee.restricted_scope_ok):
            _deny(
                work,
                "96",
                rules,
                f"Line {work.index}: the member's Medi-Cal is restricted to "
                "emergency and pregnancy-related services.",
                protected=False,
            )
            continue
        primary = line.primary
        work.has_primary = primary is not None
        # docs/rules.md §5.3: bill the primary first when its coverage includes the service.
        if primary is None and line.scope in month.cost_avoidance_scopes:
            _deny(
                work,
                "22",
                rules,
                f"Line {work.index}: the member's other coverage covers "
                f"{line.scope} services: bill it first, then Medi-Cal with its adjudication.",
                protected=True,
            )
            work.awaiting_primary = True
            continue
        if primary is None and month.pay_and_chase:
            recovery = True
            work.notes.append(
                f"Line {work.index}: OHC code A (pay and chase): Medi-Cal pays "
                "as primary and recovers from the other coverage."
            )
        if primary is not None and primary.denial_carc is not None:
            carc = primary.denial_carc
            # Only a denial known to mean "not covered by the primary" lets Medi-Cal pay as
            # primary; a provider error, and any code in neither list (e.g. 18, a duplicate),
            # is denied the same way: Medi-Cal does not pay what the primary may still owe.
            if carc not in rules.not_covered_carcs:
                why = (
                    "a provider error"
                    if carc in rules.provider_error_carcs
                    else "a reason that does not show the primary leaves the service uncovered"
                )
                _deny(
                    work,
                    carc,
                    rules,
                    f"Line {work.index}: the primary denied it for {why} "
                    f"({rules.describe(carc)}); Medi-Cal denies it the same "
                    "way. The member may not be billed.",
                    protected=True,
                )
                continue
            work.has_primary = False  # not covered by the primary: Medi-Cal pays as primary
            work.notes.append(
                f"Line {work.index}: the primary does not cover it "
                f"({rules.describe(carc)}); Medi-Cal pays as primary."
            )
        if fee is None:
            _deny(
                work,
                "96",
                rules,
                f"Line {work.index}: {line.procedure_code} is not on the Medi-Cal fee schedule.",
                protected=False,
            )
            continue
        if fee.requires_authorization:
            payer = AuthorizationPayer.PLAN if month.plan_code else AuthorizationPayer.MEDI_CAL
            found = _authorization(work, claim.member_id, payer, authorizations, used)
            if found is None:
                _deny(
                    work,
                    "197",
                    rules,
                    f"Line {work.index}: {line.procedure_code} needs an "
                    f"approved {'plan authorization' if month.plan_code else 'TAR'} for these "
                    "dates and units (with the primary's too, where it requires one).",
                    protected=True,
                )
                continue
            used[found.authorization_id] = used.get(found.authorization_id, 0) + line.units
            work.authorization_id = found.authorization_id
        work.allowed = fee.allowed_per_unit * line.units
        if work.has_primary and primary is not None:
            work.primary_paid = primary.paid
            work.liability = primary.patient_liability
            room = work.allowed - primary.paid
            work.paid = min(work.liability, room).clamp_zero()
            work.notes.append(
                f"Line {work.index}: the primary paid {primary.paid.display()} and left "
                f"{work.liability.display()}; Medi-Cal allows {work.allowed.display()} and pays "
                f"the lesser of {work.liability.display()} and "
                f"{work.allowed.display()} − {primary.paid.display()}: "
                f"{work.paid.display()} (docs/rules.md §5.6)."
            )
        else:
            if primary is not None:
                work.primary_paid = primary.paid
            work.liability = line.charge
            work.paid = min(line.charge, work.allowed)
            work.notes.append(
                f"Line {work.index}: Medi-Cal pays the lesser of the charge "
                f"{line.charge.display()} and its allowed {work.allowed.display()}: "
                f"{work.paid.display()}."
            )
    explanation: list[str] = []
    if claim.is_medicare_crossover:
        _cap_crossover(works, explanation)
    _apply_soc(works, claim.soc_amount, explanation)
    results = [_result(w, rules) for w in works]
    charge = primary_paid = medi_cal_paid = member_owes = write_off = _ZERO
    denied = 0
    for r in results:
        primary_paid = primary_paid + r.primary_paid
        medi_cal_paid = medi_cal_paid + r.medi_cal_paid
        member_owes = member_owes + r.member_owes
        write_off = write_off + r.provider_write_off
        denied += r.status is LineStatus.DENIED
    for w in works:
        charge = charge + w.line.charge
    totals = Totals(charge, primary_paid, medi_cal_paid, member_owes, write_off)
    status = (
        ClaimStatus.DENIED
        if denied == len(results)
        else ClaimStatus.PARTIALLY_PAID
        if denied
        else ClaimStatus.PAID
    )
    for w in works:
        explanation.extend(w.notes)
    explanation.append(_member_sentence(totals, results))
    return Adjudication(
        claim.claim_id,
        status,
        delivery_system,
        plan_code,
        tuple(results),
        totals,
        recovery,
        tuple(explanation),
    )


def _sum(values: Iterable[Money]) -> Money:
    result = Money.zero()
    for value in values:
        result = result + value
    return result


def _cap_crossover(works: list[_Work], explanation: list[str]) -> None:
    """W&I §14109.5: a Medicare crossover claim is paid at most ΣA − ΣP over lines not denied."""
    open_lines = [w for w in works if w.denial is None]
    cap = _sum(w.allowed for w in open_lines) - _sum(w.primary_paid for w in open_lines)
    cap = cap.clamp_zero()
    excess = _sum(w.paid for w in open_lines) - cap
    if not excess.is_positive():
        return
    explanation.append(
        f"Medicare crossover: the claim is paid at most Σ allowed − Σ Medicare paid = "
        f"{cap.display()} (W&I §14109.5)."
    )
    for work in reversed(open_lines):
        if not excess.is_positive():
            break
        cut = min(work.paid, excess)
        work.paid = work.paid - cut
        excess = excess - cut


def soc_by_line(soc: Money, lines: list[tuple[Money, Money]]) -> list[Money]:
    """docs/rules.md §5.6: the Share of Cost on a claim comes off what Medi-Cal pays, line by line
    from the first. ``lines`` holds each line's (Medi-Cal payment before the SOC, what the
    member would owe without Medi-Cal); the answer is each line's SOC, and Medi-Cal pays
    ``max(0, payment − SOC)`` there. What is left once Medi-Cal pays nothing more is still the
    member's (the SOC was paid or promised to this provider for these services): it goes on the
    first lines whose liability has room."""
    shares: list[Money] = []
    left = soc
    for paid, _ in lines:
        taken = min(left, paid.clamp_zero())
        shares.append(taken)
        left = left - taken
    for index, (paid, liability) in enumerate(lines):
        if not left.is_positive():
            break
        taken = min(left, (liability - paid).clamp_zero())
        shares[index] = shares[index] + taken
        left = left - taken
    return shares


def _apply_soc(works: list[_Work], soc: Money, explanation: list[str]) -> None:
    """The SOC the member paid toward this claim comes off Medi-Cal's payment (``soc_by_line``);
    it is what the member owes."""
    if not soc.is_positive():
        return
    open_lines = [w for w in works if w.denial is None]
    shares = soc_by_line(soc, [(w.paid, w.liability) for w in open_lines])
    for work, share in zip(open_lines, shares, strict=True):
        work.soc = share
        work.paid = (work.paid - share).clamp_zero()
    explanation.append(
        f"The Share of Cost of {soc.display()} on the claim is the member's to pay and comes "
        "off Medi-Cal's payment, line by line from the first (CMS-1500 box 10D)."
    )


def _result(work: _Work, rules: CobRules) -> LineResult:
    soc = work.soc
    line = work.line
    adjustments: list[Adjustment] = []
    if work.denial is not None:
        # A line the primary denied left the whole charge unpaid, not its (empty) cost sharing.
        primary_decided = line.primary is not None and line.primary.denial_carc is None
        liability = (
            line.primary.patient_liability if primary_decided and line.primary else (line.charge)
        )
        if work.awaiting_primary:
            member_owes, write_off = Money.zero(), Money.zero()
        elif work.member_protected:
            member_owes, write_off = Money.zero(), liability
        else:
            member_owes, write_off = liability, Money.zero()
        # Who carries the denied amount: the member (PR) for what it owes, the provider (CO)
        # for the rest.
        if member_owes.is_positive():
            adjustments.append(Adjustment("PR", work.denial.carc, member_owes))
        if (liability - member_owes).is_positive():
            adjustments.append(Adjustment("CO", work.denial.carc, liability - member_owes))
        return LineResult(
            work.index,
            LineStatus.DENIED,
            Money.zero(),
            line.primary.paid if line.primary else Money.zero(),
            liability,
            Money.zero(),
            Money.zero(),
            member_owes,
            write_off,
            Money.zero(),
            tuple(adjustments),
            work.denial,
            tuple(work.notes),
            has_primary=line.primary is not None,
            awaiting_primary=work.awaiting_primary,
            charge=line.charge,
        )
    write_off = work.liability - work.paid - soc
    if work.has_primary:
        if work.primary_paid.is_positive():
            adjustments.append(Adjustment("OA", PRIOR_PAYER_CARC, work.primary_paid))
    else:
        above = (line.charge - work.allowed).clamp_zero()
        if above.is_positive():
            adjustments.append(Adjustment("CO", ABOVE_ALLOWED_CARC, above))
    if soc.is_positive():
        adjustments.append(Adjustment("PR", SOC_CARC, soc))
    other_write_off = write_off - (
        (line.charge - work.allowed).clamp_zero() if not work.has_primary else Money.zero()
    )
    if work.has_primary and other_write_off.is_positive():
        adjustments.append(Adjustment("CO", ABOVE_ALLOWED_CARC, other_write_off))
    deductible = line.primary.deductible if (line.primary and work.has_primary) else Money.zero()
    return LineResult(
        line=work.index,
        status=LineStatus.PAID,
        medi_cal_allowed=work.allowed,
        primary_paid=work.primary_paid,
        patient_liability_after_primary=work.liability,
        soc_applied=soc,
        medi_cal_paid=work.paid,
        member_owes=soc,
        provider_write_off=write_off,
        deductible_credit=min(deductible, work.paid + soc),
        adjustments=tuple(adjustments),
        denial=None,
        explanation=tuple(work.notes),
        has_primary=work.has_primary,
        authorization_id=work.authorization_id,
        charge=line.charge,
    )


def _member_sentence(totals: Totals, results: list[LineResult]) -> str:
    if any(
        r.denial is not None
        and r.denial.carc in ("B7", "177", "178", "96")
        and r.member_owes.is_positive()
        for r in results
    ):
        return (
            f"The member may owe {totals.member_owes.display()}: some lines are not covered by "
            "Medi-Cal (see each line)."
        )
    if totals.member_owes.is_positive():
        return (
            f"The member owes only the Share of Cost, {totals.member_owes.display()}; the "
            "provider may not bill the family for the rest (W&I §§14019.3, 14019.4; 22 CCR "
            "§51002)."
        )
    return (
        "The member owes nothing for this claim; the provider may not bill the family for the "
        "rest (W&I §§14019.3, 14019.4; 22 CCR §51002)."
    )


# --- storage form (plain JSON-compatible dicts; money as "0.00" strings) ----------------------
def adjudication_to_record(result: Adjudication) -> dict[str, object]:
    def line(r: LineResult) -> dict[str, object]:
        return {
            "line": r.line,
            "status": str(r.status),
            "medi_cal_allowed": str(r.medi_cal_allowed),
            "primary_paid": str(r.primary_paid),
            "patient_liability_after_primary": str(r.patient_liability_after_primary),
            "soc_applied": str(r.soc_applied),
            "medi_cal_paid": str(r.medi_cal_paid),
            "member_owes": str(r.member_owes),
            "provider_write_off": str(r.provider_write_off),
            "deductible_credit": str(r.deductible_credit),
            "adjustments": [[a.group, a.carc, str(a.amount)] for a in r.adjustments],
            "denial": None if r.denial is None else [r.denial.carc, r.denial.reason],
            "explanation": list(r.explanation),
            "has_primary": r.has_primary,
            "awaiting_primary": r.awaiting_primary,
            "authorization_id": r.authorization_id,
            "charge": None if r.charge is None else str(r.charge),
        }

    t = result.totals
    return {
        "claim_id": result.claim_id,
        "status": str(result.status),
        "delivery_system": result.delivery_system,
        "plan_code": result.plan_code,
        "lines": [line(r) for r in result.lines],
        "totals": [
            str(t.charge),
            str(t.primary_paid),
            str(t.medi_cal_paid),
            str(t.member_owes),
            str(t.provider_write_off),
        ],
        "recovery_flag": result.recovery_flag,
        "explanation": list(result.explanation),
    }


def adjudication_from_record(record: dict[str, Any]) -> Adjudication:
    def line(r: dict[str, Any]) -> LineResult:
        denial = r["denial"]
        return LineResult(
            line=r["line"],
            status=LineStatus(r["status"]),
            medi_cal_allowed=Money.of(r["medi_cal_allowed"]),
            primary_paid=Money.of(r["primary_paid"]),
            patient_liability_after_primary=Money.of(r["patient_liability_after_primary"]),
            soc_applied=Money.of(r["soc_applied"]),
            medi_cal_paid=Money.of(r["medi_cal_paid"]),
            member_owes=Money.of(r["member_owes"]),
            provider_write_off=Money.of(r["provider_write_off"]),
            deductible_credit=Money.of(r["deductible_credit"]),
            adjustments=tuple(Adjustment(g, c, Money.of(a)) for g, c, a in r["adjustments"]),
            denial=None if denial is None else Denial(denial[0], denial[1]),
            explanation=tuple(r["explanation"]),
            has_primary=r["has_primary"],
            awaiting_primary=r["awaiting_primary"],
            authorization_id=r["authorization_id"],
            charge=None if r.get("charge") is None else Money.of(r["charge"]),
        )

    charge, primary_paid, paid, owes, write_off = (Money.of(v) for v in record["totals"])
    return Adjudication(
        claim_id=record["claim_id"],
        status=ClaimStatus(record["status"]),
        delivery_system=record["delivery_system"],
        plan_code=record["plan_code"],
        lines=tuple(line(r) for r in record["lines"]),
        totals=Totals(charge, primary_paid, paid, owes, write_off),
        recovery_flag=record["recovery_flag"],
        explanation=tuple(record["explanation"]),
    )

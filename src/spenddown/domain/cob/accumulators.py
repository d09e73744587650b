"""Accumulators per member, OHC policy and plan year (docs/rules.md §5.6, seed document).

For each claim line of the plan year (``plan_year_start`` .. one year later − 1 day):

    deductible applied   d = the primary's deductible on the line
    paid by Medi-Cal       = min(d, Medi-Cal paid)
    paid by the member     = min(member owes, d − paid by Medi-Cal)   (the SOC, on a paid line)
    written off            = d − paid by Medi-Cal − paid by the member
    out of pocket          = the primary's member liability (deductible + coinsurance + copay)

The seed: "Whatever portion of the deductible was met by the secondary insurance will be counted
to the deductible just as if you had paid it yourself." The statement says so, with the amounts,
for the primary's coordination-of-benefits department.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from spenddown.domain.cob.model import OhcPolicy
from spenddown.domain.money import Money


def plan_year_end(start: date) -> date:
    """The last day of the plan year that starts on ``start`` (one year later − 1 day)."""
    try:
        next_start = start.replace(year=start.year + 1)
    except ValueError:  # 29 February: the next plan year starts on 1 March
        next_start = date(start.year + 1, 3, 1)
    return next_start - timedelta(days=1)


def policies_in_force(policies: list[OhcPolicy], day: date) -> list[OhcPolicy]:
    """The policies whose plan year includes ``day``."""
    return [p for p in policies if p.plan_year_start <= day <= plan_year_end(p.plan_year_start)]


@dataclass(frozen=True, slots=True)
class AccumulatorLine:
    """One adjudicated claim line, as stored."""

    claim_id: str
    line: int
    service_date: date
    procedure_code: str
    primary_deductible: Money
    medi_cal_paid: Money
    member_owes: Money
    primary_out_of_pocket: Money  # the primary's member liability on a paid line


@dataclass(frozen=True, slots=True)
class DeductibleItem:
    claim_id: str
    line: int
    service_date: date
    procedure_code: str
    deductible_applied: Money
    paid_by_medi_cal: Money
    paid_by_member: Money
    written_off: Money
    out_of_pocket: Money


@dataclass(frozen=True, slots=True)
class AccumulatorStatement:
    cin: str
    carrier: str
    network: str
    ohc_code: str
    plan_year_start: date
    plan_year_end: date
    deductible: Money  # the policy's
    deductible_applied: Money
    paid_by_medi_cal: Money
    paid_by_member: Money
    written_off: Money
    deductible_remaining: Money
    out_of_pocket: Money
    out_of_pocket_max: Money
    out_of_pocket_remaining: Money
    items: tuple[DeductibleItem, ...]
    statement: tuple[str, ...]


def _item(line: AccumulatorLine) -> DeductibleItem:
    applied = line.primary_deductible.clamp_zero()
    by_medi_cal = min(applied, line.medi_cal_paid.clamp_zero())
    by_member = min(line.member_owes.clamp_zero(), applied - by_medi_cal)
    return DeductibleItem(
        claim_id=line.claim_id,
        line=line.line,
        service_date=line.service_date,
        procedure_code=line.procedure_code,
        deductible_applied=applied,
        paid_by_medi_cal=by_medi_cal,
        paid_by_member=by_member,
        written_off=applied - by_medi_cal - by_member,
        out_of_pocket=line.primary_out_of_pocket.clamp_zero(),
    )


def _sum(values: list[Money]) -> Money:
    result = Money.zero()
    for value in values:
        result = result + value
    return result


def accumulate(policy: OhcPolicy, lines: list[AccumulatorLine]) -> AccumulatorStatement:
    """The accumulators of ``policy``'s plan year from the member's claim lines; lines outside
    the plan year are ignored."""
    start, end = policy.plan_year_start, plan_year_end(policy.plan_year_start)
    ordered = sorted(
        (ln for ln in lines if start <= ln.service_date <= end),
        key=lambda ln: (ln.service_date, ln.claim_id, ln.line),
    )
    items = tuple(_item(ln) for ln in ordered)
    applied = _sum([i.deductible_applied for i in items])
    by_medi_cal = _sum([i.paid_by_medi_cal for i in items])
    by_member = _sum([i.paid_by_member for i in items])
    written_off = _sum([i.written_off for i in items])
    out_of_pocket = _sum([i.out_of_pocket for i in items])
    deductible_remaining = (policy.deductible - applied).clamp_zero()
    oop_remaining = (policy.out_of_pocket_max - out_of_pocket).clamp_zero()
    statement = _statement(
        policy,
        end,
        applied=applied,
        by_medi_cal=by_medi_cal,
        by_member=by_member,
        written_off=written_off,
        deductible_remaining=deductible_remaining,
        out_of_pocket=out_of_pocket,
        oop_remaining=oop_remaining,
        claims=len({i.claim_id for i in items}),
    )
    return AccumulatorStatement(
        cin=policy.cin,
        carrier=policy.carrier,
        network=policy.network,
        ohc_code=policy.ohc_code,
        plan_year_start=start,
        plan_year_end=end,
        deductible=policy.deductible,
        deductible_applied=applied,
        paid_by_medi_cal=by_medi_cal,
        paid_by_member=by_member,
        written_off=written_off,
        deductible_remaining=deductible_remaining,
        out_of_pocket=out_of_pocket,
        out_of_pocket_max=policy.out_of_pocket_max,
        out_of_pocket_remaining=oop_remaining,
        items=items,
        statement=statement,
    )


def _written(day: date) -> str:
    """A date as an English letter writes it ("January 1, 2026"), not ISO (docs/web.md)."""
    return f"{day:%B} {day.day}, {day.year}"


def _statement(
    policy: OhcPolicy,
    end: date,
    *,
    applied: Money,
    by_medi_cal: Money,
    by_member: Money,
    written_off: Money,
    deductible_remaining: Money,
    out_of_pocket: Money,
    oop_remaining: Money,
    claims: int,
) -> tuple[str, ...]:
    year = f"{_written(policy.plan_year_start)} to {_written(end)}"
    counted = "1 claim" if claims == 1 else f"{claims} claims"
    sentences = [
        f"To the coordination-of-benefits department of {policy.carrier} "
        f"({policy.network}), about member {policy.cin}, plan year {year}.",
        f"Medi-Cal is this member's secondary coverage. On {counted} this plan year you "
        f"applied {applied.display()} to the deductible of {policy.deductible.display()}.",
    ]
    if by_medi_cal.is_positive():
        sentences.append(
            f"Medi-Cal paid {by_medi_cal.display()} of your deductible; count it as met, as if "
            "the member had paid it themselves."
        )
    if by_member.is_positive():
        sentences.append(
            f"The member paid {by_member.display()} of it (the Medi-Cal Share of Cost)."
        )
    if written_off.is_positive():
        sentences.append(
            f"{written_off.display()} of it the providers may not collect from the member under "
            "Medi-Cal's rules (W&I §14019.4; 22 CCR §51002); it is still part of the deductible "
            "you applied."
        )
    sentences.append(
        f"Deductible remaining: {deductible_remaining.display()}."
        if deductible_remaining.is_positive()
        else "The deductible is met for this plan year."
    )
    sentences.append(
        f"Out-of-pocket costs counted: {out_of_pocket.display()} of the "
        f"{policy.out_of_pocket_max.display()} maximum"
        + (
            f"; {oop_remaining.display()} remains."
            if oop_remaining.is_positive()
            else "; the out-of-pocket maximum is reached."
        )
    )
    sentences.append(
        "Please make sure your accumulators show these amounts, so that the member's "
        "deductible and out-of-pocket maximum are counted as met."
    )
    return tuple(sentences)

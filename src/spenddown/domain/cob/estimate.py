"""What a family would pay in a year with and without Medi-Cal as secondary (issue 4, seed).

The year is simulated visit by visit: visits fall on the first ``visits_per_week`` days of each
7-day week from ``start``, for ``weeks`` weeks. On each visit the primary's cost sharing is

    deductible first:  d = min(allowed, deductible left)
    then               c = copay: min(copay, allowed − d)
                           coinsurance: (allowed − d) × percent / 100, half-up to the cent
    capped:            the year's cost sharing never goes above the out-of-pocket maximum

and the primary pays ``allowed − (d + c)``. Without Medi-Cal the family pays every ``d + c``.

With Medi-Cal as secondary (a provider that takes both, docs/rules.md §5.6), per visit
``Medi-Cal pays max(0, min(L, A − P))`` (L = cost sharing, A = Medi-Cal allowed, P = primary
paid); per month the family pays only its Share of Cost, ``min(SOC, that month's cost sharing)``,
taken from the month's first visits and off Medi-Cal's payment; the provider writes off the rest
and may not bill the family for it (W&I §14019.4; 22 CCR §51002). The primary counts the whole
cost sharing toward its deductible and out-of-pocket maximum either way (seed: "counted to the
deductible just as if you had paid it yourself").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from spenddown.domain.cob.adjudication import soc_by_line
from spenddown.domain.errors import InvalidInput
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class PrimaryCostSharing:
    """The primary plan's cost sharing: a copay per visit or a coinsurance percent (not both)."""

    deductible: Money
    out_of_pocket_max: Money
    copay_per_visit: Money | None = None
    coinsurance_percent: Decimal | None = None  # 20 means 20 %

    def __post_init__(self) -> None:
        if self.copay_per_visit is not None and self.coinsurance_percent is not None:
            raise InvalidInput(
                "INVALID_COST_SHARING", "Give a copay per visit or a coinsurance percent, not both."
            )
        for name, value in (
            ("deductible", self.deductible),
            ("out_of_pocket_max", self.out_of_pocket_max),
            ("copay_per_visit", self.copay_per_visit),
        ):
            if value is not None and value.amount < 0:
                raise InvalidInput("INVALID_COST_SHARING", f"{name} cannot be negative.")
        percent = self.coinsurance_percent
        if percent is not None and (
            not isinstance(percent, Decimal) or not percent.is_finite() or not 0 <= percent <= 100
        ):
            raise InvalidInput(
                "INVALID_COST_SHARING", "coinsurance_percent must be a number from 0 to 100."
            )

    def describe(self) -> str:
        if self.copay_per_visit is not None:
            after = f"a {self.copay_per_visit.display()} copay per visit"
        elif self.coinsurance_percent is not None:
            after = f"{self.coinsurance_percent.normalize():f} % coinsurance"
        else:
            after = "nothing"
        return (
            f"a {self.deductible.display()} deductible, then {after}, up to an out-of-pocket "
            f"maximum of {self.out_of_pocket_max.display()}"
        )


@dataclass(frozen=True, slots=True)
class ServicePattern:
    procedure_code: str
    units_per_visit: int
    visits_per_week: int
    weeks: int = 52

    def __post_init__(self) -> None:
        if not self.procedure_code:
            raise InvalidInput("INVALID_PATTERN", "procedure_code is required.")
        if not 1 <= self.units_per_visit <= 99:
            raise InvalidInput("INVALID_PATTERN", "units_per_visit must be 1 to 99.")
        if not 1 <= self.visits_per_week <= 7:
            raise InvalidInput("INVALID_PATTERN", "visits_per_week must be 1 to 7.")
        if not 1 <= self.weeks <= 52:
            raise InvalidInput("INVALID_PATTERN", "weeks must be 1 to 52.")

    @property
    def visits(self) -> int:
        return self.visits_per_week * self.weeks


@dataclass(frozen=True, slots=True)
class ProviderFit:
    """Whether a provider takes both the member's private insurance and Medi-Cal."""

    npi: str
    name: str
    takes_primary: bool
    takes_medi_cal: bool
    why: str

    @property
    def qualifies(self) -> bool:
        return self.takes_primary and self.takes_medi_cal


@dataclass(frozen=True, slots=True)
class MonthEstimate:
    month: BenefitMonth
    visits: int
    primary_allowed: Money
    primary_paid: Money
    cost_sharing: Money  # what the primary leaves (deductible + copay/coinsurance)
    medi_cal_paid: Money
    family_pays: Money  # with Medi-Cal as secondary: the SOC part only
    provider_write_off: Money


@dataclass(frozen=True, slots=True)
class Estimate:
    procedure_code: str
    units_per_visit: int
    visits_per_week: int
    weeks: int
    visits: int
    start: date
    primary_allowed_per_visit: Money
    medi_cal_allowed_per_visit: Money
    monthly_soc: Money
    without_medi_cal: Money  # the family's cost with the primary alone
    with_medi_cal: Money  # the family's cost with Medi-Cal as secondary
    savings: Money
    primary_paid: Money
    medi_cal_paid: Money
    provider_write_off: Money
    deductible_met_at_visit: int | None
    out_of_pocket_max_at_visit: int | None
    months: tuple[MonthEstimate, ...]
    explanation: tuple[str, ...]
    providers: tuple[ProviderFit, ...] = field(default_factory=tuple)

    @property
    def qualifying_providers(self) -> tuple[ProviderFit, ...]:
        return tuple(p for p in self.providers if p.qualifies)


def provider_fit(
    *,
    npi: str,
    name: str,
    primary_networks: Iterable[str],
    medi_cal_ffs: bool,
    plans: Iterable[str],
    member_networks: Iterable[str],
    member_plan: str | None,
) -> ProviderFit:
    """docs/rules.md §5.1 and the seed: a provider qualifies when it is in the network of the
    member's private insurance AND enrolled in the member's Medi-Cal delivery system (the
    member's plan, or fee-for-service when the member has no plan)."""
    networks = set(member_networks)
    in_network = sorted(networks & set(primary_networks))
    takes_primary = bool(in_network)
    if member_plan is not None:
        takes_medi_cal = member_plan in set(plans)
        system = f"the member's Medi-Cal plan {member_plan}"
    else:
        takes_medi_cal = medi_cal_ffs
        system = "fee-for-service Medi-Cal"
    primary_text = (
        f"in the {', '.join(in_network)} network"
        if takes_primary
        else (
            f"not in the {', '.join(sorted(networks))} network"
            if networks
            else "not checked against a private insurance (none on file)"
        )
    )
    medi_cal_text = f"{'enrolled' if takes_medi_cal else 'not enrolled'} in {system}"
    if takes_primary and takes_medi_cal:
        why = (
            f"Qualifies: {primary_text} and {medi_cal_text}; it can bill the insurance first and "
            "Medi-Cal for what is left."
        )
    elif takes_primary:
        why = (
            f"Takes only the private insurance: {primary_text} but {medi_cal_text}, so Medi-Cal "
            "cannot pay the deductible and copays there and the family may owe them."
        )
        if member_plan is None and plans:
            why += " It contracts with Medi-Cal plans but does not take straight Medi-Cal."
    elif takes_medi_cal:
        why = (
            f"Takes only Medi-Cal: {medi_cal_text} but {primary_text}; the insurance must be "
            "billed first, so this provider does not fit the pattern."
        )
    else:
        why = f"Takes neither: {primary_text} and {medi_cal_text}."
    return ProviderFit(npi, name, takes_primary, takes_medi_cal, why)


@dataclass
class _Visit:
    day: date
    allowed: Money
    deductible: Money
    cost_sharing: Money

    @property
    def primary_paid(self) -> Money:
        return self.allowed - self.cost_sharing


def _simulate_primary(
    sharing: PrimaryCostSharing, pattern: ServicePattern, allowed: Money, start: date
) -> list[_Visit]:
    visits: list[_Visit] = []
    deductible_left = sharing.deductible
    spent = Money.zero()
    for week in range(pattern.weeks):
        for day in range(pattern.visits_per_week):
            room = (sharing.out_of_pocket_max - spent).clamp_zero()
            d = min(allowed, deductible_left, room)
            rest = allowed - d
            if sharing.copay_per_visit is not None:
                c = min(sharing.copay_per_visit, rest)
            elif sharing.coinsurance_percent is not None:
                c = Money.round_half_up_to_cent(rest.amount * sharing.coinsurance_percent / HUNDRED)
            else:
                c = Money.zero()
            c = min(c, room - d)
            deductible_left = deductible_left - d
            spent = spent + d + c
            visits.append(_Visit(start + timedelta(days=7 * week + day), allowed, d, d + c))
    return visits


_Part = Callable[[_Visit], Money]


def _sum(values: Iterable[Money]) -> Money:
    result = Money.zero()
    for value in values:
        result = result + value
    return result


def estimate_savings(
    sharing: PrimaryCostSharing,
    pattern: ServicePattern,
    *,
    primary_allowed_per_unit: Money,
    medi_cal_allowed_per_unit: Money,
    monthly_soc: Money,
    start: date,
) -> Estimate:
    """The year with and without Medi-Cal as secondary, month by month, explained."""
    if primary_allowed_per_unit.amount < 0 or medi_cal_allowed_per_unit.amount < 0:
        raise InvalidInput("INVALID_AMOUNT", "Allowed amounts cannot be negative.")
    if monthly_soc.amount < 0:
        raise InvalidInput("INVALID_AMOUNT", "A Share of Cost cannot be negative.")
    allowed = primary_allowed_per_unit * pattern.units_per_visit
    medi_cal_allowed = medi_cal_allowed_per_unit * pattern.units_per_visit
    visits = _simulate_primary(sharing, pattern, allowed, start)

    deductible_met_at = _first_visit(visits, sharing.deductible, lambda v: v.deductible)
    oop_at = _first_visit(visits, sharing.out_of_pocket_max, lambda v: v.cost_sharing)

    by_month: dict[BenefitMonth, list[_Visit]] = {}
    for visit in visits:
        by_month.setdefault(BenefitMonth.of(visit.day), []).append(visit)
    months: list[MonthEstimate] = []
    for month, month_visits in by_month.items():
        medi_cal_paid = Money.zero()
        family = Money.zero()
        payments = [
            (min(v.cost_sharing, medi_cal_allowed - v.primary_paid).clamp_zero(), v.cost_sharing)
            for v in month_visits
        ]
        for (paid, _), soc in zip(payments, soc_by_line(monthly_soc, payments), strict=True):
            medi_cal_paid = medi_cal_paid + (paid - soc).clamp_zero()
            family = family + soc
        sharing_total = _sum(v.cost_sharing for v in month_visits)
        months.append(
            MonthEstimate(
                month=month,
                visits=len(month_visits),
                primary_allowed=_sum(v.allowed for v in month_visits),
                primary_paid=_sum(v.primary_paid for v in month_visits),
                cost_sharing=sharing_total,
                medi_cal_paid=medi_cal_paid,
                family_pays=family,
                provider_write_off=sharing_total - medi_cal_paid - family,
            )
        )
    without = _sum(v.cost_sharing for v in visits)
    with_medi_cal = _sum(m.family_pays for m in months)
    result = Estimate(
        procedure_code=pattern.procedure_code,
        units_per_visit=pattern.units_per_visit,
        visits_per_week=pattern.visits_per_week,
        weeks=pattern.weeks,
        visits=len(visits),
        start=start,
        primary_allowed_per_visit=allowed,
        medi_cal_allowed_per_visit=medi_cal_allowed,
        monthly_soc=monthly_soc,
        without_medi_cal=without,
        with_medi_cal=with_medi_cal,
        savings=without - with_medi_cal,
        primary_paid=_sum(v.primary_paid for v in visits),
        medi_cal_paid=_sum(m.medi_cal_paid for m in months),
        provider_write_off=_sum(m.provider_write_off for m in months),
        deductible_met_at_visit=deductible_met_at,
        out_of_pocket_max_at_visit=oop_at,
        months=tuple(months),
        explanation=(),
    )
    return _explained(result, sharing, primary_allowed_per_unit, medi_cal_allowed_per_unit)


def _first_visit(visits: list[_Visit], target: Money, part: _Part) -> int | None:
    """The visit (1-based) at which the running sum of ``part`` reaches ``target``."""
    if not target.is_positive():
        return None
    running = Money.zero()
    for number, visit in enumerate(visits, start=1):
        running = running + part(visit)
        if running >= target:
            return number
    return None


def _explained(
    result: Estimate,
    sharing: PrimaryCostSharing,
    primary_per_unit: Money,
    medi_cal_per_unit: Money,
) -> Estimate:
    units = result.units_per_visit
    steps = [
        f"Each visit: {result.procedure_code}, {units} unit(s). Your insurance allows "
        f"{primary_per_unit.display()} × {units} = {result.primary_allowed_per_visit.display()}; "
        f"Medi-Cal allows {medi_cal_per_unit.display()} × {units} = "
        f"{result.medi_cal_allowed_per_visit.display()} (Medi-Cal fee schedule).",
        f"{result.visits_per_week} visit(s) a week for {result.weeks} weeks from "
        f"{result.start.isoformat()}: {result.visits} visits.",
        f"Your insurance has {sharing.describe()}.",
    ]
    without = (
        "Without Medi-Cal you pay the deductible first"
        + (
            f" (met at visit {result.deductible_met_at_visit})"
            if result.deductible_met_at_visit
            else ""
        )
        + ", then your copay or coinsurance on every visit"
        + (
            f", until the out-of-pocket maximum is reached at visit "
            f"{result.out_of_pocket_max_at_visit}; after that the insurance pays everything"
            if result.out_of_pocket_max_at_visit
            else ""
        )
        + f". Total: {result.without_medi_cal.display()}."
    )
    steps.append(without)
    steps.append(
        "With Medi-Cal as secondary, at a provider that takes both: after your insurance pays, "
        "Medi-Cal pays what it left you, up to Medi-Cal's rate: max(0, min(your share, Medi-Cal "
        "allowed − insurance paid)) per visit (docs/rules.md §5.6). The provider writes off the "
        "rest and may not bill you for it (W&I §14019.4; 22 CCR §51002)."
    )
    if result.monthly_soc.is_positive():
        steps.append(
            f"Your Share of Cost is {result.monthly_soc.display()} a month: each month you pay "
            "at most that (less when the month's cost sharing is less); Medi-Cal pays only after "
            "it is met. Other medical bills can meet it too, so you may pay less."
        )
    else:
        steps.append("You have no Share of Cost: you pay nothing for these visits.")
    for month in result.months:
        steps.append(
            f"{month.month}: {month.visits} visit{'' if month.visits == 1 else 's'}; "
            f"your insurance leaves "
            f"{month.cost_sharing.display()}; Medi-Cal pays {month.medi_cal_paid.display()}; "
            f"you pay {month.family_pays.display()}; the provider writes off "
            f"{month.provider_write_off.display()}."
        )
    steps.append(
        f"In the year: {result.without_medi_cal.display()} without Medi-Cal, "
        f"{result.with_medi_cal.display()} with it; you save {result.savings.display()}."
    )
    steps.append(
        "The deductible Medi-Cal pays counts toward your insurance's deductible as if you had "
        "paid it yourself: tell your insurance's coordination-of-benefits department. Make sure "
        "the provider has the authorizations both plans need."
    )
    return replace(result, explanation=tuple(steps))


def with_providers(estimate: Estimate, fits: Iterable[ProviderFit]) -> Estimate:
    """The estimate with the member's providers: which qualify (take both) and why not."""
    providers = tuple(fits)
    steps = list(estimate.explanation)
    if not providers:
        steps.append(
            "Name the providers you are considering to see which take both your insurance and "
            "your Medi-Cal."
        )
    else:
        qualifying = [p.name for p in providers if p.qualifies]
        steps.append(
            "Providers that take both, where these savings apply: "
            + (", ".join(qualifying) if qualifying else "none of those named")
            + "."
        )
        steps.extend(f"{p.name}: {p.why}" for p in providers)
    return replace(estimate, providers=providers, explanation=tuple(steps))

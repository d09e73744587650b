"""The program ladder of a Medi-Cal determination (docs/rules.md "The program ladder"): pure.

A county screens, in order, the programs that cost nothing: MAGI Medi-Cal (a per-person income
screen, not a MAGI household engine), the Aged & Disabled FPL program, the 250% Working Disabled
Program (with a premium), and only then the Medically Needy budget with a Share of Cost
(``determine_share_of_cost``). Medicare Savings Programs are flags beside the result.

Invariants:
- every number comes from ``LadderParameters`` / ``DeterminationParameters`` (dated, cited files);
- the result names the program chosen and, for each program screened before it, why it did or
  did not fit with its rule; the SOC is zero when a free program fits;
- only aged, blind, disabled, parent/caretaker-linked, pregnant or under-21 persons can have
  Medically Needy Medi-Cal (22 CCR 50203): a unit with none of them is refused (NOT_LINKED);
- a person in long-term care for the whole month is budgeted with the institutional budget
  (personal needs allowance and the family at home); part of a month uses the community budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from spenddown.domain.errors import InvalidInput, RuleRefusal
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.determination import (
    Allocations,
    ChildrenOnly,
    DependentCareCost,
    Determination,
    DeterminationParameters,
    DeterminationRequest,
    Income,
    IncomeKind,
    LtcHousehold,
    Step,
    determine_share_of_cost,
)

MAGI = "magi"
AD_FPL = "aged_disabled_fpl"
WORKING_DISABLED = "working_disabled"
MEDICALLY_NEEDY = "medically_needy"
PROGRAMS = (MAGI, AD_FPL, WORKING_DISABLED, MEDICALLY_NEEDY)
LINKAGE_RULE = "22 CCR 50203"
POST_ELIGIBILITY_RULE = "42 CFR 435.725"
RELATIONSHIPS = ("self", "spouse", "child", "parent", "caretaker", "other")


# --- the household --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Person:
    """One person of the household. Without a birth date, ``adult`` says whether the person is
    an adult (None: adult); ``abd`` is "aged, blind or disabled, which one not stated" and
    ``caretaker`` "a parent or caretaker relative of a child in the home" (the shortcuts)."""

    birth_date: date | None = None
    adult: bool | None = None
    aged: bool = False
    blind: bool = False
    disabled: bool = False
    abd: bool = False
    caretaker: bool = False
    pregnant: bool = False
    medicare: bool = False
    relationship: str = "self"


@dataclass(frozen=True, slots=True)
class HouseholdIncome:
    amount: Money
    kind: IncomeKind
    person: int = 0
    disability_benefit: bool = False  # SSDI, state disability: excluded by the 250% WDP test


@dataclass(frozen=True, slots=True)
class CareMonth:
    """Long-term (or home- and community-based) care of ``resident`` in the month."""

    resident: int = 0
    whole_month: bool | None = None  # None: not given, refused
    setting: Literal["facility", "hcbs"] = "facility"
    home_upkeep: bool = False


@dataclass(frozen=True, slots=True)
class Household:
    month: BenefitMonth
    persons: Sequence[Person]
    incomes: Sequence[HouseholdIncome] = ()
    premiums: Sequence[Money] = ()
    dependent_care: Sequence[DependentCareCost] = ()
    support_paid: Money = field(default_factory=Money.zero)
    ltc: CareMonth | None = None
    children_only: ChildrenOnly | None = None


# --- parameters and result ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LadderParameters:
    month: BenefitMonth
    fpl_first_person: Money
    fpl_each_additional: Money
    fpl_citation: str
    magi_adult: Decimal
    magi_child: Decimal
    magi_pregnant: Decimal
    magi_disregard: Decimal
    magi_citation: str
    ad_fpl_individual: Money
    ad_fpl_couple: Money
    ad_fpl_citation: str
    wdp_fpl_percent: Decimal
    wdp_premium_individual: Money
    wdp_premium_couple: Money
    wdp_citation: str
    msp_qmb: Decimal
    msp_slmb: Decimal
    msp_qi: Decimal
    msp_citation: str

    def fpl_monthly(self, size: int) -> Decimal:
        annual = self.fpl_first_person.amount + self.fpl_each_additional.amount * max(0, size - 1)
        return annual / 12


@dataclass(frozen=True, slots=True)
class Screen:
    program: str
    eligible: bool
    reason: str
    rule: str


@dataclass(frozen=True, slots=True)
class LadderResult:
    month: BenefitMonth
    program: str
    soc: Money
    screened: list[Screen]
    steps: list[Step]
    msp: str | None
    allocations: Allocations | None
    determination: Determination | None  # the Medically Needy budget, when it was computed
    countable_income: Money | None = None  # the free program's countable income
    premium_at_least: Money | None = None  # 250% WDP: the scale's minimum
    household_size: int = 1
    budget: str = "abd"
    ltc: bool = False
    notes: list[str] = field(default_factory=list)


# --- helpers --------------------------------------------------------------------------------
def _age(person: Person, on: date) -> int | None:
    if person.birth_date is None:
        return None
    born = person.birth_date
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _adult(person: Person, on: date) -> bool:
    age = _age(person, on)
    if age is not None:
        return age >= 21
    return True if person.adult is None else person.adult


def _aged(person: Person, on: date) -> bool:
    age = _age(person, on)
    return person.aged or (age is not None and age >= 65)


def _abd(person: Person, on: date) -> bool:
    return _aged(person, on) or person.blind or person.disabled or person.abd


def _under(person: Person, on: date, years: int) -> bool:
    age = _age(person, on)
    if age is not None:
        return age < years
    return person.adult is False


def _linked(household: Household, index: int, on: date) -> bool:
    person = household.persons[index]
    if _abd(person, on) or person.pregnant or person.caretaker or _under(person, on, 21):
        return True
    # an adult parent or caretaker relative of a child under 21 in the home is linked to AFDC
    # (22 CCR 50205)
    return person.relationship != "child" and any(
        other.relationship == "child" and _under(other, on, 21)
        for i, other in enumerate(household.persons)
        if i != index
    )


def _validate(household: Household, program: str | None) -> None:
    if program is not None and program not in PROGRAMS:
        raise InvalidInput(
            "UNKNOWN_PROGRAM",
            f"program must be one of {', '.join(PROGRAMS)}, got {program!r}.",
            field="program",
        )
    if not household.persons:
        raise InvalidInput(
            "INVALID_HOUSEHOLD", "persons must list at least one person.", field="persons"
        )
    last_day = household.month.plus(1).first_day
    for index, person in enumerate(household.persons):
        if person.birth_date is not None and person.birth_date >= last_day:
            raise InvalidInput(
                "BIRTH_DATE_IN_FUTURE",
                f"persons[{index}].birth_date {person.birth_date.isoformat()} is after the "
                f"benefit month {household.month}.",
                field=f"persons[{index}].birth_date",
            )
        if person.relationship not in RELATIONSHIPS:
            raise InvalidInput(
                "INVALID_RELATIONSHIP",
                f"persons[{index}].relationship must be one of {', '.join(RELATIONSHIPS)}.",
                field=f"persons[{index}].relationship",
            )
    for index, income in enumerate(household.incomes):
        if not 0 <= income.person < len(household.persons):
            raise InvalidInput(
                "INVALID_PERSON",
                f"incomes[{index}].person must name a person of the household (0 to "
                f"{len(household.persons) - 1}).",
                field=f"incomes[{index}].person",
            )
        if income.amount.amount < 0:
            raise InvalidInput(
                "INVALID_AMOUNT",
                f"incomes[{index}].amount must not be negative.",
                field=f"incomes[{index}].amount",
            )
    care = household.ltc
    if care is not None:
        if care.whole_month is None:
            raise InvalidInput(
                "LTC_MONTH_MISSING",
                "ltc.whole_month must say whether the resident was in care the whole month: "
                "the institutional budget applies to a whole month only (22 CCR 50605).",
                field="ltc.whole_month",
            )
        if not 0 <= care.resident < len(household.persons):
            raise InvalidInput(
                "INVALID_PERSON",
                "ltc.resident must name a person of the household.",
                field="ltc.resident",
            )


def _countable(
    household: Household,
    members: Sequence[int],
    params: DeterminationParameters,
    *,
    without_disability_benefits: bool = False,
) -> tuple[Decimal, list[Step]]:
    """Countable income of ``members`` with the aged/blind/disabled deductions ($20 any income,
    $65 and one half of earned income), no premiums (SSI methodology)."""
    unearned = Decimal(0)
    earned = Decimal(0)
    for income in household.incomes:
        if income.person not in members:
            continue
        if without_disability_benefits and income.disability_benefit:
            continue
        if income.kind == "earned":
            earned += income.amount.amount
        else:
            unearned += income.amount.amount
    steps: list[Step] = []
    if unearned:
        steps.append(Step("22 CCR 50653", "Gross unearned income", Money.of(unearned)))
    if earned:
        steps.append(Step("22 CCR 50653", "Gross earned income", Money.of(earned)))
    any_income = params.any_income_disregard.amount
    from_unearned = min(any_income, unearned)
    unearned -= from_unearned
    from_earned = min(any_income - from_unearned, earned)
    earned -= from_earned
    if from_unearned or from_earned:
        steps.append(
            Step(
                params.any_income_disregard_citation,
                "$20 any-income disregard",
                -Money.of(from_unearned + from_earned),
            )
        )
    flat = min(params.earned_income_disregard.amount, earned)
    earned -= flat
    half = Money.round_half_up_to_cent(earned * params.earned_income_fraction_disregarded).amount
    earned -= half
    if flat or half:
        steps.append(
            Step(
                params.earned_income_disregard_citation,
                "Earned-income disregard ($65, then one half of the rest)",
                -Money.of(flat + half),
            )
        )
    return unearned + earned, steps


def _gross(household: Household) -> Decimal:
    return sum((i.amount.amount for i in household.incomes), Decimal(0))


def _pct(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


# --- the screens ----------------------------------------------------------------------------
def _screen_magi(household: Household, lp: LadderParameters) -> Screen:
    on = household.month.first_day
    size = len(household.persons)
    income = Money.round_half_up_to_cent(_gross(household))
    fits: list[str] = []
    fails: list[str] = []
    for index, person in enumerate(household.persons):
        if person.pregnant:
            percent, group = lp.magi_pregnant, "pregnant"
        elif _under(person, on, 19):
            percent, group = lp.magi_child, "child under 19"
        elif _aged(person, on) or person.medicare:
            fails.append(f"person {index + 1}: 65 or older or on Medicare, in no MAGI group")
            continue
        else:
            percent, group = lp.magi_adult, "adult 19-64"
        limit = Money.round_half_up_to_cent((percent + lp.magi_disregard) * lp.fpl_monthly(size))
        text = (
            f"person {index + 1} ({group}): income {income.display()} "
            f"{'≤' if income <= limit else '>'} {_pct(percent)} FPL + {_pct(lp.magi_disregard)} "
            f"disregard for {size} ({limit.display()})"
        )
        (fits if income <= limit else fails).append(text)
    eligible = not fails
    if eligible:
        reason = "Fits MAGI Medi-Cal: " + "; ".join(fits) + "."
    elif fits:
        reason = (
            "Not for the whole unit: "
            + "; ".join(fails)
            + ". MAGI Medi-Cal covers "
            + "; ".join(fits)
            + " (shown for information; the budget continues for the unit)."
        )
    else:
        reason = "Does not fit: " + "; ".join(fails) + "."
    return Screen(MAGI, eligible, reason, f"{lp.magi_citation}; {lp.fpl_citation}")


def _abd_unit(household: Household, on: date) -> tuple[list[int], str | None]:
    """Members of an A&D FPL / WDP / MSP test: one person or a couple; else a reason."""
    persons = household.persons
    if len(persons) == 1:
        return [0], None
    if len(persons) == 2 and all(_adult(p, on) for p in persons):
        return [0, 1], None
    return [], "counts an individual or a couple; this unit has children or more persons"


def _screen_ad_fpl(
    household: Household, params: DeterminationParameters, lp: LadderParameters
) -> tuple[Screen, Decimal | None, list[Step]]:
    on = household.month.first_day
    rule = lp.ad_fpl_citation
    if not any(_aged(p, on) or p.disabled or p.blind or p.abd for p in household.persons):
        return Screen(AD_FPL, False, "No one is aged (65+), blind or disabled.", rule), None, []
    members, why_not = _abd_unit(household, on)
    if why_not:
        return Screen(AD_FPL, False, f"A&D FPL {why_not}.", rule), None, []
    countable, steps = _countable(household, members, params)
    limit = lp.ad_fpl_individual if len(members) == 1 else lp.ad_fpl_couple
    who = "individual" if len(members) == 1 else "couple"
    shown = Money.round_half_up_to_cent(countable)
    if countable <= limit.amount:
        reason = (
            f"Countable income {shown.display()} (after the $20 and earned-income deductions) "
            f"is at or below the {who} limit {limit.display()} (138% FPL)."
        )
        return Screen(AD_FPL, True, reason, rule), countable, steps
    reason = f"Countable income {shown.display()} is above the {who} limit {limit.display()}."
    return Screen(AD_FPL, False, reason, rule), countable, steps


def _screen_wdp(
    household: Household, params: DeterminationParameters, lp: LadderParameters
) -> tuple[Screen, Decimal | None, Money | None, list[Step]]:
    on = household.month.first_day
    rule = lp.wdp_citation
    disabled = [
        i
        for i, p in enumerate(household.persons)
        if p.disabled or p.blind or (p.abd and not _aged(p, on))
    ]
    earners = {i.person for i in household.incomes if i.kind == "earned" and i.amount}
    if not disabled or not earners.intersection(disabled):
        return (
            Screen(WORKING_DISABLED, False, "No disabled person with earned income.", rule),
            None,
            None,
            [],
        )
    members, why_not = _abd_unit(household, on)
    if why_not:
        return Screen(WORKING_DISABLED, False, f"The 250% WDP {why_not}.", rule), None, None, []
    countable, steps = _countable(household, members, params, without_disability_benefits=True)
    limit = Money.round_half_up_to_cent(lp.wdp_fpl_percent * lp.fpl_monthly(len(members)))
    shown = Money.round_half_up_to_cent(countable)
    if countable <= limit.amount:
        premium = lp.wdp_premium_individual if len(members) == 1 else lp.wdp_premium_couple
        reason = (
            f"Countable income {shown.display()} (disability benefits excluded) is at or below "
            f"250% FPL ({limit.display()}); a monthly premium of at least {premium.display()} "
            "applies."
        )
        return Screen(WORKING_DISABLED, True, reason, rule), countable, premium, steps
    reason = f"Countable income {shown.display()} is above 250% FPL ({limit.display()})."
    return Screen(WORKING_DISABLED, False, reason, rule), countable, None, steps


def _msp(household: Household, params: DeterminationParameters, lp: LadderParameters) -> str | None:
    on = household.month.first_day
    if not any(p.medicare for p in household.persons):
        return None
    members, why_not = _abd_unit(household, on)
    if why_not:
        members = [i for i, p in enumerate(household.persons) if p.medicare][:1]
    countable, _ = _countable(household, members, params)
    monthly = lp.fpl_monthly(len(members))
    for name, percent in (("qmb", lp.msp_qmb), ("slmb", lp.msp_slmb), ("qi", lp.msp_qi)):
        if countable <= percent * monthly:
            return name
    return None


def _not_in_ltc(program: str) -> Screen:
    return Screen(
        program,
        False,
        "Long-term care all month: the institutional budget (personal needs allowance and "
        "the family at home) applies.",
        POST_ELIGIBILITY_RULE,
    )


# --- the Medically Needy budget ---------------------------------------------------------------
def medically_needy_request(household: Household) -> DeterminationRequest:
    """The Medically Needy budget of the household (refused when no one is linked)."""
    on = household.month.first_day
    persons = household.persons
    if not any(_linked(household, i, on) for i in range(len(persons))):
        raise InvalidInput(
            "NOT_LINKED",
            "No one in the household is aged, blind, disabled, pregnant, under 21 or a parent "
            "or caretaker relative of a child under 21: Medically Needy Medi-Cal (with a share "
            "of cost) is only for those persons (22 CCR 50203).",
            field="persons",
            rule=LINKAGE_RULE,
        )
    care = household.ltc
    in_care = care is not None and care.whole_month is True
    budget = "abd" if any(_abd(p, on) for p in persons) else "family"
    adults = sum(1 for p in persons if _adult(p, on))
    if in_care:
        assert care is not None
        resident = care.resident
        budget = "abd" if _abd(persons[resident], on) else "family"
        spouse = [i for i, p in enumerate(persons) if i != resident and p.relationship == "spouse"]
        dependents = [i for i in range(len(persons)) if i != resident and i not in spouse]
        if persons[resident].relationship == "spouse":
            spouse = [
                i for i, p in enumerate(persons) if i != resident and p.relationship == "self"
            ]
            dependents = [i for i in range(len(persons)) if i != resident and i not in spouse]

        def income_of(members: list[int]) -> Money:
            return Money.of(
                sum((i.amount.amount for i in household.incomes if i.person in members), Decimal(0))
            )

        home = LtcHousehold(
            spouse_income=income_of(spouse) if spouse else None,
            dependents=len(dependents),
            dependents_income=income_of(dependents),
            home_upkeep=care.home_upkeep,
            setting=care.setting,
        )
        return DeterminationRequest(
            month=household.month,
            household_size=len(persons),
            ltc=True,
            budget=budget,  # type: ignore[arg-type]
            incomes=[Income(i.kind, i.amount) for i in household.incomes if i.person == resident],
            premiums=list(household.premiums),
            ltc_household=home if (spouse or dependents or care.home_upkeep) else None,
        )
    size = len(persons)
    if household.children_only is not None:
        size = household.children_only.children
    return DeterminationRequest(
        month=household.month,
        household_size=size,
        ltc=False,
        budget=budget,  # type: ignore[arg-type]
        incomes=[Income(i.kind, i.amount) for i in household.incomes],
        premiums=list(household.premiums),
        children_only=household.children_only,
        adults=None if household.children_only is not None else adults,
        dependent_care=tuple(household.dependent_care),
        support_paid=household.support_paid,
    )


# --- the ladder -----------------------------------------------------------------------------
def determine(
    household: Household,
    params: DeterminationParameters,
    ladder: LadderParameters,
    program: str | None = None,
) -> LadderResult:
    """Screen the free programs in the county's order, then the Medically Needy budget; with
    ``program`` compute that one program's budget directly (a worker's what-if)."""
    _validate(household, program)
    care = household.ltc
    in_care = care is not None and care.whole_month is True
    msp = _msp(household, params, ladder)
    screened: list[Screen] = []
    notes: list[str] = []
    if care is not None and care.whole_month is False:
        notes.append("Part of the month in care: the community budget applies.")
    wanted = PROGRAMS if program is None else (program,)
    budget = (
        "abd" if any(_abd(p, household.month.first_day) for p in household.persons) else "family"
    )
    common = {
        "month": household.month,
        "msp": msp,
        "household_size": len(household.persons),
        "budget": budget,
        "ltc": in_care,
        "notes": notes,
    }

    def free(
        name: str, countable: Decimal | None, steps: list[Step], **extra: object
    ) -> LadderResult:
        steps = [*steps, Step(screened[-1].rule, f"{name}: no share of cost", Money.zero())]
        return LadderResult(
            program=name,
            soc=Money.zero(),
            screened=screened,
            steps=steps,
            allocations=None,
            determination=None,
            countable_income=None if countable is None else Money.round_half_up_to_cent(countable),
            **common,  # type: ignore[arg-type]
            **extra,  # type: ignore[arg-type]
        )

    for name in wanted:
        if name == MAGI:
            screen = _not_in_ltc(MAGI) if in_care else _screen_magi(household, ladder)
            screened.append(screen)
            if screen.eligible:
                return free(MAGI, _gross(household), [])
        elif name == AD_FPL:
            if in_care:
                screened.append(_not_in_ltc(AD_FPL))
                continue
            screen, countable, steps = _screen_ad_fpl(household, params, ladder)
            screened.append(screen)
            if screen.eligible:
                return free(AD_FPL, countable, steps)
        elif name == WORKING_DISABLED:
            if in_care:
                screened.append(_not_in_ltc(WORKING_DISABLED))
                continue
            screen, countable, premium, steps = _screen_wdp(household, params, ladder)
            screened.append(screen)
            if screen.eligible:
                return free(WORKING_DISABLED, countable, steps, premium_at_least=premium)
        else:
            request = medically_needy_request(household)
            result = determine_share_of_cost(request, params)
            reason = (
                f"Linked (22 CCR 50203); share of cost {result.soc.display()} a month."
                if result.soc
                else "Linked (22 CCR 50203); income at or below the need level: no share of cost."
            )
            screened.append(Screen(MEDICALLY_NEEDY, True, reason, "22 CCR 50653"))
            return LadderResult(
                program=MEDICALLY_NEEDY,
                soc=result.soc,
                screened=screened,
                steps=result.steps,
                allocations=result.allocations,
                determination=result,
                **common,  # type: ignore[arg-type]
            )
    # only reached when a single free program was asked for and does not fit
    last = screened[-1]
    raise RuleRefusal(
        "PROGRAM_NOT_ELIGIBLE",
        f"{last.program} does not fit: {last.reason}",
        field="program",
        rule=last.rule,
    )

"""Share-of-cost determination (docs/rules.md §1): pure, no I/O.

SOC = max(0, round_half_up_to_dollar(net nonexempt income) − maintenance need level), monthly
(22 CCR 50653). Every number comes from ``DeterminationParameters`` (built from the dated
parameter files by ``spenddown.rules``), never from this module.

Invariants:
- intermediate amounts are exact ``Decimal``; the only rounding of the computation is the named
  step "round to the nearest dollar, 50 cents and more rounding up" (and, for a child-only unit,
  the prorated MNL rounded up to the dollar, Sneede v. Kizer);
- a ``Step`` shows its amount rounded half up to the cent when the exact value has fractional
  cents (halved earned income), the computation keeps the exact value;
- deductions are a list of typed rules applied in order; each carries its citation and the dates
  it is in force, so that a county can add its own rule without changing this module;
- the SOC is never negative; the net nonexempt income is never negative (premiums above income
  are not carried over);
- LTC for the whole month: the personal needs allowance replaces the MNL and the ABD income
  disregards are added back (22 CCR 50605, 50653(b)).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, Protocol

from spenddown.domain.errors import InvalidInput, RuleRefusal
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth

Budget = Literal["abd", "family"]
IncomeKind = Literal["earned", "unearned"]

SOC_RULE = "22 CCR 50653"
LTC_ADD_BACK_RULE = "22 CCR 50653(b)"
CHILD_ONLY_RULE = "Sneede v. Kizer"
MAX_TABLE_SIZE = 10


# --- request and result ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Income:
    kind: IncomeKind
    amount: Money


@dataclass(frozen=True, slots=True)
class ChildrenOnly:
    """A child-only budget unit: ``children`` in the unit, ``parents_in_home`` outside it."""

    children: int
    parents_in_home: int


@dataclass(frozen=True, slots=True)
class DependentCareCost:
    """Care paid for a child (``under_2`` or not) or an incapacitated person of the unit."""

    amount: Money
    under_2: bool = False
    incapacitated: bool = False


@dataclass(frozen=True, slots=True)
class LtcHousehold:
    """The family at home of a person in long-term (or home- and community-based) care.

    ``spouse_income``: the community spouse's own gross monthly income (None: no spouse at home);
    ``dependents``: dependent family members at home; ``dependents_income`` their income;
    ``home_upkeep``: a physician certified a likely return home (the allowance applies up to six
    months); ``setting``: ``facility`` or ``hcbs`` (the same spousal protections)."""

    spouse_income: Money | None = None
    dependents: int = 0
    dependents_income: Money = field(default_factory=Money.zero)
    home_upkeep: bool = False
    setting: Literal["facility", "hcbs"] = "facility"


@dataclass(frozen=True, slots=True)
class DeterminationRequest:
    month: BenefitMonth
    household_size: int
    ltc: bool
    budget: Budget
    incomes: list[Income]
    premiums: list[Money]
    children_only: ChildrenOnly | None = None
    adults: int | None = None  # adults in the unit (MNL composition); None = every person
    dependent_care: Sequence[DependentCareCost] = ()
    support_paid: Money = field(
        default_factory=Money.zero
    )  # court-ordered support paid to someone outside the unit
    ltc_household: LtcHousehold | None = None


@dataclass(frozen=True, slots=True)
class Step:
    rule: str
    description: str
    amount: Money


@dataclass(frozen=True, slots=True)
class Allocations:
    """Long-term care: what the resident's income leaves for the family at home."""

    spouse: Money | None
    dependents: Money | None
    home_upkeep: Money | None


@dataclass(frozen=True, slots=True)
class Determination:
    month: BenefitMonth
    household_size: int
    budget: Budget
    ltc: bool
    net_nonexempt_income: Money
    rounded_income: Money
    maintenance_need_level: Money  # the personal needs allowance for LTC
    soc: Money
    steps: list[Step]
    allocations: Allocations | None = None


# --- deductions ---------------------------------------------------------------------------
def _shown(value: Decimal) -> Money:
    """A step amount: exact when whole cents, else rounded half up to the cent for display."""
    return Money.round_half_up_to_cent(value)


def _label(amount: Money) -> str:
    """``$20`` for whole dollars, ``$20.50`` otherwise (for step descriptions)."""
    if amount.amount == amount.amount.to_integral_value():
        return f"${int(amount.amount):,}"
    return amount.display()


@dataclass(slots=True)
class BudgetState:
    """Working budget of one determination: exact remaining countable income by kind."""

    unearned: Decimal
    earned: Decimal
    other_deductions: Decimal = Decimal(0)
    steps: list[Step] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return self.unearned + self.earned - self.other_deductions

    def step(self, rule: str, description: str, amount: Decimal) -> None:
        self.steps.append(Step(rule, description, _shown(amount)))


class DeductionRule(Protocol):
    """One deduction of the budget. ``effective_from``/``effective_until`` bound the months it
    applies to (a new method is a new rule with new dates, never an ``if date`` inside one)."""

    @property
    def name(self) -> str: ...

    @property
    def citation(self) -> str: ...

    @property
    def effective_from(self) -> date: ...

    @property
    def effective_until(self) -> date | None: ...

    def applies(self, request: DeterminationRequest) -> bool: ...

    def apply(self, state: BudgetState, request: DeterminationRequest) -> None: ...


def in_force(rule: DeductionRule, month: BenefitMonth) -> bool:
    day = month.first_day
    return rule.effective_from <= day and (
        rule.effective_until is None or day < rule.effective_until
    )


@dataclass(frozen=True, slots=True)
class AnyIncomeDisregard:
    """$20 "any income" disregard of ABD budgets: from unearned income first, the unused rest
    from earned income (22 CCR 50549.2, 50551.2). Not in LTC budgets (22 CCR 50653(b))."""

    amount: Money
    citation: str
    effective_from: date
    effective_until: date | None = None
    earned_citation: str = "22 CCR 50551.2"
    name: str = "any_income_disregard"

    def applies(self, request: DeterminationRequest) -> bool:
        return request.budget == "abd" and not request.ltc

    def apply(self, state: BudgetState, request: DeterminationRequest) -> None:
        from_unearned = min(self.amount.amount, state.unearned)
        if from_unearned:
            state.unearned -= from_unearned
            state.step(
                self.citation,
                f"{_label(self.amount)} any-income disregard (unearned income)",
                -from_unearned,
            )
        from_earned = min(self.amount.amount - from_unearned, state.earned)
        if from_earned:
            state.earned -= from_earned
            state.step(
                self.earned_citation,
                f"Unused part of the {_label(self.amount)} any-income disregard (earned income)",
                -from_earned,
            )


@dataclass(frozen=True, slots=True)
class EarnedIncomeDisregard:
    """Earned income of ABD budgets: minus a flat amount ($65), then a fraction (one half) of
    the rest disregarded. Applied after the unused $20 (secondary sources: unverified)."""

    flat: Money
    fraction_disregarded: Decimal
    citation: str
    effective_from: date
    effective_until: date | None = None
    name: str = "earned_income_disregard"

    def applies(self, request: DeterminationRequest) -> bool:
        return request.budget == "abd" and not request.ltc

    def apply(self, state: BudgetState, request: DeterminationRequest) -> None:
        flat = min(self.flat.amount, state.earned)
        if flat:
            state.earned -= flat
            state.step(self.citation, f"{_label(self.flat)} earned-income disregard", -flat)
        # The disregarded part in whole cents, a half cent in the member's favor: every step,
        # the net income shown and the rounding to the dollar then agree.
        part = Money.round_half_up_to_cent(state.earned * self.fraction_disregarded).amount
        if part:
            state.earned -= part
            state.step(
                self.citation,
                f"{_fraction_name(self.fraction_disregarded)} of the remaining earned income "
                "disregarded",
                -part,
            )


def _fraction_name(fraction: Decimal) -> str:
    return "One half" if fraction == Decimal("0.5") else f"{fraction.normalize()}"


@dataclass(frozen=True, slots=True)
class HealthInsurancePremiums:
    """Health insurance premiums the family actually pays are deducted, in every budget
    (22 CCR 50555.2)."""

    citation: str
    effective_from: date
    effective_until: date | None = None
    name: str = "health_insurance_premiums"

    def applies(self, request: DeterminationRequest) -> bool:
        return True

    def apply(self, state: BudgetState, request: DeterminationRequest) -> None:
        for premium in request.premiums:
            if premium:
                state.other_deductions += premium.amount
                state.step(self.citation, "Health insurance premium", -premium.amount)


@dataclass(frozen=True, slots=True)
class WorkExpenseDeduction:
    """Family (AFDC-linked) budgets: a standard work expense from each employed person's earned
    income (each earned income item is one person's earnings)."""

    amount: Money
    citation: str
    effective_from: date
    effective_until: date | None = None
    name: str = "work_expense_deduction"

    def applies(self, request: DeterminationRequest) -> bool:
        return request.budget == "family" and not request.ltc

    def apply(self, state: BudgetState, request: DeterminationRequest) -> None:
        for income in request.incomes:
            if income.kind != "earned" or not income.amount:
                continue
            part = min(self.amount.amount, income.amount.amount, state.earned)
            if part:
                state.earned -= part
                state.step(self.citation, f"{_label(self.amount)} standard work expense", -part)


@dataclass(frozen=True, slots=True)
class DependentCareDeduction:
    """Family budgets: dependent care paid, from the remaining earned income, capped per person
    (22 CCR 50553.5)."""

    child_under_2: Money
    child_2_or_older: Money
    incapacitated: Money
    citation: str
    effective_from: date
    effective_until: date | None = None
    name: str = "dependent_care_deduction"

    def applies(self, request: DeterminationRequest) -> bool:
        return request.budget == "family" and not request.ltc

    def apply(self, state: BudgetState, request: DeterminationRequest) -> None:
        for cost in request.dependent_care:
            cap = (
                self.incapacitated
                if cost.incapacitated
                else self.child_under_2
                if cost.under_2
                else self.child_2_or_older
            )
            part = min(cost.amount.amount, cap.amount, state.earned)
            if part:
                state.earned -= part
                state.step(
                    self.citation, f"Dependent care paid (up to {_label(cap)} a person)", -part
                )


@dataclass(frozen=True, slots=True)
class SupportPaidDeduction:
    """Court-ordered child or spousal support paid to someone outside the unit."""

    citation: str
    effective_from: date
    effective_until: date | None = None
    name: str = "support_paid_deduction"

    def applies(self, request: DeterminationRequest) -> bool:
        return bool(request.support_paid)

    def apply(self, state: BudgetState, request: DeterminationRequest) -> None:
        state.other_deductions += request.support_paid.amount
        state.step(self.citation, "Court-ordered support paid", -request.support_paid.amount)


# --- parameters ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DeterminationParameters:
    """Everything the determination needs for one benefit month, each with its citation."""

    month: BenefitMonth
    maintenance_need_levels: Mapping[int, Money]  # household size 1..10 → MNL per month
    maintenance_need_level_citation: str
    maintenance_need_level_increment: Money | None  # per person above 10; None = refuse
    personal_needs_allowance: Money
    personal_needs_allowance_citation: str
    any_income_disregard: Money
    any_income_disregard_citation: str
    earned_income_disregard: Money
    earned_income_fraction_disregarded: Decimal
    earned_income_disregard_citation: str
    deductions: Sequence[DeductionRule]
    rounding_citation: str = SOC_RULE
    reform: str | None = None
    # Two persons who are not both adults (a parent and a child): 22 CCR 50603 (2026-12-04).
    maintenance_need_level_two_not_both_adults: Money | None = None
    community_spouse_allowance: Money | None = None  # MMMNA; None = not configured
    community_spouse_allowance_citation: str = "42 USC 1396r-5(d)(3)"
    home_upkeep_allowance: Money | None = None
    home_upkeep_allowance_citation: str = "22 CCR 50605"
    family_allocation_citation: str = "22 CCR 50603; 42 USC 1396r-5(d)(1)(C)"

    def maintenance_need_level_for(self, household_size: int, adults: int | None = None) -> Money:
        """The MNL of a unit of ``household_size`` persons of whom ``adults`` are adults (None:
        all): two persons who are not both adults have their own level (22 CCR 50603)."""
        if (
            household_size == 2
            and adults is not None
            and adults < 2
            and self.maintenance_need_level_two_not_both_adults is not None
        ):
            return self.maintenance_need_level_two_not_both_adults
        if isinstance(household_size, bool) or not isinstance(household_size, int):
            raise InvalidInput("INVALID_HOUSEHOLD_SIZE", "household_size must be a whole number.")
        if household_size < 1:
            raise InvalidInput(
                "INVALID_HOUSEHOLD_SIZE",
                f"household_size must be at least 1, got {household_size}.",
                field="household_size",
            )
        if household_size in self.maintenance_need_levels:
            return self.maintenance_need_levels[household_size]
        largest = max(self.maintenance_need_levels)
        if household_size > largest and self.maintenance_need_level_increment is not None:
            extra = household_size - largest
            return self.maintenance_need_levels[largest] + (
                self.maintenance_need_level_increment * extra
            )
        raise RuleRefusal(
            "HOUSEHOLD_SIZE_UNSUPPORTED",
            f"The maintenance need level for {household_size} persons is not configured: the "
            f"table covers 1 to {largest} persons and the per-person increment above {largest} "
            "is unverified. Configure it in medi_cal/share_of_cost/"
            "maintenance_need_level_each_additional_person.yaml.",
            household_size=household_size,
            parameter="medi_cal/share_of_cost/maintenance_need_level",
        )


# --- validation ---------------------------------------------------------------------------
def _validate(request: DeterminationRequest, params: DeterminationParameters) -> None:
    if request.budget not in ("abd", "family"):
        raise InvalidInput(
            "INVALID_BUDGET", f"budget must be 'abd' or 'family', got {request.budget!r}."
        )
    if request.month != params.month:
        raise InvalidInput(
            "PARAMETERS_MONTH_MISMATCH",
            f"parameters are for {params.month}, the request is for {request.month}.",
        )
    for index, income in enumerate(request.incomes):
        if income.kind not in ("earned", "unearned"):
            raise InvalidInput(
                "INVALID_INCOME_KIND",
                f"incomes[{index}].kind must be 'earned' or 'unearned', got {income.kind!r}.",
                field=f"incomes[{index}].kind",
            )
        if income.amount.amount < 0:
            raise InvalidInput(
                "INVALID_AMOUNT",
                f"incomes[{index}].amount must not be negative.",
                field=f"incomes[{index}].amount",
            )
    for index, premium in enumerate(request.premiums):
        if premium.amount < 0:
            raise InvalidInput(
                "INVALID_AMOUNT",
                f"premiums[{index}] must not be negative.",
                field=f"premiums[{index}]",
            )
    if request.adults is not None and (
        isinstance(request.adults, bool)
        or not isinstance(request.adults, int)
        or not 0 <= request.adults <= request.household_size
    ):
        raise InvalidInput(
            "INVALID_ADULTS",
            f"adults must be a whole number from 0 to household_size ({request.household_size}).",
            field="adults",
        )
    for index, cost in enumerate(request.dependent_care):
        if cost.amount.amount < 0:
            raise InvalidInput(
                "INVALID_AMOUNT",
                f"dependent_care[{index}].amount must not be negative.",
                field=f"dependent_care[{index}].amount",
            )
    if request.support_paid.amount < 0:
        raise InvalidInput(
            "INVALID_AMOUNT", "support_paid must not be negative.", field="support_paid"
        )
    home = request.ltc_household
    if home is not None:
        if not request.ltc:
            raise InvalidInput(
                "INVALID_LTC_HOUSEHOLD",
                "the family at home (spouse income, dependents, home upkeep) goes with a long-term "
                "care budget for the whole month.",
                field="ltc",
            )
        for name, value in (
            ("spouse_income", home.spouse_income),
            ("dependents_income", home.dependents_income),
        ):
            if value is not None and value.amount < 0:
                raise InvalidInput(
                    "INVALID_AMOUNT", f"{name} must not be negative.", field=f"ltc.{name}"
                )
        if home.dependents < 0:
            raise InvalidInput(
                "INVALID_LTC_HOUSEHOLD", "dependents must be 0 or more.", field="ltc.dependents"
            )
    child = request.children_only
    if child is not None:
        for name in ("children", "parents_in_home"):
            value = getattr(child, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInput(
                    "INVALID_CHILDREN_ONLY",
                    f"children_only.{name} must be a whole number.",
                    field=f"children_only.{name}",
                )
        if child.children < 1 or child.parents_in_home < 0:
            raise InvalidInput(
                "INVALID_CHILDREN_ONLY",
                "children_only needs at least 1 child and a parent count of 0 or more.",
                field="children_only",
            )
        if request.household_size not in (child.children, child.children + child.parents_in_home):
            raise InvalidInput(
                "INVALID_CHILDREN_ONLY",
                "household_size of a child-only unit must be the number of children in the unit "
                f"({child.children}) or children plus parents in the home "
                f"({child.children + child.parents_in_home}), got {request.household_size}.",
                field="household_size",
            )
        if request.ltc:
            raise InvalidInput(
                "INVALID_CHILDREN_ONLY",
                "a child-only unit uses the community MNL: it cannot be an LTC budget.",
                field="children_only",
            )


# --- the determination --------------------------------------------------------------------
def _maintenance_need_level(
    request: DeterminationRequest, params: DeterminationParameters, steps: list[Step]
) -> Money:
    if request.ltc:
        pna = params.personal_needs_allowance
        steps.append(
            Step(
                params.personal_needs_allowance_citation,
                "Personal needs allowance (long-term care all month)",
                -pna,
            )
        )
        return pna
    child = request.children_only
    if child is None:
        mnl = params.maintenance_need_level_for(request.household_size, request.adults)
        persons = "person" if request.household_size == 1 else "persons"
        composition = ""
        if request.household_size == 2 and params.maintenance_need_level_two_not_both_adults:
            composition = (
                ", not both adults"
                if request.adults is not None and request.adults < 2
                else ", two adults"
            )
        steps.append(
            Step(
                params.maintenance_need_level_citation,
                f"Maintenance need level ({request.household_size} {persons}{composition})",
                -mnl,
            )
        )
        return mnl
    count = child.children + child.parents_in_home
    # The children are not adults; the parents in the home are (composition of the count).
    full = params.maintenance_need_level_for(count, child.parents_in_home)
    mnl = Money.round_up_to_dollar(full.amount / count * child.children)
    steps.append(
        Step(
            f"{params.maintenance_need_level_citation}; {CHILD_ONLY_RULE}",
            f"Maintenance need level, child-only: {_label(full)} for {count} persons "
            f"÷ {count} × {child.children} children, rounded up to the dollar",
            -mnl,
        )
    )
    return mnl


def determine_share_of_cost(
    request: DeterminationRequest, params: DeterminationParameters
) -> Determination:
    """Monthly share of cost of one budget unit (docs/rules.md §1)."""
    _validate(request, params)
    # Household size is checked first so that an unsupported size is refused before any work
    # (long-term care uses the personal needs allowance: any household size will do).
    if request.children_only is None and not request.ltc:
        params.maintenance_need_level_for(request.household_size, request.adults)

    unearned = sum((i.amount.amount for i in request.incomes if i.kind == "unearned"), Decimal(0))
    earned = sum((i.amount.amount for i in request.incomes if i.kind == "earned"), Decimal(0))
    state = BudgetState(unearned=unearned, earned=earned)
    if unearned:
        state.step(SOC_RULE, "Gross unearned income", unearned)
    if earned:
        state.step(SOC_RULE, "Gross earned income", earned)
    if request.ltc:
        state.step(
            LTC_ADD_BACK_RULE,
            "Long-term care: the $20 and earned-income disregards do not apply",
            Decimal(0),
        )

    for rule in params.deductions:
        if in_force(rule, request.month) and rule.applies(request):
            rule.apply(state, request)

    exact_net = max(state.net, Decimal(0))
    if state.net < 0:
        state.step(SOC_RULE, "Deductions above income are not carried over", -state.net)
    net = _shown(exact_net)
    rounded = Money.round_half_up_to_dollar(exact_net)
    if rounded.amount != exact_net:
        state.step(
            params.rounding_citation,
            "Round to the nearest dollar (50 cents and more round up)",
            rounded.amount - exact_net,
        )

    steps = state.steps
    mnl = _maintenance_need_level(request, params, steps)
    difference = rounded - mnl
    allocations = None
    if request.ltc and request.ltc_household is not None:
        difference, allocations = _ltc_allocations(request, params, difference, steps)
    soc = difference.clamp_zero()
    if difference.amount < 0:
        steps.append(Step(SOC_RULE, "Zero or less means no share of cost", -difference))
    return Determination(
        month=request.month,
        household_size=request.household_size,
        budget=request.budget,
        ltc=request.ltc,
        net_nonexempt_income=net,
        rounded_income=rounded,
        maintenance_need_level=mnl,
        soc=soc,
        steps=steps,
        allocations=allocations,
    )


def _ltc_allocations(
    request: DeterminationRequest,
    params: DeterminationParameters,
    left: Money,
    steps: list[Step],
) -> tuple[Money, Allocations]:
    """Long-term care with the family at home: the home upkeep allowance, the community spouse
    allocation (MMMNA minus the spouse's own income) and the family allocation of dependents at
    home (their maintenance need level minus their income), each limited to what is left."""
    home = request.ltc_household
    assert home is not None
    if home.setting == "hcbs":
        steps.append(
            Step(
                params.community_spouse_allowance_citation,
                "Home- and community-based care: the same spousal protections apply",
                Money.zero(),
            )
        )

    def take(amount: Money, rule: str, description: str) -> Money:
        nonlocal left
        taken = min(amount, left.clamp_zero())
        if taken:
            steps.append(Step(rule, description, -taken))
            left = left - taken
        return taken

    upkeep: Money | None = None
    if home.home_upkeep:
        if params.home_upkeep_allowance is None:
            raise RuleRefusal(
                "PARAMETER_NOT_CONFIGURED",
                "The home upkeep allowance is not configured for this month.",
                parameter="medi_cal/long_term_care/home_upkeep_allowance",
            )
        upkeep = take(
            params.home_upkeep_allowance,
            params.home_upkeep_allowance_citation,
            "Home upkeep allowance (physician certified a likely return home, up to 6 months)",
        )
    spouse: Money | None = None
    if home.spouse_income is not None:
        if params.community_spouse_allowance is None:
            raise RuleRefusal(
                "PARAMETER_NOT_CONFIGURED",
                "The community spouse allowance (MMMNA) is not configured for this month.",
                parameter="medi_cal/long_term_care/community_spouse_mmmna",
            )
        need = (params.community_spouse_allowance - home.spouse_income).clamp_zero()
        spouse = take(
            need,
            params.community_spouse_allowance_citation,
            f"Community spouse allocation: {params.community_spouse_allowance.display()} "
            f"maintenance needs allowance minus her or his own income "
            f"{home.spouse_income.display()}",
        )
    dependents: Money | None = None
    if home.dependents:
        need = (
            params.maintenance_need_level_for(home.dependents) - home.dependents_income
        ).clamp_zero()
        dependents = take(
            need,
            params.family_allocation_citation,
            f"Family allocation: maintenance need level of {home.dependents} dependent(s) at "
            "home minus their income",
        )
    return left, Allocations(spouse=spouse, dependents=dependents, home_upkeep=upkeep)

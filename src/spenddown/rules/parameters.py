"""Typed accessors over the parameter tree: what the rest of spenddown codes against.

Every number comes from a dated, cited file under ``rules/parameters`` (see ``loader``);
this module only turns values into domain types (``Money``, ``AidCode`` ...) and builds the
``DeterminationParameters`` of a benefit month. Reforms are named what-if variants that are
never applied unless asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_CEILING, Decimal
from functools import cache
from types import MappingProxyType
from typing import Any

from spenddown.domain.claims_timeliness import TimelinessRules
from spenddown.domain.cob.adjudication import CobRules
from spenddown.domain.eligibility.codes import AidCode, OhcCode, Program, Scope
from spenddown.domain.errors import InvalidInput
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.changes import ChangeRules
from spenddown.domain.share_of_cost.determination import (
    AnyIncomeDisregard,
    DeductionRule,
    DependentCareDeduction,
    DeterminationParameters,
    EarnedIncomeDisregard,
    HealthInsurancePremiums,
    SupportPaidDeduction,
    WorkExpenseDeduction,
)
from spenddown.domain.share_of_cost.ladder import LadderParameters
from spenddown.rules.loader import Parameter, load_parameters

MNL = "medi_cal/share_of_cost/maintenance_need_level"
MNL_INCREMENT = "medi_cal/share_of_cost/maintenance_need_level_each_additional_person"
PNA = "medi_cal/share_of_cost/personal_needs_allowance_ltc"
ANY_INCOME_DISREGARD = "medi_cal/share_of_cost/any_income_disregard"
EARNED_INCOME_DISREGARD = "medi_cal/share_of_cost/earned_income_disregard"
PREMIUM_DEDUCTION = "medi_cal/share_of_cost/health_insurance_premium_deduction"
ASSET_LIMITS = "medi_cal/asset_limits"
AID_CODES = "codes/aid_codes"
OHC_CODES = "codes/ohc_codes"
PLAN_STATUS = "codes/plan_status"
CARC = "codes/carc"
RARC = "codes/rarc"

WORK_EXPENSE = "medi_cal/family/work_expense_deduction"
DEPENDENT_CARE = "medi_cal/family/dependent_care_deduction"
SUPPORT_PAID = "medi_cal/family/support_paid_deduction"
MMMNA = "medi_cal/long_term_care/community_spouse_mmmna"
HOME_UPKEEP = "medi_cal/long_term_care/home_upkeep_allowance"
FPL = "medi_cal/federal_poverty_level"
MAGI_SCREEN = "medi_cal/programs/magi_income_screen"
AD_FPL = "medi_cal/programs/aged_disabled_fpl"
WORKING_DISABLED = "medi_cal/programs/working_disabled"
MSP = "medi_cal/programs/medicare_savings_programs"

REFORM_MNL_138_FPL = "mnl_138_fpl"
REFORM_PNA_80 = "pna_80"
REFORMS: set[str] = {REFORM_MNL_138_FPL, REFORM_PNA_80}

AID_CODE_ATTRIBUTES = ("soc", "ltc", "scope", "program", "verified", "description")
OHC_SCOPES = frozenset({"medical", "dental", "vision", "pharmacy"})


# --- conversions --------------------------------------------------------------------------
def _money(value: Any, where: str) -> Money:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{where}: {value!r} is not an amount (an integer or a quoted decimal)")
    return Money.of(value)


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{where}: {value!r} is not a number (an integer or a quoted decimal)")
    return Decimal(value)


def _citation(parameter: Parameter) -> str:
    return parameter.citation or parameter.name


def _latest_or_on(parameter: Parameter, on: date | None) -> Any:
    return parameter.latest if on is None else parameter.value_at(on)


def _check_reform(reform: str | None) -> None:
    if reform is not None and reform not in REFORMS:
        raise InvalidInput(
            "UNKNOWN_REFORM",
            f"Unknown reform {reform!r}; known reforms: {', '.join(sorted(REFORMS))}.",
            field="reform",
        )


# --- code lists ---------------------------------------------------------------------------
def _aid_code(code: str, raw: Any) -> AidCode:
    if not isinstance(raw, dict):
        raise ValueError(f"{AID_CODES}: {code} must be a mapping")
    missing = [name for name in AID_CODE_ATTRIBUTES if name not in raw]
    if missing:
        raise ValueError(f"{AID_CODES}: aid code {code} lacks {', '.join(missing)}")
    for flag in ("soc", "ltc", "verified"):
        if not isinstance(raw[flag], bool):
            raise ValueError(f"{AID_CODES}: aid code {code}.{flag} must be true or false")
    return AidCode(
        aid_code=code,
        soc=raw["soc"],
        ltc=raw["ltc"],
        scope=Scope(raw["scope"]),
        program=Program(raw["program"]),
        verified=raw["verified"],
        description=str(raw["description"]),
    )


@cache
def _aid_codes(on: date | None) -> tuple[AidCode, ...]:
    raw = _latest_or_on(load_parameters().parameter(AID_CODES), on)
    return tuple(_aid_code(str(code), value) for code, value in raw.items())


def aid_codes(on: date | None = None) -> dict[str, AidCode]:
    """Aid code → attributes (SOC, LTC, scope, program), in force on ``on`` (default: latest)."""
    return {code.aid_code: code for code in _aid_codes(on)}


@dataclass(frozen=True, slots=True)
class OhcCoverage:
    """What an OHC code covers: ``OhcCode`` plus the service scopes the primary covers
    (medical | dental | vision | pharmacy); used for cost avoidance (docs/rules.md §5.3)."""

    code: str
    cost_avoidance: bool
    pay_and_chase: bool
    scopes: tuple[str, ...]
    ended: date | None = None

    def active_on(self, on: date) -> bool:
        return self.ended is None or on < self.ended

    def avoids_cost_for(self, scope: str, on: date) -> bool:
        """True when a claim for ``scope`` on ``on`` must go to the primary first."""
        return self.cost_avoidance and self.active_on(on) and scope in self.scopes


def _ohc(code: str, raw: Any) -> tuple[OhcCode, OhcCoverage]:
    if not isinstance(raw, dict) or "description" not in raw or "cost_avoidance" not in raw:
        raise ValueError(f"{OHC_CODES}: {code} needs description and cost_avoidance")
    scopes = tuple(raw.get("scopes", ()))
    unknown = [scope for scope in scopes if scope not in OHC_SCOPES]
    if unknown:
        raise ValueError(f"{OHC_CODES}: {code} has unknown scopes {unknown}")
    ended = raw.get("ended")
    if ended is not None and not isinstance(ended, date):
        ended = date.fromisoformat(str(ended))
    cost_avoidance = bool(raw["cost_avoidance"])
    pay_and_chase = bool(raw.get("pay_and_chase", False))
    return (
        OhcCode(
            code=code,
            description=str(raw["description"]),
            cost_avoidance=cost_avoidance,
            pay_and_chase=pay_and_chase,
            ended=ended,
        ),
        OhcCoverage(code, cost_avoidance, pay_and_chase, scopes, ended),
    )


@cache
def _ohc_codes(on: date | None) -> tuple[tuple[OhcCode, OhcCoverage], ...]:
    raw = _latest_or_on(load_parameters().parameter(OHC_CODES), on)
    return tuple(_ohc(str(code), value) for code, value in raw.items())


def ohc_codes(on: date | None = None) -> dict[str, OhcCode]:
    return {code.code: code for code, _ in _ohc_codes(on)}


def ohc_coverage(on: date | None = None) -> dict[str, OhcCoverage]:
    """OHC code → the scopes it covers (extra data that ``OhcCode`` does not carry)."""
    return {coverage.code: coverage for _, coverage in _ohc_codes(on)}


def _code_descriptions(name: str, on: date | None) -> dict[str, str]:
    raw = _latest_or_on(load_parameters().parameter(name), on)
    return {str(code): str(description) for code, description in raw.items()}


def plan_statuses(on: date | None = None) -> dict[str, str]:
    """Plan (HCP) status code → description: 01, 55, 00."""
    return _code_descriptions(PLAN_STATUS, on)


def carc_codes(on: date | None = None) -> dict[str, str]:
    """Claim adjustment reason code → standard short description."""
    return _code_descriptions(CARC, on)


@dataclass(frozen=True, slots=True)
class RemarkRules:
    """The RARC list and the CARC usage rules spenddown follows (codes/rarc)."""

    remarks: dict[str, str]  # RARC → description
    required_with: dict[str, str]  # CARC that needs a remark → the RARC sent with it
    only_group: dict[str, str]  # CARC → the one group code it may be used with
    denial_remarks: dict[str, str]  # CARC of spenddown's own denial → the RARC saying why

    def remark_for(self, carc: str) -> str | None:
        return self.required_with.get(carc) or self.denial_remarks.get(carc)

    def group_for(self, carc: str, group: str) -> str:
        return self.only_group.get(carc, group)


def remark_rules(on: date | None = None) -> RemarkRules:
    raw = _latest_or_on(load_parameters().parameter(RARC), on)

    def table(key: str) -> dict[str, str]:
        return {str(k): str(v) for k, v in raw[key].items()}

    return RemarkRules(
        table("remarks"), table("required_with"), table("only_group"), table("denial_remarks")
    )


# --- maintenance need level and determination parameters -----------------------------------
def _mnl_table(on: date) -> tuple[dict[int, Money], Money | None]:
    """Size → MNL (two adults for size 2) and the 2-person level when not both are adults."""
    raw = load_parameters().get(MNL, on)
    table: dict[int, Money] = {}
    two_not_both: Money | None = None
    for size, value in raw.items():
        if isinstance(value, dict):
            table[int(size)] = _money(value["two_adults"], f"{MNL}[{size}].two_adults")
            two_not_both = _money(value["otherwise"], f"{MNL}[{size}].otherwise")
        else:
            table[int(size)] = _money(value, f"{MNL}[{size}]")
    return table, two_not_both


def poverty_guideline(on: date, size: int) -> Money:
    """The yearly HHS poverty guideline Medi-Cal applies on ``on`` for ``size`` persons."""
    raw = load_parameters().get(FPL, on)
    first = _money(raw["first_person"], f"{FPL}.first_person")
    each = _money(raw["each_additional_person"], f"{FPL}.each_additional_person")
    return first + each * max(0, size - 1)


def _reform_in_force(reform: str | None, on: date) -> Parameter | None:
    """The reform's parameter when it is switched on and dated on or before ``on``."""
    _check_reform(reform)
    if reform is None:
        return None
    parameter = load_parameters().parameter(f"reforms/{reform}")
    return parameter if parameter.values[0][0] <= on else None


def _mnl_138_fpl_table(parameter: Parameter, on: date, sizes: list[int]) -> dict[int, Money]:
    """MNL(n) = 138% × FPL(n) ÷ 12, rounded up to the dollar, with the FPL of the month's year
    (see the reform's notes)."""
    raw = parameter.value_at(on)
    percent = _decimal(raw["fpl_percent"], f"{parameter.name}.fpl_percent")
    table: dict[int, Money] = {}
    for size in sizes:
        monthly = percent * poverty_guideline(on, size).amount / 12
        table[size] = Money.of(monthly.quantize(Decimal(1), rounding=ROUND_CEILING))
    return table


@cache
def determination_parameters(
    month: BenefitMonth, reform: str | None = None
) -> DeterminationParameters:
    """Every parameter of the SOC determination for ``month`` (docs/rules.md §1)."""
    _check_reform(reform)
    tree = load_parameters()
    on = month.first_day

    mnl_parameter = tree.parameter(MNL)
    table, two_not_both = _mnl_table(on)
    mnl_citation = _citation(mnl_parameter)
    reform_parameter = _reform_in_force(reform, on)
    pna_parameter = tree.parameter(PNA)
    pna = _money(pna_parameter.value_at(on), PNA)
    pna_citation = _citation(pna_parameter)
    if reform_parameter is not None and reform == REFORM_MNL_138_FPL:
        table = _mnl_138_fpl_table(reform_parameter, on, sorted(table))
        two_not_both = None  # the reform indexes by size only
        mnl_citation = f"Reform {reform}: {_citation(reform_parameter)}"
    if reform_parameter is not None and reform == REFORM_PNA_80:
        pna = _money(reform_parameter.value_at(on), reform_parameter.name)
        pna_citation = f"Reform {reform}: {_citation(reform_parameter)}"
    increment_raw = tree.get(MNL_INCREMENT, on)
    increment = None if increment_raw is None else _money(increment_raw, MNL_INCREMENT)

    any_parameter = tree.parameter(ANY_INCOME_DISREGARD)
    any_income = _money(any_parameter.value_at(on), ANY_INCOME_DISREGARD)

    earned_parameter = tree.parameter(EARNED_INCOME_DISREGARD)
    earned_raw = earned_parameter.value_at(on)
    earned_flat = _money(earned_raw["flat"], f"{EARNED_INCOME_DISREGARD}.flat")
    fraction = _decimal(
        earned_raw["fraction_disregarded"], f"{EARNED_INCOME_DISREGARD}.fraction_disregarded"
    )
    if not Decimal(0) <= fraction <= Decimal(1):
        raise ValueError(f"{EARNED_INCOME_DISREGARD}.fraction_disregarded must be in [0, 1]")

    deductions: list[DeductionRule] = [
        AnyIncomeDisregard(
            amount=any_income,
            citation=_citation(any_parameter),
            effective_from=any_parameter.effective_date_at(on),
        ),
        EarnedIncomeDisregard(
            flat=earned_flat,
            fraction_disregarded=fraction,
            citation=_citation(earned_parameter),
            effective_from=earned_parameter.effective_date_at(on),
        ),
    ]
    work_parameter = tree.parameter(WORK_EXPENSE)
    deductions.append(
        WorkExpenseDeduction(
            amount=_money(work_parameter.value_at(on), WORK_EXPENSE),
            citation=_citation(work_parameter),
            effective_from=work_parameter.effective_date_at(on),
        )
    )
    care_parameter = tree.parameter(DEPENDENT_CARE)
    if care_parameter.values[0][0] <= on:
        care = care_parameter.value_at(on)
        deductions.append(
            DependentCareDeduction(
                child_under_2=_money(care["child_under_2"], f"{DEPENDENT_CARE}.child_under_2"),
                child_2_or_older=_money(
                    care["child_2_or_older"], f"{DEPENDENT_CARE}.child_2_or_older"
                ),
                incapacitated=_money(care["incapacitated"], f"{DEPENDENT_CARE}.incapacitated"),
                citation=_citation(care_parameter),
                effective_from=care_parameter.effective_date_at(on),
            )
        )
    support_parameter = tree.parameter(SUPPORT_PAID)
    if support_parameter.value_at(on) is True:
        deductions.append(
            SupportPaidDeduction(
                citation=_citation(support_parameter),
                effective_from=support_parameter.effective_date_at(on),
            )
        )
    premium_parameter = tree.parameter(PREMIUM_DEDUCTION)
    if premium_parameter.value_at(on) is True:
        deductions.append(
            HealthInsurancePremiums(
                citation=_citation(premium_parameter),
                effective_from=premium_parameter.effective_date_at(on),
            )
        )
    mmmna_parameter = tree.parameter(MMMNA)
    mmmna = (
        _money(mmmna_parameter.value_at(on), MMMNA) if mmmna_parameter.values[0][0] <= on else None
    )
    upkeep_parameter = tree.parameter(HOME_UPKEEP)

    return DeterminationParameters(
        month=month,
        maintenance_need_levels=MappingProxyType(table),
        maintenance_need_level_citation=mnl_citation,
        maintenance_need_level_increment=increment,
        personal_needs_allowance=pna,
        personal_needs_allowance_citation=pna_citation,
        any_income_disregard=any_income,
        any_income_disregard_citation=_citation(any_parameter),
        earned_income_disregard=earned_flat,
        earned_income_fraction_disregarded=fraction,
        earned_income_disregard_citation=_citation(earned_parameter),
        deductions=tuple(deductions),
        reform=reform,
        maintenance_need_level_two_not_both_adults=two_not_both,
        community_spouse_allowance=mmmna,
        community_spouse_allowance_citation=_citation(mmmna_parameter),
        home_upkeep_allowance=_money(upkeep_parameter.value_at(on), HOME_UPKEEP),
        home_upkeep_allowance_citation=_citation(upkeep_parameter),
    )


@cache
def ladder_parameters(month: BenefitMonth) -> LadderParameters:
    """The program ladder's limits for ``month``: FPL, MAGI, A&D FPL, 250% WDP, MSP."""
    tree = load_parameters()
    on = month.first_day
    magi = tree.parameter(MAGI_SCREEN)
    magi_raw = magi.value_at(on)
    ad = tree.parameter(AD_FPL)
    ad_raw = ad.value_at(on)
    wdp = tree.parameter(WORKING_DISABLED)
    wdp_raw = wdp.value_at(on)
    msp = tree.parameter(MSP)
    msp_raw = msp.value_at(on)
    fpl = tree.parameter(FPL)
    fpl_raw = fpl.value_at(on)
    return LadderParameters(
        month=month,
        fpl_first_person=_money(fpl_raw["first_person"], f"{FPL}.first_person"),
        fpl_each_additional=_money(
            fpl_raw["each_additional_person"], f"{FPL}.each_additional_person"
        ),
        fpl_citation=f"{_citation(fpl)} in force {fpl.effective_date_at(on).isoformat()}",
        magi_adult=_decimal(magi_raw["adult"], f"{MAGI_SCREEN}.adult"),
        magi_child=_decimal(magi_raw["child_under_19"], f"{MAGI_SCREEN}.child_under_19"),
        magi_pregnant=_decimal(magi_raw["pregnant"], f"{MAGI_SCREEN}.pregnant"),
        magi_disregard=_decimal(magi_raw["disregard"], f"{MAGI_SCREEN}.disregard"),
        magi_citation=_citation(magi),
        ad_fpl_individual=_money(ad_raw["individual"], f"{AD_FPL}.individual"),
        ad_fpl_couple=_money(ad_raw["couple"], f"{AD_FPL}.couple"),
        ad_fpl_citation=_citation(ad),
        wdp_fpl_percent=_decimal(wdp_raw["fpl_percent"], f"{WORKING_DISABLED}.fpl_percent"),
        wdp_premium_individual=_money(
            wdp_raw["premium_minimum_individual"], f"{WORKING_DISABLED}.premium"
        ),
        wdp_premium_couple=_money(wdp_raw["premium_minimum_couple"], f"{WORKING_DISABLED}.premium"),
        wdp_citation=_citation(wdp),
        msp_qmb=_decimal(msp_raw["qmb"], f"{MSP}.qmb"),
        msp_slmb=_decimal(msp_raw["slmb"], f"{MSP}.slmb"),
        msp_qi=_decimal(msp_raw["qi"], f"{MSP}.qi"),
        msp_citation=_citation(msp),
    )


def maintenance_need_level(
    household_size: int, month: BenefitMonth, reform: str | None = None
) -> Money:
    """The MNL of a unit of ``household_size`` persons in ``month`` (22 CCR 50603); sizes
    above 10 are refused (HOUSEHOLD_SIZE_UNSUPPORTED) unless the increment is configured."""
    return determination_parameters(month, reform).maintenance_need_level_for(household_size)


# --- asset limits ---------------------------------------------------------------------------
def asset_limit(household_size: int, on: date) -> Money | None:
    """Property limit of non-MAGI programs on ``on`` (docs/rules.md §1.7); None means no limit."""
    if isinstance(household_size, bool) or not isinstance(household_size, int):
        raise InvalidInput("INVALID_HOUSEHOLD_SIZE", "household_size must be a whole number.")
    if household_size < 1:
        raise InvalidInput(
            "INVALID_HOUSEHOLD_SIZE",
            f"household_size must be at least 1, got {household_size}.",
            field="household_size",
        )
    raw = load_parameters().get(ASSET_LIMITS, on)
    if raw is None:
        return None
    one = _money(raw["one"], f"{ASSET_LIMITS}.one")
    if household_size == 1:
        return one
    two = _money(raw["two"], f"{ASSET_LIMITS}.two")
    each = _money(raw["each_additional"], f"{ASSET_LIMITS}.each_additional")
    up_to = raw.get("additional_up_to")
    counted = household_size if up_to is None else min(household_size, int(up_to))
    return two + each * max(0, counted - 2)


# --- coordination of benefits ------------------------------------------------------------------
COB_DENIAL_CATEGORIES = "medi_cal/cob/primary_denial_categories"


def cob_rules(on: date) -> CobRules:
    """The primary-denial categories and CARC descriptions in force on ``on`` (docs/rules.md §5)."""
    parameter = load_parameters().parameter(COB_DENIAL_CATEGORIES)
    raw = parameter.value_at(on)
    return CobRules(
        not_covered_carcs=frozenset(str(c) for c in raw["not_covered"]),
        provider_error_carcs=frozenset(str(c) for c in raw["provider_error"]),
        carc_descriptions=carc_codes(on),
        citations={"primary_denials": _citation(parameter)},
    )


# --- parameter overrides (what-if) --------------------------------------------------------------
OVERRIDABLE = (PNA, MMMNA, HOME_UPKEEP, MNL, AD_FPL)


def _override_value(name: str, raw: Any, on: date) -> Any:
    """A value, or dated values ``{YYYY-MM-DD: value}`` of which the one in force on ``on``
    (None when none is in force yet)."""
    if isinstance(raw, dict) and raw and all(_is_date(k) for k in raw):
        found = None
        for key in sorted(raw, key=lambda k: date.fromisoformat(str(k))):
            if date.fromisoformat(str(key)) <= on:
                found = raw[key]
        return found
    return raw


def _is_date(key: Any) -> bool:
    if isinstance(key, date):
        return True
    try:
        date.fromisoformat(str(key))
    except ValueError:
        return False
    return True


def with_overrides(
    month: BenefitMonth, reform: str | None, overrides: Mapping[str, Any]
) -> tuple[DeterminationParameters, LadderParameters]:
    """The parameters of ``month`` (and ``reform``) with ``overrides``: parameter name → value
    or dated values, for a what-if (docs/rules.md "Population what-if")."""
    params = determination_parameters(month, reform)
    ladder = ladder_parameters(month)
    on = month.first_day
    for name, raw in overrides.items():
        key = str(name).strip("/").removesuffix(".yaml")
        if key not in OVERRIDABLE:
            raise InvalidInput(
                "UNKNOWN_PARAMETER_OVERRIDE",
                f"{name!r} cannot be overridden; overridable: {', '.join(OVERRIDABLE)}.",
                field=f"overrides.{name}",
            )
        value = _override_value(key, raw, on)
        if value is None:
            continue
        try:
            if key == PNA:
                params = replace(
                    params,
                    personal_needs_allowance=_money(value, key),
                    personal_needs_allowance_citation=f"Override {key}",
                )
            elif key == MMMNA:
                params = replace(
                    params,
                    community_spouse_allowance=_money(value, key),
                    community_spouse_allowance_citation=f"Override {key}",
                )
            elif key == HOME_UPKEEP:
                params = replace(
                    params,
                    home_upkeep_allowance=_money(value, key),
                    home_upkeep_allowance_citation=f"Override {key}",
                )
            elif key == MNL:
                table = dict(params.maintenance_need_levels)
                two_not_both = params.maintenance_need_level_two_not_both_adults
                for size, amount in dict(value).items():
                    if isinstance(amount, dict):
                        table[int(size)] = _money(amount["two_adults"], key)
                        two_not_both = _money(amount["otherwise"], key)
                    else:
                        table[int(size)] = _money(amount, key)
                params = replace(
                    params,
                    maintenance_need_levels=MappingProxyType(table),
                    maintenance_need_level_two_not_both_adults=two_not_both,
                    maintenance_need_level_citation=f"Override {key}",
                )
            else:  # AD_FPL
                ladder = replace(
                    ladder,
                    ad_fpl_individual=_money(value["individual"], key),
                    ad_fpl_couple=_money(value["couple"], key),
                    ad_fpl_citation=f"Override {key}",
                )
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            raise InvalidInput(
                "INVALID_PARAMETER_OVERRIDE",
                f"{name}: {value!r} is not a valid value ({exc}).",
                field=f"overrides.{name}",
            ) from None
    return params, ladder


# --- a Share of Cost over time (docs/rules.md) ----------------------------------------------
NOTICE_DAYS = "medi_cal/share_of_cost/changes/notice_days"
REPORT_DAYS = "medi_cal/share_of_cost/changes/report_days"
HEARING_DAYS = "medi_cal/share_of_cost/changes/hearing_days"


def change_rules(on: date) -> ChangeRules:
    """The dated day counts of changes of circumstance and notices in force on ``on``."""
    parameters = load_parameters()
    return ChangeRules(
        notice_days=int(parameters.get(NOTICE_DAYS, on)),
        report_days=int(parameters.get(REPORT_DAYS, on)),
        hearing_days=int(parameters.get(HEARING_DAYS, on)),
    )


# --- claim timeliness (docs/rules.md) -----------------------------------------------------------
TIMELY_FILING_MONTHS = "medi_cal/claims/timely_filing_months"
LATE_CLAIM_LIMIT_MONTHS = "medi_cal/claims/late_claim_limit_months"
DELAY_REASON_CODES = "codes/delay_reason_codes"


RETRO_MONTHS = "medi_cal/retroactive_months"
RETRO_MONTHS_AGED_DISABLED = "medi_cal/retroactive_months_aged_disabled"


def retroactive_months(application_date: date, *, aged_or_disabled: bool) -> int:
    """Months of retroactive coverage before the month of application (docs/rules.md)."""
    name = RETRO_MONTHS_AGED_DISABLED if aged_or_disabled else RETRO_MONTHS
    return int(load_parameters().get(name, application_date))


def timeliness_rules(on: date) -> TimelinessRules:
    parameters = load_parameters()
    return TimelinessRules(
        filing_months=int(parameters.get(TIMELY_FILING_MONTHS, on)),
        late_limit_months=int(parameters.get(LATE_CLAIM_LIMIT_MONTHS, on)),
        delay_reason_codes=MappingProxyType(_code_descriptions(DELAY_REASON_CODES, on)),
    )

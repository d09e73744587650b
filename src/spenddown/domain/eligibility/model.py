"""Who and what: members, providers, cases and budget units, eligibility segments, plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from spenddown.domain.months import BenefitMonth


class ProviderType(StrEnum):
    PHYSICIAN = "physician"
    CLINIC = "clinic"
    ABA = "aba"
    PHARMACY = "pharmacy"
    HOSPITAL = "hospital"
    DME = "dme"
    LTC_FACILITY = "ltc_facility"
    ANCILLARY = "ancillary"


class BudgetUnitRole(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "IE"  # listed so that their medical bills can clear the unit's SOC
    RESPONSIBLE_RELATIVE = "RR"


@dataclass(frozen=True, slots=True)
class Member:
    cin: str
    bic_issue_date: date
    first_name: str
    last_name: str
    birth_date: date


@dataclass(frozen=True, slots=True)
class Plan:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Provider:
    npi: str
    name: str
    type: ProviderType
    pin_hash: str
    medi_cal_ffs: bool
    plans: tuple[str, ...] = ()
    primary_networks: tuple[str, ...] = ()
    failed_attempts: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Membership:
    """A member's place on a case's budget unit (MBU)."""

    case_id: str
    budget_unit: str
    cin: str
    role: BudgetUnitRole

    @property
    def key(self) -> str:
        return f"{self.case_id}/{self.budget_unit}"


@dataclass(frozen=True, slots=True)
class EligibilitySegment:
    """Member x month x aid code."""

    cin: str
    month: BenefitMonth
    aid_code: str
    county_code: str
    plan_code: str | None = None
    ohc_codes: tuple[str, ...] = field(default_factory=tuple)

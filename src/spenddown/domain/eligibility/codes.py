"""Code lists as domain types (docs/rules.md §7). Values come from dated files in ``rules``;
logic reads attributes (SOC, LTC, scope, program), never a hard-coded list of codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Scope(StrEnum):
    FULL = "full"
    RESTRICTED = "restricted"  # emergency and pregnancy-related services only


class Program(StrEnum):
    MEDI_CAL = "medi-cal"
    CMSP = "cmsp"


class HcpStatus(StrEnum):
    """Managed-care plan status on MEDS."""

    ENROLLED = "01"
    POTENTIAL_ENROLLEE_SOC_UNMET = "55"
    NO_PLAN = "00"


class CertifiedBy(StrEnum):
    CLEARANCES = "clearances"
    COUNTY = "county"
    LTC_AUTO = "ltc_auto"


@dataclass(frozen=True, slots=True)
class AidCode:
    aid_code: str
    soc: bool
    ltc: bool
    scope: Scope
    program: Program
    verified: bool
    description: str = ""


@dataclass(frozen=True, slots=True)
class OhcCode:
    code: str
    description: str
    cost_avoidance: bool
    pay_and_chase: bool = False
    ended: date | None = None

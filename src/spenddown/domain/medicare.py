"""Medicare on the member-month (docs/rules.md, "Medicare, Medicare Savings Programs and the
Part B buy-in").

- A member may have Medicare Part A and/or Part B, and a Medicare Savings Program: QMB, SLMB or
  QI (42 U.S.C. 1396d(p), 1396a(a)(10)(E)). An MSP pays the Part B premium every month.
- A member without an MSP whose Share of Cost month is certified has Medi-Cal that month, and
  the state buys Part B for that month (the Part B buy-in, 42 U.S.C. 1395v; 22 CCR 50777):
  certifying produces one buy-in event per member-month.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from spenddown.domain.months import BenefitMonth


class Msp(StrEnum):
    QMB = "qmb"
    SLMB = "slmb"
    QI = "qi"


@dataclass(frozen=True, slots=True)
class MedicareStatus:
    cin: str
    month: BenefitMonth
    part_a: bool = False
    part_b: bool = False
    msp: Msp | None = None

    @property
    def has_medicare(self) -> bool:
        return self.part_a or self.part_b

    @property
    def qmb(self) -> bool:
        return self.msp is Msp.QMB


def needs_part_b_buy_in(status: MedicareStatus | None) -> bool:
    """A certified SOC month buys Part B for a Medicare member without an MSP (an MSP already
    pays the premium)."""
    return status is not None and status.has_medicare and status.msp is None

"""Notices of action (docs/rules.md, "Notices of action").

A notice is language-independent *facts*: what changed, the amounts, the effective month, the
rules, the hearing deadline (W&I 10951) and until when a hearing request keeps the old Share of
Cost (aid paid pending). The words, in English and Spanish, are the renderer's
(``entrypoints/notices.py``). ``notice_for_change`` takes a change and, when given, a
determination's steps as data, so a determination can produce its notice with one call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.changes import ChangeRules, Direction, hearing_deadline


@dataclass(frozen=True, slots=True)
class NoticeStep:
    """One line of how an amount was computed (a determination step)."""

    label: str
    amount: Money
    citation: str = ""


@dataclass(frozen=True, slots=True)
class Notice:
    notice_id: str
    kind: str  # "soc_change"
    case_id: str
    budget_unit: str
    issued_on: date
    effective_month: BenefitMonth
    hearing_deadline: date
    change_id: str | None
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def aid_paid_pending_until(self) -> date | None:
        """The last day a hearing request keeps the old SOC (an increase only)."""
        if self.facts.get("direction") != str(Direction.INCREASE):
            return None
        return self.effective_month.first_day - timedelta(days=1)


def notice_for_change(
    *,
    notice_id: str,
    change_id: str,
    case_id: str,
    budget_unit: str,
    program: str,
    issued_on: date,
    rules: ChangeRules,
    direction: Direction,
    old_amount: Money,
    new_amount: Money,
    effective_month: BenefitMonth,
    changed_on: date,
    reported_on: date,
    reason: str,
    rule: str,
    timely: bool,
    correction: bool,
    excess: Money,
    credited: Mapping[str, Money],
    kept_months: Sequence[str],
    steps: Sequence[NoticeStep] = (),
) -> Notice:
    facts: dict[str, Any] = {
        "program": program,
        "direction": str(direction),
        "old_amount": str(old_amount),
        "new_amount": str(new_amount),
        "difference": str(new_amount - old_amount),
        "changed_on": changed_on.isoformat(),
        "reported_on": reported_on.isoformat(),
        "reason": reason,
        "rule": rule,
        "rules": [rule, "22 CCR 50179", "W&I 10951"],
        "timely": timely,
        "correction": correction,
        "excess": str(excess),
        "credited": {month: str(amount) for month, amount in credited.items()},
        "kept_months": list(kept_months),
        "steps": [
            {"label": s.label, "amount": str(s.amount), "citation": s.citation} for s in steps
        ],
    }
    return Notice(
        notice_id=notice_id,
        kind="soc_change",
        case_id=case_id,
        budget_unit=budget_unit,
        issued_on=issued_on,
        effective_month=effective_month,
        hearing_deadline=hearing_deadline(issued_on, rules),
        change_id=change_id,
        facts=facts,
    )

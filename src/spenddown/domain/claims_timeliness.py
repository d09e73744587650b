"""Claim timeliness (docs/rules.md, "Claim timeliness"): a claim line is due within six months
after the end of its month of service (22 CCR 51008; W&I 14115). A later line needs a valid
delay reason code (X12 CLM20; 22 CCR 51008.5), and one more than a year old also the county's
authorization; otherwise it is denied with CARC 29 (the time limit for filing has expired).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from spenddown.domain.cob.model import Claim
from spenddown.domain.errors import InvalidInput
from spenddown.domain.months import BenefitMonth

TIME_LIMIT_CARC = "29"


@dataclass(frozen=True, slots=True)
class TimelinessRules:
    filing_months: int  # 6
    late_limit_months: int  # 12
    delay_reason_codes: Mapping[str, str]


@lru_cache(maxsize=4096)
def due_date(service_date: date, months: int) -> date:
    """The last day of the ``months``-th month after the month of service (a pure function of
    its two values, computed once per service date: a batch has few dates and many lines)."""
    return BenefitMonth.of(service_date).plus(months + 1).first_day - timedelta(days=1)


def check_delay_reason(code: str | None, rules: TimelinessRules) -> None:
    if code is not None and code not in rules.delay_reason_codes:
        raise InvalidInput(
            "INVALID_DELAY_REASON_CODE",
            f"delay_reason_code: {code!r} is not a claim delay reason code (X12 CLM20: "
            f"{', '.join(rules.delay_reason_codes)}).",
            field="delay_reason_code",
        )


def untimely_lines(claim: Claim, received: date, rules: TimelinessRules) -> dict[int, str]:
    """Line number (1-based) → why it is denied for late filing; empty when all are timely."""
    check_delay_reason(claim.delay_reason_code, rules)
    late: dict[int, str] = {}
    for index, line in enumerate(claim.lines, start=1):
        due = due_date(line.service_date, rules.filing_months)
        if received <= due:
            continue
        if claim.delay_reason_code is None:
            late[index] = (
                f"Line {index}: received {received}, after {due}, six months after the month "
                "of service, with no delay reason code (22 CCR 51008): denied, CARC 29. The "
                "member may not be billed for it."
            )
            continue
        if received > due_date(line.service_date, rules.late_limit_months) and (
            not claim.county_authorization
        ):
            late[index] = (
                f"Line {index}: more than a year after the month of service: the delay reason "
                f"{claim.delay_reason_code} needs the county's authorization letter "
                "(22 CCR 51008.5): denied, CARC 29."
            )
    return late

"""Benefit month ``YYYY-MM``: the unit of SOC, eligibility and certification."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from spenddown.domain.errors import InvalidInput

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$", re.ASCII)


@dataclass(frozen=True, order=True, slots=True)
class BenefitMonth:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12) or not (1900 <= self.year <= 2999):
            raise InvalidInput(
                "INVALID_MONTH", f"{self.year}-{self.month:02d} is not a benefit month (1900–2999)."
            )

    @classmethod
    def parse(cls, value: str, field: str = "month") -> BenefitMonth:
        match = _MONTH.match(value.strip()) if isinstance(value, str) else None
        year, month = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        if not 1 <= month <= 12 or not 1900 <= year <= 2999:
            raise InvalidInput(
                "INVALID_MONTH", f"{field}: {value!r} is not a month YYYY-MM.", field=field
            )
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> BenefitMonth:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def plus(self, months: int) -> BenefitMonth:
        index = self.year * 12 + (self.month - 1) + months
        return BenefitMonth(index // 12, index % 12 + 1)

    def months_since(self, other: BenefitMonth) -> int:
        """How many months ``self`` is after ``other`` (negative if before)."""
        return (self.year * 12 + self.month) - (other.year * 12 + other.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_date(value: str, field: str = "date") -> date:
    try:
        if not value.isascii():  # fromisoformat reads some other scripts' digits
            raise ValueError(value)
        return date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise InvalidInput(
            "INVALID_DATE", f"{field}: {value!r} is not a date YYYY-MM-DD."
        ) from None

"""Reading form fields into domain values; a bad field is the domain's ``InvalidInput``, with a
field name the page can point at."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from spenddown.domain.errors import InvalidInput
from spenddown.domain.identifiers import MemberId, parse_member_id, parse_npi
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth, parse_date

MAX_FIELD = 200


def text(value: str | None, field: str, *, required: bool = True, limit: int = MAX_FIELD) -> str:
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        raise InvalidInput("INVALID_REQUEST", f"{field}: at most {limit} characters.", field=field)
    if required and not cleaned:
        raise InvalidInput("INVALID_REQUEST", f"{field}: this field is required.", field=field)
    return cleaned


def member_id(value: str | None, field: str = "member_id") -> MemberId:
    return parse_member_id(text(value, field, limit=20), field)


def npi(value: str | None, field: str = "npi") -> str:
    return parse_npi(text(value, field, limit=20), field)


def day(value: str | None, field: str) -> date:
    return parse_date(text(value, field, limit=20), field)


def month(value: str | None, field: str = "month") -> BenefitMonth:
    return BenefitMonth.parse(text(value, field, limit=10), field)


def money(value: str | None, field: str, *, required: bool = True) -> Money | None:
    cleaned = text(value, field, required=required, limit=20).replace(",", "").lstrip("$")
    if not cleaned:
        return None
    return Money.parse(cleaned, field)


def required_money(value: str | None, field: str) -> Money:
    parsed = money(value, field)
    assert parsed is not None
    return parsed


def whole(value: str | None, field: str, low: int, high: int) -> int:
    cleaned = text(value, field, limit=6)
    if not cleaned.isdigit() or not low <= int(cleaned) <= high:
        raise InvalidInput(
            "INVALID_REQUEST", f"{field}: a whole number from {low} to {high}.", field=field
        )
    return int(cleaned)


def percent(value: str | None, field: str) -> Decimal | None:
    cleaned = text(value, field, required=False, limit=8).rstrip("%").strip()
    if not cleaned:
        return None
    try:
        parsed = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput("INVALID_REQUEST", f"{field}: a number from 0 to 100.") from None
    if not parsed.is_finite() or not 0 <= parsed <= 100:
        raise InvalidInput("INVALID_REQUEST", f"{field}: a number from 0 to 100.", field=field)
    return parsed

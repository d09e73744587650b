"""Reading form fields into domain values; a bad field is the domain's ``InvalidInput``, with a
field name the page can point at."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from spenddown.domain.errors import InvalidInput
from spenddown.domain.identifiers import MemberId, check_text, parse_member_id, parse_npi
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth, parse_date

MAX_FIELD = 200


def text(value: str | None, field: str, *, required: bool = True, limit: int = MAX_FIELD) -> str:
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        raise InvalidInput("INVALID_REQUEST", f"{field}: at most {limit} characters.", field=field)
    check_text(cleaned, field, limit)
    if required and not cleaned:
        raise InvalidInput("INVALID_REQUEST", f"{field}: this field is required.", field=field)
    return cleaned


def member_id(value: str | None, field: str = "member_id") -> MemberId:
    return parse_member_id(text(value, field, limit=20), field)


def npi(value: str | None, field: str = "npi") -> str:
    return parse_npi(text(value, field, limit=20), field)


def day(value: str | None, field: str) -> date:
    return parse_date(text(value, field, limit=20), field)


def day_at(value: str | None, field: str) -> date:
    """``day``, the error naming its field (``parse_date`` does not), for the error pattern."""
    try:
        return day(value, field)
    except InvalidInput as error:
        if "field" in error.context:
            raise
        raise InvalidInput(error.code, error.detail, field=field) from None


def month(value: str | None, field: str = "month") -> BenefitMonth:
    return BenefitMonth.parse(text(value, field, limit=10), field)


_AMOUNT = re.compile(r"[0-9.,]+", re.ASCII)
_GROUPED = {mark: re.compile(rf"[0-9]{{1,3}}(?:{re.escape(mark)}[0-9]{{3}})+") for mark in ",."}


def _grouped(digits: str, separator: str) -> bool:
    return _GROUPED[separator].fullmatch(digits) is not None


def amount_text(typed: str, field: str, lang: str) -> str:
    """A typed amount as ``1234.56``, read the way the page's language writes money
    (docs/web.md, "Money as people type it"): a comma or a point followed by one or two digits
    at the end is the decimal mark (``12,50`` and ``12.50`` are both twelve fifty); with both
    marks the last one is the decimal mark and the other groups thousands (``1.234,56``,
    ``1,234.56``); a lone mark followed by three digits is a thousands separator in English
    (``1,500``) but could be either in Spanish (Spain writes ``1.500`` for fifteen hundred,
    Mexico ``1.500`` for one and a half), so it is asked back (``AMBIGUOUS_AMOUNT``), never
    guessed."""
    cleaned = "".join(typed.split()).removeprefix("US$").removeprefix("$")
    if not _AMOUNT.fullmatch(cleaned):
        return cleaned  # Money.parse refuses it with its own message
    marks = [c for c in cleaned if c in ",."]
    if not marks:
        return cleaned
    last = max(cleaned.rfind(","), cleaned.rfind("."))
    mark, whole, tail = cleaned[last], cleaned[:last], cleaned[last + 1 :]
    other = "." if mark == "," else ","
    if len(set(marks)) == 2:  # both marks: the last is the decimal mark
        if len(tail) in (1, 2) and _grouped(whole, other):
            return f"{whole.replace(other, '')}.{tail}"
        raise _ambiguous(typed, field)
    if len(marks) > 1:  # one mark, several times: thousands groups only
        if _grouped(cleaned, mark):
            return cleaned.replace(mark, "")
        raise _ambiguous(typed, field)
    if len(tail) in (1, 2):
        return f"{whole or '0'}.{tail}"
    if len(tail) == 3 and whole and len(whole) <= 3 and mark == "," and lang == "en":
        return whole + tail
    raise _ambiguous(typed, field)


def _ambiguous(typed: str, field: str) -> InvalidInput:
    return InvalidInput(
        "AMBIGUOUS_AMOUNT",
        f"{field}: {typed!r} could be read two ways; type the amount again with no thousands "
        "separator and a decimal mark only for cents (e.g. 1500 or 12.50).",
        field=field,
    )


def money(
    value: str | None, field: str, *, required: bool = True, lang: str = "en"
) -> Money | None:
    cleaned = text(value, field, required=required, limit=20)
    if not cleaned:
        return None
    return Money.parse(amount_text(cleaned, field, lang), field)


def required_money(value: str | None, field: str, lang: str = "en") -> Money:
    parsed = money(value, field, lang=lang)
    assert parsed is not None
    return parsed


def whole(value: str | None, field: str, low: int, high: int) -> int:
    cleaned = text(value, field, limit=6)
    if not (cleaned.isascii() and cleaned.isdigit()) or not low <= int(cleaned) <= high:
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

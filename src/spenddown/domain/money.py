"""Money: an exact amount in US dollars, never a float.

Invariants:
- every ``Money`` is a whole number of cents (``Decimal`` quantized to 0.01);
- it is built only through ``Money.parse`` (user input), ``Money.parse_plain`` (a decimal an
  X12 reader already validated), ``Money.of`` (trusted literals), ``Money.from_cents``
  (storage) or an explicit rounding helper with a named mode;
- storage uses integer cents (``Money.cents``), JSON a string with two decimals (``str(m)``).

Arithmetic on ``Money`` builds its result without re-validating it: the sum, difference,
negation or whole-number multiple of whole cents (``Decimal`` with exponent −2) is exactly whole
cents with exponent −2 (exact up to 10^26 in the default 28-digit context). This keeps the
adjudication of a claim (dozens of amounts) cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from spenddown.domain.errors import InvalidInput

CENT = Decimal("0.01")
# ``Money.plain``: the shape ``Money.parse`` takes as written (ASCII digits only: re.ASCII)
_PLAIN = re.compile(r"-?(?:\d{1,12}(?:\.\d{0,2})?|\.\d{1,2})", re.ASCII).fullmatch
DOLLAR = Decimal("1")


@dataclass(frozen=True, order=True, slots=True)
class Money:
    amount: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise TypeError("Money needs a finite Decimal")
        if self.amount != self.amount.quantize(CENT):
            raise ValueError(f"Money must be whole cents, got {self.amount}")
        object.__setattr__(self, "amount", self.amount.quantize(CENT))

    # --- constructors -------------------------------------------------------------------
    @classmethod
    def of(cls, value: str | int | Decimal) -> Money:
        """A trusted literal (code, parameter files): ``Money.of("600")``."""
        return cls(Decimal(value))

    @classmethod
    def zero(cls) -> Money:
        return _ZERO

    @classmethod
    def from_cents(cls, cents: int) -> Money:
        if not isinstance(cents, int) or isinstance(cents, bool):
            raise TypeError("Money.from_cents needs whole cents (an int)")
        return _exact(Decimal(cents).scaleb(-2))

    @classmethod
    def parse(cls, value: Any, field: str = "amount") -> Money:
        """User input: a string or a number with at most two decimals; never a float."""
        if isinstance(value, bool | float):
            raise InvalidInput(
                "INVALID_AMOUNT",
                f'{field}: give money as a string with at most two decimals, e.g. "150.00".',
                field=field,
            )
        if isinstance(value, int | Decimal):
            number = Decimal(value)
        elif isinstance(value, str):
            if not value.isascii():  # Decimal() also reads other scripts' digits ("١٥٠")
                raise InvalidInput(
                    "INVALID_AMOUNT", f"{field}: {value!r} is not an amount of money.", field=field
                )
            try:
                number = Decimal(value.strip().replace(",", "").removeprefix("$"))
            except InvalidOperation:
                raise InvalidInput(
                    "INVALID_AMOUNT", f"{field}: {value!r} is not an amount of money.", field=field
                ) from None
        else:
            raise InvalidInput(
                "INVALID_AMOUNT", f"{field}: {value!r} is not an amount of money.", field=field
            )
        if not number.is_finite():
            raise InvalidInput("INVALID_AMOUNT", f"{field}: {value} is not a number.", field=field)
        # Checked before quantize, which cannot represent huge exponents.
        if abs(number) >= Decimal("1e12"):
            raise InvalidInput("INVALID_AMOUNT", f"{field}: {value} is too large.", field=field)
        if number != number.quantize(CENT):
            raise InvalidInput(
                "INVALID_AMOUNT", f"{field}: {value} has more than two decimals.", field=field
            )
        return cls(number)

    @classmethod
    def parse_plain(cls, value: str, field: str = "amount") -> Money:
        """A decimal an X12 reader already validated as an "R" element (ASCII digits, an
        optional minus sign and decimal point): the same ``Money`` as ``Money.parse``, without
        re-validating it as user input. Only the plain shape takes the short way
        (``Money.plain``); anything else goes through ``Money.parse`` (its result or its
        error). For every string the result is ``Money.parse``'s
        (tests/unit/test_identifiers_money_months.py holds them equal)."""
        money = cls.plain(value)
        return cls.parse(value, field) if money is None else money

    @staticmethod
    def plain(value: str) -> Money | None:
        """``Money.parse(value)`` when ``value`` has the plain shape (ASCII digits, at most 12
        whole and two decimal, an optional minus sign: whole cents below 10^12, which
        ``Money.parse`` takes as they are), else None (``Money.parse`` decides). One regular
        expression instead of ``Money.parse``'s checks: once per amount of every 837P claim,
        where the caller builds the name of the field only for an amount not plain."""
        if _PLAIN(value) is None:
            return None
        money = _NEW(Money)  # _exact, inline
        _SET(money, "amount", Decimal(value).quantize(CENT))
        return money

    # --- rounding at named points ---------------------------------------------------------
    @classmethod
    def round_half_up_to_dollar(cls, value: Decimal) -> Money:
        """22 CCR §50653: round to the nearest dollar, 50 cents and more rounding up."""
        return cls(value.quantize(DOLLAR, rounding=ROUND_HALF_UP).quantize(CENT))

    @classmethod
    def round_up_to_dollar(cls, value: Decimal) -> Money:
        """Sneede v. Kizer child-only MNL: rounded up to the dollar."""
        return cls(value.quantize(DOLLAR, rounding=ROUND_CEILING).quantize(CENT))

    @classmethod
    def round_half_up_to_cent(cls, value: Decimal) -> Money:
        return cls(value.quantize(CENT, rounding=ROUND_HALF_UP))

    # --- arithmetic ---------------------------------------------------------------------
    @property
    def cents(self) -> int:
        return int(self.amount.scaleb(2))

    def __add__(self, other: Money) -> Money:
        return _exact(self.amount + other.amount)

    def __sub__(self, other: Money) -> Money:
        return _exact(self.amount - other.amount)

    def __neg__(self) -> Money:
        return _exact(-self.amount)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise TypeError("Money can only be multiplied by a whole number")
        return _exact(self.amount * factor)

    def __bool__(self) -> bool:
        return self.amount != 0

    def is_positive(self) -> bool:
        return self.amount > 0

    def clamp_zero(self) -> Money:
        return self if self.amount > 0 else Money.zero()

    def __str__(self) -> str:
        # Whole cents with exponent −2 (the invariant): Decimal's own text is "1234.50".
        return str(self.amount)

    def dollars_padded(self, width: int = 5) -> str:
        """Whole dollars zero-padded, as the POS device prints a SOC: ``00600``."""
        return f"{int(self.amount):0{width}d}"

    def display(self) -> str:
        return f"${self.amount:,.2f}"


def _exact(amount: Decimal) -> Money:
    """A ``Money`` from an amount already known to be whole cents with exponent −2 (the result
    of arithmetic on ``Money``): no validation, no quantize."""
    money = object.__new__(Money)
    object.__setattr__(money, "amount", amount)
    return money


_ZERO = Money(Decimal("0.00"))
_NEW = object.__new__
_SET = object.__setattr__


def total(amounts: list[Money]) -> Money:
    result = Money.zero()
    for amount in amounts:
        result = result + amount
    return result

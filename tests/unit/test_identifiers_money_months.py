"""docs/rules.md §8 identifiers, money conventions of docs/api.md "Conventions", benefit months."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spenddown.domain.errors import InvalidInput
from spenddown.domain.identifiers import (
    EVC_ALPHABET,
    card_check_digit,
    card_id,
    cin_digits,
    evc_is_well_formed,
    issue_date_from_julian,
    julian_issue_code,
    luhn_check_digit,
    new_evc,
    npi_is_valid,
    parse_member_id,
)
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth


def test_rules_8_npi_luhn_with_prefix_80840() -> None:
    assert npi_is_valid("1234567893")  # the CMS example NPI
    assert not npi_is_valid("1234567890")
    assert not npi_is_valid("123456789")
    assert not npi_is_valid("12345678AB")


def test_rules_8_card_check_digit_replaces_the_letter_by_its_value() -> None:
    assert cin_digits("12345678A") == "1234567810"
    assert cin_digits("12345678Z") == "1234567835"
    assert card_check_digit("12345678A") == luhn_check_digit("1234567810") == 1


def test_rules_8_card_id_is_cin_check_digit_and_julian_issue_date() -> None:
    assert julian_issue_code(date(2025, 2, 1)) == "5032"
    assert card_id("12345678A", date(2025, 2, 1)) == "12345678A15032"
    parsed = parse_member_id("12345678a15032")
    assert parsed.cin == "12345678A"
    assert parsed.matches_issue_date(date(2025, 2, 1))
    assert not parsed.matches_issue_date(date(2025, 2, 2))


def test_rules_8_card_id_with_a_wrong_check_digit_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_member_id("12345678A25032")
    assert error.value.code == "INVALID_MEMBER_ID"
    with pytest.raises(InvalidInput):
        parse_member_id("1234")


@given(st.from_regex(r"\A[0-9]{8}[A-Z]\Z"), st.dates(date(2000, 1, 1), date(2030, 12, 31)))
def test_rules_8_every_card_id_round_trips(cin: str, issued: date) -> None:
    parsed = parse_member_id(card_id(cin, issued))
    assert parsed.cin == cin
    assert parsed.matches_issue_date(issued)


def test_rules_2_evc_is_ten_unambiguous_characters() -> None:
    evcs = {new_evc() for _ in range(2000)}
    assert len(evcs) == 2000
    assert all(evc_is_well_formed(e) for e in evcs)
    assert not set("ILOU") & set(EVC_ALPHABET)
    assert len(EVC_ALPHABET) == 32


def test_interfaces_money_accepts_strings_and_two_decimals_only() -> None:
    assert str(Money.parse("600")) == "600.00"
    assert str(Money.parse(150)) == "150.00"
    assert str(Money.parse("1,234.50")) == "1234.50"
    assert Money.parse("0.10").cents == 10
    for bad in ["1.234", 1.5, "abc", "NaN", True, None]:
        with pytest.raises(InvalidInput) as error:
            Money.parse(bad)
        assert error.value.code == "INVALID_AMOUNT"


def test_money_is_whole_cents_and_rounds_only_at_named_points() -> None:
    with pytest.raises(ValueError, match="whole cents"):
        Money(Decimal("1.005"))
    assert str(Money.round_half_up_to_dollar(Decimal("1234.50"))) == "1235.00"
    assert str(Money.round_half_up_to_dollar(Decimal("1234.49"))) == "1234.00"
    assert str(Money.round_up_to_dollar(Decimal("550.01"))) == "551.00"
    assert Money.from_cents(60000).dollars_padded() == "00600"
    assert min(Money.of("5"), Money.of("4.99")) == Money.of("4.99")


@given(st.integers(-(10**9), 10**9), st.integers(-(10**9), 10**9))
def test_money_arithmetic_is_exact_in_cents(a: int, b: int) -> None:
    assert (Money.from_cents(a) + Money.from_cents(b)).cents == a + b
    assert (Money.from_cents(a) - Money.from_cents(b)).cents == a - b


@given(st.integers(-(10**11), 10**11), st.integers(-(10**11), 10**11), st.integers(0, 9999))
def test_money_arithmetic_results_equal_validated_money(a: int, b: int, units: int) -> None:
    """Arithmetic skips re-validation: its results must be exactly what the validating
    constructor would build (whole cents, exponent −2, the same text)."""
    x, y = Money.from_cents(a), Money.from_cents(b)
    assert x == Money(Decimal(a) / 100)
    assert str(x) == f"{Decimal(a) / 100:.2f}"
    for result, validated, cents in (
        (x + y, Money(x.amount + y.amount), a + b),
        (x - y, Money(x.amount - y.amount), a - b),
        (-x, Money(-x.amount), -a),
        (x * units, Money(x.amount * units), a * units),
        ((x - y).clamp_zero(), Money(max(x.amount - y.amount, Decimal("0.00"))), max(a - b, 0)),
    ):
        assert result == validated
        assert result.amount.as_tuple() == validated.amount.as_tuple()  # sign, digits, exponent
        assert str(result) == str(validated) == f"{result.amount:.2f}"
        assert result.cents == cents


def _parsed(parse: Callable[[str, str], Money], value: str) -> tuple[str, object]:
    """What a parser makes of ``value``: the amount's text and digits, or its refusal."""
    try:
        money = parse(value, "2430 SVD02")
    except InvalidInput as error:
        return "refused", (error.code, str(error))
    return str(money), money.amount.as_tuple()  # sign, digits, exponent


# Every X12 "R" decimal the 837P reader accepts (x222a1.amount's pattern), whatever its size.
_X12_AMOUNTS = st.from_regex(r"\A-?(\d{1,15}(\.\d*)?|\.\d+)\Z")
_PLAIN = st.one_of(
    _X12_AMOUNTS,
    st.integers(-(10**14), 10**14).map(str),
    st.builds(lambda c: f"{Decimal(c) / 100:.2f}", st.integers(-(10**14), 10**14)),
)


@given(st.one_of(_PLAIN, st.text(), st.text(alphabet="-.0123456789 ,$e+Na")))
def test_money_parse_plain_is_parse(value: str) -> None:
    """The X12 fast path builds exactly what ``Money.parse`` builds, and refuses what it
    refuses with the same error, for the reader's amounts and for any other text."""
    assert _parsed(Money.parse_plain, value) == _parsed(Money.parse, value)
    plain = Money.plain(value)
    if plain is not None:  # the short way: Money.parse's own result
        assert (str(plain), plain.amount.as_tuple()) == _parsed(Money.parse, value)


def test_money_plain_takes_the_plain_shape_only() -> None:
    """``Money.plain`` takes the plain shape and leaves the rest to ``Money.parse``: not
    vacuous, and what it leaves includes what ``Money.parse`` accepts otherwise."""
    for value in ["0", "-0", "-0.00", ".5", "5.", "007.10", "999999999999.99", "130.00"]:
        assert Money.plain(value) is not None, value
    for value in ["1.001", "1000000000000", "", "-", ".", "-.", "1e3", "١٥٠", " 5", "5 ", "1,000"]:
        assert Money.plain(value) is None, value
        assert Money.plain(value + "\n") is None


def test_money_parse_plain_edges() -> None:
    for value in ["0", "-0", "-0.00", ".5", "5.", "007.10", "999999999999.99", "130.00"]:
        assert _parsed(Money.parse_plain, value) == _parsed(Money.parse, value)
        assert _parsed(Money.parse_plain, value)[0] != "refused"
    for value in ["1.001", "1000000000000", "", "-", ".", "1e3", "١٥٠", " 5"]:
        assert _parsed(Money.parse_plain, value) == _parsed(Money.parse, value)


def test_money_from_cents_needs_an_int() -> None:
    for bad in [1.5, "100", True, Decimal("1.5")]:
        with pytest.raises(TypeError):
            Money.from_cents(bad)  # type: ignore[arg-type]
    assert Money.zero() == Money.of("0")
    assert str(Money.zero()) == "0.00"


def test_benefit_month_parse_and_arithmetic() -> None:
    month = BenefitMonth.parse("2026-11")
    assert str(month.plus(2)) == "2027-01"
    assert str(month.plus(-11)) == "2025-12"
    assert month.plus(3).months_since(month) == 3
    assert month.first_day == date(2026, 11, 1)
    for bad in ["2026-13", "2026-1", "26-11", ""]:
        with pytest.raises(InvalidInput):
            BenefitMonth.parse(bad)


def test_issue_date_from_a_card_ids_yddd() -> None:
    """docs/web.md, "The front desk": the card ID's YDDD is the issue date's last year digit and
    day of the year; the latest such day on or before today."""
    today = date(2026, 12, 4)
    assert issue_date_from_julian("4072", today) == date(2024, 3, 12)
    assert card_id("91234560A", date(2024, 3, 12)).endswith("4072")
    assert issue_date_from_julian("6338", today) == date(2026, 12, 4)
    assert issue_date_from_julian("6339", today) == date(2016, 12, 4)  # tomorrow: ten years back
    assert issue_date_from_julian("4366", today) == date(2024, 12, 31)  # a leap year
    with pytest.raises(InvalidInput):
        issue_date_from_julian("5366", today)  # 2025 and 2015 have 365 days
    with pytest.raises(InvalidInput):
        issue_date_from_julian("6000", today)

"""The policy for new PINs (domain/pins.py, docs/operations.md "PINs")."""

from __future__ import annotations

import pytest

from spenddown.domain.pins import pin_problem


@pytest.mark.parametrize(
    "pin",
    [
        "1",
        "123",
        "1111111111111",
        "12a4",
        "１２３４",
        "٣٤٥٦",
        " 2468",
        "0000",
        "1234",
        "9876",
        "3456789",
        "1212",
        "474747",
        "7893",
    ],
)
def test_weak_or_malformed_pins_are_refused(pin: str) -> None:
    assert pin_problem(pin, "1234567893") is not None


@pytest.mark.parametrize("pin", ["2468", "1357", "97531", "4826", "583920417711"])
def test_other_pins_of_4_to_12_digits_are_taken(pin: str) -> None:
    assert pin_problem(pin, "1234567893") is None

"""The policy for new PINs (docs/operations.md "PINs").

A provider's PIN is 4 to 12 ASCII digits, as the point-of-service PIN it stands for, and not one
that is guessed first: all one digit (``1111``), a run up or down (``1234``, ``9876``), a pair
repeated (``1212``) or the NPI's own last digits. The lockout (5 tries per 15 minutes) and the
peppered hash protect the rest; a longer PIN is allowed and better. Stored PINs are not
re-checked: the policy applies when a PIN is set (the import, ``POST /v1/imports``)."""

from __future__ import annotations

import re

PIN_MIN = 4
PIN_MAX = 12
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_DIGIT_STRING = "0123456789"


def pin_problem(pin: str, npi: str = "") -> str | None:
    """Why ``pin`` may not be a new PIN (a sentence), or None when it may."""
    if not PIN_MIN <= len(pin) <= PIN_MAX or not _DIGITS.fullmatch(pin):
        return f"a PIN is {PIN_MIN} to {PIN_MAX} digits (0-9)"
    if len(set(pin)) == 1:
        return "a PIN may not be one digit repeated"
    if pin in _DIGIT_STRING or pin in _DIGIT_STRING[::-1]:
        return "a PIN may not be a run of digits up or down"
    if len(pin) % 2 == 0 and pin == pin[:2] * (len(pin) // 2):
        return "a PIN may not be a pair of digits repeated"
    if npi and npi.endswith(pin):
        return "a PIN may not be the end of the NPI"
    return None

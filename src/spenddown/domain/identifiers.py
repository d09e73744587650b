"""Identifiers (docs/rules.md §8): NPI, CIN, the 14-character card (BIC) ID, EVC numbers.

The state's card check-digit algorithm is not public; spenddown uses its own, documented one:
Luhn mod 10 over the digit string in which the CIN's letter is replaced by its two-digit value
(A=10 … Z=35). Example: CIN ``12345678A`` → digits ``1234567810``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from spenddown.domain.errors import InvalidInput

# ASCII digits only (``[0-9]``, fullmatch): ``\d`` also matches other scripts' digits (a
# look-alike "١٢٣٤٥٦٧٨A" must not pass as a CIN), and ``$`` matches before a final newline.
_NPI = re.compile(r"[0-9]{10}", re.ASCII)
_CIN = re.compile(r"[0-9]{8}[A-Z]", re.ASCII)
_CARD = re.compile(r"([0-9]{8}[A-Z])([0-9])([0-9])([0-9]{3})", re.ASCII)
# Billing (procedure) codes, docs/api.md "Billing codes": CPT Category I (5 digits), CPT
# Category II, III and PLA (4 digits and F, T or U), HCPCS Level II and CDT (a letter A-V and 4
# digits), local codes (HCPCS "Level III": W, X, Y or Z and 4 letters or digits).
_BILLING_CODE = re.compile(r"[0-9]{4}[0-9FTU]|[A-V][0-9]{4}|[W-Z][0-9A-Z]{4}", re.ASCII)
# Control characters (C0, DEL, C1) and lone surrogates: refused in every identifier and text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

# Digits and capitals without I, L, O and U, so that an EVC read over the phone is unambiguous.
EVC_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
EVC_LENGTH = 10
# NPI check digit: Luhn over the card issuer prefix 80840 and the first nine digits (CMS).
NPI_PREFIX = "80840"


def luhn_check_digit(payload: str) -> int:
    """The digit that, appended to ``payload``, makes a valid Luhn number."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:  # rightmost payload digit is doubled
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def npi_is_valid(npi: str) -> bool:
    return bool(_NPI.fullmatch(npi)) and luhn_check_digit(NPI_PREFIX + npi[:9]) == int(npi[9])


def parse_npi(value: str, field: str = "npi") -> str:
    npi = str(value).strip()
    if not npi_is_valid(npi):
        raise InvalidInput(
            "INVALID_NPI", f"{field}: an NPI is 10 digits with a valid check digit.", field=field
        )
    return npi


def cin_is_valid(cin: str) -> bool:
    return bool(_CIN.fullmatch(cin))


def cin_digits(cin: str) -> str:
    """``12345678A`` → ``1234567810`` (the letter as its two-digit value A=10 … Z=35)."""
    return cin[:8] + str(ord(cin[8]) - ord("A") + 10)


def card_check_digit(cin: str) -> int:
    return luhn_check_digit(cin_digits(cin))


def julian_issue_code(issue_date: date) -> str:
    """``YDDD``: last digit of the issue year and the day of the year."""
    return f"{issue_date.year % 10}{issue_date.timetuple().tm_yday:03d}"


def issue_date_from_julian(julian: str, today: date, field: str = "member_id") -> date:
    """The card issue date a card ID's ``YDDD`` stands for (docs/rules.md, identifiers): the
    latest day on or before ``today`` whose year ends in ``Y`` and whose day of the year is
    ``DDD``. A card older than ten years needs its issue date typed."""
    if len(julian) != 4 or not julian.isdigit():
        raise InvalidInput("INVALID_MEMBER_ID", f"{field}: not a card ID.", field=field)
    digit, day_of_year = int(julian[0]), int(julian[1:])
    year = today.year - ((today.year - digit) % 10)
    for candidate in (year, year - 10):
        start = date(candidate, 1, 1)
        if 1 <= day_of_year <= (date(candidate, 12, 31) - start).days + 1:
            issued = start + timedelta(days=day_of_year - 1)
            if issued <= today:
                return issued
    raise InvalidInput(
        "INVALID_MEMBER_ID",
        f"{field}: the card ID's issue day {julian} is not a date.",
        field=field,
    )


def card_id(cin: str, issue_date: date) -> str:
    """The 14-character ID printed on the Benefits Identification Card."""
    return f"{cin}{card_check_digit(cin)}{julian_issue_code(issue_date)}"


@dataclass(frozen=True, slots=True)
class MemberId:
    """A member ID as presented: a CIN, or a card ID (CIN + check digit + YDDD)."""

    cin: str
    julian_issue: str | None = None  # from a card ID only

    def matches_issue_date(self, issue_date: date) -> bool:
        return self.julian_issue is None or self.julian_issue == julian_issue_code(issue_date)


def parse_member_id(value: str, field: str = "member_id") -> MemberId:
    text = str(value).strip().upper()
    if _CIN.fullmatch(text):
        return MemberId(text)
    card = _CARD.fullmatch(text)
    if card is None:
        raise InvalidInput(
            "INVALID_MEMBER_ID",
            f"{field}: a member ID is a CIN (8 digits and a letter) "
            "or the 14-character ID on the card.",
            field=field,
        )
    cin, check, year_digit, day = card.groups()
    if card_check_digit(cin) != int(check):
        raise InvalidInput(
            "INVALID_MEMBER_ID", f"{field}: the card ID's check digit is wrong.", field=field
        )
    return MemberId(cin, year_digit + day)


def parse_cin(value: str, field: str = "cin") -> str:
    cin = str(value).strip().upper()
    if not cin_is_valid(cin):
        raise InvalidInput(
            "INVALID_CIN", f"{field}: a CIN is 8 digits followed by a letter.", field=field
        )
    return cin


def new_evc() -> str:
    """A new EVC: 10 characters from a cryptographic source (uniqueness is checked on storage)."""
    return "".join(secrets.choice(EVC_ALPHABET) for _ in range(EVC_LENGTH))


def evc_is_well_formed(evc: str) -> bool:
    return len(evc) == EVC_LENGTH and all(c in EVC_ALPHABET for c in evc)


def parse_billing_code(value: str, field: str = "billing_code") -> str:
    """A CPT, HCPCS Level II, CDT or local code, upper case (``99213``, ``0001U``, ``D0120``)."""
    code = str(value).strip().upper()
    if not _BILLING_CODE.fullmatch(code):
        raise InvalidInput(
            "INVALID_BILLING_CODE",
            f"{field}: a billing code is 5 characters: CPT (5 digits, or 4 digits and F, T or "
            "U), HCPCS or CDT (a letter and 4 digits) or a local code (W-Z and 4 letters or "
            "digits).",
            field=field,
        )
    return code


def check_text(value: str, field: str, max_length: int, code: str = "INVALID_TEXT") -> str:
    """Free text that is stored (claim IDs, names, keys): no control characters, and no longer
    than its column (``max_length`` characters) on either engine."""
    if _CONTROL.search(value):
        raise InvalidInput(
            "INVALID_CHARACTERS", f"{field}: control characters are not allowed.", field=field
        )
    if len(value) > max_length:
        raise InvalidInput(
            code, f"{field}: at most {max_length} characters (got {len(value)}).", field=field
        )
    return value

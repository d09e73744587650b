"""A small synthetic population (one-member budget units with a SOC, physicians), shared by the
crash test and the benchmarks."""

from __future__ import annotations

from typing import Any

from spenddown.domain.identifiers import NPI_PREFIX, luhn_check_digit

PIN = "2468"


def npi(n: int) -> str:
    first_nine = f"{100000000 + n:09d}"
    return first_nine + str(luhn_check_digit(NPI_PREFIX + first_nine))


def cin(n: int) -> str:
    return f"{10000000 + n:08d}{chr(ord('A') + n % 26)}"


def population(units: int, providers: int, month: str, soc: str) -> dict[str, Any]:
    """``units`` one-member budget units with a SOC in ``month``; ``providers`` physicians."""
    return {
        "plans": [{"code": "HN", "name": "Health Net"}],
        "providers": [
            {
                "npi": npi(p),
                "name": f"Provider {p}",
                "pin": PIN,
                "type": "physician",
                "medi_cal_ffs": True,
                "plans": ["HN"],
            }
            for p in range(providers)
        ],
        "members": [
            {
                "cin": cin(i),
                "bic_issue_date": "2025-01-02",
                "first_name": "M",
                "last_name": f"{i}",
                "birth_date": "1970-01-01",
            }
            for i in range(units)
        ],
        "cases": [
            {
                "case_id": f"C-{i}",
                "county_code": "19",
                "budget_units": [{"budget_unit": "A", "members": [{"cin": cin(i)}]}],
            }
            for i in range(units)
        ],
        "eligibility": [
            {"cin": cin(i), "month": month, "aid_code": "17", "county_code": "19", "plan": "HN"}
            for i in range(units)
        ],
        "soc": [
            {"case_id": f"C-{i}", "budget_unit": "A", "month": month, "amount": soc}
            for i in range(units)
        ],
    }

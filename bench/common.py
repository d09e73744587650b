"""Shared pieces of the benchmarks: a PostgreSQL server (the same throw-away cluster the tests
start, from tests/support/postgres.py), a small synthetic population, and the figure record.

Every figure is a ratio against a baseline measured in the same run, on the same machine and
database, plus the absolute numbers (engineering.md "Performance")."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the tests' PostgreSQL launcher

from spenddown.adapters.system import Argon2PinHasher, CachedPinVerifier  # noqa: E402
from spenddown.domain.identifiers import NPI_PREFIX, luhn_check_digit  # noqa: E402
from support import postgres  # noqa: E402

# Verified PINs are cached as in the server (Argon2 is not paid per request).
PINS = CachedPinVerifier(
    Argon2PinHasher(PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)),
    "bench-secret-bench-secret-bench-secret",
    600,
)
PIN = "2468"


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    baseline: float
    unit: str
    target: str
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else 0.0


def today_ca() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("America/Los_Angeles")).date()


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


__all__ = ["PINS", "Figure", "population", "postgres"]

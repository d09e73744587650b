"""Shared pieces of the benchmarks: a PostgreSQL server (the same throw-away cluster the tests
start, from tests/support/postgres.py), a small synthetic population, and the figure record.

Every figure is a ratio against a baseline measured in the same run, on the same machine and
database, plus the absolute numbers (engineering.md "Performance")."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the tests' PostgreSQL launcher

from spenddown.adapters.system import Argon2PinHasher, CachedPinVerifier  # noqa: E402
from support import postgres  # noqa: E402
from support.synthetic import PIN, cin, npi, population  # noqa: E402

# Verified PINs are cached as in the server (Argon2 is not paid per request).
PINS = CachedPinVerifier(
    Argon2PinHasher(PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)),
    "bench-secret-bench-secret-bench-secret",
    600,
)


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    baseline: float
    unit: str
    target: str
    note: str = ""
    p99_ms: float | None = None  # latency figures (over HTTP)

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else 0.0


def today_ca() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("America/Los_Angeles")).date()


__all__ = ["PIN", "PINS", "Figure", "cin", "npi", "population", "postgres"]

"""Shared pieces of the benchmarks: a PostgreSQL server (the same throw-away cluster the tests
start, from tests/support/postgres.py), a small synthetic population, and the figure record.

Every figure is a ratio against a baseline measured in the same run, on the same machine and
database, plus the absolute numbers (docs/performance.md)."""

from __future__ import annotations

import sys
import zlib
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
    # The target in numbers, for the table's verdict: a least ratio, a least value, a most p99.
    min_ratio: float | None = None
    min_value: float | None = None
    max_p99_ms: float | None = None
    # The row of issue 16's targets table this figure measures (bench/targets.py ``TARGETS``).
    key: str | None = None
    memory_mb: float | None = None  # peak memory, for a figure whose target bounds it
    unavailable: str | None = None  # why the figure could not be measured in this run

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else 0.0

    @property
    def verdict(self) -> str:
        """Met, or what falls short and by how much (empty for a figure without a target)."""
        if self.unavailable is not None:
            return "not available"
        short = []
        if self.min_ratio is not None and self.ratio < self.min_ratio:
            short.append(f"ratio {self.ratio:.0%} < {self.min_ratio:.0%}")
        if self.min_value is not None and self.value < self.min_value:
            short.append(
                f"{self.value:,.0f} < {self.min_value:,.0f} {self.unit} "
                f"({self.value / self.min_value:.0%} of it)"
            )
        if self.max_p99_ms is not None and (self.p99_ms is None or self.p99_ms > self.max_p99_ms):
            short.append(f"p99 {self.p99_ms or 0:.0f} ms > {self.max_p99_ms:.0f} ms")
        if short:
            return "short: " + "; ".join(short)
        checked = (self.min_ratio, self.min_value, self.max_p99_ms)
        return "" if all(x is None for x in checked) else "met"


def today_ca() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("America/Los_Angeles")).date()


__all__ = ["PIN", "PINS", "Figure", "cin", "npi", "population", "postgres"]


def local_code(key: str) -> str:
    """A distinct local billing code per request (docs/api.md "Billing codes": W-Z and 4
    letters or digits), so that no two clearances are the same service."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    n = zlib.crc32(key.encode())
    text = "".join(digits[(n // 36**k) % 36] for k in range(4))
    return "WXYZ"[(n // 36**4) % 4] + text

"""``make bench``: run every benchmark, print one table, write it to bench/results/.

    python -m bench.run [--quick]

Each figure is a ratio against a baseline measured in the same run (engineering.md)."""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import (
    adjudication,
    clearance,
    clearance_http,
    eligibility_import,
    growth,
    soak,
    verification_http,
    x12,
)
from bench.common import Figure

RESULTS = Path(__file__).parent / "results"
# One module per figure, each with ``run(quick: bool) -> list[Figure]``, in table order.
FIGURES = [
    clearance,
    verification_http,
    clearance_http,
    adjudication,
    eligibility_import,
    x12,
    growth,
    soak,
]


def machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            kb = int(info.readline().split()[1])
            memory = f"{kb / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores, {memory}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, commit {commit or 'unknown'}"
    )


def _p99(figure: Figure) -> str:
    return "" if figure.p99_ms is None else f"{figure.p99_ms:.1f} ms"


def table(figures: list[Figure]) -> str:
    lines = [
        "| figure | value | baseline | ratio | p99 | target | note |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for f in figures:
        lines.append(
            f"| {f.name} | {f.value:,.0f} {f.unit} | {f.baseline:,.0f} | {f.ratio:.0%} | "
            f"{_p99(f)} | {f.target} | {f.note} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (under 3 minutes)")
    args = parser.parse_args()
    figures: list[Figure] = []
    for module in FIGURES:
        figures += module.run(args.quick)
    rendered = Table(title="spenddown benchmarks")
    for column in ("figure", "value", "baseline", "ratio", "p99", "target"):
        rendered.add_column(column)
    for f in figures:
        rendered.add_row(
            f.name,
            f"{f.value:,.0f} {f.unit}",
            f"{f.baseline:,.0f}",
            f"{f.ratio:.0%}",
            _p99(f),
            f.target,
        )
    Console().print(rendered)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    commit = machine().rsplit("commit ", 1)[-1]
    path = RESULTS / f"{stamp}-{commit}{'-quick' if args.quick else ''}.md"
    path.write_text(
        f"# Benchmarks {stamp}\n\n{machine()}\n\n`python -m bench.run"
        f"{' --quick' if args.quick else ''}`\n\n{table(figures)}\n",
        encoding="utf-8",
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()

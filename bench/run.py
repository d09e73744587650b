"""``make bench``: run every benchmark, print one table, write it to bench/results/.

    python -m bench.run [--quick]

Each figure is a ratio against a baseline measured in the same run (docs/performance.md); after
the figures, issue 16's targets with their verdicts (bench/targets.py). A figure module that
fails (an error, or its checks after the run) is reported and the others still run: its rows
say "not measured", and the run exits 1 after writing the table."""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    adjudication,
    clearance,
    clearance_http,
    eligibility_import,
    growth,
    soak,
    targets,
    verification_http,
    whatif,
    x12,
)
from bench.common import Figure, postgres

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
    whatif,
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
    binaries = postgres.find_binaries()
    server = "PostgreSQL missing"
    if binaries is not None:
        server = subprocess.run(
            [str(binaries.initdb.parent / "postgres"), "--version"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()  # "postgres (PostgreSQL) 15.x"
        server = server.removeprefix("postgres (PostgreSQL) ")
        server = f"PostgreSQL {server} (fsync off, as the tests start it)"
    return (
        f"{os.cpu_count()} cores, {memory}, Python {platform.python_version()}, {server}, "
        f"SQLite {sqlite3.sqlite_version}, commit {commit or 'unknown'}"
    )


def _p99(figure: Figure) -> str:
    return "" if figure.p99_ms is None else f"{figure.p99_ms:.1f} ms"


def table(figures: list[Figure]) -> str:
    lines = [
        "| figure | value | baseline | ratio | p99 | target | verdict | note |",
        "|---|---:|---:|---:|---:|---|---|---|",
    ]
    for f in figures:
        lines.append(
            f"| {f.name} | {f.value:,.0f} {f.unit} | {f.baseline:,.0f} | {f.ratio:.0%} | "
            f"{_p99(f)} | {f.target} | {f.verdict} | {f.note} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (under 3 minutes)")
    args = parser.parse_args()
    figures: list[Figure] = []
    began = time.monotonic()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    failed: list[str] = []
    for module in FIGURES:
        started = time.monotonic()
        try:
            figures += module.run(args.quick)
        except Exception as error:  # reported; the run exits 1 at the end
            traceback.print_exc()
            failed.append(f"{module.__name__}: {type(error).__name__}: {error}")
        print(f"{module.__name__}: {time.monotonic() - started:.0f} s", flush=True)
    total = f"{(time.monotonic() - began) / 60:.1f} minutes"
    failures = "".join(f"\n- FAILED {line}" for line in failed)
    print(table(figures))
    print()
    print(targets.table(figures))
    print(f"whole run: {total}{failures}")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    commit = machine().rsplit("commit ", 1)[-1]
    path = RESULTS / f"{stamp}-{commit}{'-quick' if args.quick else ''}.md"
    path.write_text(
        f"# Benchmarks {stamp}\n\n{machine()}\n\n`python -m bench.run"
        f"{' --quick' if args.quick else ''}` ({total}; load average before: {load_before})\n\n"
        f"{table(figures)}\n\n## Issue 16's targets\n\n{targets.table(figures)}\n{failures}\n",
        encoding="utf-8",
    )
    print(f"written to {path}")
    if failed:  # a figure whose run or checks failed fails the run, after the table
        sys.exit(1)


if __name__ == "__main__":
    main()

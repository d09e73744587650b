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

from bench import adjudication, clearance, x12
from bench.common import Figure

RESULTS = Path(__file__).parent / "results"


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


def table(figures: list[Figure]) -> str:
    lines = [
        "| figure | value | baseline | ratio | target | note |",
        "|---|---:|---:|---:|---|---|",
    ]
    for f in figures:
        lines.append(
            f"| {f.name} | {f.value:,.0f} {f.unit} | {f.baseline:,.0f} | {f.ratio:.0%} | "
            f"{f.target} | {f.note} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (under 3 minutes)")
    args = parser.parse_args()
    seconds = 5.0 if args.quick else 30.0
    figures = clearance.run(seconds) + adjudication.run(2_000 if args.quick else 20_000)
    figures += x12.run(1_000 if args.quick else 10_000)
    rendered = Table(title="spenddown benchmarks")
    for column in ("figure", "value", "baseline", "ratio", "target"):
        rendered.add_column(column)
    for f in figures:
        rendered.add_row(
            f.name, f"{f.value:,.0f} {f.unit}", f"{f.baseline:,.0f}", f"{f.ratio:.0%}", f.target
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

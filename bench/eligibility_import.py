"""Figure 5: the eligibility import on PostgreSQL, against a raw ``COPY`` of the same rows.

A population from ``spenddown generate`` (``MONTHS`` months, so members = member-months / 12,
with their cases, budget units, Share of Cost records, OHC policies and providers) is written
as one JSON file and imported as ``spenddown import`` does: read and parse the file, check it,
write it in one transaction. The baseline, in the same run and on the same server: ``TRUNCATE``
the eligibility table and ``COPY`` the same eligibility rows into it with psycopg (rows already
in memory; the members they point to are there).

``measure(member_months)`` is the figure at any size (figure 7 compares 100,000 with 1,000,000).

    PYTHONPATH=. python -m bench.eligibility_import [--member-months N] [--profile FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from bench.common import PINS, Figure, postgres
from spenddown import bootstrap
from spenddown.adapters import synthetic
from spenddown.adapters.dataset import garbage_collector_paused, load_document, parse_dataset
from spenddown.domain.months import BenefitMonth
from spenddown.services.imports import import_dataset

MONTHS = 12
FULL = 1_000_000
QUICK = 100_000
SEED = 5
LAST_MONTH = BenefitMonth(2026, 6)
TODAY = date(2026, 6, 30)


@dataclass(frozen=True)
class Measurement:
    member_months: int
    import_seconds: float
    copy_seconds: float
    counts: dict[str, int]
    file_mb: float

    @property
    def import_rate(self) -> float:
        return self.member_months / self.import_seconds

    @property
    def copy_rate(self) -> float:
        return self.member_months / self.copy_seconds


def _document(member_months: int) -> dict[str, object]:
    members = max(1, member_months // MONTHS)
    data = synthetic.generate(
        members, MONTHS, SEED, last_month=LAST_MONTH, today=TODAY, claims=0, providers=200
    )
    return data.dataset


def _psycopg_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _copy_seconds(url: str, rows: Sequence[tuple[object, ...]]) -> float:
    with psycopg.connect(_psycopg_url(url)) as connection, connection.cursor() as cursor:
        cursor.execute("TRUNCATE eligibility")
        connection.commit()
        started = time.perf_counter()
        with cursor.copy(
            "COPY eligibility (cin, month, aid_code, county_code, plan_code, ohc_codes) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        connection.commit()
        return time.perf_counter() - started


def _import_seconds(url: str, path: Path, profile: Path | None) -> tuple[float, int]:
    app = bootstrap.build(url, pins=PINS)
    try:
        profiler = None
        if profile is not None:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.005)
            profiler.start()
        started = time.perf_counter()
        with garbage_collector_paused():  # as `spenddown import` does
            imported = import_dataset(parse_dataset(load_document(path)), app.uow(), app.env)
        seconds = time.perf_counter() - started
        if profiler is not None and profile is not None:
            profiler.stop()
            profile.parent.mkdir(parents=True, exist_ok=True)
            profile.write_text(profiler.output_text(unicode=True), encoding="utf-8")
    finally:
        app.close()
    return seconds, imported["eligibility"]


def measure_in_detail(
    member_months: int, profile: Path | None = None, repeats: int = 1
) -> Measurement:
    """Medians of ``repeats`` runs, each on a new database: the import, then the COPY."""
    document = _document(member_months)
    rows = [
        (
            e["cin"],
            e["month"],
            e["aid_code"],
            e["county_code"],
            e["plan"],
            json.dumps(e["ohc_codes"]),
        )
        for e in document["eligibility"]  # type: ignore[attr-defined]
    ]
    counts = {kind: len(v) for kind, v in document.items()}  # type: ignore[arg-type]
    imports: list[float] = []
    copies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, postgres.postgres_server() as server:
        path = Path(tmp) / "dataset.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        del document
        for run in range(repeats):
            url = postgres.create_database(server, "spenddown_bench")
            seconds, imported = _import_seconds(url, path, profile if run == 0 else None)
            assert imported == len(rows), imported
            imports.append(seconds)
            copies.append(_copy_seconds(url, rows))
            postgres.drop_database(server, url)
        file_mb = path.stat().st_size / 1e6
    return Measurement(
        len(rows), statistics.median(imports), statistics.median(copies), counts, file_mb
    )


def measure(member_months: int, repeats: int = 1) -> tuple[float, float]:
    """(import member-months/s, raw COPY rows/s) for this many member-months."""
    m = measure_in_detail(member_months, repeats=repeats)
    return m.import_rate, m.copy_rate


def run(quick: bool) -> list[Figure]:
    # A million member-months take a minute or two per run: the full figure is one run.
    m = measure_in_detail(QUICK) if quick else measure_in_detail(FULL)
    return [
        Figure(
            f"5. Eligibility import, {m.member_months:,} member-months (PostgreSQL)",
            m.import_rate,
            m.copy_rate,
            "member-months/s",
            "≤ 60 s for 1M and ≥ 30% of COPY",
            f"import {m.import_seconds:.1f} s (a {m.file_mb:.0f} MB JSON file with "
            f"{m.counts['members']:,} members, {m.counts['soc']:,} SOC records), "
            f"raw COPY of the eligibility rows {m.copy_seconds:.1f} s",
            min_ratio=0.30,
            min_value=1_000_000 / 60,  # 1M member-months in 60 s
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--member-months", type=int, default=QUICK)
    parser.add_argument("--profile", type=Path, help="write a pyinstrument text profile here")
    parser.add_argument("--repeats", type=int, default=1, help="medians of this many runs")
    args = parser.parse_args()
    m = measure_in_detail(args.member_months, args.profile, args.repeats)
    print(
        f"{m.member_months:,} member-months: import {m.import_seconds:.1f} s "
        f"({m.import_rate:,.0f}/s), COPY {m.copy_seconds:.1f} s ({m.copy_rate:,.0f}/s), "
        f"ratio {m.import_rate / m.copy_rate:.0%}; {m.counts}, {m.file_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()

"""Figure 1: SOC clearance at the service layer, 4 workers over 100 budget units on
PostgreSQL, against the same transaction as a raw pgbench script (lock the obligation, insert
the ledger row, update remaining) on the same server, in the same run.

    python -m bench.clearance --profile OUT.txt [SECONDS]

profiles one worker's clearances with pyinstrument (``bench/profiles/1-clearance.txt``)."""

from __future__ import annotations

import multiprocessing
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import targets
from bench.common import (
    PIN,
    PINS,
    Figure,
    cin,
    local_code,
    npi,
    population,
    postgres,
    today_ca,
)
from spenddown import bootstrap
from spenddown.adapters.dataset import parse_dataset
from spenddown.domain.identifiers import parse_member_id
from spenddown.domain.money import Money
from spenddown.domain.share_of_cost.ledger import Payment
from spenddown.services import share_of_cost
from spenddown.services.imports import import_dataset

UNITS = 100
ISSUED = date(2025, 1, 2)  # bench.common.population's card issue date
WORKERS = 4

PGBENCH_SCRIPT = """\\set bu random(0, {last})
BEGIN;
SELECT remaining_cents FROM soc_obligations WHERE case_id = 'C-' || :bu AND budget_unit = 'A'
  AND month = '{month}' AND program = 'medi-cal' FOR UPDATE;
INSERT INTO soc_entries (entry_id, clearance_id, kind, case_id, budget_unit, month, program,
  cin, provider_npi, service_date, billing_code, service_charge_cents, payment, applied_cents,
  remaining_after_cents, created_at)
  VALUES (md5(random()::text || clock_timestamp()::text), 'c', 'clearance', 'C-' || :bu, 'A',
  '{month}', 'medi-cal', 'x', '{npi}', CURRENT_DATE, 'B', 100, 'paid', 100, 0, now());
UPDATE soc_obligations SET remaining_cents = remaining_cents - 100 WHERE case_id = 'C-' || :bu
  AND budget_unit = 'A' AND month = '{month}' AND program = 'medi-cal';
END;
"""


def clearing(url: str, w: int, run: str) -> tuple[bootstrap.App, Callable[[int], None]]:
    """Worker ``w``'s app and its n-th clearance: $1.00 on one of the units."""
    app = bootstrap.build(url, migrate=False, pins=PINS, pool_size=1)
    day = today_ca()
    provider = npi(w)

    def clear(n: int) -> None:
        unit = (n * 7 + w * 13) % UNITS
        cmd = share_of_cost.ClearShareOfCost(
            provider,
            PIN,
            parse_member_id(cin(unit)),
            ISSUED,
            day,
            local_code(f"{run}W{w}N{n}"),  # a distinct, valid local code per clearance
            Money.of("1.00"),
            Payment.PAID,
        )
        share_of_cost.clear_share_of_cost(cmd, app.uow(), app.env)

    return app, clear


def _worker(url: str, w: int, start_at: float, seconds: float, run: str) -> int:
    """One worker process (like one server worker): its own engine and PIN cache, clearing
    until the window closes; returns how many it made."""
    app, clear = clearing(url, w, run)
    try:
        clear(-1)  # warm: connection, statement caches, this worker's PIN verification
        time.sleep(max(0.0, start_at - time.time()))
        stop = time.monotonic() + seconds
        n = 0
        while time.monotonic() < stop:
            clear(n)
            n += 1
        return n
    finally:
        app.close()


def _service_rate(url: str, seconds: float, run: str) -> float:
    """WORKERS processes (the GIL would serialise threads), started together."""
    start_at = time.time() + 4  # every process imported, connected and warmed by then
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
        futures = [pool.submit(_worker, url, w, start_at, seconds, run) for w in range(WORKERS)]
        counts = [f.result() for f in futures]  # a worker's error is raised here
    return sum(counts) / seconds


def _pgbench_rate(url: str, seconds: float, month: str, bin_dir: Path) -> float:
    parsed = make_url(url)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "clear.sql"
        script.write_text(PGBENCH_SCRIPT.format(last=UNITS - 1, month=month, npi=npi(0)))
        out = subprocess.run(
            [
                f"{bin_dir}/pgbench",
                "-n",
                "-c",
                str(WORKERS),
                "-j",
                "2",
                "-T",
                str(int(seconds)),
                "-f",
                str(script),
                "-h",
                parsed.host or "127.0.0.1",
                "-p",
                str(parsed.port),
                "-U",
                parsed.username or "postgres",
                parsed.database or "postgres",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        ).stdout
    match = re.search(r"tps = ([0-9.]+)", out)
    if match is None:
        raise RuntimeError(f"pgbench printed no tps: {out}")
    return float(match.group(1))


def seed(url: str, units_in_db: int, month: str) -> None:
    app = bootstrap.build(url, pins=PINS)
    try:
        data = population(max(units_in_db, UNITS), WORKERS, month, "1000000.00")
        import_dataset(parse_dataset(data), app.uow(), app.env)
    finally:
        app.close()


def measure(units_in_db: int, seconds: float, *, baseline: bool = True) -> tuple[float, float]:
    """(service clearances/s, pgbench tps) with ``units_in_db`` budget units stored, the load
    on the first ``UNITS`` of them (figure 7 calls this at 10× the data)."""
    binaries = postgres.find_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL server binaries are missing: run `make postgres`")
    month = today_ca().strftime("%Y-%m")
    with postgres.postgres_server() as server:
        url = postgres.create_database(server, "spenddown_bench")
        seed(url, units_in_db, month)
        service = _service_rate(url, seconds, "run")
        pgbench = _pgbench_rate(url, seconds, month, binaries.initdb.parent) if baseline else 0.0
    return service, pgbench


def run(quick: bool) -> list[Figure]:
    service, baseline = measure(UNITS, 3.0 if quick else 10.0)
    return [
        Figure(
            "1. SOC clearance, service layer, 4 workers / 100 units (PostgreSQL)",
            service,
            baseline,
            "clearances/s",
            note="baseline: the same transaction as a raw pgbench script; 4 worker processes",
            **targets.bounds("clearance-service"),
        )
    ]


def profile(out: Path, seconds: float) -> None:
    """One worker's clearances, one at a time, under pyinstrument: the CPU of each part of a
    clearance (the database's own time shows as the driver waiting)."""
    from pyinstrument import Profiler

    with postgres.postgres_server() as server:
        url = postgres.create_database(server, "spenddown_bench")
        seed(url, UNITS, today_ca().strftime("%Y-%m"))
        app, clear = clearing(url, 0, "profile")
        try:
            clear(-1)
            profiler = Profiler(interval=0.0005)
            n = 0
            stop = time.monotonic() + seconds
            with profiler:
                while time.monotonic() < stop:
                    clear(n)
                    n += 1
        finally:
            app.close()
    header = f"{n} clearances in {seconds:g} s, one process, one at a time (PostgreSQL)\n\n"
    out.write_text(header + profiler.output_text(unicode=True, show_all=False))


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "--profile":
        raise SystemExit("usage: python -m bench.clearance --profile OUT.txt [SECONDS]")
    profile(Path(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 20.0)

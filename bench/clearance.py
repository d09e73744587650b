"""Figure 1: SOC clearance at the service layer, 4 workers over 100 budget units on
PostgreSQL, against the same transaction as a raw pgbench script (lock the obligation, insert
the ledger row, update remaining) on the same server, in the same run."""

from __future__ import annotations

import re
import subprocess
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.common import PIN, PINS, Figure, cin, npi, population, postgres, today_ca
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


def _service_rate(app: bootstrap.App, seconds: float, run: str) -> float:
    day = today_ca()
    counts = [0] * WORKERS
    errors: list[BaseException] = []
    stop = time.monotonic() + seconds

    def worker(w: int) -> None:
        provider = npi(w)
        n = 0
        while time.monotonic() < stop:
            unit = (n * 7 + w * 13) % UNITS
            cmd = share_of_cost.ClearShareOfCost(
                provider,
                PIN,
                parse_member_id(cin(unit)),
                ISSUED,
                day,
                f"{run}W{w}N{n}",
                Money.of("1.00"),
                Payment.PAID,
            )
            try:
                share_of_cost.clear_share_of_cost(cmd, app.uow(), app.env)
            except BaseException as error:  # reported below: a benchmark must not hide errors
                errors.append(error)
                return
            n += 1
        counts[w] = n

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return sum(counts) / (time.monotonic() - started)


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


def run(quick: bool) -> list[Figure]:
    seconds = 5.0 if quick else 30.0
    binaries = postgres.find_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL server binaries are missing: run `make postgres`")
    month = today_ca().strftime("%Y-%m")
    with postgres.postgres_server() as server:
        url = postgres.create_database(server, "spenddown_bench")
        app = bootstrap.build(url, pins=PINS, pool_size=WORKERS * 2)
        try:
            data = population(UNITS, WORKERS, month, "1000000.00")
            import_dataset(parse_dataset(data), app.uow(), app.env)
            _service_rate(app, 2, "warm")  # warm up: caches, pool, PIN verification
            service = _service_rate(app, seconds, "run")
        finally:
            app.close()
        baseline = _pgbench_rate(url, seconds, month, binaries.initdb.parent)
    return [
        Figure(
            "1. SOC clearance, service layer, 4 workers / 100 units (PostgreSQL)",
            service,
            baseline,
            "clearances/s",
            "≥ 35% of pgbench",
            "baseline: the same transaction as a raw pgbench script",
        )
    ]

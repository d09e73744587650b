"""Crash safety (issue 3, docs/architecture.md "Tests that mean something"): SIGKILL the server
in the middle of 500 concurrent clearances from several providers, restart it, and check that
every clearance answered 201 is stored, that retries with the same idempotency key apply nothing
twice, that the audit is clean, and that each certification produced exactly one plan activation.
On both engines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from test_api_uvicorn import free_port, wait_until_healthy

from spenddown import bootstrap
from spenddown.adapters.dataset import parse_dataset
from spenddown.adapters.db import tables
from spenddown.services.audit import audit_ledger
from spenddown.services.imports import import_dataset
from support.cli import TODAY
from support.synthetic import PIN, cin, npi, population
from support.world import FAST_PINS

UNITS = 40
PROVIDERS = 4
REQUESTS = 500
KILL_AFTER = 150  # answered requests before the SIGKILL
SCRIPT = Path(sys.executable).with_name("spenddown")


def start(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPENDDOWN_")}
    env.update(SPENDDOWN_DEMO="1", SPENDDOWN_DATABASE_URL=url)
    return subprocess.Popen(
        [str(SCRIPT), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def body(i: int) -> dict[str, Any]:
    return {
        "member_id": cin(i % UNITS),
        "bic_issue_date": "2025-01-02",
        "service_date": str(TODAY),
        "billing_code": f"K{i:04d}",
        "service_charge": f"{7 + i % 23}.00",
        "payment": "paid",
        "idempotency_key": f"req-{i}",
    }


def test_sigkill_mid_burst_loses_nothing_and_doubles_nothing(database_url: str) -> None:
    app = bootstrap.build(database_url, pins=FAST_PINS)
    data = population(UNITS, PROVIDERS, TODAY.strftime("%Y-%m"), "100.00")
    import_dataset(parse_dataset(data), app.uow(), app.env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start(database_url, port)
    created: dict[int, str] = {}  # request → clearance id answered 201
    answered = threading.Semaphore(0)
    lock = threading.Lock()
    try:
        wait_until_healthy(base, server)  # type: ignore[arg-type]

        def send(i: int) -> None:
            try:
                response = httpx.post(
                    f"{base}/v1/soc/clearances",
                    json=body(i),
                    auth=(npi(i % PROVIDERS), PIN),
                    timeout=30,
                )
            except httpx.TransportError:
                return  # the server died under it: no answer, nothing promised
            if response.status_code == 201:
                with lock:
                    created[i] = response.json()["clearance_id"]
            answered.release()

        def killer() -> None:
            for _ in range(KILL_AFTER):
                answered.acquire()
            server.send_signal(signal.SIGKILL)

        threading.Thread(target=killer, daemon=True).start()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(send, range(REQUESTS)))
        server.wait(timeout=30)
        assert server.returncode == -signal.SIGKILL
        assert len(created) >= KILL_AFTER // 2

        server = start(database_url, port)  # restart on the same database
        wait_until_healthy(base, server)  # type: ignore[arg-type]
        # Every request is retried with its idempotency key: answered ones give back the same
        # clearance, the rest are applied now, nothing twice.
        retried: dict[int, httpx.Response] = {}
        with ThreadPoolExecutor(8) as pool:
            for i, response in zip(
                range(REQUESTS),
                pool.map(
                    lambda i: httpx.post(
                        f"{base}/v1/soc/clearances",
                        json=body(i),
                        auth=(npi(i % PROVIDERS), PIN),
                        timeout=30,
                    ),
                    range(REQUESTS),
                ),
                strict=True,
            ):
                retried[i] = response
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    for i, clearance_id in created.items():
        if i in retried:
            assert retried[i].status_code == 201
            assert retried[i].json()["clearance_id"] == clearance_id
    assert {r.status_code for r in retried.values()} <= {201, 409}
    refused = {r.json()["code"] for r in retried.values() if r.status_code == 409}
    assert refused <= {"SOC_ALREADY_MET"}
    with app.engine.connect() as connection:
        stored = connection.execute(
            select(func.count(func.distinct(tables.soc_entries.c.clearance_id)))
        ).scalar_one()
        stored_ids = set(connection.execute(select(tables.soc_entries.c.clearance_id)).scalars())
        activations = connection.execute(
            select(func.count()).select_from(tables.plan_activations)
        ).scalar_one()
    assert set(created.values()) <= stored_ids  # every 201 is stored
    assert stored == sum(1 for r in retried.values() if r.status_code == 201)
    assert audit_ledger(app.uow()) == []
    certified = sum(
        1
        for i in range(UNITS)
        if any(
            r.status_code == 201 and r.json()["certified"] and r.json()["member_id"] == cin(i)
            for r in retried.values()
        )
    )
    assert activations == certified == UNITS  # all met; one activation each
    app.close()

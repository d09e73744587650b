"""The API served by a real uvicorn process (``app.run``, as ``spenddown serve`` runs it) on a
loopback port against a SQLite file in demo mode: health, a verification and a clearance over
HTTP, a clean stop, and a server log without member IDs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from spenddown import bootstrap
from spenddown.services.access import create_token
from support.world import FAST_PINS, PHYSICIAN, SOC_MEMBER, World, base_dataset

ISSUE = "2025-02-01"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def current_dataset(month: str) -> dict[str, Any]:
    """The world dataset moved to the current month (the server runs on the real clock)."""
    document = base_dataset()
    for row in document["eligibility"] + document["soc"]:
        row["month"] = month
    return document


def wait_until_healthy(base: str, server: subprocess.Popen[bytes], seconds: float = 300) -> None:
    """A generous limit: a loaded CI machine may take long to migrate and start (on PostgreSQL
    `serve` starts a worker per core, each importing the application: 2 workers took up to
    97 s at load 20 on 2 cores); the server's own exit is still seen at once."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited early"
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not become healthy")


def test_real_uvicorn_serves_verify_and_clear(tmp_path: Path) -> None:
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()
    url = f"sqlite:///{tmp_path / 'served.db'}"
    seeded = bootstrap.build(url, pins=FAST_PINS)
    World(seeded, seeded.env.clock).load(current_dataset(today.strftime("%Y-%m")))  # type: ignore[arg-type]
    county = create_token("county", "uvicorn test", seeded.uow(), seeded.env).secret
    seeded.close()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Nothing but the database: no secret key (a random one per process), not in demo mode.
    env = dict(os.environ)
    for name in ("SPENDDOWN_DEMO", "SPENDDOWN_DATABASE_URL", "SPENDDOWN_SECRET_KEY"):
        env.pop(name, None)
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from spenddown.entrypoints.api.app import run; "
                f"run('127.0.0.1', {port}, {url!r}, False)",
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_healthy(base, server)
            auth = httpx.BasicAuth(*PHYSICIAN)
            with httpx.Client(base_url=base, timeout=10) as client:
                assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
                member = {
                    "member_id": SOC_MEMBER,
                    "bic_issue_date": ISSUE,
                    "service_date": today.isoformat(),
                }
                verified = client.post("/v1/eligibility/verifications", json=member, auth=auth)
                assert verified.status_code == 200, verified.text
                assert verified.json()["share_of_cost"]["remaining"] == "600.00"
                clearance = {
                    **member,
                    "billing_code": "99213",
                    "service_charge": "150.00",
                    "payment": "paid",
                    "idempotency_key": "uvicorn-1",
                }
                cleared = client.post("/v1/soc/clearances", json=clearance, auth=auth)
                assert cleared.status_code == 201, cleared.text
                assert cleared.json()["remaining"] == "450.00"
                again = client.post("/v1/soc/clearances", json=clearance, auth=auth)
                assert again.json() == cleared.json()
                obligation = client.get(
                    f"/v1/soc/obligations/{SOC_MEMBER}/{today:%Y-%m}",
                    headers={"Authorization": f"Bearer {county}"},
                )
                assert obligation.status_code == 200
                assert obligation.json()["remaining"] == "450.00"
                refused = client.get(f"/v1/soc/obligations/{SOC_MEMBER}/{today:%Y-%m}")
                assert refused.status_code == 401
                assert refused.headers["content-type"] == "application/problem+json"
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    text = log.read_text(encoding="utf-8", errors="replace")
    # uvicorn shuts down gracefully, then re-raises the signal it caught (exit status -15).
    assert server.returncode in (0, -signal.SIGTERM), text
    assert "Finished server process" in text
    assert "SPENDDOWN_SECRET_KEY is not set" in text  # said once, at the start
    assert "POST /v1/soc/clearances 201" in text
    assert "GET /v1/soc/obligations/{member_id}/{month} 200" in text
    assert SOC_MEMBER not in text
    assert PHYSICIAN[1] not in text
    assert county not in text
